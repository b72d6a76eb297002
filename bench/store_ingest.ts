/**
 * Store ingest benchmark: 1,000,000 samples over 8 series into a temporary file store,
 * through the BatchWriter (flushing every 50,000 rows) and through one insertSamples call.
 * Prints figures; asserts nothing.
 *
 * Run: `deno run -A bench/store_ingest.ts`
 *
 * @module
 */
import { join } from "node:path";
import { BatchWriter, type SampleRow, Store } from "../store/mod.ts";

const TOTAL = 1_000_000;
const SERIES = 8;
const FLUSH_EVERY = 50_000;
const GOAL = 200_000;

function openStore(dir: string, name: string) {
  const store = Store.open(join(dir, name));
  const runId = store.startRun({
    startedAt: Date.now(),
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
  return { store, runId, seriesIds };
}

function sample(i: number, runId: number, seriesIds: number[]): SampleRow {
  const lost = i % 100 === 0;
  return {
    seriesId: seriesIds[i % SERIES]!,
    ts: 1_700_000_000_000 + Math.floor(i / SERIES) * 1000,
    value: lost ? null : 10 + (i % 977) / 10,
    status: lost ? "lost" : "ok",
    seq: Math.floor(i / SERIES),
    reason: lost ? "timeout" : null,
    runId,
  };
}

function report(label: string, seconds: number): void {
  const rate = TOTAL / seconds;
  console.log(
    `${label}: ${TOTAL} samples in ${seconds.toFixed(2)} s = ${Math.round(rate / 1000)}k ` +
      `samples/s (goal >= ${GOAL / 1000}k/s)`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "bufferbane_bench_" });
try {
  {
    const { store, runId, seriesIds } = openStore(dir, "writer.db");
    const writer = new BatchWriter(store, { flushInterval: 0 });
    const started = performance.now();
    for (let i = 0; i < TOTAL; i++) {
      writer.addSample(sample(i, runId, seriesIds));
      if ((i + 1) % FLUSH_EVERY === 0) writer.flush();
    }
    writer.close();
    report("store ingest (BatchWriter)", (performance.now() - started) / 1000);
    store.close();
  }
  {
    const { store, runId, seriesIds } = openStore(dir, "direct.db");
    const rows = Array.from({ length: TOTAL }, (_, i) => sample(i, runId, seriesIds));
    const started = performance.now();
    store.insertSamples(rows);
    report("store ingest (insertSamples, one call)", (performance.now() - started) / 1000);
    store.close();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
