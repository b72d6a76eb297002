import assert from "node:assert/strict";
import { RELATIVE_ACCURACY } from "./_sketch.ts";
import { seriesKey, startTestRun } from "./_testing.ts";
import { Store } from "./store.ts";
import type { AggregateQuery, RollupRow, SampleRow } from "./types.ts";

const T0 = Date.UTC(2026, 9, 18);
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** mulberry32: the same figures on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two series over five hours and a bit, irregular times, losses, failures and spikes. */
function fixture() {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const ids = [store.seriesId(seriesKey()), store.seriesId(seriesKey({ target: "b" }))];
  const next = random(42);
  const rows: SampleRow[] = [];
  for (const seriesId of ids) {
    let ts = T0 - 17_250;
    while (ts < T0 + 5 * HOUR + 23 * MINUTE) {
      const roll = next();
      const status = roll < 0.03 ? "lost" : roll < 0.035 ? "failed" : "ok";
      const value = status === "ok" ? 8 + 20 * next() ** 2 + (next() < 0.01 ? 150 : 0) : null;
      rows.push({ seriesId, ts, value, status, runId });
      ts += 400 + Math.floor(1200 * next());
    }
  }
  store.insertSamples(rows);
  return { store, ids, rows };
}

/** IPDV per series and bucket, straight from the rows. */
function referenceIpdv(rows: SampleRow[], bucketMs: number, origin: number, range: AggregateQuery) {
  const out = new Map<string, { sum: number; count: number; last: number | null }>();
  for (const row of [...rows].sort((a, b) => a.seriesId - b.seriesId || a.ts - b.ts)) {
    if (row.ts < (range.start ?? -Infinity) || row.ts >= (range.end ?? Infinity)) continue;
    if (row.status !== "ok" || row.value === null) continue;
    const bucket = origin + Math.floor((row.ts - origin) / bucketMs) * bucketMs;
    const key = `${row.seriesId}/${bucket}`;
    const entry = out.get(key) ?? { sum: 0, count: 0, last: null };
    if (entry.last !== null) {
      entry.sum += Math.abs(row.value - entry.last);
      entry.count++;
    }
    entry.last = row.value;
    out.set(key, entry);
  }
  return out;
}

function near(actual: number | null, expected: number | null, relative: number, what: string) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null, what);
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative + 1e-9,
    `${what}: ${actual} vs ${expected}`,
  );
}

function checkAgainstRaw(store: Store, rows: SampleRow[], query: AggregateQuery): RollupRow[] {
  const exact = store.aggregate(query);
  const fast = store.rollupAggregate(query);
  const ipdv = referenceIpdv(rows, query.bucketMs, query.origin ?? 0, query);
  assert.equal(fast.length, exact.length);
  fast.forEach((row, i) => {
    const want = exact[i]!;
    const what = `bucket ${row.seriesId}/${row.bucketStart} of ${query.bucketMs} ms`;
    assert.equal(row.seriesId, want.seriesId, what);
    assert.equal(row.bucketStart, want.bucketStart, what);
    assert.equal(row.count, want.count, what);
    assert.equal(row.lost, want.lost, what);
    assert.equal(row.min, want.min, what);
    assert.equal(row.max, want.max, what);
    near(row.avg, want.avg, 1e-12, `${what} avg`);
    const tolerance = row.exact ? 0 : RELATIVE_ACCURACY;
    near(row.p50, want.p50, tolerance, `${what} p50`);
    near(row.p95, want.p95, tolerance, `${what} p95`);
    near(row.p99, want.p99, tolerance, `${what} p99`);
    const reference = ipdv.get(`${row.seriesId}/${row.bucketStart}`);
    const expected = reference && reference.count > 0 ? reference.sum / reference.count : null;
    near(row.ipdv, expected, 1e-9, `${what} ipdv`);
  });
  return fast;
}

Deno.test("Store.rollupAggregate() equals aggregate() exactly before any rollup exists", () => {
  const { store, ids, rows } = fixture();
  for (const bucketMs of [10_000, MINUTE, HOUR]) {
    const fast = checkAgainstRaw(store, rows, { seriesIds: ids, bucketMs });
    assert.ok(fast.every((row) => row.exact));
  }
  store.close();
});

Deno.test("Store.rollupAggregate() matches raw aggregates within 1 % over rollups", () => {
  const { store, ids, rows } = fixture();
  store.refreshRollups();
  const queries: AggregateQuery[] = [
    { seriesIds: ids, bucketMs: MINUTE },
    { seriesIds: ids, bucketMs: 5 * MINUTE, start: T0 + 17_321, end: T0 + 4 * HOUR + 1234 },
    { seriesIds: ids, bucketMs: HOUR },
    { seriesIds: ids, bucketMs: 2 * HOUR, start: T0 + 5 * MINUTE + 3 },
    { seriesIds: [ids[1]!], bucketMs: HOUR, origin: 30 * MINUTE, end: T0 + 5 * HOUR },
    { seriesIds: ids, bucketMs: 30_000 },
    { seriesIds: ids, bucketMs: 24 * HOUR },
  ];
  let approximate = 0;
  for (const query of queries) {
    approximate += checkAgainstRaw(store, rows, query).filter((row) => !row.exact).length;
  }
  assert.ok(approximate > 100, `${approximate} buckets read from rollups`);
  store.close();
});

Deno.test("Store.rollupAggregate() stays right after a late sample reopens rolled-up minutes", () => {
  const { store, ids, rows } = fixture();
  store.refreshRollups();
  const late: SampleRow = {
    seriesId: ids[0]!,
    ts: T0 + HOUR + 1,
    value: 500,
    status: "ok",
    runId: 1,
  };
  store.insertSamples([late]);
  rows.push(late);
  const [hour] = checkAgainstRaw(store, rows, {
    seriesIds: [ids[0]!],
    bucketMs: HOUR,
    start: T0 + HOUR,
    end: T0 + 2 * HOUR,
  });
  assert.equal(hour?.max, 500);
  store.close();
});

Deno.test("Store.rollupAggregate() rejects a bad bucket width or origin", () => {
  const { store, ids } = fixture();
  assert.throws(() => store.rollupAggregate({ seriesIds: ids, bucketMs: 0 }), RangeError);
  assert.throws(() => store.rollupAggregate({ seriesIds: ids, bucketMs: 1.5 }), RangeError);
  assert.throws(
    () => store.rollupAggregate({ seriesIds: ids, bucketMs: MINUTE, origin: Infinity }),
    RangeError,
  );
  store.close();
});

Deno.test("Store.rollupHistogram() counts every ok value in bins that hold it", () => {
  const { store, ids, rows } = fixture();
  store.refreshRollups();
  const start = T0 + 7_777;
  const end = T0 + 4 * HOUR + 4_444;
  const histograms = store.rollupHistogram({ seriesIds: ids, start, end });
  assert.deepEqual(histograms.map((h) => h.seriesId), ids);
  for (const histogram of histograms) {
    const inRange = rows.filter((r) =>
      r.seriesId === histogram.seriesId && r.ts >= start && r.ts < end
    );
    const values = inRange.filter((r) => r.status === "ok").map((r) => r.value!);
    assert.equal(histogram.count, inRange.length);
    assert.equal(histogram.lost, inRange.length - values.length);
    assert.equal(histogram.okCount, values.length);
    assert.equal(histogram.min, Math.min(...values));
    assert.equal(histogram.max, Math.max(...values));
    assert.equal(histogram.bins.reduce((sum, bin) => sum + bin.count, 0), values.length);
    // Every value belongs to exactly the bin counted for it: same counts per bin.
    const counted = histogram.bins.map((bin) =>
      values.filter((v) => v > bin.lower * (1 - 1e-12) && v <= bin.upper * (1 + 1e-12)).length
    );
    assert.deepEqual(counted, histogram.bins.map((bin) => bin.count));
  }
  assert.deepEqual(store.rollupHistogram({ seriesIds: ids, start: 0, end: 1 }), []);
  store.close();
});
