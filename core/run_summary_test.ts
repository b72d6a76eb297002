import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { Job } from "./job.ts";
import type { SeriesLabel } from "./run_observer.ts";
import { buildRunSummary } from "./run_summary.ts";
import { SeriesAccumulator } from "./stats.ts";
import { Store } from "../store/mod.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);

Deno.test("buildRunSummary() takes percentiles of a run whose oldest samples were compacted from the rollups", () => {
  const store = Store.open(":memory:");
  const runId = store.startRun({
    startedAt: T0,
    recipeName: "months",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "test",
  });
  const label: SeriesLabel = {
    plugin: "icmp",
    target: "a",
    interface: "",
    server: "",
    metric: "rtt",
    unit: "ms",
    primary: true,
  };
  const seriesId = store.seriesId(label);
  // Six hours: about 100 ms for four hours, then about 10 ms: the raw samples left after
  // compaction alone would give a p50 near 10.
  store.insertSamples(Array.from({ length: 6 * 3600 }, (_, i) => ({
    seriesId,
    ts: T0 + i * 1000,
    value: (i < 4 * 3600 ? 100 : 10) + (i % 10),
    status: "ok" as const,
    runId,
  })));
  const input = {
    runId,
    recipe: "months",
    hasDuration: false,
    storePath: ":memory:",
    startedAt: T0,
    endedAt: T0 + 6 * HOUR - 1,
    stopReason: "SIGINT",
    series: [{
      id: seriesId,
      label,
      accumulator: new SeriesAccumulator(),
      job: {} as Job,
      reasons: new Map(),
    }],
    schedules: new Map(),
    store,
    tests: [],
    activeAlerts: [],
    eventCounts: {},
    notes: [],
    droppedRows: 0,
  };
  const exact = buildRunSummary(input).series[0]!;
  store.refreshRollups();
  const result = store.compact({ rawRetentionMs: HOUR, now: T0 + 6 * HOUR });
  assertOk(result.deletedSamples >= 4 * 3600, `${result.deletedSamples}`);
  const compacted = buildRunSummary(input).series[0]!;
  for (const key of ["p50", "p95", "p99"] as const) {
    const want = exact[key]!;
    const got = compacted[key]!;
    assertOk(Math.abs(got - want) <= want * 0.02, `${key}: ${got} vs ${want}`);
  }
  assertEquals(Math.round(exact.p50!), 102);
  store.close();
});
