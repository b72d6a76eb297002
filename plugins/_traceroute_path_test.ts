import { assertEquals } from "../tests/support/assert.ts";
import { mergePath, pathChanges, pathFromData } from "./_traceroute_path.ts";

const A = "10.0.0.1";
const B = "10.0.1.1";
const C = "10.0.2.1";
const T = "192.0.2.9";

Deno.test("pathChanges() ignores silent hops but not a new router", () => {
  const before = { hops: [A, B, T], reached: true };
  assertEquals(pathChanges(before, { hops: [A, null, T], reached: true }), []);
  assertEquals(pathChanges(before, { hops: [null, C, T], reached: true }), [
    { hop: 2, from: B, to: C },
  ]);
  assertEquals(pathChanges(before, before), []);
});

Deno.test("pathChanges() names every hop from where a longer or shorter path differs", () => {
  assertEquals(pathChanges({ hops: [A, T], reached: true }, { hops: [A, B, T], reached: true }), [
    { hop: 2, from: T, to: B },
    { hop: 3, from: null, to: T },
  ]);
  assertEquals(pathChanges({ hops: [A, B, T], reached: true }, { hops: [A, T], reached: true }), [
    { hop: 2, from: B, to: T },
    { hop: 3, from: T, to: null },
  ]);
  // An unreachable target: the path now gets one hop further.
  assertEquals(pathChanges({ hops: [A], reached: false }, { hops: [A, B], reached: false }), [
    { hop: 2, from: null, to: B },
  ]);
});

Deno.test("mergePath() keeps known addresses and a known end through lost answers", () => {
  const known = { hops: [A, B, T], reached: true };
  // The target's answer was lost: the round ends in silence after hop 2.
  assertEquals(mergePath(known, { hops: [A, B], reached: false }), known);
  assertEquals(mergePath(known, { hops: [null, B], reached: false }), known);
  // A router now answers where the target was: the path is longer, not lost.
  assertEquals(mergePath(known, { hops: [A, B, C], reached: false }), {
    hops: [A, B, C],
    reached: false,
  });
  assertEquals(mergePath(undefined, { hops: [null, T], reached: true }), {
    hops: [null, T],
    reached: true,
  });
});

Deno.test("pathFromData() reads stored paths and refuses anything else", () => {
  assertEquals(pathFromData({ hops: [A, null, T], reached: true }), {
    hops: [A, null, T],
    reached: true,
  });
  assertEquals(pathFromData({ hops: [A, 3] }), undefined);
  assertEquals(pathFromData(undefined), undefined);
});
