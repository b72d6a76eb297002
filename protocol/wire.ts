/**
 * The bufferbane UDP echo protocol, version 1: every byte on the wire is laid out here.
 *
 * Every datagram is a 20-byte header in the clear, authenticated as the associated data of the
 * AEAD, then a sealed body (ciphertext, then a 16-byte Poly1305 tag). All integers are
 * big-endian; times are `CLOCK_REALTIME` nanoseconds since the Unix epoch.
 *
 * ```text
 * Header (20 bytes, every packet)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    magic 0x62 0x62 ("bb")     |  version (1)  |     type      |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     session id (u64)                          |  4
 * |                 0 in a knock; chosen by the server            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   packet counter (u64)                        | 12
 * | 0 in knock and welcome; else 1, 2, 3, ... per session and     |
 * | direction: the AEAD nonce and the replay-window position      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * type 1 KNOCK (client -> server), exactly 128 bytes; type 2 WELCOME (server -> client),
 * exactly 120 bytes. Sealed with XChaCha20-Poly1305 under the knock key, with a random nonce:
 * +-------------------+---------------------------+-------------------------+-----------+
 * | header (20)       | random nonce (24)         | sealed body (68 or 60)  | tag (16)  |
 * +-------------------+---------------------------+-------------------------+-----------+
 *
 * KNOCK body (68 bytes)                  WELCOME body (60 bytes)
 *  0 client time (u64 ns)                 0 client random (16, echoed)
 *  8 client random (16 bytes)            16 server random (16)
 * 24 wanted interval (u32 us)            32 server time (u64 ns)
 * 28 largest packet (u16 bytes)          40 status (u8): 0 accepted, 1 too many sessions
 * 30 reserved (u16, 0)                      from this address, 2 server full
 * 32 wanted duration (u32 ms, 0 = max)   41 reserved (3, 0)
 * 36 reserved (32, 0): pads the knock    44 granted interval (u32 us): send no faster
 *    so that it is never shorter than    48 granted largest packet (u16 bytes)
 *    the welcome it may earn             50 reserved (u16, 0)
 *                                        52 granted duration (u32 ms, 0 = no limit)
 *                                        56 idle timeout (u32 ms)
 *
 * type 3 ECHO_REQUEST (client -> server), type 4 ECHO_REPLY (server -> client), type 5 CLOSE
 * (either way). Sealed with ChaCha20-Poly1305 under the session key of the direction; the
 * 12-byte nonce is [direction (u8: 0 client->server, 1 server->client), 0, 0, 0, counter (u64)]:
 * +-------------------+---------------------------------------------------+-----------+
 * | header (20)       | sealed body (56 + padding for echoes, 8 for close)| tag (16)  |
 * +-------------------+---------------------------------------------------+-----------+
 *
 * ECHO body (56 bytes, then zero padding up to the packet size the client chose; a reply is
 * exactly as long as its request, so the server never sends more than it received)
 *  0 sequence (u64, the client's; at most 2^53 - 1)
 *  8 request counter (u64): reply: the counter of the request answered; request: 0
 * 16 client send time (u64 ns, the client's clock read before sending; copied back)
 * 24 server receive time (u64 ns; request: 0)
 * 32 server send time (u64 ns; request: 0)
 * 40 server received count (u64): distinct requests of this session received so far,
 *    this one included (request: 0)
 * 48 flags (u8; request: 0): bit 0 the receive time is the kernel's stamp; bit 1 the send
 *    time was corrected with the kernel's send stamps of earlier replies
 * 49 reserved (7, 0)
 *
 * CLOSE body (8 bytes)
 *  0 reason (u8): 0 client done, 1 duration reached, 2 server shutting down
 *  1 reserved (7, 0)
 * ```
 *
 * Everything here works on plaintext: sealing is `codec.ts`, keys are `keys.ts`.
 *
 * @module
 */
import { type Decoded, decoded, guarded, refused } from "./decoded.ts";

/** First two bytes of every packet (`"bb"`). */
export const MAGIC = 0x6262;
/** The protocol version this module speaks. */
export const VERSION = 1;
/** Bytes of the clear header. */
export const HEADER_SIZE = 20;
/** Bytes of the Poly1305 tag. */
export const TAG_SIZE = 16;
/** Bytes of the random XChaCha20 nonce of knocks and welcomes. */
export const RANDOM_NONCE_SIZE = 24;
/** Bytes of a client or server random. */
export const RANDOM_SIZE = 16;
/** Bytes of a knock body. */
export const KNOCK_BODY_SIZE = 68;
/** Bytes of a welcome body. */
export const WELCOME_BODY_SIZE = 60;
/** Bytes of an echo body before padding. */
export const ECHO_BODY_SIZE = 56;
/** Bytes of a close body. */
export const CLOSE_BODY_SIZE = 8;
/** Bytes of a knock packet. */
export const KNOCK_SIZE = HEADER_SIZE + RANDOM_NONCE_SIZE + KNOCK_BODY_SIZE + TAG_SIZE;
/** Bytes of a welcome packet. */
export const WELCOME_SIZE = HEADER_SIZE + RANDOM_NONCE_SIZE + WELCOME_BODY_SIZE + TAG_SIZE;
/** Bytes of the smallest echo packet. */
export const ECHO_MIN_SIZE = HEADER_SIZE + ECHO_BODY_SIZE + TAG_SIZE;
/** Bytes of a close packet. */
export const CLOSE_SIZE = HEADER_SIZE + CLOSE_BODY_SIZE + TAG_SIZE;
/** The largest UDP payload over IPv4. */
export const MAX_PACKET_SIZE = 65507;
/** Sequence numbers and counters stay below this, so they are exact as JavaScript numbers. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/**
 * Packet types (the header's fourth byte).
 *
 * @example
 * ```ts
 * import { PacketType } from "./wire.ts";
 * console.log(PacketType.EchoReply); // 4
 * ```
 */
export const PacketType = {
  /** Client asks for a session, proving it knows the secret. */
  Knock: 1,
  /** Server answers a valid knock: session id and granted parameters, or a refusal. */
  Welcome: 2,
  /** Client to server, inside a session. */
  EchoRequest: 3,
  /** Server to client: the request's stamps and the server's count. */
  EchoReply: 4,
  /** Either side ends the session. */
  Close: 5,
} as const;

/** One of {@linkcode PacketType}. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/**
 * Welcome statuses.
 *
 * @example
 * ```ts
 * import { WelcomeStatus } from "./wire.ts";
 * console.log(WelcomeStatus.ServerFull); // 2
 * ```
 */
export const WelcomeStatus = {
  /** The session is open. */
  Accepted: 0,
  /** The client's address already has the most sessions the server allows. */
  TooManySessions: 1,
  /** The server has the most sessions it allows. */
  ServerFull: 2,
} as const;

/** One of {@linkcode WelcomeStatus}. */
export type WelcomeStatus = typeof WelcomeStatus[keyof typeof WelcomeStatus];

/**
 * Why a session was closed.
 *
 * @example
 * ```ts
 * import { CloseReason } from "./wire.ts";
 * console.log(CloseReason.DurationReached); // 1
 * ```
 */
export const CloseReason = {
  /** The client is done. */
  ClientDone: 0,
  /** The granted duration is over. */
  DurationReached: 1,
  /** The server is shutting down. */
  ServerShutdown: 2,
} as const;

/** One of {@linkcode CloseReason}. */
export type CloseReason = typeof CloseReason[keyof typeof CloseReason];

/**
 * Echo flags (set by the server in replies).
 *
 * @example
 * ```ts
 * import { EchoFlag } from "./wire.ts";
 * console.log(EchoFlag.ServerReceiveKernel | EchoFlag.ServerSendCorrected); // 3
 * ```
 */
export const EchoFlag = {
  /** The server receive time is the kernel's receive stamp. */
  ServerReceiveKernel: 1,
  /** The server send time was corrected with the kernel send stamps of earlier replies. */
  ServerSendCorrected: 2,
} as const;

const ECHO_FLAGS_MASK = EchoFlag.ServerReceiveKernel | EchoFlag.ServerSendCorrected;

/** The clear header. */
export interface PacketHeader {
  /** The packet's type. */
  type: PacketType;
  /** The session (0 in a knock, and in a welcome that refuses). */
  sessionId: bigint;
  /** The packet counter (0 in knock and welcome). */
  counter: number;
}

/** A knock body: the client's request for a session. */
export interface KnockBody {
  /** When the client built the knock (ns); the server refuses it outside its tolerance. */
  clientTime: bigint;
  /** 16 random bytes; with the server's random they salt the session keys. */
  clientRandom: Uint8Array;
  /** The interval the client wants to send at, microseconds (at least 1). */
  interval: number;
  /** The largest echo packet the client will send, bytes. */
  packetSize: number;
  /** How long the client wants the session, ms; 0 for as long as the server allows. */
  duration: number;
}

/** A welcome body: the session's parameters, or a refusal. */
export interface WelcomeBody {
  /** The knock's client random, echoed. */
  clientRandom: Uint8Array;
  /** 16 random bytes of the server. */
  serverRandom: Uint8Array;
  /** The server's clock when it answered (ns). */
  serverTime: bigint;
  /** Accepted or why not. */
  status: WelcomeStatus;
  /** The shortest interval between requests the server accepts, microseconds. */
  interval: number;
  /** The largest echo packet the server accepts, bytes. */
  packetSize: number;
  /** How long the session lasts, ms; 0 for no limit. */
  duration: number;
  /** The session ends after this long without a request, ms. */
  idleTimeout: number;
}

/** An echo body, request or reply. */
export interface EchoBody {
  /** The client's sequence number. */
  seq: number;
  /** Reply: the counter of the request it answers; request: 0. */
  requestCounter: number;
  /** The client's clock before sending the request (ns). */
  clientSendTime: bigint;
  /** Reply: when the server received the request (ns); request: 0. */
  serverReceiveTime: bigint;
  /** Reply: when the server sent the reply (ns); request: 0. */
  serverSendTime: bigint;
  /** Reply: distinct requests of the session the server received so far; request: 0. */
  serverReceived: number;
  /** Reply: {@linkcode EchoFlag} bits; request: 0. */
  flags: number;
}

/** A close body. */
export interface CloseBody {
  /** Why. */
  reason: CloseReason;
}

const PACKET_TYPES = new Set<number>(Object.values(PacketType));
const WELCOME_STATUSES = new Set<number>(Object.values(WelcomeStatus));
const CLOSE_REASONS = new Set<number>(Object.values(CloseReason));

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function safeU64(view: DataView, offset: number): number | undefined {
  const value = view.getBigUint64(offset);
  return value <= BigInt(MAX_COUNTER) ? Number(value) : undefined;
}

/**
 * The allowed length of a packet of `type`: `[min, max]`.
 *
 * @param type The packet type.
 * @returns Inclusive bounds in bytes.
 *
 * @example
 * ```ts
 * import { packetSizeBounds, PacketType } from "./wire.ts";
 * console.log(packetSizeBounds(PacketType.Knock)); // [ 128, 128 ]
 * ```
 */
export function packetSizeBounds(type: PacketType): [number, number] {
  switch (type) {
    case PacketType.Knock:
      return [KNOCK_SIZE, KNOCK_SIZE];
    case PacketType.Welcome:
      return [WELCOME_SIZE, WELCOME_SIZE];
    case PacketType.EchoRequest:
    case PacketType.EchoReply:
      return [ECHO_MIN_SIZE, MAX_PACKET_SIZE];
    case PacketType.Close:
      return [CLOSE_SIZE, CLOSE_SIZE];
  }
}

/**
 * Writes a header into the first {@linkcode HEADER_SIZE} bytes of `into`.
 *
 * @param into The packet buffer.
 * @param header The header.
 *
 * @example
 * ```ts
 * import { PacketType, writeHeader } from "./wire.ts";
 * const packet = new Uint8Array(20);
 * writeHeader(packet, { type: PacketType.Knock, sessionId: 0n, counter: 0 });
 * console.log(packet.subarray(0, 4)); // Uint8Array(4) [ 98, 98, 1, 1 ]
 * ```
 */
export function writeHeader(into: Uint8Array, header: PacketHeader): void {
  const v = view(into);
  v.setUint16(0, MAGIC);
  v.setUint8(2, VERSION);
  v.setUint8(3, header.type);
  v.setBigUint64(4, header.sessionId);
  v.setBigUint64(12, BigInt(header.counter));
}

/**
 * Reads and checks the clear header of a whole datagram: magic, version, type, the length the
 * type allows, and the session id and counter rules of the type.
 *
 * @param packet The whole datagram.
 * @returns The header, or why the datagram is not a packet of this protocol.
 *
 * @example
 * ```ts
 * import { readHeader } from "./wire.ts";
 * console.log(readHeader(new Uint8Array(10))); // { ok: false, reason: "too_short" }
 * ```
 */
export function readHeader(packet: Uint8Array): Decoded<PacketHeader> {
  return guarded(() => {
    if (packet.byteLength < HEADER_SIZE) return refused("too_short");
    const v = view(packet);
    if (v.getUint16(0) !== MAGIC) return refused("bad_magic");
    if (v.getUint8(2) !== VERSION) return refused("bad_version");
    const type = v.getUint8(3);
    if (!PACKET_TYPES.has(type)) return refused("bad_type");
    const [min, max] = packetSizeBounds(type as PacketType);
    if (packet.byteLength < min) return refused("too_short");
    if (packet.byteLength > max) return refused("too_long");
    const sessionId = v.getBigUint64(4);
    const counter = safeU64(v, 12);
    if (counter === undefined) return refused("bad_field");
    switch (type) {
      case PacketType.Knock:
        if (sessionId !== 0n || counter !== 0) return refused("bad_field");
        break;
      case PacketType.Welcome:
        if (counter !== 0) return refused("bad_field");
        break;
      default:
        if (sessionId === 0n || counter === 0) return refused("bad_field");
    }
    return decoded({ type: type as PacketType, sessionId, counter });
  });
}

/**
 * Encodes a knock body.
 *
 * @param body The knock.
 * @returns {@linkcode KNOCK_BODY_SIZE} bytes.
 * @throws {RangeError} When a field is out of its range.
 *
 * @example
 * ```ts
 * import { encodeKnockBody } from "./wire.ts";
 * const bytes = encodeKnockBody({
 *   clientTime: 1n, clientRandom: new Uint8Array(16), interval: 10_000, packetSize: 200, duration: 0,
 * });
 * console.log(bytes.length); // 68
 * ```
 */
export function encodeKnockBody(body: KnockBody): Uint8Array {
  checkRange("interval", body.interval, 1, 0xffff_ffff);
  checkRange("packetSize", body.packetSize, ECHO_MIN_SIZE, MAX_PACKET_SIZE);
  checkRange("duration", body.duration, 0, 0xffff_ffff);
  checkRandom("clientRandom", body.clientRandom);
  const bytes = new Uint8Array(KNOCK_BODY_SIZE);
  const v = view(bytes);
  v.setBigUint64(0, body.clientTime);
  bytes.set(body.clientRandom, 8);
  v.setUint32(24, body.interval);
  v.setUint16(28, body.packetSize);
  v.setUint32(32, body.duration);
  return bytes;
}

/**
 * Decodes and checks a knock body.
 *
 * @param bytes The opened body.
 * @returns The knock, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeKnockBody, encodeKnockBody } from "./wire.ts";
 * const body = {
 *   clientTime: 5n, clientRandom: new Uint8Array(16), interval: 1000, packetSize: 92, duration: 0,
 * };
 * const result = decodeKnockBody(encodeKnockBody(body));
 * console.log(result.ok && result.value.interval); // 1000
 * ```
 */
export function decodeKnockBody(bytes: Uint8Array): Decoded<KnockBody> {
  return guarded(() => {
    if (bytes.byteLength !== KNOCK_BODY_SIZE) {
      return refused(bytes.byteLength < KNOCK_BODY_SIZE ? "too_short" : "too_long");
    }
    const v = view(bytes);
    const interval = v.getUint32(24);
    const packetSize = v.getUint16(28);
    if (interval === 0 || packetSize < ECHO_MIN_SIZE) return refused("bad_field");
    if (v.getUint16(30) !== 0 || !isZero(bytes, 36, KNOCK_BODY_SIZE)) return refused("bad_field");
    return decoded({
      clientTime: v.getBigUint64(0),
      clientRandom: bytes.slice(8, 24),
      interval,
      packetSize,
      duration: v.getUint32(32),
    });
  });
}

/**
 * Encodes a welcome body.
 *
 * @param body The welcome.
 * @returns {@linkcode WELCOME_BODY_SIZE} bytes.
 * @throws {RangeError} When a field is out of its range.
 *
 * @example
 * ```ts
 * import { encodeWelcomeBody, WelcomeStatus } from "./wire.ts";
 * const bytes = encodeWelcomeBody({
 *   clientRandom: new Uint8Array(16), serverRandom: new Uint8Array(16), serverTime: 1n,
 *   status: WelcomeStatus.Accepted, interval: 10_000, packetSize: 1472, duration: 0,
 *   idleTimeout: 60_000,
 * });
 * console.log(bytes.length); // 60
 * ```
 */
export function encodeWelcomeBody(body: WelcomeBody): Uint8Array {
  checkRandom("clientRandom", body.clientRandom);
  checkRandom("serverRandom", body.serverRandom);
  checkRange("interval", body.interval, 0, 0xffff_ffff);
  checkRange("packetSize", body.packetSize, 0, MAX_PACKET_SIZE);
  checkRange("duration", body.duration, 0, 0xffff_ffff);
  checkRange("idleTimeout", body.idleTimeout, 0, 0xffff_ffff);
  const bytes = new Uint8Array(WELCOME_BODY_SIZE);
  const v = view(bytes);
  bytes.set(body.clientRandom, 0);
  bytes.set(body.serverRandom, 16);
  v.setBigUint64(32, body.serverTime);
  v.setUint8(40, body.status);
  v.setUint32(44, body.interval);
  v.setUint16(48, body.packetSize);
  v.setUint32(52, body.duration);
  v.setUint32(56, body.idleTimeout);
  return bytes;
}

/**
 * Decodes and checks a welcome body. An accepted welcome must grant an interval of at least
 * 1 us, a packet size of at least {@linkcode ECHO_MIN_SIZE} and an idle timeout.
 *
 * @param bytes The opened body.
 * @returns The welcome, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeWelcomeBody } from "./wire.ts";
 * console.log(decodeWelcomeBody(new Uint8Array(59))); // { ok: false, reason: "too_short" }
 * ```
 */
export function decodeWelcomeBody(bytes: Uint8Array): Decoded<WelcomeBody> {
  return guarded(() => {
    if (bytes.byteLength !== WELCOME_BODY_SIZE) {
      return refused(bytes.byteLength < WELCOME_BODY_SIZE ? "too_short" : "too_long");
    }
    const v = view(bytes);
    const status = v.getUint8(40);
    if (!WELCOME_STATUSES.has(status)) return refused("bad_field");
    if (!isZero(bytes, 41, 44) || v.getUint16(50) !== 0) return refused("bad_field");
    const body: WelcomeBody = {
      clientRandom: bytes.slice(0, 16),
      serverRandom: bytes.slice(16, 32),
      serverTime: v.getBigUint64(32),
      status: status as WelcomeStatus,
      interval: v.getUint32(44),
      packetSize: v.getUint16(48),
      duration: v.getUint32(52),
      idleTimeout: v.getUint32(56),
    };
    if (
      body.status === WelcomeStatus.Accepted &&
      (body.interval === 0 || body.packetSize < ECHO_MIN_SIZE || body.idleTimeout === 0)
    ) {
      return refused("bad_field");
    }
    return decoded(body);
  });
}

/**
 * Encodes an echo body followed by zero padding.
 *
 * @param body The echo.
 * @param size Bytes of body plus padding (at least {@linkcode ECHO_BODY_SIZE}).
 * @returns `size` bytes.
 * @throws {RangeError} When a field or the size is out of its range.
 *
 * @example
 * ```ts
 * import { encodeEchoBody } from "./wire.ts";
 * const bytes = encodeEchoBody({
 *   seq: 7, requestCounter: 0, clientSendTime: 1n, serverReceiveTime: 0n, serverSendTime: 0n,
 *   serverReceived: 0, flags: 0,
 * }, 100);
 * console.log(bytes.length, bytes[7]); // 100 7
 * ```
 */
export function encodeEchoBody(body: EchoBody, size: number = ECHO_BODY_SIZE): Uint8Array {
  checkRange("size", size, ECHO_BODY_SIZE, MAX_PACKET_SIZE - HEADER_SIZE - TAG_SIZE);
  const bytes = new Uint8Array(size);
  writeEchoBody(bytes, body);
  return bytes;
}

/**
 * Writes an echo body into the first {@linkcode ECHO_BODY_SIZE} bytes of `into` (the rest is
 * left alone: keep it zero).
 *
 * @param into At least {@linkcode ECHO_BODY_SIZE} bytes.
 * @param body The echo.
 * @throws {RangeError} When a field is out of its range.
 *
 * @example
 * ```ts
 * import { writeEchoBody } from "./wire.ts";
 * const bytes = new Uint8Array(56);
 * writeEchoBody(bytes, {
 *   seq: 1, requestCounter: 2, clientSendTime: 3n, serverReceiveTime: 4n, serverSendTime: 5n,
 *   serverReceived: 6, flags: 1,
 * });
 * console.log(bytes[15], bytes[48]); // 2 1
 * ```
 */
export function writeEchoBody(into: Uint8Array, body: EchoBody): void {
  checkRange("seq", body.seq, 0, MAX_COUNTER);
  checkRange("requestCounter", body.requestCounter, 0, MAX_COUNTER);
  checkRange("serverReceived", body.serverReceived, 0, MAX_COUNTER);
  checkRange("flags", body.flags, 0, ECHO_FLAGS_MASK);
  const v = view(into);
  v.setBigUint64(0, BigInt(body.seq));
  v.setBigUint64(8, BigInt(body.requestCounter));
  v.setBigUint64(16, body.clientSendTime);
  v.setBigUint64(24, body.serverReceiveTime);
  v.setBigUint64(32, body.serverSendTime);
  v.setBigUint64(40, BigInt(body.serverReceived));
  v.setUint8(48, body.flags);
  into.fill(0, 49, ECHO_BODY_SIZE);
}

/**
 * Decodes and checks an echo body (padding is ignored). In a request every server field must
 * be zero; in a reply only known flags may be set.
 *
 * @param bytes The opened body, padding included.
 * @param type Whether it came in a request or a reply.
 * @returns The echo, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeEchoBody, encodeEchoBody, PacketType } from "./wire.ts";
 * const body = {
 *   seq: 9, requestCounter: 0, clientSendTime: 1n, serverReceiveTime: 0n, serverSendTime: 0n,
 *   serverReceived: 0, flags: 0,
 * };
 * const result = decodeEchoBody(encodeEchoBody(body, 64), PacketType.EchoRequest);
 * console.log(result.ok && result.value.seq); // 9
 * ```
 */
export function decodeEchoBody(
  bytes: Uint8Array,
  type: typeof PacketType.EchoRequest | typeof PacketType.EchoReply,
): Decoded<EchoBody> {
  return guarded(() => {
    if (bytes.byteLength < ECHO_BODY_SIZE) return refused("too_short");
    const v = view(bytes);
    const seq = safeU64(v, 0);
    const requestCounter = safeU64(v, 8);
    const serverReceived = safeU64(v, 40);
    if (seq === undefined || requestCounter === undefined || serverReceived === undefined) {
      return refused("bad_field");
    }
    const flags = v.getUint8(48);
    if ((flags & ~ECHO_FLAGS_MASK) !== 0 || !isZero(bytes, 49, ECHO_BODY_SIZE)) {
      return refused("bad_field");
    }
    const body: EchoBody = {
      seq,
      requestCounter,
      clientSendTime: v.getBigUint64(16),
      serverReceiveTime: v.getBigUint64(24),
      serverSendTime: v.getBigUint64(32),
      serverReceived,
      flags,
    };
    if (
      type === PacketType.EchoRequest &&
      (requestCounter !== 0 || body.serverReceiveTime !== 0n || body.serverSendTime !== 0n ||
        serverReceived !== 0 || flags !== 0)
    ) {
      return refused("bad_field");
    }
    if (type === PacketType.EchoReply && (requestCounter === 0 || serverReceived === 0)) {
      return refused("bad_field");
    }
    return decoded(body);
  });
}

/**
 * Encodes a close body.
 *
 * @param body The close.
 * @returns {@linkcode CLOSE_BODY_SIZE} bytes.
 *
 * @example
 * ```ts
 * import { CloseReason, encodeCloseBody } from "./wire.ts";
 * console.log(encodeCloseBody({ reason: CloseReason.ServerShutdown })[0]); // 2
 * ```
 */
export function encodeCloseBody(body: CloseBody): Uint8Array {
  const bytes = new Uint8Array(CLOSE_BODY_SIZE);
  bytes[0] = body.reason;
  return bytes;
}

/**
 * Decodes and checks a close body.
 *
 * @param bytes The opened body.
 * @returns The close, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeCloseBody } from "./wire.ts";
 * console.log(decodeCloseBody(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0]))); // { ok: false, reason: "bad_field" }
 * ```
 */
export function decodeCloseBody(bytes: Uint8Array): Decoded<CloseBody> {
  return guarded(() => {
    if (bytes.byteLength !== CLOSE_BODY_SIZE) {
      return refused(bytes.byteLength < CLOSE_BODY_SIZE ? "too_short" : "too_long");
    }
    const reason = bytes[0]!;
    if (!CLOSE_REASONS.has(reason) || !isZero(bytes, 1, CLOSE_BODY_SIZE)) {
      return refused("bad_field");
    }
    return decoded({ reason: reason as CloseReason });
  });
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Invalid ${name} "${value}": expected an integer in [${min}, ${max}]`);
  }
}

function checkRandom(name: string, bytes: Uint8Array): void {
  if (bytes.byteLength !== RANDOM_SIZE) {
    throw new RangeError(`Invalid ${name}: expected ${RANDOM_SIZE} bytes, got ${bytes.byteLength}`);
  }
}
