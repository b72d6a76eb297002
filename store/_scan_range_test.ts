import assert from "node:assert/strict";
import { seriesKey, startTestRun } from "./_testing.ts";
import { OPEN_END, OPEN_START, RangeScanner } from "./_scan_range.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

function storeWith(times: number[]) {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const other = store.seriesId(seriesKey({ target: "other" }));
  const rows: SampleRow[] = times.map((ts, i) => ({
    seriesId,
    ts,
    value: i,
    status: "ok",
    seq: i,
    runId,
  }));
  rows.push({ seriesId: other, ts: times[0] ?? 0, value: -1, status: "ok", runId });
  store.insertSamples(rows);
  return { store, seriesId };
}

function scan(store: Store, seriesId: number, start = OPEN_START, end = OPEN_END) {
  const chunks = [...new RangeScanner(store.db).chunks(seriesId, start, end)];
  return { sizes: chunks.map((c) => c.length), rows: chunks.flat() };
}

Deno.test("RangeScanner.chunks() reads dense data in bounded chunks, every row once", () => {
  // 200,000 rows, 7 per millisecond: chunks are cut at the limit, never inside a millisecond.
  const times = Array.from({ length: 200_000 }, (_, i) => Math.floor(i / 7));
  const { store, seriesId } = storeWith(times);
  const { sizes, rows } = scan(store, seriesId);
  assert.ok(sizes.length >= 4, `chunks: ${sizes}`);
  assert.ok(sizes.every((n) => n <= 65_536), `chunks: ${sizes}`);
  assert.deepEqual(rows.map((r) => r[3]), times.map((_, i) => i));
  store.close();
});

Deno.test("RangeScanner.chunks() returns a timestamp shared by more rows than a chunk whole", () => {
  const times = [...Array(70_000).fill(5), 6, 7];
  const { store, seriesId } = storeWith(times);
  const { rows } = scan(store, seriesId);
  assert.deepEqual(rows.map((r) => r[3]), times.map((_, i) => i));
  store.close();
});

Deno.test("RangeScanner.chunks() skips long gaps and keeps to a half-open range", () => {
  const day = 86_400_000;
  const times = [0, 1, 30 * day, 30 * day + 5, 365 * day];
  const { store, seriesId } = storeWith(times);
  assert.deepEqual(scan(store, seriesId).rows.map((r) => r[0]), times);
  assert.deepEqual(scan(store, seriesId, 1, 30 * day + 5).rows.map((r) => r[0]), [1, 30 * day]);
  assert.deepEqual(scan(store, seriesId, 2, 3).rows, []);
  store.close();
});
