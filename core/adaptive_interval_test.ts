import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { AdaptiveInterval } from "./adaptive_interval.ts";

/** mulberry32: the same series on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds results and returns the interval after each. */
function feed(adaptive: AdaptiveInterval, results: { status: string; value: number | null }[]) {
  return results.map((result) => {
    adaptive.observe(result);
    return adaptive.interval;
  });
}

const calm = (n: number, rand = random(1)) =>
  Array.from({ length: n }, () => ({ status: "ok", value: 20 + rand() * 0.5 }));
const jittery = (n: number, rand = random(2)) =>
  Array.from({ length: n }, () => ({ status: "ok", value: 20 + rand() * 30 }));
/** Every 8th probe lost: 12.5 % loss, at least one loss in every window of 8 or more. */
const lossy = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => i % 8 === 7 ? { status: "lost", value: null } : { status: "ok", value: 20 },
  );

Deno.test("AdaptiveInterval speeds up on a jittery series down to min, never below", () => {
  const adaptive = new AdaptiveInterval(1000, { min: 200, max: 5000 });
  const intervals = feed(adaptive, jittery(200));
  assertEquals(adaptive.interval, 200);
  assertOk(intervals.every((ms) => ms >= 200 && ms <= 1000), `${intervals}`);
  // It halved: 1000, 500, 250, then min.
  assertEquals([...new Set(intervals)], [1000, 500, 250, 200]);
});

Deno.test("AdaptiveInterval speeds up on loss", () => {
  const adaptive = new AdaptiveInterval(2000, { min: 100, max: 5000, window: 8 });
  const intervals = feed(adaptive, lossy(100));
  assertEquals(adaptive.interval, 100);
  assertOk(intervals.every((ms, i) => i === 0 || ms <= intervals[i - 1]!), `${intervals}`);
});

Deno.test("AdaptiveInterval slows down on a calm series up to max, never above", () => {
  const adaptive = new AdaptiveInterval(1000, { min: 200, max: 5000 });
  const intervals = feed(adaptive, calm(300));
  assertEquals(adaptive.interval, 5000);
  assertOk(intervals.every((ms) => ms >= 1000 && ms <= 5000), `${intervals}`);
});

Deno.test("AdaptiveInterval follows a series that turns volatile, then calm again", () => {
  const adaptive = new AdaptiveInterval(1000, { min: 250, max: 4000, window: 5 });
  const intervals = feed(adaptive, [...calm(60), ...jittery(60), ...calm(80)]);
  assertEquals(intervals[59], 4000);
  assertEquals(intervals[119], 250);
  assertEquals(intervals.at(-1), 4000);
  assertOk(intervals.every((ms) => ms >= 250 && ms <= 4000));
});

Deno.test("AdaptiveInterval decides on whole windows, ignores failed results, checks its settings", () => {
  const adaptive = new AdaptiveInterval(1000, { min: 200, max: 5000, window: 10 });
  assertEquals(feed(adaptive, calm(9)).at(-1), 1000);
  feed(adaptive, Array.from({ length: 50 }, () => ({ status: "failed", value: null })));
  assertEquals(adaptive.interval, 1000);
  assertEquals(feed(adaptive, calm(1)).at(-1), 1500);
  assertEquals(new AdaptiveInterval(10, { min: 200, max: 300 }).interval, 200);
  for (const bad of [{ min: 0, max: 1 }, { min: 5, max: 1 }, { min: 1, max: 2, window: 1 }]) {
    let threw = false;
    try {
      new AdaptiveInterval(1, bad);
    } catch (error) {
      threw = error instanceof RangeError;
    }
    assertOk(threw, JSON.stringify(bad));
  }
});
