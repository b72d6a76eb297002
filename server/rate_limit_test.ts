import { assertEquals } from "../tests/support/assert.ts";
import { RateLimiter, TokenBucket } from "./rate_limit.ts";

Deno.test("TokenBucket allows a burst, then the rate", () => {
  const bucket = new TokenBucket({ rate: 10, burst: 5 }, 0);
  const taken = (now: number, n: number) => {
    let count = 0;
    for (let i = 0; i < n; i++) if (bucket.take(now)) count++;
    return count;
  };
  assertEquals(taken(0, 10), 5);
  assertEquals(taken(100, 10), 1);
  assertEquals(taken(1100, 100), 5); // refilled, but never beyond the burst
  assertEquals(taken(1000, 1), 0); // a clock going back adds nothing
});

Deno.test("RateLimiter keeps one bucket per key", () => {
  const limiter = new RateLimiter({ rate: 1, burst: 2 });
  assertEquals([limiter.take("a", 0), limiter.take("a", 0), limiter.take("a", 0)], [
    true,
    true,
    false,
  ]);
  assertEquals(limiter.take("b", 0), true);
});

Deno.test("RateLimiter forgets the least recently seen key beyond maxKeys", () => {
  const limiter = new RateLimiter({ rate: 0.001, burst: 1, maxKeys: 3 });
  for (const key of ["a", "b", "c"]) limiter.take(key, 0);
  limiter.take("a", 0); // "a" used again: "b" is now the oldest
  limiter.take("d", 0); // evicts "b"
  assertEquals(limiter.size, 3);
  assertEquals(limiter.take("a", 0), false); // still tracked, still empty
  assertEquals(limiter.take("b", 0), true); // forgotten: a fresh bucket
});

Deno.test("RateLimiter memory stays bounded under a spoofed-source flood", () => {
  const limiter = new RateLimiter({ rate: 10, burst: 10, maxKeys: 1000 });
  for (let i = 0; i < 100_000; i++) limiter.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i);
  assertEquals(limiter.size, 1000);
});
