import assert from "node:assert/strict";
import { _quantile } from "./_quantile.ts";

Deno.test("_quantile() interpolates linearly between closest ranks like numpy", () => {
  // numpy.percentile([15, 20, 35, 40, 50], [0, 40, 50, 95, 100]) -> 15, 29, 35, 48, 50
  const values = [15, 20, 35, 40, 50];
  assert.deepEqual([0, 40, 50, 95, 100].map((p) => _quantile(values, 5, p)), [15, 29, 35, 48, 50]);
  // numpy.percentile([1, 2, 3, 4], 95) -> 3.85
  assert.ok(Math.abs(_quantile([1, 2, 3, 4], 4, 95)! - 3.85) < 1e-12);
});

Deno.test("_quantile() reads only the first `length` values", () => {
  assert.equal(_quantile([1, 3, 1000], 2, 50), 2);
  assert.equal(_quantile([7], 1, 99), 7);
  assert.equal(_quantile([], 0, 50), null);
});

Deno.test("_quantile() keeps infinite values without producing NaN", () => {
  assert.equal(_quantile([1, Infinity, Infinity], 3, 100), Infinity);
  assert.equal(_quantile([1, 2, Infinity], 3, 50), 2);
});
