import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { rfc3550Jitter, rfc3550JitterSeries } from "./jitter.ts";

Deno.test("rfc3550JitterSeries() follows J += (|D| - J) / 16", () => {
  // transits 0, 16, 0, 16: |D| = 16, 16, 16
  // J1 = 0 + (16 - 0) / 16 = 1
  // J2 = 1 + (16 - 1) / 16 = 1.9375
  // J3 = 1.9375 + (16 - 1.9375) / 16 = 1.9375 + 0.87890625 = 2.81640625
  deepStrictEqual(rfc3550JitterSeries([0, 16, 0, 16]), [1, 1.9375, 2.81640625]);
  strictEqual(rfc3550Jitter([0, 16, 0, 16]), 2.81640625);
});

Deno.test("rfc3550Jitter() decays towards a smaller difference", () => {
  // transits 0, 32, 32: |D| = 32, 0
  // J1 = 0 + 32 / 16 = 2; J2 = 2 + (0 - 2) / 16 = 1.875
  deepStrictEqual(rfc3550JitterSeries([0, 32, 32]), [2, 1.875]);
});

Deno.test("rfc3550Jitter() skips lost samples (consecutive received)", () => {
  // received 10, 42 (the nulls are skipped): |D| = 32 -> J = 2
  strictEqual(rfc3550Jitter([10, null, null, 42, null]), 2);
  strictEqual(rfc3550Jitter([null, 10, 42]), 2);
  // A lost sample must not count as a zero: 10, 0, 42 gives 10/16 then 10/16 + (42 - 10/16) / 16.
  strictEqual(rfc3550Jitter([10, 0, 42]), 0.625 + (42 - 0.625) / 16);
});

Deno.test("rfc3550Jitter() is NaN with fewer than two received values", () => {
  strictEqual(rfc3550Jitter([]), NaN);
  strictEqual(rfc3550Jitter([5]), NaN);
  strictEqual(rfc3550Jitter([null, null, null]), NaN);
  strictEqual(rfc3550Jitter([null, 5, null]), NaN);
  deepStrictEqual(rfc3550JitterSeries([5]), []);
});

Deno.test("rfc3550Jitter() is 0 for a constant series", () => {
  strictEqual(rfc3550Jitter([7, 7, 7, 7]), 0);
});
