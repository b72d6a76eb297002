import assert from "node:assert/strict";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { seriesKey, startTestRun, storePath, withTempDir } from "./_testing.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

const T0 = Date.UTC(2026, 9, 18);
const MINUTE = 60_000;
const HOUR = 3_600_000;

interface RollupRecord {
  width: number;
  bucket_start: number;
  count: number;
  lost: number;
  ok_count: number;
  min: number | null;
  max: number | null;
  sum: number;
}

function rollups(store: Store, seriesId: number, width: number): RollupRecord[] {
  return store.db.prepare(
    `SELECT width, bucket_start, count, lost, ok_count, min, max, sum FROM rollups
     WHERE series_id = ? AND width = ? ORDER BY bucket_start`,
  ).all(seriesId, width).map((row) => ({ ...row }) as unknown as RollupRecord);
}

function mark(store: Store, seriesId: number): number | undefined {
  const row = store.db.prepare("SELECT rolled_until FROM rollup_marks WHERE series_id = ?")
    .get(seriesId) as { rolled_until: number } | undefined;
  return row?.rolled_until;
}

/** One sample every `stepMs` from `from` for `count` samples; every 10th is lost. */
function samples(seriesId: number, runId: number, from: number, count: number, stepMs = 1000) {
  return Array.from({ length: count }, (_, i): SampleRow => {
    const lost = i % 10 === 9;
    return {
      seriesId,
      ts: from + i * stepMs,
      value: lost ? null : 10 + (i % 13),
      status: lost ? "lost" : "ok",
      runId,
    };
  });
}

function openWithSeries() {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  return { store, runId, seriesId };
}

Deno.test("Store.refreshRollups() rolls up closed minutes and whole hours, once", () => {
  const { store, runId, seriesId } = openWithSeries();
  store.insertSamples(samples(seriesId, runId, T0, 2 * 3600 + 30));
  // Newest sample at 2:00:29; with a 1-minute grace the minutes before 1:59 are closed.
  const first = store.refreshRollups();
  assert.deepEqual(first, { rowsRead: 119 * 60, minutes: 119, hours: 1, done: true });
  assert.equal(mark(store, seriesId), T0 + 119 * MINUTE);
  const minutes = rollups(store, seriesId, MINUTE);
  assert.equal(minutes.length, 119);
  assert.deepEqual(minutes[0], {
    width: MINUTE,
    bucket_start: T0,
    count: 60,
    lost: 6,
    ok_count: 54,
    min: 10,
    max: 22,
    sum: samples(seriesId, runId, T0, 60).reduce((sum, row) => sum + (row.value ?? 0), 0),
  });
  const [hour] = rollups(store, seriesId, HOUR);
  assert.equal(hour?.bucket_start, T0);
  assert.equal(hour?.count, 3600);
  assert.equal(hour?.lost, 360);
  assert.deepEqual(store.refreshRollups(), { rowsRead: 0, minutes: 0, hours: 0, done: true });
  store.close();
});

Deno.test("Store.refreshRollups() stops at maxRows and goes on where it stopped", () => {
  const { store, runId, seriesId } = openWithSeries();
  const other = store.seriesId(seriesKey({ target: "other" }));
  store.insertSamples(samples(seriesId, runId, T0, 14 * 3600));
  store.insertSamples(samples(other, runId, T0, 3600));
  const parts = [];
  for (;;) {
    const part = store.refreshRollups({ maxRows: 10_000 });
    parts.push(part);
    if (part.done) break;
  }
  assert.ok(parts.length >= 3, `${parts.length} calls`);
  // Windows are at most six hours: no call reads much more than its budget.
  for (const part of parts) assert.ok(part.rowsRead <= 10_000 + 6 * 3600, `${part.rowsRead}`);
  const total = parts.reduce((sum, part) => sum + part.rowsRead, 0);
  assert.equal(total, 14 * 3600 - 120 + 3600 - 120);
  assert.equal(rollups(store, seriesId, HOUR).length, 13);
  assert.equal(rollups(store, other, MINUTE).length, 58);
  store.close();
});

Deno.test("Store.refreshRollups() honours until, graceMs and seriesIds", () => {
  const { store, runId, seriesId } = openWithSeries();
  const other = store.seriesId(seriesKey({ target: "other" }));
  store.insertSamples(samples(seriesId, runId, T0, 600));
  store.insertSamples(samples(other, runId, T0, 600));
  const result = store.refreshRollups({ until: T0 + 3 * MINUTE + 5, seriesIds: [seriesId] });
  assert.equal(result.minutes, 3);
  assert.equal(mark(store, other), undefined);
  assert.equal(store.refreshRollups({ graceMs: 0, seriesIds: [seriesId] }).minutes, 6);
  assert.equal(mark(store, seriesId), T0 + 9 * MINUTE);
  assert.throws(() => store.refreshRollups({ graceMs: -1 }), RangeError);
  store.close();
});

Deno.test("Store.refreshRollups() jumps over gaps and writes rollups only where samples are", () => {
  const { store, runId, seriesId } = openWithSeries();
  store.insertSamples(samples(seriesId, runId, T0, 10, 6000));
  store.insertSamples(samples(seriesId, runId, T0 + 40 * 24 * HOUR, 200));
  const result = store.refreshRollups();
  assert.equal(result.minutes, 1 + 2);
  assert.equal(result.hours, 1);
  assert.deepEqual(rollups(store, seriesId, MINUTE).map((row) => row.count), [10, 60, 60]);
  store.close();
});

Deno.test("Store.writeBatch() of a sample before the mark reopens its minute and hour", () => {
  const { store, runId, seriesId } = openWithSeries();
  store.insertSamples(samples(seriesId, runId, T0, 3 * 3600));
  store.refreshRollups();
  assert.equal(mark(store, seriesId), T0 + 178 * MINUTE);
  const late: SampleRow = { seriesId, ts: T0 + 30 * MINUTE + 500, value: 99, status: "ok", runId };
  store.insertSamples([late]);
  assert.equal(mark(store, seriesId), T0 + 30 * MINUTE);
  // A sample after the mark leaves it where it is.
  store.insertSamples([{ ...late, ts: T0 + 3 * HOUR + 1 }]);
  assert.equal(mark(store, seriesId), T0 + 30 * MINUTE);
  // Newest sample now at 3:00:00.001: minutes before 2:59 are closed.
  const again = store.refreshRollups();
  assert.equal(again.rowsRead, (179 - 30) * 60 + 1);
  assert.equal(mark(store, seriesId), T0 + 179 * MINUTE);
  const minute = rollups(store, seriesId, MINUTE).find((row) => row.bucket_start === late.ts - 500);
  assert.equal(minute?.count, 61);
  assert.equal(minute?.max, 99);
  const hours = rollups(store, seriesId, HOUR);
  assert.deepEqual(hours.map((row) => [row.count, row.max]), [[3601, 99], [3600, 22]]);
  store.close();
});

Deno.test("Store.refreshRollups() on a read-only store fails with STORE_WRITE", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const writer = Store.open(path);
    const runId = startTestRun(writer);
    const seriesId = writer.seriesId(seriesKey());
    writer.insertSamples(samples(seriesId, runId, T0, 600));
    writer.close();
    const reader = Store.open(path, { readOnly: true });
    assert.throws(
      () => reader.refreshRollups(),
      (error) => error instanceof BufferbaneError && error.code === ErrorCode.StoreWrite,
    );
    reader.close();
  });
});
