/**
 * Keys of the TCP throughput handshake (`throughput_wire.ts`), derived from a live UDP echo
 * session's keys (`keys.ts`), so that only the two ends of an open session can make or check
 * a HELLO:
 *
 * `HKDF-SHA256(ikm = clientToServer || serverToClient, salt = none,
 * info = "bufferbane throughput v1" || session id (u64 BE))`, 64 bytes: the first 32 seal
 * HELLOs (client to server), the last 32 seal GRANTs (server to client).
 *
 * These keys never seal an echo packet and the echo keys never seal a HELLO or GRANT, so the
 * two protocols cannot be played against each other.
 *
 * @module
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { SessionKeys } from "./keys.ts";

const THROUGHPUT_INFO = new TextEncoder().encode("bufferbane throughput v1");

/** The two keys of the throughput handshake of one session. */
export interface ThroughputKeys {
  /** Seals HELLOs (client to server). */
  hello: Uint8Array;
  /** Seals GRANTs (server to client). */
  grant: Uint8Array;
}

/**
 * The throughput keys of a session.
 *
 * @param keys The UDP echo session's keys.
 * @param sessionId The session id.
 * @returns 32 bytes per direction.
 * @throws {RangeError} When a session key is not 32 bytes or the id is 0 or above 2^64 - 1.
 *
 * @example Both ends derive the same keys; another session gets others
 * ```ts
 * import { deriveSessionKeys } from "./keys.ts";
 * import { deriveThroughputKeys } from "./throughput_keys.ts";
 * const session = deriveSessionKeys("s3cret", new Uint8Array(16), new Uint8Array(16), 7n);
 * const a = deriveThroughputKeys(session, 7n);
 * const b = deriveThroughputKeys(session, 7n);
 * const other = deriveThroughputKeys(session, 8n);
 * console.log(a.hello.length, a.hello.every((x, i) => x === b.hello[i]), a.hello[0] === other.hello[0] && a.hello[1] === other.hello[1]);
 * // 32 true false
 * ```
 */
export function deriveThroughputKeys(keys: SessionKeys, sessionId: bigint): ThroughputKeys {
  if (keys.clientToServer.byteLength !== 32 || keys.serverToClient.byteLength !== 32) {
    throw new RangeError("Invalid session keys: expected 32 bytes each");
  }
  if (sessionId <= 0n || sessionId > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`Invalid session id "${sessionId}": expected 1 to 2^64 - 1`);
  }
  const material = new Uint8Array(64);
  material.set(keys.clientToServer, 0);
  material.set(keys.serverToClient, 32);
  const info = new Uint8Array(THROUGHPUT_INFO.byteLength + 8);
  info.set(THROUGHPUT_INFO, 0);
  new DataView(info.buffer).setBigUint64(THROUGHPUT_INFO.byteLength, sessionId);
  const out = hkdf(sha256, material, undefined, info, 64);
  material.fill(0);
  return { hello: out.slice(0, 32), grant: out.slice(32, 64) };
}
