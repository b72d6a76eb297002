import assert from "node:assert/strict";
import { LogSketch, RELATIVE_ACCURACY } from "./_sketch.ts";

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("LogSketch.valueAtRank() is within 1 % of the exact value at every rank", () => {
  const next = random(7);
  const values = Array.from({ length: 5000 }, () => 0.5 + 200 * next() ** 3);
  const sketch = new LogSketch();
  for (const value of values) sketch.add(value);
  values.sort((a, b) => a - b);
  assert.equal(sketch.count, values.length);
  for (let rank = 0; rank < values.length; rank += 37) {
    const exact = values[rank]!;
    const error = Math.abs(sketch.valueAtRank(rank) - exact) / exact;
    assert.ok(error <= RELATIVE_ACCURACY + 1e-12, `rank ${rank}: ${error}`);
  }
});

Deno.test("LogSketch orders negative values, zeros and positive values", () => {
  const sketch = new LogSketch();
  for (const value of [5, -3, 0, -30, 1e-12, 0.25]) sketch.add(value);
  const ranked = Array.from({ length: 6 }, (_, rank) => sketch.valueAtRank(rank));
  const expected = [-30, -3, 0, 0, 0.25, 5];
  ranked.forEach((value, i) => {
    const want = expected[i]!;
    assert.ok(Math.abs(value - want) <= Math.abs(want) * RELATIVE_ACCURACY, `${value} ~ ${want}`);
  });
  const bins = sketch.bins();
  assert.deepEqual(bins.map((bin) => bin.count), [1, 1, 2, 1, 1]);
  for (const bin of bins) assert.ok(bin.lower <= bin.value && bin.value <= bin.upper);
  assert.ok(Number.isNaN(new LogSketch().valueAtRank(0)));
});

Deno.test("LogSketch.encode() and mergeEncoded() add up bins of several sketches", () => {
  const a = new LogSketch();
  const b = new LogSketch();
  const both = new LogSketch();
  [1, 2, 3, 100, -7, 0].forEach((v) => (a.add(v), both.add(v)));
  [2, 2, 50_000, -7].forEach((v) => (b.add(v), both.add(v)));
  const merged = new LogSketch();
  merged.mergeEncoded(a.encode());
  merged.mergeEncoded(b.encode());
  assert.deepEqual(merged.bins(), both.bins());
  assert.equal(merged.count, 10);
  merged.clear();
  assert.equal(merged.count, 0);
  assert.deepEqual(merged.bins(), []);
});

Deno.test("LogSketch.mergeEncoded() rejects bytes cut short", () => {
  const sketch = new LogSketch();
  for (let i = 1; i < 300; i++) sketch.add(i);
  const bytes = sketch.encode();
  assert.throws(() => new LogSketch().mergeEncoded(bytes.subarray(0, bytes.length - 1)), {
    name: "RangeError",
    message: "Sketch bytes end in the middle of a number",
  });
});
