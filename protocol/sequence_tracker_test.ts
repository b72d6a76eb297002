import { assertEquals } from "../tests/support/assert.ts";
import { SequenceTracker } from "./sequence_tracker.ts";

Deno.test("SequenceTracker tells in-order, reordered and duplicate arrivals apart", () => {
  const tracker = new SequenceTracker({ window: 8 });
  const seen = [0, 1, 3, 2, 2, 5, 4, 4, 6].map((seq) => tracker.observe(seq));
  assertEquals(seen, [
    "in_order",
    "in_order",
    "in_order",
    "reordered",
    "duplicate",
    "in_order",
    "reordered",
    "duplicate",
    "in_order",
  ]);
  assertEquals(tracker.counts(), { inOrder: 5, reordered: 2, duplicate: 2, late: 0 });
});

Deno.test("SequenceTracker forgets numbers that slid out of its window", () => {
  const tracker = new SequenceTracker({ window: 8 });
  tracker.observe(0);
  tracker.observe(20);
  // 13..19 were never seen: reordered; 12 and below are beyond the window.
  assertEquals(tracker.observe(13), "reordered");
  assertEquals(tracker.observe(12), "duplicate");
  // A jump clears the slots it passes over, so an old number in the same slot is not mistaken.
  tracker.observe(36);
  assertEquals(tracker.observe(29), "reordered");
});

Deno.test("SequenceTracker counts late arrivals besides their order", () => {
  const tracker = new SequenceTracker();
  tracker.observe(1, { late: true });
  tracker.observe(0, { late: true });
  assertEquals(tracker.counts(), { inOrder: 1, reordered: 1, duplicate: 0, late: 2 });
});
