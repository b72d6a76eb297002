import { assertEquals } from "../tests/support/assert.ts";
import { KnockFilter } from "./knock_filter.ts";

const S = 1_000_000_000n;
const nonce = (n: number) => new Uint8Array(24).fill(n);

Deno.test("KnockFilter refuses knocks outside the tolerance either way", () => {
  const filter = new KnockFilter({ toleranceMs: 30_000 });
  const now = 1_000n * S;
  assertEquals(filter.check(nonce(1), now - 30n * S, now), "fresh");
  assertEquals(filter.check(nonce(2), now + 30n * S, now), "fresh");
  assertEquals(filter.check(nonce(3), now - 31n * S, now), "stale");
  assertEquals(filter.check(nonce(4), now + 31n * S, now), "stale");
});

Deno.test("KnockFilter remembers a nonce until its knock goes stale", () => {
  const filter = new KnockFilter({ toleranceMs: 10_000 });
  const sent = 1_000n * S;
  assertEquals(filter.check(nonce(1), sent, sent), "fresh");
  assertEquals(filter.check(nonce(1), sent, sent + 9n * S), "replayed");
  // After the tolerance the time check refuses it, and the nonce can be forgotten.
  assertEquals(filter.check(nonce(1), sent, sent + 11n * S), "stale");
  filter.prune(sent + 11n * S);
  assertEquals(filter.size, 0);
});

Deno.test("KnockFilter refuses new knocks when full of live nonces", () => {
  const filter = new KnockFilter({ toleranceMs: 10_000, capacity: 2 });
  const now = 1_000n * S;
  assertEquals(filter.check(nonce(1), now, now), "fresh");
  assertEquals(filter.check(nonce(2), now, now), "fresh");
  assertEquals(filter.check(nonce(3), now, now), "overloaded");
  // Once the old ones are stale there is room again, and they are still refused as replays
  // by their time.
  assertEquals(filter.check(nonce(3), now + 10n * S, now + 11n * S), "fresh");
  assertEquals(filter.check(nonce(1), now, now + 11n * S), "stale");
});
