import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { summarize } from "./summarize.ts";

Deno.test("summarize() computes every field from a hand-checked vector", () => {
  // values 2, 4, 4, 4, 5, 5, 7, 9 (given unsorted below); n = 8, sum = 40, mean = 5
  // squared deviations: 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32; stddev = sqrt(32 / 7)
  // p25: h = 7 * 0.25 = 1.75 -> x[1] + 0.75 * (x[2] - x[1]) = 4 + 0 = 4
  // p50: h = 3.5 -> 4 + 0.5 * (5 - 4) = 4.5
  // p95: h = 6.65 -> 7 + 0.65 * (9 - 7) = 8.3
  // p99: h = 6.93 -> 7 + 0.93 * 2 = 8.86
  const summary = summarize([9, 4, 2, 5, 4, 7, 4, 5]);
  strictEqual(summary.count, 8);
  strictEqual(summary.min, 2);
  strictEqual(summary.max, 9);
  strictEqual(summary.mean, 5);
  strictEqual(summary.stddev, Math.sqrt(32 / 7));
  strictEqual(summary.p25, 4);
  strictEqual(summary.p50, 4.5);
  strictEqual(summary.p95.toFixed(9), "8.300000000");
  strictEqual(summary.p99.toFixed(9), "8.860000000");
});

Deno.test("summarize() returns count 0 and NaN fields for no values", () => {
  deepStrictEqual(summarize([]), {
    count: 0,
    min: NaN,
    max: NaN,
    mean: NaN,
    stddev: NaN,
    p25: NaN,
    p50: NaN,
    p95: NaN,
    p99: NaN,
  });
});

Deno.test("summarize() of one value has that value everywhere and NaN stddev", () => {
  deepStrictEqual(summarize([3.5]), {
    count: 1,
    min: 3.5,
    max: 3.5,
    mean: 3.5,
    stddev: NaN,
    p25: 3.5,
    p50: 3.5,
    p95: 3.5,
    p99: 3.5,
  });
});

Deno.test("summarize() gives stddev 0 for equal values", () => {
  // n = 2: mean 10, deviations 0 -> sqrt(0 / 1) = 0
  strictEqual(summarize([10, 10]).stddev, 0);
});

Deno.test("summarize() does not reorder its input", () => {
  const values = [3, 1, 2];
  summarize(values);
  deepStrictEqual(values, [3, 1, 2]);
});
