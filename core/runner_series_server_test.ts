/**
 * The runner's side of two contract features, with an in-memory plugin: a sample's
 * `seriesServer` makes a series of its own, an event's data is stored, and the next run's
 * plugin reads that event back through `previousEvent` (the traceroute plugin's path).
 */
import { z } from "zod";
import { assertEquals } from "../tests/support/assert.ts";
import type { Plugin, PluginEvent } from "./contract.ts";
import { parseRecipe } from "./recipe.ts";
import { PluginRegistry } from "./registry.ts";
import { runRecipe } from "./runner.ts";
import { Store } from "../store/store.ts";

function remembering(seen: (PluginEvent | undefined)[]): Plugin<Record<string, never>> {
  return {
    name: "remember",
    description: "Yields per-part samples and remembers a number across runs",
    kind: "probe",
    targets: "required",
    metrics: [{ name: "value", unit: "", description: "A value" }],
    options: z.strictObject({}),
    defaults: {},
    async *run(ctx, _options, signal) {
      const previous = ctx.previousEvent?.(["memory"]);
      seen.push(previous);
      const count = ((previous?.data?.count as number | undefined) ?? 0) + 1;
      ctx.event({
        kind: "memory",
        severity: "info",
        metric: "value",
        message: `run ${count}`,
        data: { count },
      });
      for await (const slot of ctx.schedule.slots(signal)) {
        for (const part of ["a", "b"]) {
          yield {
            timestamp: slot.at,
            metric: "value",
            value: count,
            status: "ok",
            seq: slot.seq,
            seriesServer: `part ${part}`,
          };
        }
      }
    },
  };
}

Deno.test("runRecipe() keys series by seriesServer, stores event data and reads it back next run", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/store.db`;
  try {
    const seen: (PluginEvent | undefined)[] = [];
    const registry = new PluginRegistry().register(remembering(seen));
    const text = [
      'name = "memory"',
      'duration = "150ms"',
      "[[probes]]",
      'plugin = "remember"',
      'targets = ["x", "y"]',
      'interval = "50ms"',
      "",
    ].join("\n");
    for (let run = 0; run < 2; run++) {
      const { recipe } = await parseRecipe(text, { path: "memory.toml", registry });
      await runRecipe({ recipe, registry, storePath: db, handleSignals: false, startDelay: 0 });
    }
    // Each target reads back only its own event: none in the first run, run 1's in the second.
    assertEquals(seen.slice(0, 2), [undefined, undefined]);
    assertEquals(seen.slice(2).map((e) => e?.data), [{ count: 1 }, { count: 1 }]);
    const store = Store.open(db);
    try {
      const series = store.listSeries().filter((s) => s.sampleCount > 0)
        .map((s) => `${s.target} ${s.server}`).sort();
      assertEquals(series, ["x part a", "x part b", "y part a", "y part b"]);
      const events = store.events().filter((e) => e.kind === "memory");
      assertEquals(events.map((e) => e.data), [{ count: 1 }, { count: 1 }, { count: 2 }, {
        count: 2,
      }]);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
