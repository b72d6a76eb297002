import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { ReplayWindow } from "./replay_window.ts";

Deno.test("ReplayWindow accepts each counter once, in any order within the window", () => {
  const window = new ReplayWindow(64);
  assertEquals([3, 1, 2, 3, 1, 5, 4, 5].map((c) => window.accept(c)), [
    true,
    true,
    true,
    false,
    false,
    true,
    true,
    false,
  ]);
  assertEquals(window.highest, 5);
});

Deno.test("ReplayWindow refuses counters that fell out of the window", () => {
  const window = new ReplayWindow(64);
  window.accept(10);
  window.accept(100);
  assertEquals(window.check(36), false); // 100 - 36 = 64: too old
  assertEquals(window.check(37), true);
  assertEquals(window.check(10), false);
  assertEquals(window.check(0), false);
  assertEquals(window.check(-1), false);
  assertEquals(window.check(1.5), false);
});

Deno.test("ReplayWindow check() changes nothing; a big jump forgets the old bitmap", () => {
  const window = new ReplayWindow(32);
  assertEquals(window.check(7), true);
  assertEquals(window.check(7), true);
  window.accept(7);
  window.accept(1000);
  // Slots of the old counters were cleared: 990 (same slot as 7 + 32k? no: never seen) is new.
  for (let c = 969; c < 1000; c++) assertEquals(window.check(c), true, `counter ${c}`);
  window.accept(990);
  assertEquals(window.check(990), false);
});

Deno.test("ReplayWindow refuses a size that is not a multiple of 32", () => {
  assertThrows(() => new ReplayWindow(100), RangeError);
});
