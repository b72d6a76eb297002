import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
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
import {
  CloseReason,
  type EchoBody,
  encodeCloseBody,
  encodeEchoBody,
  PacketType,
  WelcomeStatus,
  writeHeader,
} from "./wire.ts";
import { sessionAead } from "./_session_aead.ts";

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

/** A session packet sealed with @noble/ciphers alone, as the codec before it sealed them. */
function nobleSeal(
  key: Uint8Array,
  header: { type: PacketType; sessionId: bigint; counter: number },
  direction: Direction,
  body: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(20 + body.length + 16);
  writeHeader(packet, header);
  const aad = packet.subarray(0, 20);
  packet.set(chacha20poly1305(key, counterNonce(direction, header.counter), aad).encrypt(body), 20);
  return packet;
}

const aeadName = sessionAead().name;

Deno.test(`session packets are the bytes @noble/ciphers seals (${aeadName})`, () => {
  for (const size of [92, 172, 1472]) {
    const header = { type: PacketType.EchoRequest, sessionId: 5n, counter: 2 ** 40 + 3 } as const;
    const fromNoble = nobleSeal(
      keys.clientToServer,
      header,
      Direction.ClientToServer,
      encodeEchoBody(request, size - 36),
    );
    const ours = sealEcho(keys.clientToServer, { ...header, size, body: request });
    assertEquals(ours, fromNoble);
    // Both ways: noble opens ours, we open noble's.
    const opened = openEcho(keys.clientToServer, fromNoble, PacketType.EchoRequest);
    assertOk(opened.ok);
    assertEquals(opened.value.body, request);
    const aad = ours.subarray(0, 20);
    const nonce = counterNonce(Direction.ClientToServer, header.counter);
    assertEquals(
      chacha20poly1305(keys.clientToServer, nonce, aad).decrypt(ours.subarray(20)),
      encodeEchoBody(request, size - 36),
    );
  }
  const close = { type: PacketType.Close, sessionId: 5n, counter: 7 } as const;
  const nobleClose = nobleSeal(
    keys.serverToClient,
    close,
    Direction.ServerToClient,
    encodeCloseBody({ reason: CloseReason.DurationReached }),
  );
  assertEquals(
    sealClose(keys.serverToClient, {
      sessionId: 5n,
      counter: 7,
      direction: Direction.ServerToClient,
      reason: CloseReason.DurationReached,
    }),
    nobleClose,
  );
  const opened = openClose(keys.serverToClient, nobleClose, Direction.ServerToClient);
  assertOk(opened.ok);
  assertEquals(opened.value.body.reason, CloseReason.DurationReached);
});

Deno.test("sealEcho() and openEcho() reuse given buffers and give the same packets", () => {
  const buffer = new Uint8Array(600).fill(0xaa);
  const scratch = new Uint8Array(600).fill(0xbb);
  for (const [size, seq] of [[500, 1], [120, 2], [300, 3]] as const) {
    const echo = {
      type: PacketType.EchoReply,
      sessionId: 9n,
      counter: seq,
      size,
      body: { ...request, seq, requestCounter: seq, serverReceived: seq, flags: 1 },
    } as const;
    const packet = sealEcho(keys.serverToClient, echo, buffer);
    assertOk(packet.buffer === buffer.buffer, "sealed into the given buffer");
    // Same bytes as a fresh packet: the padding left by a longer packet is cleared.
    assertEquals(packet, sealEcho(keys.serverToClient, echo));
    const opened = openEcho(keys.serverToClient, packet, PacketType.EchoReply, scratch);
    assertOk(opened.ok);
    assertEquals(opened.value.body, echo.body);
  }
  assertThrows(
    () =>
      sealEcho(keys.serverToClient, {
        type: PacketType.EchoReply,
        sessionId: 9n,
        counter: 1,
        size: 601,
        body: { ...request, requestCounter: 1, serverReceived: 1 },
      }, buffer),
    RangeError,
  );
});
