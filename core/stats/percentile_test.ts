import { strictEqual, throws } from "node:assert/strict";
import { percentile, percentileSorted } from "./percentile.ts";

Deno.test("percentileSorted() interpolates between closest ranks (type 7)", () => {
  const sorted = [1, 2, 4, 8, 16];
  // n = 5, h = 4 * p / 100
  // p = 0:   h = 0    -> x[0] = 1
  // p = 25:  h = 1    -> x[1] = 2
  // p = 50:  h = 2    -> x[2] = 4
  // p = 60:  h = 2.4  -> 4 + 0.4 * (8 - 4) = 5.6
  // p = 75:  h = 3    -> x[3] = 8
  // p = 87.5: h = 3.5 -> 8 + 0.5 * (16 - 8) = 12
  // p = 100: h = 4    -> x[4] = 16
  strictEqual(percentileSorted(sorted, 0), 1);
  strictEqual(percentileSorted(sorted, 25), 2);
  strictEqual(percentileSorted(sorted, 50), 4);
  strictEqual(percentileSorted(sorted, 60), 5.6);
  strictEqual(percentileSorted(sorted, 75), 8);
  strictEqual(percentileSorted(sorted, 87.5), 12);
  strictEqual(percentileSorted(sorted, 100), 16);
});

Deno.test("percentileSorted() matches numpy on 1..10", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // numpy.percentile(range(1, 11), [25, 95, 99]) == [3.25, 9.55, 9.91]
  // p = 25: h = 9 * 0.25 = 2.25 -> 3 + 0.25 * 1 = 3.25
  // p = 99: h = 9 * 0.99 = 8.91 -> 9 + 0.91 * 1 = 9.91
  strictEqual(percentileSorted(sorted, 25), 3.25);
  strictEqual(percentileSorted(sorted, 95), 9.55);
  strictEqual(Math.round(percentileSorted(sorted, 99) * 1e9) / 1e9, 9.91);
});

Deno.test("percentile() sorts unsorted input without changing it", () => {
  const values = [30, 10, 40, 20];
  // sorted [10, 20, 30, 40]; p = 25: h = 3 * 0.25 = 0.75 -> 10 + 0.75 * 10 = 17.5
  strictEqual(percentile(values, 25), 17.5);
  strictEqual(percentile(values, 100), 40);
  strictEqual(percentile(values, 0), 10);
  strictEqual(values.join(","), "30,10,40,20");
});

Deno.test("percentile() sorts numerically, not as text", () => {
  // As text, 100 would sort before 9.
  strictEqual(percentile([100, 9, 20], 0), 9);
  strictEqual(percentile([100, 9, 20], 50), 20);
});

Deno.test("percentile() returns NaN for no values and the value for one", () => {
  strictEqual(percentile([], 50), NaN);
  strictEqual(percentileSorted([], 99), NaN);
  strictEqual(percentile([7], 0), 7);
  strictEqual(percentile([7], 99), 7);
  strictEqual(percentile([7], 100), 7);
});

Deno.test("percentile() rejects p outside 0..100", () => {
  throws(() => percentile([1, 2], 101), { name: "RangeError", message: /"101"/ });
  throws(() => percentile([1, 2], -1), RangeError);
  throws(() => percentileSorted([1, 2], NaN), RangeError);
  throws(() => percentile([], 150), RangeError);
});
