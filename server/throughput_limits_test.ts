import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { clientKey, plainAddress, ThroughputLimiter } from "./throughput_limits.ts";

Deno.test("ThroughputLimiter caps streams per client and for the server", () => {
  const limiter = new ThroughputLimiter({ maxStreamsPerAddress: 2, maxStreams: 3 });
  const a1 = limiter.open("192.0.2.1");
  const a2 = limiter.open("::ffff:192.0.2.1"); // the same client through a [::] listener
  assertEquals(limiter.open("192.0.2.1"), "address_streams");
  const b1 = limiter.open("192.0.2.2");
  assertEquals(limiter.open("192.0.2.3"), "server_streams");
  assertOk(typeof a1 === "object" && typeof a2 === "object" && typeof b1 === "object");
  a1.close();
  a1.close(); // idempotent: frees one place only
  assertEquals(limiter.streams, 2);
  assertOk(typeof limiter.open("192.0.2.3") === "object");
  assertEquals(limiter.stats().refused, {
    address_streams: 1,
    server_streams: 1,
    bytes_per_hour: 0,
  });
});

Deno.test("ThroughputLimiter charges bytes per client per hour and refills over the hour", () => {
  const clock = { ms: 0 };
  const limiter = new ThroughputLimiter({ bytesPerHour: 3_600_000 }, () => clock.ms);
  const ticket = limiter.open("198.51.100.7");
  assertOk(typeof ticket === "object");
  assertOk(ticket.charge(3_000_000));
  assertEquals(ticket.remaining, 600_000);
  assertEquals(ticket.charge(600_000), false); // nothing left: the stream must end
  ticket.close();
  assertEquals(limiter.open("198.51.100.7"), "bytes_per_hour");
  assertOk(typeof limiter.open("198.51.100.8") === "object"); // another client is not charged
  clock.ms = 1_000; // 1000 bytes per second come back
  assertEquals(limiter.remaining("198.51.100.7"), 1_000);
  const next = limiter.open("198.51.100.7");
  assertOk(typeof next === "object");
  clock.ms = 10 * 3_600_000; // never more than an hour's worth
  assertEquals(limiter.remaining("198.51.100.7"), 3_600_000);
  assertEquals(limiter.stats().bytes, 3_600_000);
});

Deno.test("clientKey() groups IPv6 clients by /64 and unmaps IPv4", () => {
  assertEquals(clientKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assertEquals(clientKey("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
  assertEquals(clientKey("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  assertEquals(clientKey("::ffff:10.0.0.1"), "10.0.0.1");
  assertEquals(clientKey("10.0.0.1"), "10.0.0.1");
  assertEquals(clientKey("unknown"), "unknown");
  assertEquals(plainAddress("::FFFF:10.0.0.1"), "10.0.0.1");
  assertEquals(plainAddress("2001:0db8::0001"), "2001:db8::1");
});

Deno.test("ThroughputLimiter counts an IPv6 /64 as one client", () => {
  const limiter = new ThroughputLimiter({ maxStreamsPerAddress: 1 });
  assertOk(typeof limiter.open("2001:db8::1") === "object");
  assertEquals(limiter.open("2001:db8::2"), "address_streams");
  assertOk(typeof limiter.open("2001:db8:0:1::1") === "object");
});

Deno.test("ThroughputLimiter forgets idle clients first beyond maxAddresses", () => {
  const clock = { ms: 0 };
  const limiter = new ThroughputLimiter({ maxAddresses: 2, bytesPerHour: 100 }, () => clock.ms);
  const busy = limiter.open("10.0.0.1");
  assertOk(typeof busy === "object");
  busy.charge(100); // empty, and still streaming
  const idle = limiter.open("10.0.0.2");
  assertOk(typeof idle === "object");
  idle.close();
  limiter.open("10.0.0.3"); // forgets 10.0.0.2 (idle), not 10.0.0.1 (streaming)
  assertEquals(limiter.stats().clients, 2);
  assertEquals(limiter.remaining("10.0.0.1"), 0);
});

Deno.test("ThroughputLimiter refuses limits that are not positive", () => {
  assertThrows(() => new ThroughputLimiter({ maxStreams: 0 }), RangeError);
  assertThrows(() => new ThroughputLimiter({ bytesPerHour: NaN }), RangeError);
});
