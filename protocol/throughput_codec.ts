/**
 * Whole HELLO and GRANT messages of the TCP throughput handshake: sealing and opening with
 * XChaCha20-Poly1305 (`@noble/ciphers`), the clear 12 bytes authenticated as associated data.
 * Layouts are in `throughput_wire.ts`; keys in `throughput_keys.ts`.
 *
 * Every `open*` function checks the clear part, the length, the tag and then the body's fields,
 * and returns a {@linkcode Decoded}: it never throws.
 *
 * @module
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { type Decoded, decoded, guarded, refused } from "./decoded.ts";
import {
  decodeGrantBody,
  decodeHelloBody,
  encodeGrantBody,
  encodeHelloBody,
  GRANT_SIZE,
  type GrantBody,
  HELLO_NONCE_SIZE,
  HELLO_SIZE,
  type HelloBody,
  readThroughputHeader,
  THROUGHPUT_HEADER_SIZE,
  ThroughputMessage,
  writeThroughputHeader,
} from "./throughput_wire.ts";

/** An opened HELLO. */
export interface OpenedHello {
  /** The session that authorizes the stream. */
  sessionId: bigint;
  /** The HELLO's random nonce: the key of the replay filter, and the GRANT's nonce. */
  nonce: Uint8Array;
  /** What the client asks for. */
  body: HelloBody;
}

/** A sealed HELLO and the nonce it carries (the client needs it to open the GRANT). */
export interface SealedHello {
  /** {@linkcode HELLO_SIZE} bytes to send. */
  message: Uint8Array;
  /** Its nonce. */
  nonce: Uint8Array;
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== 32) throw new RangeError("Invalid key: expected 32 bytes");
}

/**
 * Seals a HELLO.
 *
 * @param key The session's HELLO key (`deriveThroughputKeys(...).hello`).
 * @param sessionId The UDP echo session.
 * @param body What to ask for.
 * @param nonce 24 bytes, new for every HELLO of the session.
 * @returns The message and its nonce.
 * @throws {RangeError} When the key, nonce, session id or a field is out of range.
 *
 * @example
 * ```ts
 * import { sealHello } from "./throughput_codec.ts";
 * import { HELLO_SIZE, StreamDirection } from "./throughput_wire.ts";
 * const { message } = sealHello(new Uint8Array(32), 9n, {
 *   direction: StreamDirection.Download, index: 0, count: 4, duration: 12_000,
 * });
 * console.log(message.length === HELLO_SIZE, message[3]); // true 16
 * ```
 */
export function sealHello(
  key: Uint8Array,
  sessionId: bigint,
  body: HelloBody,
  nonce: Uint8Array = crypto.getRandomValues(new Uint8Array(HELLO_NONCE_SIZE)),
): SealedHello {
  checkKey(key);
  if (nonce.byteLength !== HELLO_NONCE_SIZE) {
    throw new RangeError(`Invalid nonce: expected ${HELLO_NONCE_SIZE} bytes`);
  }
  const plain = encodeHelloBody(body);
  const message = new Uint8Array(HELLO_SIZE);
  writeThroughputHeader(message, { type: ThroughputMessage.Hello, sessionId });
  message.set(nonce, THROUGHPUT_HEADER_SIZE);
  const aad = message.subarray(0, THROUGHPUT_HEADER_SIZE);
  xchacha20poly1305(key, nonce, aad).encrypt(
    plain,
    message.subarray(THROUGHPUT_HEADER_SIZE + HELLO_NONCE_SIZE),
  );
  return { message, nonce: nonce.slice() };
}

/**
 * Opens and checks a HELLO (header, length, tag, body).
 *
 * @param key The session's HELLO key.
 * @param message The {@linkcode HELLO_SIZE} bytes received.
 * @returns The HELLO, or why it is refused (`"unauthentic"` for a wrong key or changed bytes).
 *
 * @example A HELLO sealed with another key is refused
 * ```ts
 * import { openHello, sealHello } from "./throughput_codec.ts";
 * const body = { direction: 1 as const, index: 0, count: 1, duration: 1000 };
 * const { message } = sealHello(new Uint8Array(32), 9n, body);
 * console.log(openHello(new Uint8Array(32), message).ok); // true
 * console.log(openHello(new Uint8Array(32).fill(1), message)); // { ok: false, reason: "unauthentic" }
 * ```
 */
export function openHello(key: Uint8Array, message: Uint8Array): Decoded<OpenedHello> {
  return guarded(() => {
    const header = readThroughputHeader(message, ThroughputMessage.Hello);
    if (!header.ok) return header;
    if (key.byteLength !== 32) return refused("internal");
    const nonce = message.slice(THROUGHPUT_HEADER_SIZE, THROUGHPUT_HEADER_SIZE + HELLO_NONCE_SIZE);
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, nonce, message.subarray(0, THROUGHPUT_HEADER_SIZE)).decrypt(
        message.subarray(THROUGHPUT_HEADER_SIZE + HELLO_NONCE_SIZE),
      );
    } catch {
      return refused("unauthentic");
    }
    const body = decodeHelloBody(plain);
    if (!body.ok) return body;
    return decoded({ sessionId: header.value.sessionId, nonce, body: body.value });
  });
}

/**
 * Seals a GRANT.
 *
 * @param key The session's GRANT key (`deriveThroughputKeys(...).grant`).
 * @param sessionId The HELLO's session.
 * @param nonce The HELLO's nonce.
 * @param body What is granted.
 * @returns {@linkcode GRANT_SIZE} bytes.
 * @throws {RangeError} When the key, nonce, session id or a field is out of range.
 *
 * @example
 * ```ts
 * import { sealGrant } from "./throughput_codec.ts";
 * const grant = sealGrant(new Uint8Array(32), 9n, new Uint8Array(24), {
 *   duration: 1000, direction: 1, index: 0,
 * });
 * console.log(grant.length, grant[3]); // 40 17
 * ```
 */
export function sealGrant(
  key: Uint8Array,
  sessionId: bigint,
  nonce: Uint8Array,
  body: GrantBody,
): Uint8Array {
  checkKey(key);
  if (nonce.byteLength !== HELLO_NONCE_SIZE) {
    throw new RangeError(`Invalid nonce: expected ${HELLO_NONCE_SIZE} bytes`);
  }
  const plain = encodeGrantBody(body);
  const message = new Uint8Array(GRANT_SIZE);
  writeThroughputHeader(message, { type: ThroughputMessage.Grant, sessionId });
  xchacha20poly1305(key, nonce, message.subarray(0, THROUGHPUT_HEADER_SIZE)).encrypt(
    plain,
    message.subarray(THROUGHPUT_HEADER_SIZE),
  );
  return message;
}

/**
 * Opens and checks a GRANT: it must name the HELLO's session and open with the HELLO's nonce
 * (so a GRANT answers exactly one HELLO), echo the HELLO's direction and index, and grant no
 * longer than asked.
 *
 * @param key The session's GRANT key.
 * @param message The {@linkcode GRANT_SIZE} bytes received.
 * @param hello The session id, nonce and body of the HELLO it answers.
 * @returns The grant, or why it is refused.
 *
 * @example
 * ```ts
 * import { openGrant, sealGrant } from "./throughput_codec.ts";
 * const key = new Uint8Array(32);
 * const nonce = new Uint8Array(24);
 * const body = { direction: 1 as const, index: 2, count: 4, duration: 5000 };
 * const grant = sealGrant(key, 9n, nonce, { duration: 3000, direction: 1, index: 2 });
 * const opened = openGrant(key, grant, { sessionId: 9n, nonce, body });
 * console.log(opened.ok && opened.value.duration); // 3000
 * console.log(openGrant(key, grant, { sessionId: 10n, nonce, body })); // { ok: false, reason: "bad_field" }
 * ```
 */
export function openGrant(
  key: Uint8Array,
  message: Uint8Array,
  hello: { sessionId: bigint; nonce: Uint8Array; body: HelloBody },
): Decoded<GrantBody> {
  return guarded(() => {
    const header = readThroughputHeader(message, ThroughputMessage.Grant);
    if (!header.ok) return header;
    if (header.value.sessionId !== hello.sessionId) return refused("bad_field");
    if (key.byteLength !== 32 || hello.nonce.byteLength !== HELLO_NONCE_SIZE) {
      return refused("internal");
    }
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, hello.nonce, message.subarray(0, THROUGHPUT_HEADER_SIZE))
        .decrypt(message.subarray(THROUGHPUT_HEADER_SIZE));
    } catch {
      return refused("unauthentic");
    }
    const body = decodeGrantBody(plain);
    if (!body.ok) return body;
    if (
      body.value.direction !== hello.body.direction || body.value.index !== hello.body.index ||
      body.value.duration > hello.body.duration
    ) {
      return refused("bad_field");
    }
    return body;
  });
}
