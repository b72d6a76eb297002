/**
 * Keys of the protocol, all derived with HKDF-SHA256 from the server's shared secret:
 *
 * - the knock key, `HKDF(secret, salt = none, info = "bufferbane knock v1")`, seals knocks and
 *   welcomes (XChaCha20-Poly1305 with random 24-byte nonces);
 * - per session, `HKDF(secret, salt = client random || server random,
 *   info = "bufferbane session v1" || session id (u64 BE))`, 64 bytes: the first 32 seal what
 *   the client sends, the last 32 what the server sends. Each direction has its own key and
 *   its own counter, so a (key, nonce) pair never repeats.
 *
 * The secret is used as given (UTF-8 bytes of the text): pick a long random one, e.g.
 * `openssl rand -base64 32`.
 *
 * @module
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { RANDOM_SIZE } from "./wire.ts";

const encoder = new TextEncoder();
const KNOCK_INFO = encoder.encode("bufferbane knock v1");
const SESSION_INFO = encoder.encode("bufferbane session v1");

/** The two keys of a session, one per direction. */
export interface SessionKeys {
  /** Seals what the client sends. */
  clientToServer: Uint8Array;
  /** Seals what the server sends. */
  serverToClient: Uint8Array;
}

/**
 * The secret's bytes.
 *
 * @param secret Text (UTF-8) or bytes.
 * @returns The bytes.
 * @throws {RangeError} When the secret is empty.
 *
 * @example
 * ```ts
 * import { secretBytes } from "./keys.ts";
 * console.log(secretBytes("ab")); // Uint8Array(2) [ 97, 98 ]
 * ```
 */
export function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
  if (bytes.byteLength === 0) throw new RangeError("Invalid secret: it is empty");
  return bytes;
}

/**
 * The key that seals knocks and welcomes.
 *
 * @param secret The shared secret.
 * @returns 32 bytes.
 *
 * @example Same secret, same key
 * ```ts
 * import { deriveKnockKey } from "./keys.ts";
 * const a = deriveKnockKey("correct horse battery staple");
 * const b = deriveKnockKey("correct horse battery staple");
 * console.log(a.length, a.every((byte, i) => byte === b[i])); // 32 true
 * ```
 */
export function deriveKnockKey(secret: string | Uint8Array): Uint8Array {
  return hkdf(sha256, secretBytes(secret), undefined, KNOCK_INFO, 32);
}

/**
 * The keys of one session.
 *
 * @param secret The shared secret.
 * @param clientRandom The knock's 16 random bytes.
 * @param serverRandom The welcome's 16 random bytes.
 * @param sessionId The session id.
 * @returns One key per direction.
 * @throws {RangeError} When a random is not 16 bytes.
 *
 * @example Two different keys
 * ```ts
 * import { deriveSessionKeys } from "./keys.ts";
 * const keys = deriveSessionKeys("s3cret", new Uint8Array(16), new Uint8Array(16).fill(1), 7n);
 * console.log(keys.clientToServer.length, keys.clientToServer[0] === keys.serverToClient[0] &&
 *   keys.clientToServer[1] === keys.serverToClient[1]); // 32 false
 * ```
 */
export function deriveSessionKeys(
  secret: string | Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionId: bigint,
): SessionKeys {
  if (clientRandom.byteLength !== RANDOM_SIZE || serverRandom.byteLength !== RANDOM_SIZE) {
    throw new RangeError(`Invalid session randoms: expected ${RANDOM_SIZE} bytes each`);
  }
  const salt = new Uint8Array(RANDOM_SIZE * 2);
  salt.set(clientRandom, 0);
  salt.set(serverRandom, RANDOM_SIZE);
  const info = new Uint8Array(SESSION_INFO.byteLength + 8);
  info.set(SESSION_INFO, 0);
  new DataView(info.buffer).setBigUint64(SESSION_INFO.byteLength, sessionId);
  const material = hkdf(sha256, secretBytes(secret), salt, info, 64);
  return { clientToServer: material.slice(0, 32), serverToClient: material.slice(32, 64) };
}
