import { assertEquals } from "../tests/support/assert.ts";
import { Store } from "./store.ts";

Deno.test("Store.lastEvent() finds the newest event of some kinds about matching series", () => {
  const store = Store.open(":memory:");
  try {
    const series = (target: string, iface: string) =>
      store.seriesId({
        plugin: "traceroute",
        target,
        interface: iface,
        server: "",
        metric: "hops",
        unit: "",
      });
    const eth = series("192.0.2.9", "eth0");
    const wifi = series("192.0.2.9", "wlan0");
    const run1 = store.startRun({
      startedAt: 0,
      recipeName: "r",
      recipePath: null,
      recipeText: "",
      recipeHash: "",
      effectiveRecipe: {},
      host: "h",
      toolVersion: "0",
    });
    const event = (ts: number, kind: string, seriesId: number | null, runId: number | null) => ({
      runId,
      ts,
      kind,
      severity: "info" as const,
      seriesId,
      message: `${kind} ${ts}`,
      data: { ts },
    });
    store.insertEvents([
      event(10, "traceroute_path", eth, run1),
      event(20, "path_change", eth, run1),
      event(30, "traceroute_path", wifi, run1),
      event(40, "alert", eth, run1),
      event(50, "path_change", null, run1),
    ]);
    const filter = { plugin: "traceroute", target: "192.0.2.9", interface: "eth0" };
    const kinds = ["traceroute_path", "path_change"];
    assertEquals(store.lastEvent({ kinds, filter })?.message, "path_change 20");
    assertEquals(store.lastEvent({ kinds, filter })?.data, { ts: 20 });
    assertEquals(store.lastEvent({ kinds: ["traceroute_path"], filter })?.ts, 10);
    assertEquals(store.lastEvent({ kinds, filter: { ...filter, interface: "wlan0" } })?.ts, 30);
    assertEquals(store.lastEvent({ kinds, filter, excludeRunId: run1 }), undefined);
    assertEquals(store.lastEvent({ kinds: [], filter }), undefined);
    assertEquals(store.lastEvent({ kinds, filter: { ...filter, target: "x" } }), undefined);
  } finally {
    store.close();
  }
});
