import assert from "node:assert/strict";
import { RELATIVE_ACCURACY } from "./_sketch.ts";
import { seriesKey, startTestRun, storePath, withTempDir } from "./_testing.ts";
import { BatchWriter } from "./batch_writer.ts";
import { compactStore } from "./compact.ts";
import { Store } from "./store.ts";
import type { SampleRow } from "./types.ts";

const T0 = Date.UTC(2026, 9, 18);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `hours` of one-second samples from T0: values 10..29, every 50th lost. */
function fill(store: Store, hours: number, stepMs = 1000) {
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const rows: SampleRow[] = [];
  for (let ts = T0; ts < T0 + hours * HOUR; ts += stepMs) {
    const i = (ts - T0) / stepMs;
    rows.push(
      i % 50 === 49
        ? { seriesId, ts, value: null, status: "lost", runId }
        : { seriesId, ts, value: 10 + (i % 20), status: "ok", runId },
    );
  }
  store.insertSamples(rows);
  return { runId, seriesId };
}

function rawCount(store: Store): number {
  return (store.db.prepare("SELECT count(*) AS n FROM samples").get() as { n: number }).n;
}

function marks(store: Store, seriesId: number) {
  return store.db.prepare(
    "SELECT rolled_until, compacted_until FROM rollup_marks WHERE series_id = ?",
  ).get(seriesId) as { rolled_until: number; compacted_until: number | null };
}

Deno.test("compactStore() deletes nothing that is not rolled up yet", () => {
  const store = Store.open(":memory:");
  fill(store, 3);
  const result = compactStore(store.db, { rawRetentionMs: HOUR, now: T0 + 3 * HOUR });
  assert.equal(result.deletedSamples, 0);
  assert.equal(rawCount(store), 3 * 3600);
  store.close();
});

Deno.test("compactStore() deletes old raw samples and queries still answer from rollups", () => {
  const store = Store.open(":memory:");
  const { seriesId } = fill(store, 6);
  store.refreshRollups();
  const query = { seriesIds: [seriesId], bucketMs: HOUR };
  const before = store.rollupAggregate(query);
  const minutesBefore = store.rollupAggregate({ ...query, bucketMs: MINUTE });
  const result = compactStore(store.db, { rawRetentionMs: 2 * HOUR, now: T0 + 6 * HOUR });
  // Raw rows before T0 + 4 h are gone; the last two hours stay.
  assert.equal(result.deletedSamples, 4 * 3600);
  assert.equal(result.done, true);
  assert.equal(rawCount(store), 2 * 3600);
  assert.equal(marks(store, seriesId).compacted_until, T0 + 4 * HOUR);
  const after = store.rollupAggregate(query);
  assert.equal(after.length, 6);
  for (const [i, row] of after.entries()) {
    const old = before[i]!;
    assert.equal(row.count, old.count);
    assert.equal(row.lost, old.lost);
    assert.equal(row.min, old.min);
    assert.equal(row.max, old.max);
    assert.ok(Math.abs(row.avg! - old.avg!) < 1e-9);
    assert.ok(Math.abs(row.p95! - old.p95!) <= old.p95! * RELATIVE_ACCURACY * 2);
  }
  // Minute buckets over the compacted stretch come from minute rollups, unchanged.
  assert.deepEqual(store.rollupAggregate({ ...query, bucketMs: MINUTE }), minutesBefore);
  store.close();
});

Deno.test("compactStore() works in bounded batches and records how far it got", () => {
  const store = Store.open(":memory:");
  const { seriesId } = fill(store, 4);
  store.refreshRollups();
  const seen: number[] = [];
  let result;
  do {
    result = compactStore(store.db, {
      rawRetentionMs: HOUR,
      now: T0 + 4 * HOUR,
      maxRows: 1000,
    });
    assert.ok(result.deletedSamples <= 1000 + 60, `${result.deletedSamples}`);
    seen.push(marks(store, seriesId).compacted_until ?? 0);
  } while (!result.done);
  assert.ok(seen.length >= 10, `${seen.length} batches`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!);
  for (const mark of seen) assert.equal(mark % MINUTE, 0);
  assert.equal(rawCount(store), 3600); // the last hour
  store.close();
});

Deno.test("compactStore() drops minute rollups past their retention and keeps hours", () => {
  const store = Store.open(":memory:");
  const { seriesId } = fill(store, 3 * 24, 10_000);
  store.refreshRollups();
  const hoursBefore = store.rollupAggregate({ seriesIds: [seriesId], bucketMs: HOUR });
  const result = compactStore(store.db, {
    rawRetentionMs: 12 * HOUR,
    minuteRetentionMs: DAY,
    now: T0 + 3 * DAY,
  });
  assert.equal(result.deletedMinuteRollups, 2 * 24 * 60);
  const oldMinutes = store.db.prepare(
    "SELECT count(*) AS n FROM rollups WHERE width = 60000 AND bucket_start < ?",
  ).get(T0 + 2 * DAY) as { n: number };
  assert.equal(oldMinutes.n, 0);
  // Hour buckets over the whole period are unchanged.
  assert.deepEqual(store.rollupAggregate({ seriesIds: [seriesId], bucketMs: HOUR }), hoursBefore);
  store.close();
});

Deno.test("A late sample in a compacted stretch is folded into its rollups, not lost", () => {
  const store = Store.open(":memory:");
  const { seriesId, runId } = fill(store, 3);
  store.refreshRollups();
  compactStore(store.db, { rawRetentionMs: HOUR, now: T0 + 3 * HOUR });
  const compacted = marks(store, seriesId);
  assert.equal(compacted.compacted_until, T0 + 2 * HOUR);
  // A sample for 00:30:00.500, long compacted, arrives late.
  store.insertSamples([{ seriesId, ts: T0 + 30 * MINUTE + 500, value: 500, status: "ok", runId }]);
  // The mark stops at compacted_until instead of going back to 00:30.
  assert.equal(marks(store, seriesId).rolled_until, T0 + 2 * HOUR);
  const result = compactStore(store.db, { rawRetentionMs: HOUR, now: T0 + 3 * HOUR });
  assert.equal(result.foldedSamples, 1);
  assert.equal(rawCount(store), 3600);
  const [hour] = store.rollupAggregate({ seriesIds: [seriesId], bucketMs: HOUR, end: T0 + HOUR });
  assert.equal(hour?.count, 3601);
  assert.equal(hour?.max, 500);
  const minute = store.rollupAggregate({
    seriesIds: [seriesId],
    bucketMs: MINUTE,
    start: T0 + 30 * MINUTE,
    end: T0 + 31 * MINUTE,
  });
  assert.equal(minute[0]?.count, 61);
  store.close();
});

Deno.test("compactStore() rejects retentions that would lose aggregates", () => {
  const store = Store.open(":memory:");
  assert.throws(() => compactStore(store.db, { rawRetentionMs: 0 }), RangeError);
  assert.throws(
    () => compactStore(store.db, { rawRetentionMs: DAY, minuteRetentionMs: HOUR }),
    /shorter than the raw retention/,
  );
  store.close();
});

Deno.test("A new store file gives the space of compacted samples back", async () => {
  await withTempDir((dir) => {
    const path = storePath(dir);
    const store = Store.open(path);
    assert.equal(
      (store.db.prepare("PRAGMA auto_vacuum").get() as { auto_vacuum: number }).auto_vacuum,
      2,
    );
    fill(store, 24);
    store.refreshRollups();
    const pages = () =>
      (store.db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    const before = pages();
    const result = compactStore(store.db, { rawRetentionMs: HOUR, now: T0 + 24 * HOUR });
    assert.ok(result.reclaimedPages > 0);
    assert.ok(pages() < before / 2, `${pages()} pages of ${before}`);
    store.close();
  });
});

Deno.test("BatchWriter with a retention compacts while it writes", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  let now = T0;
  // Each flush stands for a simulated minute: roll up after every one that closes a minute.
  const writer = new BatchWriter(store, {
    flushInterval: 0,
    rollupSpacing: 0,
    retention: { rawMs: HOUR, everyMs: 10 * MINUTE, now: () => now },
  });
  // Five hours of samples, flushed every simulated minute.
  for (let minute = 0; minute < 5 * 60; minute++) {
    for (let s = 0; s < 60; s++) {
      writer.addSample({ seriesId, ts: now + s * 1000, value: 10, status: "ok", runId });
    }
    now += MINUTE;
    writer.flush();
  }
  writer.close();
  // Raw rows stay within the retention plus a compaction period and the rollup grace.
  const raw = rawCount(store);
  assert.ok(raw <= (60 + 10 + 2) * 60, `${raw} raw rows`);
  assert.ok(writer.compactions >= 20);
  // Every sample is still counted, from rollups and raw rows.
  const total = store.rollupAggregate({ seriesIds: [seriesId], bucketMs: HOUR })
    .reduce((sum, row) => sum + row.count, 0);
  assert.equal(total, 5 * 3600);
  store.close();
});

Deno.test("BatchWriter rolls up each minute as soon as its samples are a grace period past it", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  // A long interval: only a closing minute triggers a refresh.
  const writer = new BatchWriter(store, {
    flushInterval: 0,
    rollupInterval: 3_600_000,
    rollupSpacing: 0,
    now: () => T0,
  });
  for (let s = 0; s < 5 * 60; s++) {
    writer.addSample({ seriesId, ts: T0 + s * 1000, value: 10, status: "ok", runId });
    writer.flush();
    const closed = Math.floor((s * 1000 - MINUTE) / MINUTE) * MINUTE;
    const rolled = marks(store, seriesId)?.rolled_until ?? T0;
    if (closed > 0) assert.equal(rolled, T0 + closed, `after sample ${s}`);
  }
  writer.close();
  store.close();
});

Deno.test("BatchWriter spaces rollup refreshes during a burst of writes", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  const writer = new BatchWriter(store, {
    flushInterval: 0,
    rollupSpacing: 3_600_000,
    now: () => T0,
  });
  // Ten flushes, each closing minutes: only the first refreshes within the spacing.
  for (let flush = 0; flush < 10; flush++) {
    writer.addSamples(Array.from({ length: 600 }, (_, i) => ({
      seriesId,
      ts: T0 + (flush * 600 + i) * 1000,
      value: 10,
      status: "ok" as const,
      runId,
    })));
    writer.flush();
  }
  writer.close();
  // The first flush ends at 9:59: minutes up to 8:00 are a grace period behind it.
  assert.equal(marks(store, seriesId).rolled_until, T0 + 8 * MINUTE);
  store.close();
});

Deno.test("BatchWriter rolls up the last minutes of a series that went quiet, once the clock is past them", () => {
  const store = Store.open(":memory:");
  const runId = startTestRun(store);
  const seriesId = store.seriesId(seriesKey());
  let now = T0 + 5 * MINUTE;
  const writer = new BatchWriter(store, { flushInterval: 0, rollupSpacing: 0, now: () => now });
  writer.addSamples(Array.from({ length: 300 }, (_, i) => ({
    seriesId,
    ts: T0 + i * 1000,
    value: 10,
    status: "ok" as const,
    runId,
  })));
  writer.flush();
  // The samples close minutes up to 3:00; the clock (5:00) closes those up to 4:00.
  assert.equal(marks(store, seriesId).rolled_until, T0 + 4 * MINUTE);
  // Later, with nothing new from this series, the clock closes its last minute too.
  now = T0 + 10 * MINUTE;
  const other = store.seriesId(seriesKey({ target: "other" }));
  writer.addSample({ seriesId: other, ts: now, value: 1, status: "ok", runId });
  writer.flush();
  assert.equal(marks(store, seriesId).rolled_until, T0 + 5 * MINUTE);
  writer.close();
  store.close();
});
