import { assertEquals, assertOk } from "../tests/support/assert.ts";
import {
  ClockOffsetTracker,
  estimateClockOffset,
  oneWayDelays,
  roundTripMs,
  roundTripOffsetMs,
} from "./clock_offset.ts";

const MS = 1_000_000;

/** A round trip with the server clock `offsetMs` ahead of the client's. */
function trip(sentMs: number, upMs: number, downMs: number, offsetMs: number, serverMs = 0.1) {
  const sent = Math.round(sentMs * MS);
  const serverReceived = sent + Math.round((upMs + offsetMs) * MS);
  const serverSent = serverReceived + Math.round(serverMs * MS);
  return {
    clientSentAt: BigInt(sent),
    serverReceivedAt: BigInt(serverReceived),
    serverSentAt: BigInt(serverSent),
    clientReceivedAt: BigInt(sent + Math.round((upMs + serverMs + downMs) * MS)),
  };
}

const close = (a: number, b: number, tolerance = 1e-6) => Math.abs(a - b) <= tolerance;

Deno.test("roundTripMs() leaves out the server's time; roundTripOffsetMs() is NTP's offset", () => {
  const t = trip(1_000, 3, 5, -250, 0.7);
  assertOk(close(roundTripMs(t), 8));
  // Asymmetric delays bias one round trip's offset by half the difference.
  assertOk(close(roundTripOffsetMs(t), -250 - 1));
});

Deno.test("estimateClockOffset() uses the fastest third of the round trips", () => {
  const trips = [];
  // 30 fast symmetric trips and 60 slow ones queued on the way up.
  for (let i = 0; i < 30; i++) trips.push(trip(i * 10, 1, 1, 42.5));
  for (let i = 0; i < 60; i++) trips.push(trip(300 + i * 10, 40 + i, 1, 42.5));
  const estimate = estimateClockOffset(trips);
  assertOk(estimate);
  assertOk(close(estimate.offsetMs, 42.5), `offset ${estimate.offsetMs}`);
  assertEquals([estimate.samples, estimate.used], [90, 30]);
  assertOk(close(estimate.rttLimitMs, 2));
  // Using every trip would be biased by the queue on the way up.
  const biased = estimateClockOffset(trips, { fraction: 1 });
  assertOk(biased && biased.offsetMs > 50);
  assertEquals(estimateClockOffset([]), undefined);
});

Deno.test("oneWayDelays() recovers each direction with the right offset", () => {
  const delays = oneWayDelays(trip(0, 12, 3, 1_000, 0.5), 1_000);
  assertOk(close(delays.upMs, 12) && close(delays.downMs, 3));
  assertOk(close(delays.rttMs, 15) && close(delays.serverMs, 0.5));
});

Deno.test("ClockOffsetTracker follows a drifting clock within its window", () => {
  const tracker = new ClockOffsetTracker({ windowMs: 10_000 });
  // The server clock drifts by 100 ppm: 1 ms per 10 s. Trips every 100 ms for 60 s.
  let last = NaN;
  for (let i = 0; i < 600; i++) {
    const sentMs = i * 100;
    const jitterUp = (i * 7919) % 13 / 4; // deterministic queueing noise, 0..3 ms
    tracker.add(trip(sentMs, 1 + jitterUp, 1, 5 + sentMs * 1e-4));
    last = tracker.estimate()!.offsetMs;
  }
  // True offset at the end is 5 + 5.99 ms; the window lags by about half its length (0.5 ms).
  assertOk(Math.abs(last - 10.99) < 0.8, `estimate ${last}`);
  assertOk(tracker.size <= 101);
  const fixed = estimateClockOffset(
    Array.from({ length: 600 }, (_, i) => trip(i * 100, 1 + (i * 7919) % 13 / 4, 1, 5 + i * 1e-2)),
  );
  // A whole-history estimate is stuck near the middle of the run.
  assertOk(Math.abs(fixed!.offsetMs - 10.99) > 2, `whole-history estimate ${fixed!.offsetMs}`);
});
