/**
 * Whole packets: sealing with ChaCha20-Poly1305 (session packets, 12-byte counter nonces) or
 * XChaCha20-Poly1305 (knock and welcome, random 24-byte nonces), the clear header always
 * authenticated as associated data. Layouts are in `wire.ts`; keys in `keys.ts`.
 *
 * Implementations: knocks and welcomes use `@noble/ciphers` (XChaCha20-Poly1305); session
 * packets (every echo request and reply) use a native ChaCha20-Poly1305, libsodium or
 * `node:crypto` (see `_session_aead.ts`): the same RFC 8439 AEAD, byte for byte, about 3 to 15
 * times faster than `@noble/ciphers`' at these sizes. `codec_test.ts` checks that packets
 * sealed with `@noble/ciphers` open here and the other way round.
 *
 * Every `open*` function checks the header, the length, the tag and then the body's fields,
 * and returns a {@linkcode Decoded}: it never throws.
 *
 * @module
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { sessionAead } from "./_session_aead.ts";
import { type Decoded, decoded, guarded, refused } from "./decoded.ts";
import {
  CLOSE_SIZE,
  type CloseBody,
  decodeCloseBody,
  decodeEchoBody,
  decodeKnockBody,
  decodeWelcomeBody,
  ECHO_BODY_SIZE,
  type EchoBody,
  encodeCloseBody,
  encodeKnockBody,
  encodeWelcomeBody,
  HEADER_SIZE,
  type KnockBody,
  MAX_COUNTER,
  MAX_PACKET_SIZE,
  type PacketHeader,
  PacketType,
  RANDOM_NONCE_SIZE,
  readHeader,
  TAG_SIZE,
  type WelcomeBody,
  writeEchoBody,
  writeHeader,
} from "./wire.ts";

/**
 * Who sends a session packet: the first byte of its nonce.
 *
 * @example
 * ```ts
 * import { Direction } from "./codec.ts";
 * console.log(Direction.ServerToClient); // 1
 * ```
 */
export const Direction = {
  /** Sealed with the client-to-server key. */
  ClientToServer: 0,
  /** Sealed with the server-to-client key. */
  ServerToClient: 1,
} as const;

/** One of {@linkcode Direction}. */
export type Direction = typeof Direction[keyof typeof Direction];

/** An opened knock. */
export interface OpenedKnock {
  /** Its random nonce: the key of the server's replay filter. */
  nonce: Uint8Array;
  /** What it asks for. */
  body: KnockBody;
}

/** An opened welcome. */
export interface OpenedWelcome {
  /** The session id (0 when refused). */
  sessionId: bigint;
  /** Parameters or refusal. */
  body: WelcomeBody;
}

/** An opened echo request or reply. */
export interface OpenedEcho {
  /** The clear header. */
  header: PacketHeader;
  /** The body. */
  body: EchoBody;
  /** The packet's length in bytes. */
  size: number;
}

/** An opened close. */
export interface OpenedClose {
  /** The clear header. */
  header: PacketHeader;
  /** The body. */
  body: CloseBody;
}

/** What {@linkcode sealEcho} needs. */
export interface EchoPacket {
  /** Request or reply. */
  type: typeof PacketType.EchoRequest | typeof PacketType.EchoReply;
  /** The session. */
  sessionId: bigint;
  /** The sender's next counter (1, 2, ...); never reuse one under a key. */
  counter: number;
  /** The body. */
  body: EchoBody;
  /** Total packet length in bytes (at least `ECHO_MIN_SIZE`). */
  size: number;
}

/** What {@linkcode sealClose} needs. */
export interface ClosePacket {
  /** The session. */
  sessionId: bigint;
  /** The sender's next counter. */
  counter: number;
  /** Who sends it. */
  direction: Direction;
  /** Why. */
  reason: CloseBody["reason"];
}

/**
 * The 12-byte nonce of a session packet: `[direction, 0, 0, 0, counter (u64 BE)]`.
 *
 * @param direction Who sends.
 * @param counter The packet counter.
 * @returns 12 bytes.
 *
 * @example
 * ```ts
 * import { counterNonce, Direction } from "./codec.ts";
 * console.log(counterNonce(Direction.ServerToClient, 258).join(" ")); // 1 0 0 0 0 0 0 0 0 0 1 2
 * ```
 */
export function counterNonce(direction: Direction, counter: number): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce[0] = direction;
  new DataView(nonce.buffer).setBigUint64(4, BigInt(counter));
  return nonce;
}

/** The nonce of the packet being sealed or opened (the calls copy it; never kept). */
const scratchNonce = new Uint8Array(12);
const scratchNonceView = new DataView(scratchNonce.buffer);

function nonceFor(direction: Direction, counter: number): Uint8Array {
  scratchNonce[0] = direction;
  // The counter is below 2^53: two 32-bit halves, no BigInt.
  scratchNonceView.setUint32(4, Math.floor(counter / 4294967296));
  scratchNonceView.setUint32(8, counter >>> 0);
  return scratchNonce;
}

function randomNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(RANDOM_NONCE_SIZE));
}

function sealRandom(
  key: Uint8Array,
  header: PacketHeader,
  body: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  if (nonce.byteLength !== RANDOM_NONCE_SIZE) {
    throw new RangeError(`Invalid nonce: expected ${RANDOM_NONCE_SIZE} bytes`);
  }
  const packet = new Uint8Array(HEADER_SIZE + RANDOM_NONCE_SIZE + body.byteLength + TAG_SIZE);
  writeHeader(packet, header);
  packet.set(nonce, HEADER_SIZE);
  const aad = packet.subarray(0, HEADER_SIZE);
  xchacha20poly1305(key, nonce, aad).encrypt(
    body,
    packet.subarray(HEADER_SIZE + RANDOM_NONCE_SIZE),
  );
  return packet;
}

function openRandom(
  key: Uint8Array,
  packet: Uint8Array,
): Decoded<{ nonce: Uint8Array; body: Uint8Array }> {
  const nonce = packet.subarray(HEADER_SIZE, HEADER_SIZE + RANDOM_NONCE_SIZE);
  try {
    const body = xchacha20poly1305(key, nonce, packet.subarray(0, HEADER_SIZE)).decrypt(
      packet.subarray(HEADER_SIZE + RANDOM_NONCE_SIZE),
    );
    return decoded({ nonce: nonce.slice(), body });
  } catch {
    return refused("unauthentic");
  }
}

/**
 * Writes `header` into `packet` and seals, in place, the body already written after it
 * (`packet` is header, body, room for the tag).
 */
function sealCounter(
  key: Uint8Array,
  packet: Uint8Array,
  header: PacketHeader,
  direction: Direction,
): Uint8Array {
  if (!Number.isInteger(header.counter) || header.counter < 1 || header.counter > MAX_COUNTER) {
    throw new RangeError(`Invalid counter "${header.counter}": expected 1 to 2^53 - 1`);
  }
  writeHeader(packet, header);
  sessionAead().seal(
    key,
    nonceFor(direction, header.counter),
    packet.subarray(0, HEADER_SIZE),
    packet.subarray(HEADER_SIZE, packet.byteLength - TAG_SIZE),
    packet.subarray(HEADER_SIZE),
  );
  return packet;
}

function openCounter(
  key: Uint8Array,
  packet: Uint8Array,
  header: PacketHeader,
  direction: Direction,
  into?: Uint8Array,
): Decoded<Uint8Array> {
  if (packet.byteLength < HEADER_SIZE + TAG_SIZE) return refused("too_short");
  const body = sessionAead().open(
    key,
    nonceFor(direction, header.counter),
    packet.subarray(0, HEADER_SIZE),
    packet.subarray(HEADER_SIZE),
    into,
  );
  return body === undefined ? refused("unauthentic") : decoded(body);
}

/**
 * Seals a knock.
 *
 * @param knockKey From `deriveKnockKey`.
 * @param body The knock.
 * @param nonce 24 bytes; a fresh random one by default (never reuse one).
 * @returns The packet (`KNOCK_SIZE` bytes).
 * @throws {RangeError} When a field is out of its range.
 *
 * @example A knock and its opening
 * ```ts
 * import { openKnock, sealKnock } from "./codec.ts";
 * import { deriveKnockKey } from "./keys.ts";
 * const key = deriveKnockKey("s3cret");
 * const packet = sealKnock(key, {
 *   clientTime: 1n, clientRandom: new Uint8Array(16), interval: 10_000, packetSize: 100, duration: 0,
 * });
 * const opened = openKnock(key, packet);
 * console.log(packet.length, opened.ok && opened.value.body.packetSize); // 128 100
 * console.log(openKnock(deriveKnockKey("wrong"), packet)); // { ok: false, reason: "unauthentic" }
 * ```
 */
export function sealKnock(
  knockKey: Uint8Array,
  body: KnockBody,
  nonce: Uint8Array = randomNonce(),
): Uint8Array {
  return sealRandom(
    knockKey,
    { type: PacketType.Knock, sessionId: 0n, counter: 0 },
    encodeKnockBody(body),
    nonce,
  );
}

/**
 * Opens and checks a knock.
 *
 * @param knockKey From `deriveKnockKey`.
 * @param packet The datagram.
 * @returns The nonce and the knock, or why not.
 *
 * @example
 * ```ts
 * import { openKnock } from "./codec.ts";
 * console.log(openKnock(new Uint8Array(32), new Uint8Array(3))); // { ok: false, reason: "too_short" }
 * ```
 */
export function openKnock(knockKey: Uint8Array, packet: Uint8Array): Decoded<OpenedKnock> {
  return guarded(() => {
    const header = readHeader(packet);
    if (!header.ok) return header;
    if (header.value.type !== PacketType.Knock) return refused("bad_type");
    const opened = openRandom(knockKey, packet);
    if (!opened.ok) return opened;
    const body = decodeKnockBody(opened.value.body);
    if (!body.ok) return body;
    return decoded({ nonce: opened.value.nonce, body: body.value });
  });
}

/**
 * Seals a welcome.
 *
 * @param knockKey From `deriveKnockKey`.
 * @param sessionId The new session (0 when refusing).
 * @param body Parameters or refusal.
 * @param nonce 24 bytes; a fresh random one by default.
 * @returns The packet (`WELCOME_SIZE` bytes).
 * @throws {RangeError} When a field is out of its range.
 *
 * @example
 * ```ts
 * import { openWelcome, sealWelcome } from "./codec.ts";
 * import { deriveKnockKey } from "./keys.ts";
 * import { WelcomeStatus } from "./wire.ts";
 * const key = deriveKnockKey("s3cret");
 * const packet = sealWelcome(key, 42n, {
 *   clientRandom: new Uint8Array(16), serverRandom: new Uint8Array(16), serverTime: 1n,
 *   status: WelcomeStatus.Accepted, interval: 10_000, packetSize: 1472, duration: 0,
 *   idleTimeout: 60_000,
 * });
 * const opened = openWelcome(key, packet);
 * console.log(packet.length, opened.ok && opened.value.sessionId); // 120 42n
 * ```
 */
export function sealWelcome(
  knockKey: Uint8Array,
  sessionId: bigint,
  body: WelcomeBody,
  nonce: Uint8Array = randomNonce(),
): Uint8Array {
  return sealRandom(
    knockKey,
    { type: PacketType.Welcome, sessionId, counter: 0 },
    encodeWelcomeBody(body),
    nonce,
  );
}

/**
 * Opens and checks a welcome (an accepted one must carry a session id).
 *
 * @param knockKey From `deriveKnockKey`.
 * @param packet The datagram.
 * @returns The session id and the welcome, or why not.
 *
 * @example
 * ```ts
 * import { openWelcome } from "./codec.ts";
 * console.log(openWelcome(new Uint8Array(32), new Uint8Array(120))); // { ok: false, reason: "bad_magic" }
 * ```
 */
export function openWelcome(knockKey: Uint8Array, packet: Uint8Array): Decoded<OpenedWelcome> {
  return guarded(() => {
    const header = readHeader(packet);
    if (!header.ok) return header;
    if (header.value.type !== PacketType.Welcome) return refused("bad_type");
    const opened = openRandom(knockKey, packet);
    if (!opened.ok) return opened;
    const body = decodeWelcomeBody(opened.value.body);
    if (!body.ok) return body;
    const accepted = body.value.status === 0;
    if (accepted !== (header.value.sessionId !== 0n)) return refused("bad_field");
    return decoded({ sessionId: header.value.sessionId, body: body.value });
  });
}

/**
 * Seals an echo request (with the client-to-server key) or reply (server-to-client key).
 *
 * @param key The session key of the sending direction.
 * @param echo Header fields, body and size.
 * @param into Where to build the packet (at least `echo.size` bytes; reuse one buffer for
 * many packets on a hot path); a new array when not given.
 * @returns The packet (`echo.size` bytes; a view of `into` when given).
 * @throws {RangeError} When the counter, a field or the size is out of range, or `into` is
 * too short.
 *
 * @example A request of 100 bytes
 * ```ts
 * import { openEcho, sealEcho } from "./codec.ts";
 * import { PacketType } from "./wire.ts";
 * const key = new Uint8Array(32).fill(7);
 * const packet = sealEcho(key, {
 *   type: PacketType.EchoRequest, sessionId: 5n, counter: 1, size: 100,
 *   body: {
 *     seq: 0, requestCounter: 0, clientSendTime: 1n, serverReceiveTime: 0n, serverSendTime: 0n,
 *     serverReceived: 0, flags: 0,
 *   },
 * });
 * const opened = openEcho(key, packet, PacketType.EchoRequest);
 * console.log(packet.length, opened.ok && opened.value.header.counter); // 100 1
 * ```
 */
export function sealEcho(key: Uint8Array, echo: EchoPacket, into?: Uint8Array): Uint8Array {
  const bodySize = echo.size - HEADER_SIZE - TAG_SIZE;
  if (!Number.isInteger(echo.size) || bodySize < ECHO_BODY_SIZE || echo.size > MAX_PACKET_SIZE) {
    throw new RangeError(`Invalid echo size "${echo.size}": too small or too large`);
  }
  let packet: Uint8Array;
  if (into === undefined) {
    packet = new Uint8Array(echo.size);
  } else {
    if (into.byteLength < echo.size) {
      throw new RangeError(`Invalid buffer: ${into.byteLength} bytes for a ${echo.size}-byte echo`);
    }
    packet = into.subarray(0, echo.size);
    // The padding of a reused buffer still holds the last packet.
    packet.fill(0, HEADER_SIZE + ECHO_BODY_SIZE, HEADER_SIZE + bodySize);
  }
  writeEchoBody(packet.subarray(HEADER_SIZE, HEADER_SIZE + ECHO_BODY_SIZE), echo.body);
  const direction = echo.type === PacketType.EchoRequest
    ? Direction.ClientToServer
    : Direction.ServerToClient;
  return sealCounter(
    key,
    packet,
    { type: echo.type, sessionId: echo.sessionId, counter: echo.counter },
    direction,
  );
}

/**
 * Opens and checks an echo request or reply.
 *
 * @param key The session key of the sending direction.
 * @param packet The datagram.
 * @param type The type expected.
 * @param into Where to decrypt the body (at least `packet.length - 36` bytes, not overlapping
 * `packet`; reuse one buffer on a hot path: nothing returned points into it); a new array
 * when not given.
 * @returns Header, body and size, or why not.
 *
 * @example
 * ```ts
 * import { openEcho } from "./codec.ts";
 * import { PacketType } from "./wire.ts";
 * console.log(openEcho(new Uint8Array(32), new Uint8Array(0), PacketType.EchoReply)); // { ok: false, reason: "too_short" }
 * ```
 */
export function openEcho(
  key: Uint8Array,
  packet: Uint8Array,
  type: typeof PacketType.EchoRequest | typeof PacketType.EchoReply,
  into?: Uint8Array,
): Decoded<OpenedEcho> {
  return guarded(() => {
    const header = readHeader(packet);
    if (!header.ok) return header;
    if (header.value.type !== type) return refused("bad_type");
    const direction = type === PacketType.EchoRequest
      ? Direction.ClientToServer
      : Direction.ServerToClient;
    const opened = openCounter(key, packet, header.value, direction, into);
    if (!opened.ok) return opened;
    const body = decodeEchoBody(opened.value, type);
    if (!body.ok) return body;
    return decoded({ header: header.value, body: body.value, size: packet.byteLength });
  });
}

/**
 * Seals a close.
 *
 * @param key The session key of the sending direction.
 * @param close Header fields and reason.
 * @returns The packet (`CLOSE_SIZE` bytes).
 *
 * @example
 * ```ts
 * import { Direction, openClose, sealClose } from "./codec.ts";
 * import { CloseReason } from "./wire.ts";
 * const key = new Uint8Array(32);
 * const packet = sealClose(key, {
 *   sessionId: 1n, counter: 3, direction: Direction.ClientToServer, reason: CloseReason.ClientDone,
 * });
 * const opened = openClose(key, packet, Direction.ClientToServer);
 * console.log(opened.ok && opened.value.body.reason); // 0
 * ```
 */
export function sealClose(key: Uint8Array, close: ClosePacket): Uint8Array {
  const packet = new Uint8Array(CLOSE_SIZE);
  packet.set(encodeCloseBody({ reason: close.reason }), HEADER_SIZE);
  return sealCounter(
    key,
    packet,
    { type: PacketType.Close, sessionId: close.sessionId, counter: close.counter },
    close.direction,
  );
}

/**
 * Opens and checks a close.
 *
 * @param key The session key of the sending direction.
 * @param packet The datagram.
 * @param direction Who sent it.
 * @returns Header and reason, or why not.
 *
 * @example
 * ```ts
 * import { Direction, openClose } from "./codec.ts";
 * console.log(openClose(new Uint8Array(32), new Uint8Array(44), Direction.ServerToClient)); // { ok: false, reason: "bad_magic" }
 * ```
 */
export function openClose(
  key: Uint8Array,
  packet: Uint8Array,
  direction: Direction,
): Decoded<OpenedClose> {
  return guarded(() => {
    const header = readHeader(packet);
    if (!header.ok) return header;
    if (header.value.type !== PacketType.Close) return refused("bad_type");
    const opened = openCounter(key, packet, header.value, direction);
    if (!opened.ok) return opened;
    const body = decodeCloseBody(opened.value);
    if (!body.ok) return body;
    return decoded({ header: header.value, body: body.value });
  });
}
