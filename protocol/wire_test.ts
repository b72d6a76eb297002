import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import {
  CLOSE_SIZE,
  CloseReason,
  decodeCloseBody,
  decodeEchoBody,
  decodeKnockBody,
  decodeWelcomeBody,
  ECHO_BODY_SIZE,
  ECHO_MIN_SIZE,
  type EchoBody,
  encodeCloseBody,
  encodeEchoBody,
  encodeKnockBody,
  encodeWelcomeBody,
  HEADER_SIZE,
  KNOCK_SIZE,
  type KnockBody,
  MAX_PACKET_SIZE,
  PacketType,
  readHeader,
  WELCOME_SIZE,
  type WelcomeBody,
  WelcomeStatus,
  writeHeader,
} from "./wire.ts";

const knock: KnockBody = {
  clientTime: 1_700_000_000_123_456_789n,
  clientRandom: new Uint8Array(16).map((_, i) => i + 1),
  interval: 10_000,
  packetSize: 172,
  duration: 60_000,
};

const welcome: WelcomeBody = {
  clientRandom: new Uint8Array(16).fill(3),
  serverRandom: new Uint8Array(16).fill(4),
  serverTime: 1_700_000_000_000_000_001n,
  status: WelcomeStatus.Accepted,
  interval: 10_000,
  packetSize: 1472,
  duration: 3_600_000,
  idleTimeout: 60_000,
};

const reply: EchoBody = {
  seq: 2 ** 40 + 5,
  requestCounter: 77,
  clientSendTime: 11n,
  serverReceiveTime: 12n,
  serverSendTime: 13n,
  serverReceived: 70,
  flags: 3,
};

function packet(type: number, size: number, sessionId = 9n, counter = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  writeHeader(bytes, { type: type as PacketType, sessionId, counter });
  return bytes;
}

Deno.test("packet sizes match the layout diagram", () => {
  assertEquals([HEADER_SIZE, KNOCK_SIZE, WELCOME_SIZE, ECHO_MIN_SIZE, CLOSE_SIZE], [
    20,
    128,
    120,
    92,
    44,
  ]);
  // A knock is never shorter than the welcome it may earn: no amplification.
  assertEquals(KNOCK_SIZE >= WELCOME_SIZE, true);
});

Deno.test("writeHeader() and readHeader() round-trip, big-endian", () => {
  const bytes = packet(PacketType.EchoRequest, 100, 0x0102030405060708n, 0x0a0b);
  assertEquals([...bytes.subarray(0, 20)], [
    0x62,
    0x62,
    1,
    3,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    0,
    0,
    0,
    0,
    0,
    0,
    0x0a,
    0x0b,
  ]);
  assertEquals(readHeader(bytes), {
    ok: true,
    value: { type: PacketType.EchoRequest, sessionId: 0x0102030405060708n, counter: 0x0a0b },
  });
});

Deno.test("readHeader() refuses foreign, short, long and ill-numbered packets", () => {
  const reason = (bytes: Uint8Array) => {
    const result = readHeader(bytes);
    return result.ok ? "ok" : result.reason;
  };
  assertEquals(reason(new Uint8Array(19)), "too_short");
  const badMagic = packet(PacketType.EchoRequest, 100);
  badMagic[0] = 0x63;
  assertEquals(reason(badMagic), "bad_magic");
  const badVersion = packet(PacketType.EchoRequest, 100);
  badVersion[2] = 2;
  assertEquals(reason(badVersion), "bad_version");
  assertEquals(reason(packet(0, 100)), "bad_type");
  assertEquals(reason(packet(6, 100)), "bad_type");
  assertEquals(reason(packet(PacketType.Knock, 127, 0n, 0)), "too_short");
  assertEquals(reason(packet(PacketType.Knock, 129, 0n, 0)), "too_long");
  assertEquals(reason(packet(PacketType.Knock, 128, 0n, 0)), "ok");
  assertEquals(reason(packet(PacketType.Knock, 128, 1n, 0)), "bad_field");
  assertEquals(reason(packet(PacketType.Knock, 128, 0n, 1)), "bad_field");
  assertEquals(reason(packet(PacketType.Welcome, 120, 5n, 1)), "bad_field");
  assertEquals(reason(packet(PacketType.EchoRequest, 91)), "too_short");
  assertEquals(reason(packet(PacketType.EchoRequest, MAX_PACKET_SIZE + 1)), "too_long");
  assertEquals(reason(packet(PacketType.EchoRequest, 92, 0n, 1)), "bad_field");
  assertEquals(reason(packet(PacketType.EchoReply, 92, 1n, 0)), "bad_field");
  assertEquals(reason(packet(PacketType.Close, 45)), "too_long");
  const hugeCounter = packet(PacketType.EchoRequest, 100);
  hugeCounter.fill(0xff, 12, 20);
  assertEquals(reason(hugeCounter), "bad_field");
});

Deno.test("knock bodies round-trip and refuse bad fields", () => {
  const bytes = encodeKnockBody(knock);
  assertEquals(bytes.length, 68);
  assertEquals(decodeKnockBody(bytes), { ok: true, value: knock });
  const zeroInterval = bytes.slice();
  zeroInterval.fill(0, 24, 28);
  assertEquals(decodeKnockBody(zeroInterval), { ok: false, reason: "bad_field" });
  const reserved = bytes.slice();
  reserved[67] = 1;
  assertEquals(decodeKnockBody(reserved), { ok: false, reason: "bad_field" });
  assertEquals(decodeKnockBody(bytes.subarray(1)), { ok: false, reason: "too_short" });
  assertThrows(() => encodeKnockBody({ ...knock, packetSize: 91 }), RangeError);
  assertThrows(() => encodeKnockBody({ ...knock, clientRandom: new Uint8Array(15) }), RangeError);
});

Deno.test("welcome bodies round-trip; an accepted one must grant usable parameters", () => {
  assertEquals(decodeWelcomeBody(encodeWelcomeBody(welcome)), { ok: true, value: welcome });
  assertEquals(
    decodeWelcomeBody(encodeWelcomeBody({ ...welcome, interval: 0 })),
    { ok: false, reason: "bad_field" },
  );
  const refusal = { ...welcome, status: WelcomeStatus.ServerFull, interval: 0, packetSize: 0 };
  assertEquals(decodeWelcomeBody(encodeWelcomeBody(refusal)), { ok: true, value: refusal });
  const badStatus = encodeWelcomeBody(welcome);
  badStatus[40] = 9;
  assertEquals(decodeWelcomeBody(badStatus), { ok: false, reason: "bad_field" });
});

Deno.test("echo bodies round-trip with padding; requests carry no server fields", () => {
  const bytes = encodeEchoBody(reply, 200);
  assertEquals(bytes.length, 200);
  assertEquals(bytes.subarray(ECHO_BODY_SIZE).every((byte) => byte === 0), true);
  assertEquals(decodeEchoBody(bytes, PacketType.EchoReply), { ok: true, value: reply });
  assertEquals(decodeEchoBody(bytes, PacketType.EchoRequest), { ok: false, reason: "bad_field" });
  const request: EchoBody = {
    ...reply,
    requestCounter: 0,
    serverReceiveTime: 0n,
    serverSendTime: 0n,
    serverReceived: 0,
    flags: 0,
  };
  assertEquals(decodeEchoBody(encodeEchoBody(request), PacketType.EchoRequest), {
    ok: true,
    value: request,
  });
  const unknownFlag = encodeEchoBody(reply);
  unknownFlag[48] = 4;
  assertEquals(decodeEchoBody(unknownFlag, PacketType.EchoReply), {
    ok: false,
    reason: "bad_field",
  });
  assertEquals(decodeEchoBody(new Uint8Array(55), PacketType.EchoReply), {
    ok: false,
    reason: "too_short",
  });
  assertThrows(() => encodeEchoBody({ ...reply, seq: -1 }), RangeError);
  assertThrows(() => encodeEchoBody(reply, 55), RangeError);
});

Deno.test("close bodies round-trip and refuse unknown reasons", () => {
  const bytes = encodeCloseBody({ reason: CloseReason.DurationReached });
  assertEquals(decodeCloseBody(bytes), { ok: true, value: { reason: 1 } });
  assertEquals(decodeCloseBody(new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0])), {
    ok: false,
    reason: "bad_field",
  });
  assertEquals(decodeCloseBody(new Uint8Array(9)), { ok: false, reason: "too_long" });
});
