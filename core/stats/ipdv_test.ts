import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { delayDifferences, ipdv } from "./ipdv.ts";

Deno.test("ipdv() is the mean absolute difference of consecutive delays", () => {
  // delays 20, 25, 21, 21, 29: D = +5, -4, 0, +8; |D| sum = 17, mean = 17 / 4 = 4.25
  deepStrictEqual(delayDifferences([20, 25, 21, 21, 29]), [5, -4, 0, 8]);
  strictEqual(ipdv([20, 25, 21, 21, 29]), 4.25);
});

Deno.test("ipdv() skips lost samples (consecutive received)", () => {
  // received 20, 30, 26: D = +10, -4; mean |D| = 14 / 2 = 7
  deepStrictEqual(delayDifferences([null, 20, null, 30, null, 26]), [10, -4]);
  strictEqual(ipdv([null, 20, null, 30, null, 26]), 7);
});

Deno.test("ipdv() is NaN with fewer than two received values", () => {
  strictEqual(ipdv([]), NaN);
  strictEqual(ipdv([12]), NaN);
  strictEqual(ipdv([null, null]), NaN);
  deepStrictEqual(delayDifferences([null, 3]), []);
});
