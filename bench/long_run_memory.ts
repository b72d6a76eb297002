/**
 * Long-run benchmark: months of samples at an accelerated pace through the real store writer
 * (BatchWriter with its rollup refresh and compaction), on a simulated clock. Prints the
 * process RSS at the start, middle and end, and the store's size (file + WAL) as it grows,
 * for three stores:
 *
 * - `incremental`: a new store (auto_vacuum = INCREMENTAL) with a retention: compaction gives
 *   pages back to the file system;
 * - `reuse`: an older store (auto_vacuum = NONE) with the same retention: freed pages stay in
 *   the file and new samples reuse them;
 * - `keep-all`: no retention, for comparison.
 *
 * Asserts nothing: figures and ratios only.
 *
 * Memory is read after a forced garbage collection when the bench runs with
 * `--v8-flags=--expose-gc` (otherwise RSS includes garbage V8 has not collected yet, and the
 * heap V8 reserves grows with the allocation rate); "outside V8" is RSS minus V8's heap.
 *
 * Run: `deno run -A --v8-flags=--expose-gc bench/long_run_memory.ts [--samples 1200000]
 * [--series 4] [--interval 10] [--raw-days 7] [--rollup-days 14]
 * [--modes incremental,reuse,keep-all]`
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BatchWriter, migrate, type SampleRow, Store } from "../store/mod.ts";

const DAY = 86_400_000;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    samples: { type: "string", default: "1200000" },
    series: { type: "string", default: "4" },
    interval: { type: "string", default: "10" },
    "raw-days": { type: "string", default: "7" },
    "rollup-days": { type: "string", default: "14" },
    modes: { type: "string", default: "incremental,reuse,keep-all" },
  },
});
const TOTAL = Number(values.samples);
const SERIES = Number(values.series);
const INTERVAL_MS = Number(values.interval) * 1000;
const RAW_MS = Number(values["raw-days"]) * DAY;
const ROLLUP_MS = Number(values["rollup-days"]) * DAY;
/** One flush per simulated hour, as a recorder flushing every second would in an hour. */
const FLUSH_EVERY_MS = 3_600_000;
const START = Date.UTC(2026, 0, 1);

type Mode = "incremental" | "reuse" | "keep-all";

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function sizeOf(path: string): number {
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    try {
      total += Deno.statSync(path + suffix).size;
    } catch {
      // No WAL yet.
    }
  }
  return total;
}

function openStore(path: string, mode: Mode): Store {
  if (mode === "reuse") {
    // An older store: created before incremental auto-vacuum, so its mode is NONE.
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    migrate(db);
    db.close();
  }
  return Store.open(path);
}

function run(dir: string, mode: Mode) {
  const path = join(dir, `${mode}.db`);
  const store = openStore(path, mode);
  const autoVacuum = (store.db.prepare("PRAGMA auto_vacuum").get() as { auto_vacuum: number })
    .auto_vacuum;
  const runId = store.startRun({
    startedAt: START,
    recipeName: "long-run",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "bench",
  });
  const seriesIds = Array.from({ length: SERIES }, (_, i) =>
    store.seriesId({
      plugin: "icmp",
      target: `target-${i}`,
      interface: "",
      server: "",
      metric: "rtt",
      unit: "ms",
    }));
  let now = START;
  // Each flush replays a simulated hour: roll up after every one, as a recorder flushing every
  // second does within a few seconds of each minute closing.
  const writer = new BatchWriter(store, {
    flushInterval: 0,
    rollupSpacing: 0,
    now: () => now,
    ...(mode === "keep-all" ? {} : { retention: { rawMs: RAW_MS, minuteMs: ROLLUP_MS } }),
  });
  const rss: { label: string; bytes: number; heap: number; reserved: number; native: number }[] =
    [];
  const memory = (label: string) => {
    (globalThis as { gc?: () => void }).gc?.();
    const { rss: bytes, heapUsed: heap, heapTotal } = Deno.memoryUsage();
    // What is neither V8's heap nor its reserve: SQLite's cache, buffers, the runtime.
    rss.push({ label, bytes, heap, reserved: heapTotal, native: bytes - heapTotal });
  };
  const sizes: { day: number; bytes: number; raw: number }[] = [];
  const rawRows = () =>
    (store.db.prepare("SELECT count(*) AS n FROM samples").get() as { n: number }).n;
  memory("start");
  const began = performance.now();
  let written = 0;
  let seq = 0;
  let nextReport = 0.1;
  let middleTaken = false;
  let warmTaken = false;
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const batch: SampleRow[] = [];
  while (written < TOTAL) {
    const flushAt = now + FLUSH_EVERY_MS;
    for (; now < flushAt && written < TOTAL; now += INTERVAL_MS, seq++) {
      for (const seriesId of seriesIds) {
        const lost = random() < 0.01;
        batch.push({
          seriesId,
          ts: now,
          value: lost ? null : 15 + random() * 10 + (seriesId % 3) * 5,
          status: lost ? "lost" : "ok",
          seq,
          runId,
          intervalMs: INTERVAL_MS,
        });
        written++;
      }
    }
    writer.addSamples(batch);
    batch.length = 0;
    writer.flush();
    const done = written / TOTAL;
    if (!middleTaken && done >= 0.5) {
      middleTaken = true;
      memory("middle");
    }
    if (!warmTaken && done >= 0.1) {
      warmTaken = true;
      memory("10%");
    }
    if (done >= nextReport) {
      sizes.push({ day: (now - START) / DAY, bytes: sizeOf(path), raw: rawRows() });
      nextReport += 0.1;
    }
  }
  writer.close();
  store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  memory("end");
  const seconds = (performance.now() - began) / 1000;
  const minuteRollups = (store.db.prepare(
    "SELECT count(*) AS n FROM rollups WHERE width = 60000",
  ).get() as { n: number }).n;
  const finalRaw = rawRows();
  store.close();
  const finalSize = sizeOf(path);

  console.log(
    `long run [${mode}] (auto_vacuum ${["NONE", "FULL", "INCREMENTAL"][autoVacuum]}): ` +
      `${written} samples, ${SERIES} series every ${INTERVAL_MS / 1000} s, ` +
      `${((now - START) / DAY).toFixed(0)} simulated days in ${seconds.toFixed(1)} s ` +
      `(${Math.round(written / seconds / 1000)}k samples/s, rollups ${
        mode === "keep-all" ? "included, no retention" : "and compaction included"
      })`,
  );
  const gc = "gc" in globalThis
    ? "after a forced GC"
    : "no forced GC: run with --v8-flags=--expose-gc";
  console.log(`  RSS (${gc}): ${rss.map((r) => `${r.label} ${mib(r.bytes)}`).join(", ")}`);
  console.log(`  JS heap used: ${rss.map((r) => `${r.label} ${mib(r.heap)}`).join(", ")}`);
  console.log(
    `  JS heap reserved by V8: ${rss.map((r) => `${r.label} ${mib(r.reserved)}`).join(", ")}`,
  );
  console.log(
    `  RSS outside V8's heap: ${rss.map((r) => `${r.label} ${mib(r.native)}`).join(", ")}`,
  );
  const [start, warm, middle, end] = rss;
  console.log(
    `  ratios end/middle: RSS ${(end!.bytes / middle!.bytes).toFixed(2)}, JS heap ${
      (end!.heap / middle!.heap).toFixed(2)
    }, outside V8 ${(end!.native / middle!.native).toFixed(2)}; RSS end/10% ${
      (end!.bytes / warm!.bytes).toFixed(2)
    }, end/start ${(end!.bytes / start!.bytes).toFixed(2)}`,
  );
  console.log(
    `  store size by simulated day: ${
      sizes.map((s) => `d${s.day.toFixed(0)} ${mib(s.bytes)} (${s.raw} raw)`).join(", ")
    }`,
  );
  const half = sizes[Math.floor(sizes.length / 2) - 1]!;
  console.log(
    `  size ratio: end/half-way ${(sizes.at(-1)!.bytes / half.bytes).toFixed(2)}; after final ` +
      `checkpoint ${mib(finalSize)}; raw rows kept ${finalRaw} of ${written}; minute rollups ` +
      `${minuteRollups}`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "bufferbane_long_run_" });
try {
  for (const mode of values.modes.split(",") as Mode[]) run(dir, mode);
} finally {
  await Deno.remove(dir, { recursive: true });
}
