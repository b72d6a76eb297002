/**
 * Store query benchmark: 8 series x 24 h of 1 s samples (691,200 rows, 1 % lost) in a
 * temporary file store, then bucketed aggregates over the 24 h (1 min and 5 min buckets),
 * the series listing, a raw range and a full export. Prints seconds; asserts nothing.
 *
 * Run: `deno run -A bench/store_query.ts`
 *
 * @module
 */
import { join } from "node:path";
import { type SampleRow, Store } from "../store/mod.ts";

const SERIES = 8;
const SECONDS = 86_400;
const START = Date.UTC(2024, 0, 1);
const END = START + SECONDS * 1000;

function time<T>(label: string, work: () => T, detail: (result: T) => string): T {
  const started = performance.now();
  const result = work();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label}: ${seconds.toFixed(3)} s (${detail(result)})`);
  return result;
}

const dir = await Deno.makeTempDir({ prefix: "bufferbane_bench_" });
try {
  const store = Store.open(join(dir, "query.db"));
  const runId = store.startRun({
    startedAt: START,
    recipeName: "bench",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "bench",
  });
  const seriesIds = Array.from({ length: SERIES }, (_, i) =>
    store.seriesId({
      plugin: "bench",
      target: `target-${i}`,
      interface: "",
      server: "",
      metric: "rtt",
      unit: "ms",
    }));
  time("store query: build 8 series x 24 h of 1 s data", () => {
    // Written a minute at a time, interleaved across series, as a recorder would.
    for (let minute = 0; minute < SECONDS / 60; minute++) {
      const rows: SampleRow[] = [];
      for (let second = minute * 60; second < (minute + 1) * 60; second++) {
        for (const seriesId of seriesIds) {
          const lost = (second * 7 + seriesId) % 100 === 0;
          rows.push({
            seriesId,
            ts: START + second * 1000,
            value: lost ? null : 20 + ((second * 31 + seriesId * 17) % 400) / 10,
            status: lost ? "lost" : "ok",
            seq: second,
            runId,
          });
        }
      }
      store.insertSamples(rows);
    }
    return SERIES * SECONDS;
  }, (rows) => `${rows} rows`);

  for (const [label, bucketMs] of [["1 min", 60_000], ["5 min", 300_000]] as const) {
    time(
      `store query: aggregate 24 h, 8 series, ${label} buckets`,
      () => store.aggregate({ seriesIds, start: START, end: END, bucketMs }),
      (rows) => `${rows.length} buckets`,
    );
  }
  time("store query: listSeries", () => store.listSeries(), (rows) => `${rows.length} series`);
  time(
    "store query: rawRange 1 series x 24 h",
    () => store.rawRange({ seriesIds: [seriesIds[0]!], start: START, end: END }),
    (rows) => `${rows.length} rows`,
  );
  time("store query: export all rows (streamed)", () => {
    let count = 0;
    for (const _row of store.exportRows({ start: START, end: END })) count++;
    return count;
  }, (rows) => `${rows} rows`);
  store.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
