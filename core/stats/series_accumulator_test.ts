import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { SeriesAccumulator, type SeriesSnapshot } from "./series_accumulator.ts";

const EMPTY: SeriesSnapshot = {
  sent: 0,
  received: 0,
  lost: 0,
  failed: 0,
  lossPct: null,
  lastStatus: null,
  last: null,
  min: null,
  avg: null,
  max: null,
  jitter: null,
  ipdv: null,
  firstTimestamp: null,
  lastTimestamp: null,
};

/**
 * t0 ok 10
 * t1 ok 26   D = +16, J = 0 + 16 / 16 = 1
 * t2 lost
 * t3 ok 10   D = -16, J = 1 + (16 - 1) / 16 = 1.9375
 * t4 failed
 * t5 ok 10   D = 0,   J = 1.9375 + (0 - 1.9375) / 16 = 1.81640625
 */
function feed(stats: SeriesAccumulator, from: number, to: number): void {
  const samples = [
    { timestamp: 0, value: 10, status: "ok" },
    { timestamp: 1, value: 26, status: "ok" },
    { timestamp: 2, value: null, status: "lost" },
    { timestamp: 3, value: 10, status: "ok" },
    { timestamp: 4, value: null, status: "failed" },
    { timestamp: 5, value: 10, status: "ok" },
  ] as const;
  for (const sample of samples.slice(from, to)) stats.add(sample);
}

Deno.test("SeriesAccumulator.snapshot() gives hand-computed totals", () => {
  const stats = new SeriesAccumulator();
  feed(stats, 0, 6);
  // sent = 4 ok + 1 lost = 5 (failed left out); loss 1 / 5 = 20 %; avg = 56 / 4 = 14
  // ipdv = (16 + 16 + 0) / 3
  deepStrictEqual(stats.snapshot(), {
    sent: 5,
    received: 4,
    lost: 1,
    failed: 1,
    lossPct: 20,
    lastStatus: "ok",
    last: 10,
    min: 10,
    avg: 14,
    max: 26,
    jitter: 1.81640625,
    ipdv: 32 / 3,
    firstTimestamp: 0,
    lastTimestamp: 5,
  });
});

Deno.test("SeriesAccumulator.takeInterval() splits intervals and keeps totals", () => {
  const stats = new SeriesAccumulator();
  feed(stats, 0, 3);
  // t0..t2: 2 ok, 1 lost -> loss 1 / 3; avg (10 + 26) / 2 = 18; one difference, 16
  deepStrictEqual(stats.takeInterval(), {
    sent: 3,
    received: 2,
    lost: 1,
    failed: 0,
    lossPct: 1 / 3 * 100,
    lastStatus: "lost",
    last: 26,
    min: 10,
    avg: 18,
    max: 26,
    jitter: 1,
    ipdv: 16,
    firstTimestamp: 0,
    lastTimestamp: 2,
  });
  feed(stats, 3, 6);
  // t3..t5: differences ending here: 10 - 26 = -16 (pairs across the boundary) and 0
  // ipdv = (16 + 0) / 2 = 8; jitter is the running estimate, 1.81640625
  deepStrictEqual(stats.takeInterval(), {
    sent: 2,
    received: 2,
    lost: 0,
    failed: 1,
    lossPct: 0,
    lastStatus: "ok",
    last: 10,
    min: 10,
    avg: 10,
    max: 10,
    jitter: 1.81640625,
    ipdv: 8,
    firstTimestamp: 3,
    lastTimestamp: 5,
  });
  deepStrictEqual(stats.takeInterval(), EMPTY);
  strictEqual(stats.snapshot().sent, 5);
  strictEqual(stats.snapshot().avg, 14);
});

Deno.test("SeriesAccumulator.peekInterval() does not start a new interval", () => {
  const stats = new SeriesAccumulator();
  feed(stats, 0, 2);
  strictEqual(stats.peekInterval().received, 2);
  feed(stats, 2, 4);
  strictEqual(stats.peekInterval().received, 3);
  strictEqual(stats.takeInterval().received, 3);
  strictEqual(stats.peekInterval().received, 0);
});

Deno.test("SeriesAccumulator reports nulls before any sample", () => {
  const stats = new SeriesAccumulator();
  deepStrictEqual(stats.snapshot(), EMPTY);
  deepStrictEqual(stats.takeInterval(), EMPTY);
});

Deno.test("SeriesAccumulator with one ok sample has no jitter or ipdv", () => {
  const stats = new SeriesAccumulator();
  stats.add({ timestamp: 7, value: 12.5, status: "ok" });
  deepStrictEqual(stats.snapshot(), {
    ...EMPTY,
    sent: 1,
    received: 1,
    lossPct: 0,
    lastStatus: "ok",
    last: 12.5,
    min: 12.5,
    avg: 12.5,
    max: 12.5,
    firstTimestamp: 7,
    lastTimestamp: 7,
  });
});

Deno.test("SeriesAccumulator counts all-lost series as 100 % loss with no values", () => {
  const stats = new SeriesAccumulator();
  for (let t = 0; t < 4; t++) stats.add({ timestamp: t, value: null, status: "lost" });
  deepStrictEqual(stats.snapshot(), {
    ...EMPTY,
    sent: 4,
    lost: 4,
    lossPct: 100,
    lastStatus: "lost",
    firstTimestamp: 0,
    lastTimestamp: 3,
  });
});

Deno.test("SeriesAccumulator leaves failed-only series without loss", () => {
  const stats = new SeriesAccumulator();
  stats.add({ timestamp: 0, value: null, status: "failed" });
  const snapshot = stats.snapshot();
  strictEqual(snapshot.failed, 1);
  strictEqual(snapshot.sent, 0);
  strictEqual(snapshot.lossPct, null);
});

Deno.test("SeriesAccumulator.reset() forgets totals and the jitter estimate", () => {
  const stats = new SeriesAccumulator();
  feed(stats, 0, 6);
  stats.reset();
  deepStrictEqual(stats.snapshot(), EMPTY);
  deepStrictEqual(stats.peekInterval(), EMPTY);
  // After reset the first difference starts from J = 0 again: |30 - 14| = 16 -> J = 1
  stats.add({ timestamp: 10, value: 14, status: "ok" });
  stats.add({ timestamp: 11, value: 30, status: "ok" });
  strictEqual(stats.snapshot().jitter, 1);
  strictEqual(stats.snapshot().ipdv, 16);
});

Deno.test("SeriesAccumulator.add() rejects an ok sample without a finite value", () => {
  const stats = new SeriesAccumulator();
  throws(() => stats.add({ timestamp: 0, value: null, status: "ok" }), {
    name: "TypeError",
    message: 'Sample with status "ok" needs a finite value: "null"',
  });
  throws(() => stats.add({ timestamp: 0, value: NaN, status: "ok" }), TypeError);
  deepStrictEqual(stats.snapshot(), EMPTY);
});
