import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { SeriesLabel } from "../core/run_observer.ts";
import { createNdjsonView } from "./ndjson_view.ts";

const label: SeriesLabel = {
  plugin: "icmp",
  target: "192.0.2.1",
  interface: "eth0",
  server: "",
  metric: "rtt",
  unit: "ms",
  primary: true,
};
const secondary: SeriesLabel = { ...label, metric: "ttl", unit: "", primary: false };

Deno.test("createNdjsonView() writes one interval line per series with samples, JSON only", () => {
  const lines: string[] = [];
  const view = createNdjsonView({ write: (l) => lines.push(l), intervalMs: 60_000 });
  view.onStart?.({ runId: 1, recipe: "r", jobs: 1, notes: [] });
  view.onSample?.(label, { timestamp: 0, metric: "rtt", value: 10, status: "ok" });
  view.onSample?.(label, { timestamp: 1, metric: "rtt", value: 20, status: "ok" });
  view.onSample?.(label, { timestamp: 2, metric: "rtt", value: null, status: "lost" });
  view.onSample?.(secondary, { timestamp: 0, metric: "ttl", value: 64, status: "ok" });
  view.onStop?.({
    runId: 1,
    recipe: "r",
    storePath: ":memory:",
    startedAt: 0,
    endedAt: 3,
    status: "completed",
    stopReason: "duration",
    series: [],
    tests: [],
    activeAlerts: [],
    eventCounts: {},
    notes: [],
    droppedRows: 0,
  });
  const parsed = lines.map((l) => JSON.parse(l));
  assertEquals(parsed.map((p) => p.type), ["interval", "summary"]);
  const interval = parsed[0];
  assertEquals(interval.target, "192.0.2.1");
  assertEquals(interval.interface, "eth0");
  assertEquals(interval.sent, 3);
  assertEquals(interval.received, 2);
  assertEquals(interval.loss_pct, 33.33);
  assertEquals(interval.avg_rtt_ms, 15);
  // RFC 3550: J = 0 + (|20 - 10| - 0) / 16 = 0.625
  assertEquals(interval.jitter_ms, 0.625);
});

Deno.test("createNdjsonView() writes events as JSON lines", () => {
  const lines: string[] = [];
  const view = createNdjsonView({ write: (l) => lines.push(l) });
  view.onEvent?.({
    timestamp: 0,
    kind: "alert",
    severity: "critical",
    message: "Loss 100%",
    series: label,
  });
  const event = JSON.parse(lines[0]!);
  assertEquals(event.type, "event");
  assertEquals(event.severity, "critical");
  assertEquals(event.target, "192.0.2.1");
  assertOk(event.timestamp.startsWith("1970-01-01T00:00:00"));
});
