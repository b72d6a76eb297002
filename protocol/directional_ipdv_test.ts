import { assertEquals } from "../tests/support/assert.ts";
import { directionalIpdv } from "./directional_ipdv.ts";

const MS = 1_000_000;
function trip(sent: number, upMs: number, serverMs: number, downMs: number, offsetMs = 0) {
  const serverReceivedAt = sent + (upMs + offsetMs) * MS;
  return {
    clientSentAt: BigInt(sent),
    serverReceivedAt: BigInt(serverReceivedAt),
    serverSentAt: BigInt(serverReceivedAt + serverMs * MS),
    clientReceivedAt: BigInt(sent + (upMs + serverMs + downMs) * MS),
  };
}

Deno.test("directionalIpdv() separates the variation of each direction", () => {
  const result = directionalIpdv([
    trip(0, 10, 1, 5),
    trip(10 * MS, 14, 1, 5),
    trip(20 * MS, 10, 3, 7),
  ]);
  assertEquals(result, { roundTripMs: 3, upMs: 4, downMs: 1 });
});

Deno.test("directionalIpdv() does not depend on the clock offset", () => {
  const trips = [trip(0, 10, 1, 5), trip(10 * MS, 12, 1, 8), trip(20 * MS, 11, 1, 5)];
  const shifted = trips.map((t) => ({
    ...t,
    serverReceivedAt: t.serverReceivedAt + 3_600_000n * BigInt(MS),
    serverSentAt: t.serverSentAt + 3_600_000n * BigInt(MS),
  }));
  assertEquals(directionalIpdv(shifted), directionalIpdv(trips));
  assertEquals(directionalIpdv(trips), { roundTripMs: 4.5, upMs: 1.5, downMs: 3 });
});

Deno.test("directionalIpdv() spans lost packets and needs two received", () => {
  const result = directionalIpdv([trip(0, 10, 1, 5), null, trip(20 * MS, 16, 1, 5)]);
  assertEquals(result.upMs, 6);
  assertEquals(Number.isNaN(directionalIpdv([trip(0, 1, 1, 1), null]).upMs), true);
});
