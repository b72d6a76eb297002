/**
 * The AEAD of session packets (every echo request and reply, every close): ChaCha20-Poly1305
 * of RFC 8439 with a 96-bit nonce, the same algorithm and bytes as `@noble/ciphers`'
 * `chacha20poly1305` (`_session_aead_test.ts` checks each implementation against it, both
 * ways). Two native implementations, picked once per process:
 *
 * - libsodium through FFI (`ffi/_sodium.ts`) when it is installed and `--allow-ffi` is granted:
 *   one call per packet, nothing allocated;
 * - else `node:crypto` (built into Deno).
 *
 * Measured on a shared 2-vCPU VM (Deno 2.9.6), seal plus open of a 172-byte echo packet:
 * `@noble/ciphers` 2.4 31-33 us, `node:crypto` 11-14 us, libsodium 1.8-3.0 us. The echo
 * server does one of each per request, 10k times a second at 1,000 sessions.
 *
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { loadSodium } from "../ffi/_sodium.ts";

/** Bytes of the Poly1305 tag. */
const TAG = 16;

/** A ChaCha20-Poly1305 implementation. */
export interface SessionAead {
  /** Which one. */
  readonly name: "libsodium" | "node:crypto";
  /**
   * Seals `plaintext` into `out`: the ciphertext, then the tag.
   *
   * @param key 32 bytes.
   * @param nonce 12 bytes.
   * @param aad Authenticated, not encrypted.
   * @param plaintext What to seal.
   * @param out `plaintext.byteLength + 16` bytes: either starting at the very bytes of
   * `plaintext` (sealing in place) or not overlapping any input.
   */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
  ): void;
  /**
   * Checks and opens `sealed` (ciphertext then tag).
   *
   * @param into Where the plaintext goes (at least `sealed.byteLength - 16` bytes, not
   * overlapping `sealed`); a new array when not given. Garbage when the tag is wrong.
   * @returns The plaintext (a view of `into` when given), or `undefined` when the tag is wrong
   * or `sealed` is shorter than a tag.
   */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
    into?: Uint8Array,
  ): Uint8Array | undefined;
}

const NODE_OPTIONS = { authTagLength: TAG } as const;

/**
 * ChaCha20-Poly1305 from `node:crypto`.
 *
 * @example Seal, open, and refuse a changed byte
 * ```ts
 * import { nodeSessionAead } from "./_session_aead.ts";
 * const key = new Uint8Array(32), nonce = new Uint8Array(12), aad = new Uint8Array(4);
 * const sealed = new Uint8Array(19);
 * nodeSessionAead.seal(key, nonce, aad, new Uint8Array([1, 2, 3]), sealed);
 * console.log(nodeSessionAead.open(key, nonce, aad, sealed)); // Uint8Array(3) [ 1, 2, 3 ]
 * sealed[0]! ^= 1;
 * console.log(nodeSessionAead.open(key, nonce, aad, sealed)); // undefined
 * ```
 */
export const nodeSessionAead: SessionAead = {
  name: "node:crypto",
  seal(key, nonce, aad, plaintext, out) {
    if (out.byteLength !== plaintext.byteLength + TAG) {
      throw new RangeError(`Invalid output: expected ${plaintext.byteLength + TAG} bytes`);
    }
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, NODE_OPTIONS);
    cipher.setAAD(aad, { plaintextLength: plaintext.byteLength });
    out.set(cipher.update(plaintext), 0);
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.byteLength);
  },
  open(key, nonce, aad, sealed, into) {
    const end = sealed.byteLength - TAG;
    if (end < 0) return undefined;
    const out = outputFor(into, end);
    try {
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce, NODE_OPTIONS);
      decipher.setAAD(aad, { plaintextLength: end });
      decipher.setAuthTag(sealed.subarray(end));
      const text = decipher.update(sealed.subarray(0, end));
      // Throws when the tag is wrong: the plaintext above is then dropped unread.
      decipher.final();
      if (out === undefined) return new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
      out.set(text);
      return out;
    } catch {
      return undefined;
    }
  },
};

/**
 * ChaCha20-Poly1305 from libsodium, when it can be loaded (see `ffi/_sodium.ts`).
 *
 * @returns The implementation, or `undefined`.
 *
 * @example There when libsodium is installed and FFI allowed
 * ```ts
 * import { sodiumSessionAead } from "./_session_aead.ts";
 * console.log(["libsodium", undefined].includes(sodiumSessionAead()?.name)); // true
 * ```
 */
export function sodiumSessionAead(): SessionAead | undefined {
  const sodium = loadSodium();
  if (sodium === undefined) return undefined;
  return {
    name: "libsodium",
    seal(key, nonce, aad, plaintext, out) {
      if (out.byteLength !== plaintext.byteLength + TAG) {
        throw new RangeError(`Invalid output: expected ${plaintext.byteLength + TAG} bytes`);
      }
      const end = plaintext.byteLength;
      sodium.seal(key, nonce, aad, plaintext, out.subarray(0, end), out.subarray(end));
    },
    open(key, nonce, aad, sealed, into) {
      const end = sealed.byteLength - TAG;
      if (end < 0) return undefined;
      const plaintext = outputFor(into, end) ?? new Uint8Array(end);
      const ok = sodium.open(
        key,
        nonce,
        aad,
        sealed.subarray(0, end),
        sealed.subarray(end),
        plaintext,
      );
      return ok ? plaintext : undefined;
    },
  };
}

/** `into` cut to `length` bytes, or `undefined` without one. */
function outputFor(into: Uint8Array | undefined, length: number): Uint8Array | undefined {
  if (into === undefined) return undefined;
  if (into.byteLength < length) {
    throw new RangeError(`Invalid output: expected at least ${length} bytes`);
  }
  return into.subarray(0, length);
}

let chosen: SessionAead | undefined;

/**
 * The implementation this process uses: libsodium when it loads, else `node:crypto`.
 *
 * @returns The same object on every call.
 *
 * @example The one in use
 * ```ts
 * import { sessionAead } from "./_session_aead.ts";
 * console.log(["libsodium", "node:crypto"].includes(sessionAead().name)); // true
 * ```
 */
export function sessionAead(): SessionAead {
  chosen ??= sodiumSessionAead() ?? nodeSessionAead;
  return chosen;
}
