import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import {
  counterNonce,
  Direction,
  openClose,
  openEcho,
  openKnock,
  openWelcome,
  sealClose,
  sealEcho,
  sealKnock,
  sealWelcome,
} from "./codec.ts";
import { deriveKnockKey, deriveSessionKeys } from "./keys.ts";
import { CloseReason, type EchoBody, PacketType, WelcomeStatus } from "./wire.ts";

const knockKey = deriveKnockKey("codec test secret");
const keys = deriveSessionKeys("codec test secret", new Uint8Array(16), new Uint8Array(16), 5n);
const knockBody = {
  clientTime: 123n,
  clientRandom: new Uint8Array(16).fill(9),
  interval: 20_000,
  packetSize: 300,
  duration: 0,
};
const request: EchoBody = {
  seq: 41,
  requestCounter: 0,
  clientSendTime: 999n,
  serverReceiveTime: 0n,
  serverSendTime: 0n,
  serverReceived: 0,
  flags: 0,
};

Deno.test("sealKnock() hides the body and openKnock() needs the same secret", () => {
  const packet = sealKnock(knockKey, knockBody);
  assertEquals(packet.length, 128);
  const opened = openKnock(knockKey, packet);
  assertOk(opened.ok);
  assertEquals(opened.value.body, knockBody);
  assertEquals(opened.value.nonce, packet.slice(20, 44));
  // The client random does not appear in the clear.
  const text = Array.from(packet).join(",");
  assertOk(!text.includes(Array(16).fill(9).join(",")));
  assertEquals(openKnock(deriveKnockKey("other"), packet), { ok: false, reason: "unauthentic" });
});

Deno.test("sealKnock() uses a fresh random nonce each time", () => {
  const a = sealKnock(knockKey, knockBody);
  const b = sealKnock(knockKey, knockBody);
  assertOk(a.subarray(20, 44).some((byte, i) => byte !== b[20 + i]));
});

Deno.test("every changed byte of a sealed packet makes it unauthentic or malformed", () => {
  const packet = sealEcho(keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId: 5n,
    counter: 1,
    size: 120,
    body: request,
  });
  for (let i = 0; i < packet.length; i++) {
    const changed = packet.slice();
    changed[i]! ^= 0x01;
    const result = openEcho(keys.clientToServer, changed, PacketType.EchoRequest);
    assertEquals(result.ok, false, `byte ${i} changed and still accepted`);
  }
  // The header is authenticated: its bytes changing fails the tag (once the header is valid).
  const otherSession = packet.slice();
  otherSession[11]! ^= 0x02;
  assertEquals(openEcho(keys.clientToServer, otherSession, PacketType.EchoRequest), {
    ok: false,
    reason: "unauthentic",
  });
});

Deno.test("sealEcho() pads to the size and openEcho() checks the direction", () => {
  const packet = sealEcho(keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId: 5n,
    counter: 3,
    size: 500,
    body: request,
  });
  assertEquals(packet.length, 500);
  const opened = openEcho(keys.clientToServer, packet, PacketType.EchoRequest);
  assertOk(opened.ok);
  assertEquals(opened.value, {
    header: { type: PacketType.EchoRequest, sessionId: 5n, counter: 3 },
    body: request,
    size: 500,
  });
  assertEquals(openEcho(keys.serverToClient, packet, PacketType.EchoRequest), {
    ok: false,
    reason: "unauthentic",
  });
  assertEquals(openEcho(keys.clientToServer, packet, PacketType.EchoReply), {
    ok: false,
    reason: "bad_type",
  });
  assertThrows(
    () =>
      sealEcho(keys.clientToServer, {
        type: PacketType.EchoRequest,
        sessionId: 5n,
        counter: 0,
        size: 100,
        body: request,
      }),
    RangeError,
  );
});

Deno.test("counterNonce() never gives the same nonce for two directions or counters", () => {
  const seen = new Set<string>();
  for (const direction of [Direction.ClientToServer, Direction.ServerToClient]) {
    for (const counter of [1, 2, 255, 256, 2 ** 32, 2 ** 53 - 1]) {
      seen.add(counterNonce(direction, counter).join(","));
    }
  }
  assertEquals(seen.size, 12);
});

Deno.test("sealWelcome() round-trips; an accepted welcome without a session id is refused", () => {
  const body = {
    clientRandom: new Uint8Array(16).fill(1),
    serverRandom: new Uint8Array(16).fill(2),
    serverTime: 5n,
    status: WelcomeStatus.Accepted,
    interval: 10_000,
    packetSize: 1472,
    duration: 0,
    idleTimeout: 60_000,
  } as const;
  const opened = openWelcome(knockKey, sealWelcome(knockKey, 77n, body));
  assertOk(opened.ok);
  assertEquals(opened.value, { sessionId: 77n, body: { ...body } });
  assertEquals(openWelcome(knockKey, sealWelcome(knockKey, 0n, body)), {
    ok: false,
    reason: "bad_field",
  });
  // A knock is not a welcome, even under the right key.
  assertEquals(openWelcome(knockKey, sealKnock(knockKey, knockBody)), {
    ok: false,
    reason: "bad_type",
  });
});

Deno.test("sealClose() round-trips in the given direction", () => {
  const packet = sealClose(keys.serverToClient, {
    sessionId: 5n,
    counter: 9,
    direction: Direction.ServerToClient,
    reason: CloseReason.ServerShutdown,
  });
  const opened = openClose(keys.serverToClient, packet, Direction.ServerToClient);
  assertOk(opened.ok);
  assertEquals(opened.value.body.reason, CloseReason.ServerShutdown);
  assertEquals(openClose(keys.serverToClient, packet, Direction.ClientToServer), {
    ok: false,
    reason: "unauthentic",
  });
});
