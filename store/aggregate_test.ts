import assert from "node:assert/strict";
import { seriesKey, startTestRun } from "./_testing.ts";
import { aggregateSamples } from "./aggregate.ts";
import { Store } from "./store.ts";
import type { AggregateRow, SampleRow } from "./types.ts";

/** Straightforward reference: group, sort, numpy-style percentiles. */
function reference(rows: SampleRow[], bucketMs: number, start: number, end: number, origin = 0) {
  const groups = new Map<string, SampleRow[]>();
  for (const row of rows) {
    if (row.ts < start || row.ts >= end) continue;
    const bucket = origin + Math.floor((row.ts - origin) / bucketMs) * bucketMs;
    const key = `${row.seriesId}/${bucket}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const out: AggregateRow[] = [];
  for (const [key, members] of groups) {
    const [seriesId, bucketStart] = key.split("/").map(Number) as [number, number];
    const ok = members.filter((r) => r.status === "ok").map((r) => r.value!).sort((a, b) => a - b);
    const pct = (p: number) => {
      if (ok.length === 0) return null;
      const rank = (ok.length - 1) * p / 100;
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      return ok[lo]! + (ok[hi]! - ok[lo]!) * (rank - lo);
    };
    out.push({
      seriesId,
      bucketStart,
      count: members.length,
      lost: members.length - ok.length,
      min: ok.length ? ok[0]! : null,
      avg: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null,
      max: ok.length ? ok.at(-1)! : null,
      p50: pct(50),
      p95: pct(95),
      p99: pct(99),
    });
  }
  return out.sort((x, y) => x.seriesId - y.seriesId || x.bucketStart - y.bucketStart);
}

function assertClose(actual: AggregateRow[], expected: AggregateRow[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => {
    const want = expected[i]!;
    for (const field of ["seriesId", "bucketStart", "count", "lost"] as const) {
      assert.equal(row[field], want[field], `row ${i} ${field}`);
    }
    for (const field of ["min", "avg", "max", "p50", "p95", "p99"] as const) {
      const a = row[field];
      const b = want[field];
      if (a === null || b === null) assert.equal(a, b, `row ${i} ${field}`);
      else {assert.ok(
          Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
          `row ${i} ${field}: ${a} vs ${b}`,
        );}
    }
  });
}

/** A small deterministic generator, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function fixture() {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const ids = [
    store.seriesId(seriesKey({ target: "a" })),
    store.seriesId(seriesKey({ target: "b" })),
    store.seriesId(seriesKey({ target: "c" })),
  ];
  const next = random(7);
  const rows: SampleRow[] = [];
  const base = 1_700_000_000_000;
  for (const seriesId of ids) {
    // Irregular times, gaps of up to 2 h, a few lost and failed rows.
    let ts = base + Math.floor(next() * 5000);
    for (let i = 0; i < 4000; i++) {
      ts += next() < 0.01 ? Math.floor(next() * 7_200_000) : Math.floor(next() * 3000);
      const roll = next();
      const status = roll < 0.05 ? "lost" : roll < 0.07 ? "failed" : "ok";
      rows.push({
        seriesId,
        ts,
        value: status === "ok" ? Math.round(next() * 100_000) / 1000 : null,
        status,
        runId,
      });
    }
  }
  store.insertSamples(rows);
  return { store, ids, rows };
}

Deno.test("aggregateSamples() matches a reference over random data and bucket widths", () => {
  const { store, ids, rows } = fixture();
  for (const bucketMs of [1000, 60_000, 300_000, 3_600_000]) {
    const got = aggregateSamples(store.db, { seriesIds: ids, bucketMs });
    assertClose(got, reference(rows, bucketMs, -Infinity, Infinity));
  }
  store.close();
});

Deno.test("aggregateSamples() keeps to the half-open range and the series asked for", () => {
  const { store, ids, rows } = fixture();
  const start = rows[1000]!.ts;
  const end = rows[3000]!.ts;
  const wanted = [ids[2]!, ids[0]!];
  const got = aggregateSamples(store.db, { seriesIds: wanted, start, end, bucketMs: 60_000 });
  const expected = reference(rows.filter((r) => wanted.includes(r.seriesId)), 60_000, start, end);
  assert.ok(expected.length > 10);
  assertClose(got, expected);
  store.close();
});

Deno.test("aggregateSamples() aligns buckets to an origin", () => {
  const { store, ids, rows } = fixture();
  const origin = rows[0]!.ts + 12_345;
  for (const bucketMs of [60_000, 3_600_000]) {
    const got = aggregateSamples(store.db, { seriesIds: ids, bucketMs, origin });
    assert.ok(got.some((row) => row.bucketStart < origin), "rows before the origin too");
    assertClose(got, reference(rows, bucketMs, -Infinity, Infinity, origin));
  }
  // One bucket for a whole run: origin = start, width = the run's length.
  const start = rows[0]!.ts;
  const end = rows[3999]!.ts + 1;
  const whole = aggregateSamples(store.db, {
    seriesIds: [ids[0]!],
    start,
    end,
    bucketMs: end - start,
    origin: start,
  });
  assert.deepEqual(whole.map((row) => [row.bucketStart, row.count]), [[start, 4000]]);
  store.close();
});

Deno.test("aggregateSamples() counts lost rows and gives null figures to a bucket without ok values", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  store.insertSamples([
    { seriesId, ts: 60_000, value: null, status: "lost", runId },
    { seriesId, ts: 61_000, value: null, status: "failed", runId },
    { seriesId, ts: 120_000, value: 4, status: "ok", runId },
  ]);
  assert.deepEqual(aggregateSamples(store.db, { seriesIds: [seriesId], bucketMs: 60_000 }), [
    {
      seriesId,
      bucketStart: 60_000,
      count: 2,
      lost: 2,
      min: null,
      avg: null,
      max: null,
      p50: null,
      p95: null,
      p99: null,
    },
    {
      seriesId,
      bucketStart: 120_000,
      count: 1,
      lost: 0,
      min: 4,
      avg: 4,
      max: 4,
      p50: 4,
      p95: 4,
      p99: 4,
    },
  ]);
  store.close();
});

Deno.test("aggregateSamples() handles a bucket holding more rows than a scan window", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  // 250,000 rows within 25 s: the scanner must split them over several windows.
  const rows: SampleRow[] = Array.from({ length: 250_000 }, (_, i) => ({
    seriesId,
    ts: Math.floor(i / 10),
    value: i % 1000,
    status: "ok",
    runId,
  }));
  store.insertSamples(rows);
  const [bucket, ...rest] = aggregateSamples(store.db, {
    seriesIds: [seriesId],
    bucketMs: 86_400_000,
  });
  assert.equal(rest.length, 0);
  assert.equal(bucket?.count, 250_000);
  assert.equal(bucket?.min, 0);
  assert.equal(bucket?.max, 999);
  assert.equal(bucket?.avg, 499.5);
  assert.equal(bucket?.p50, 499.5);
  store.close();
});

Deno.test("aggregateSamples() rejects a bucket width that is not a positive whole number", () => {
  const store = Store.open(":memory:");
  for (const bucketMs of [0, -1000, 1.5, NaN]) {
    assert.throws(() => aggregateSamples(store.db, { seriesIds: [1], bucketMs }), RangeError);
  }
  assert.throws(
    () => aggregateSamples(store.db, { seriesIds: [1], bucketMs: 1000, origin: NaN }),
    RangeError,
  );
  store.close();
});
