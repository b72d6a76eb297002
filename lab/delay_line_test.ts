import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { DelayLine } from "./delay_line.ts";

const MS = 1_000_000n;

Deno.test("DelayLine releases each item after the delay, not before", () => {
  const line = new DelayLine<number>({ delayMs: 10 });
  line.push(1, 0n);
  line.push(2, 3n * MS);
  assertEquals(line.releaseDue(10n * MS - 1n), []);
  assertEquals(line.releaseDue(10n * MS), [1]);
  assertEquals(line.nextReleaseNs(), 13n * MS);
  assertEquals(line.releaseDue(20n * MS), [2]);
  assertEquals([line.length, line.nextReleaseNs()], [0, undefined]);
  assertEquals(line.stats, { accepted: 2, released: 2, dropped: 0, held: 0 });
});

Deno.test("DelayLine draws jitter uniformly within plus or minus jitterMs", () => {
  const draws = [0, 0.5, 0.999999];
  const line = new DelayLine<number>({ delayMs: 10, jitterMs: 2 }, {
    random: () => draws.shift()!,
  });
  line.push(1, 0n);
  assertEquals(line.nextReleaseNs(), 8n * MS); // 10 - 2
  line.releaseDue(100n * MS);
  line.push(2, 100n * MS);
  assertEquals(line.nextReleaseNs(), 110n * MS); // 10 + 0
  line.releaseDue(200n * MS);
  line.push(3, 200n * MS);
  const release = Number(line.nextReleaseNs()! - 200n * MS) / 1e6;
  assertOk(release > 11.99 && release <= 12, `${release}`); // 10 + 2
});

Deno.test("DelayLine never reorders: a later item waits for the one before", () => {
  const draws = [0.999, 0];
  const line = new DelayLine<string>({ delayMs: 10, jitterMs: 2 }, {
    random: () => draws.shift()!,
  });
  line.push("first", 0n); // drawn ~12 ms
  line.push("second", 1n * MS); // drawn 1 + 8 = 9 ms: held until the first has gone
  assertEquals(line.releaseDue(11n * MS), []);
  assertEquals(line.releaseDue(12n * MS), ["first", "second"]);
  assertEquals(line.stats.held, 1);
});

Deno.test("DelayLine drops items beyond its capacity", () => {
  const line = new DelayLine<number>({ delayMs: 1 }, { maxItems: 2 });
  assertEquals([line.push(1, 0n), line.push(2, 0n), line.push(3, 0n)], [true, true, false]);
  assertEquals(line.stats.dropped, 1);
  assertEquals(line.releaseDue(MS), [1, 2]);
});

Deno.test("DelayLine keeps order across many items and compactions", () => {
  const line = new DelayLine<number>({ delayMs: 0 });
  const out: number[] = [];
  for (let i = 0; i < 5000; i++) {
    line.push(i, BigInt(i));
    if (i % 7 === 0) out.push(...line.releaseDue(BigInt(i)));
  }
  out.push(...line.releaseDue(10_000n));
  assertEquals(out, Array.from({ length: 5000 }, (_, i) => i));
});

Deno.test("DelayLine rejects a jitter larger than the delay", () => {
  assertThrows(() => new DelayLine({ delayMs: 1, jitterMs: 2 }), RangeError);
  assertThrows(() => new DelayLine({ delayMs: -1 }), RangeError);
});
