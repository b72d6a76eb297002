/**
 * The bufferbane TCP throughput streams, version 1: the handshake that opens each stream, byte
 * by byte. Sealing is `throughput_codec.ts`; the keys are `throughput_keys.ts`.
 *
 * A client that holds an open UDP echo session (see `wire.ts`) opens one TCP connection per
 * stream to the server's throughput port and sends a HELLO at once. The server answers with a
 * GRANT and then streams (download) or sinks (upload) for the granted time, or closes the
 * connection without sending a single byte (wrong proof, unknown or expired session, replayed
 * nonce, limits reached). The HELLO is sealed with a key only the session's two ends can derive,
 * so bandwidth goes to session holders only; its random nonce is new for every stream and the
 * server refuses a nonce it has seen in the session (a replayed HELLO gets nothing).
 *
 * All integers are big-endian. After the GRANT the bytes of the stream carry no meaning: the
 * server sends incompressible data (download), or reads and drops what comes (upload).
 *
 * ```text
 * HELLO (client -> server), exactly 68 bytes
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    magic 0x62 0x62 ("bb")     |  version (1)  |  type (16)    |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           session id (u64): the UDP echo session              |  4
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  nonce (24 random bytes): the XChaCha20 nonce, and the key of | 12
 * |  the server's replay filter                                   |
 * ~                                                               ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  sealed HELLO body (16)                                       | 36
 * ~                                                               ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Poly1305 tag (16)                                            | 52
 * ~                                                               ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * GRANT (server -> client), exactly 40 bytes
 * +-------------------------------+-------------------------------+
 * | magic (2), version (1), type 17 (1)                           |  0
 * | session id (u64), the HELLO's                                 |  4
 * | sealed GRANT body (12)                                        | 12
 * | Poly1305 tag (16)                                             | 24
 * +-------------------------------+-------------------------------+
 *
 * HELLO body (16 bytes)                  GRANT body (12 bytes)
 *  0 direction (u8): 1 download          0 granted duration (u32 ms, >= 1)
 *    (server sends), 2 upload             4 direction (u8), the HELLO's
 *    (client sends)                       5 congestion control (u8) the server
 *  1 congestion control (u8): 0 the         sends with (downloads): its code, 0
 *    server's default, n an algorithm       when it has none (and uploads), 255
 *    of congestion_control.ts (only         when the one asked for was refused
 *    downloads: the server sends)         6 stream index (u16), the HELLO's
 *  2 stream index (u16, < count)          8 reserved (u32, 0)
 *  4 stream count (u16, 1 to 256): the
 *    streams of this test and direction
 *  6 reserved (u16, 0)
 *  8 requested duration (u32 ms, >= 1)
 * 12 reserved (u32, 0)
 * ```
 *
 * Sealing (XChaCha20-Poly1305): the HELLO under the session's HELLO key with its own nonce; the
 * GRANT under the GRANT key with the HELLO's nonce (another key, and a nonce the server never
 * grants twice). The first 12 bytes of each (magic, version, type, session id) are the
 * associated data.
 *
 * @module
 */
import { type Decoded, decoded, guarded, refused } from "./decoded.ts";
import { MAGIC } from "./wire.ts";
import {
  CONGESTION_CONTROL_DEFAULT,
  CONGESTION_CONTROL_NAMES,
  CONGESTION_CONTROL_REFUSED,
} from "./congestion_control.ts";

/** The version of the throughput handshake this module speaks. */
export const THROUGHPUT_VERSION = 1;
/** Bytes of the clear part both messages start with: magic, version, type, session id. */
export const THROUGHPUT_HEADER_SIZE = 12;
/** Bytes of the HELLO's random nonce. */
export const HELLO_NONCE_SIZE = 24;
/** Bytes of the HELLO body (before sealing). */
export const HELLO_BODY_SIZE = 16;
/** Bytes of the GRANT body (before sealing). */
export const GRANT_BODY_SIZE = 12;
/** Bytes of a Poly1305 tag. */
export const THROUGHPUT_TAG_SIZE = 16;
/** Bytes of a whole HELLO. */
export const HELLO_SIZE = THROUGHPUT_HEADER_SIZE + HELLO_NONCE_SIZE + HELLO_BODY_SIZE +
  THROUGHPUT_TAG_SIZE;
/** Bytes of a whole GRANT. */
export const GRANT_SIZE = THROUGHPUT_HEADER_SIZE + GRANT_BODY_SIZE + THROUGHPUT_TAG_SIZE;
/** The most streams one test may open per direction. */
export const MAX_STREAM_COUNT = 256;
/** The longest duration a HELLO may ask for or a GRANT may give, ms (2^32 - 1). */
export const MAX_STREAM_DURATION_MS = 0xffff_ffff;

/**
 * Message types of the throughput handshake (the fourth byte). They do not overlap the UDP
 * echo protocol's types, so neither protocol mistakes the other's messages for its own.
 *
 * @example
 * ```ts
 * import { ThroughputMessage } from "./throughput_wire.ts";
 * console.log(ThroughputMessage.Hello, ThroughputMessage.Grant); // 16 17
 * ```
 */
export const ThroughputMessage = {
  /** Client asks for a stream. */
  Hello: 16,
  /** Server grants it. */
  Grant: 17,
} as const;

/** One of {@linkcode ThroughputMessage}. */
export type ThroughputMessage = typeof ThroughputMessage[keyof typeof ThroughputMessage];

/**
 * Which way a stream's data flows.
 *
 * @example
 * ```ts
 * import { StreamDirection } from "./throughput_wire.ts";
 * console.log(StreamDirection.Upload); // 2
 * ```
 */
export const StreamDirection = {
  /** The server sends, the client reads. */
  Download: 1,
  /** The client sends, the server reads. */
  Upload: 2,
} as const;

/** One of {@linkcode StreamDirection}. */
export type StreamDirection = typeof StreamDirection[keyof typeof StreamDirection];

/** A HELLO body: what the client asks for. */
export interface HelloBody {
  /** Which way the data flows. */
  direction: StreamDirection;
  /** This stream's index among the test's streams of its direction (0-based, below `count`). */
  index: number;
  /** How many streams the test opens in this direction (1 to {@linkcode MAX_STREAM_COUNT}). */
  count: number;
  /** How long the client wants the stream, ms (at least 1). */
  duration: number;
  /**
   * The congestion control the server should send with (a code of `congestion_control.ts`),
   * downloads only; 0 or absent for the server's default.
   */
  congestionControl?: number;
}

/** A GRANT body: what the server gives. */
export interface GrantBody {
  /** How long the server streams or sinks, ms (at least 1; at most what was asked). */
  duration: number;
  /** The HELLO's direction, echoed. */
  direction: StreamDirection;
  /** The HELLO's stream index, echoed. */
  index: number;
  /**
   * The congestion control the server sends with (downloads): its code of
   * `congestion_control.ts`, 0 (or absent) when the wire has no code for it (and for uploads),
   * 255 when the one the HELLO asked for was refused by the server's kernel (the server's
   * default is used).
   */
  congestionControl?: number;
}

/** The clear part of a HELLO or GRANT. */
export interface ThroughputHeader {
  /** HELLO or GRANT. */
  type: ThroughputMessage;
  /** The UDP echo session that authorizes the stream (never 0). */
  sessionId: bigint;
}

const DIRECTIONS = new Set<number>(Object.values(StreamDirection));

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Invalid ${name} "${value}": expected an integer in [${min}, ${max}]`);
  }
}

function checkDirection(direction: number): void {
  if (!DIRECTIONS.has(direction)) {
    throw new RangeError(`Invalid direction "${direction}": expected 1 (download) or 2 (upload)`);
  }
}

/**
 * The whole length of a message of `type`.
 *
 * @param type HELLO or GRANT.
 * @returns Bytes ({@linkcode HELLO_SIZE} or {@linkcode GRANT_SIZE}).
 *
 * @example
 * ```ts
 * import { throughputMessageSize, ThroughputMessage } from "./throughput_wire.ts";
 * console.log(throughputMessageSize(ThroughputMessage.Hello)); // 68
 * ```
 */
export function throughputMessageSize(type: ThroughputMessage): number {
  return type === ThroughputMessage.Hello ? HELLO_SIZE : GRANT_SIZE;
}

/**
 * Writes the clear part into the first {@linkcode THROUGHPUT_HEADER_SIZE} bytes of `into`.
 *
 * @param into The message buffer.
 * @param header Type and session id.
 * @throws {RangeError} When the session id is 0 or does not fit 64 bits.
 *
 * @example
 * ```ts
 * import { ThroughputMessage, writeThroughputHeader } from "./throughput_wire.ts";
 * const bytes = new Uint8Array(12);
 * writeThroughputHeader(bytes, { type: ThroughputMessage.Hello, sessionId: 7n });
 * console.log(bytes.join(" ")); // 98 98 1 16 0 0 0 0 0 0 0 7
 * ```
 */
export function writeThroughputHeader(into: Uint8Array, header: ThroughputHeader): void {
  if (header.sessionId <= 0n || header.sessionId > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`Invalid session id "${header.sessionId}": expected 1 to 2^64 - 1`);
  }
  const v = view(into);
  v.setUint16(0, MAGIC);
  v.setUint8(2, THROUGHPUT_VERSION);
  v.setUint8(3, header.type);
  v.setBigUint64(4, header.sessionId);
}

/**
 * Reads and checks the clear part of a whole message: magic, version, the expected type, the
 * exact length of that type and a non-zero session id.
 *
 * @param message The whole HELLO or GRANT.
 * @param type The type expected here (a server reads HELLOs, a client GRANTs).
 * @returns The header, or why the bytes are not such a message.
 *
 * @example
 * ```ts
 * import { readThroughputHeader, ThroughputMessage } from "./throughput_wire.ts";
 * console.log(readThroughputHeader(new Uint8Array(68), ThroughputMessage.Hello));
 * // { ok: false, reason: "bad_magic" }
 * ```
 */
export function readThroughputHeader(
  message: Uint8Array,
  type: ThroughputMessage,
): Decoded<ThroughputHeader> {
  return guarded(() => {
    const size = throughputMessageSize(type);
    if (message.byteLength < THROUGHPUT_HEADER_SIZE) return refused("too_short");
    const v = view(message);
    if (v.getUint16(0) !== MAGIC) return refused("bad_magic");
    if (v.getUint8(2) !== THROUGHPUT_VERSION) return refused("bad_version");
    if (v.getUint8(3) !== type) return refused("bad_type");
    if (message.byteLength < size) return refused("too_short");
    if (message.byteLength > size) return refused("too_long");
    const sessionId = v.getBigUint64(4);
    if (sessionId === 0n) return refused("bad_field");
    return decoded({ type, sessionId });
  });
}

/**
 * Encodes a HELLO body.
 *
 * @param body The request.
 * @returns {@linkcode HELLO_BODY_SIZE} bytes.
 * @throws {RangeError} When a field is out of its range (index not below count, ...).
 *
 * @example
 * ```ts
 * import { encodeHelloBody, StreamDirection } from "./throughput_wire.ts";
 * const bytes = encodeHelloBody({
 *   direction: StreamDirection.Download, index: 1, count: 4, duration: 12_000,
 * });
 * console.log(bytes.join(" ")); // 1 0 0 1 0 4 0 0 0 0 46 224 0 0 0 0
 * ```
 */
export function encodeHelloBody(body: HelloBody): Uint8Array {
  checkDirection(body.direction);
  checkRange("count", body.count, 1, MAX_STREAM_COUNT);
  checkRange("index", body.index, 0, body.count - 1);
  checkRange("duration", body.duration, 1, MAX_STREAM_DURATION_MS);
  const congestionControl = body.congestionControl ?? CONGESTION_CONTROL_DEFAULT;
  checkRange("congestion control", congestionControl, 0, CONGESTION_CONTROL_NAMES.length);
  if (congestionControl !== 0 && body.direction !== StreamDirection.Download) {
    throw new RangeError("Invalid congestion control: only a download asks for one");
  }
  const bytes = new Uint8Array(HELLO_BODY_SIZE);
  const v = view(bytes);
  v.setUint8(0, body.direction);
  v.setUint8(1, congestionControl);
  v.setUint16(2, body.index);
  v.setUint16(4, body.count);
  v.setUint32(8, body.duration);
  return bytes;
}

/**
 * Decodes and checks a HELLO body: a known direction, `index < count <= 256`, a duration of at
 * least 1 ms, a known congestion control code (downloads only), and zero reserved bytes.
 *
 * @param bytes The opened body.
 * @returns The request, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeHelloBody, encodeHelloBody, StreamDirection } from "./throughput_wire.ts";
 * const bytes = encodeHelloBody({ direction: StreamDirection.Upload, index: 0, count: 1, duration: 5 });
 * const result = decodeHelloBody(bytes);
 * console.log(result.ok && result.value.direction); // 2
 * bytes[6] = 1; // a reserved byte
 * console.log(decodeHelloBody(bytes)); // { ok: false, reason: "bad_field" }
 * ```
 */
export function decodeHelloBody(bytes: Uint8Array): Decoded<HelloBody> {
  return guarded(() => {
    if (bytes.byteLength !== HELLO_BODY_SIZE) {
      return refused(bytes.byteLength < HELLO_BODY_SIZE ? "too_short" : "too_long");
    }
    const v = view(bytes);
    const direction = v.getUint8(0);
    const index = v.getUint16(2);
    const count = v.getUint16(4);
    const duration = v.getUint32(8);
    if (!DIRECTIONS.has(direction)) return refused("bad_field");
    if (count < 1 || count > MAX_STREAM_COUNT || index >= count || duration < 1) {
      return refused("bad_field");
    }
    const congestionControl = v.getUint8(1);
    if (
      congestionControl > CONGESTION_CONTROL_NAMES.length ||
      (congestionControl !== 0 && direction !== StreamDirection.Download)
    ) {
      return refused("bad_field");
    }
    if (v.getUint16(6) !== 0 || v.getUint32(12) !== 0) return refused("bad_field");
    return decoded({
      direction: direction as StreamDirection,
      index,
      count,
      duration,
      ...(congestionControl !== 0 ? { congestionControl } : {}),
    });
  });
}

/**
 * Encodes a GRANT body.
 *
 * @param body The grant.
 * @returns {@linkcode GRANT_BODY_SIZE} bytes.
 * @throws {RangeError} When a field is out of its range.
 *
 * @example
 * ```ts
 * import { encodeGrantBody, StreamDirection } from "./throughput_wire.ts";
 * const bytes = encodeGrantBody({ duration: 1000, direction: StreamDirection.Download, index: 3 });
 * console.log(bytes.join(" ")); // 0 0 3 232 1 0 0 3 0 0 0 0
 * ```
 */
export function encodeGrantBody(body: GrantBody): Uint8Array {
  checkRange("duration", body.duration, 1, MAX_STREAM_DURATION_MS);
  checkDirection(body.direction);
  checkRange("index", body.index, 0, MAX_STREAM_COUNT - 1);
  const congestionControl = body.congestionControl ?? CONGESTION_CONTROL_DEFAULT;
  if (!isGrantCongestionControl(congestionControl)) {
    throw new RangeError(`Invalid congestion control "${congestionControl}" in a GRANT`);
  }
  const bytes = new Uint8Array(GRANT_BODY_SIZE);
  const v = view(bytes);
  v.setUint32(0, body.duration);
  v.setUint8(4, body.direction);
  v.setUint8(5, congestionControl);
  v.setUint16(6, body.index);
  return bytes;
}

/**
 * Decodes and checks a GRANT body: a duration of at least 1 ms, a known direction, an index
 * below {@linkcode MAX_STREAM_COUNT}, a known congestion control outcome and zero reserved
 * bytes.
 *
 * @param bytes The opened body.
 * @returns The grant, or why it is refused.
 *
 * @example
 * ```ts
 * import { decodeGrantBody } from "./throughput_wire.ts";
 * console.log(decodeGrantBody(new Uint8Array(12))); // { ok: false, reason: "bad_field" }
 * console.log(decodeGrantBody(new Uint8Array(3))); // { ok: false, reason: "too_short" }
 * ```
 */
export function decodeGrantBody(bytes: Uint8Array): Decoded<GrantBody> {
  return guarded(() => {
    if (bytes.byteLength !== GRANT_BODY_SIZE) {
      return refused(bytes.byteLength < GRANT_BODY_SIZE ? "too_short" : "too_long");
    }
    const v = view(bytes);
    const duration = v.getUint32(0);
    const direction = v.getUint8(4);
    const index = v.getUint16(6);
    if (duration < 1 || !DIRECTIONS.has(direction) || index >= MAX_STREAM_COUNT) {
      return refused("bad_field");
    }
    const congestionControl = v.getUint8(5);
    if (!isGrantCongestionControl(congestionControl) || v.getUint32(8) !== 0) {
      return refused("bad_field");
    }
    return decoded({
      duration,
      direction: direction as StreamDirection,
      index,
      ...(congestionControl !== 0 ? { congestionControl } : {}),
    });
  });
}

/** Whether `code` may stand in a GRANT: the default, an algorithm, or "refused". */
function isGrantCongestionControl(code: number): boolean {
  return Number.isInteger(code) &&
    (code === CONGESTION_CONTROL_REFUSED || (code >= 0 && code <= CONGESTION_CONTROL_NAMES.length));
}
