import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { TimeWindow } from "./time_window.ts";

Deno.test("TimeWindow keeps samples in (newest - span, newest]", () => {
  const window = new TimeWindow(3000);
  window.add({ timestamp: 0, value: 1, status: "ok" });
  window.add({ timestamp: 1000, value: 2, status: "ok" });
  window.add({ timestamp: 2999, value: 3, status: "ok" });
  deepStrictEqual(window.okValues(), [1, 2, 3]);
  // newest 3000: cutoff 0, so the sample at 0 leaves
  window.add({ timestamp: 3000, value: 4, status: "ok" });
  deepStrictEqual(window.okValues(), [2, 3, 4]);
  // newest 10000: cutoff 7000, everything before leaves
  window.add({ timestamp: 10000, value: 5, status: "ok" });
  deepStrictEqual(window.okValues(), [5]);
  strictEqual(window.size, 1);
});

Deno.test("TimeWindow counts statuses as samples enter and leave", () => {
  const window = new TimeWindow(2000);
  window.add({ timestamp: 0, value: null, status: "lost" });
  window.add({ timestamp: 1000, value: 9, status: "ok" });
  window.add({ timestamp: 1500, value: null, status: "failed" });
  deepStrictEqual(window.counts(), { ok: 1, lost: 1, failed: 1 });
  window.add({ timestamp: 2000, value: null, status: "lost" });
  // cutoff 0: the lost sample at 0 left, the new one came in
  deepStrictEqual(window.counts(), { ok: 1, lost: 1, failed: 1 });
  window.add({ timestamp: 3000, value: 8, status: "ok" });
  // cutoff 1000: the ok sample at 1000 left
  deepStrictEqual(window.counts(), { ok: 1, lost: 1, failed: 1 });
  deepStrictEqual(window.okValues(), [8]);
  strictEqual(window.size, 3);
});

Deno.test("TimeWindow puts a late sample in time order and refuses one outside", () => {
  const window = new TimeWindow(1000);
  window.add({ timestamp: 100, value: 1, status: "ok" });
  window.add({ timestamp: 300, value: 3, status: "ok" });
  strictEqual(window.add({ timestamp: 200, value: 2, status: "ok" }), true);
  deepStrictEqual(window.samples().map((sample) => sample.timestamp), [100, 200, 300]);
  // newest 300: anything at or before -700 is outside
  window.add({ timestamp: 1150, value: 4, status: "ok" });
  // newest 1150: cutoff 150, so 100 left and 120 is refused
  strictEqual(window.add({ timestamp: 120, value: 9, status: "ok" }), false);
  deepStrictEqual(window.okValues(), [2, 3, 4]);
});

Deno.test("TimeWindow stays correct over many evictions (compaction)", () => {
  const window = new TimeWindow(10);
  for (let t = 0; t < 5000; t++) window.add({ timestamp: t, value: t, status: "ok" });
  // newest 4999, cutoff 4989: 4990..4999
  strictEqual(window.size, 10);
  deepStrictEqual(window.okValues(), [4990, 4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
  deepStrictEqual(window.counts(), { ok: 10, lost: 0, failed: 0 });
});

Deno.test("TimeWindow rejects a span that is not positive", () => {
  throws(() => new TimeWindow(0), { name: "RangeError", message: /"0"/ });
  throws(() => new TimeWindow(-5), RangeError);
  throws(() => new TimeWindow(NaN), RangeError);
});
