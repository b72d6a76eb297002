/**
 * What every decoder of the protocol returns: a value, or the reason it was refused. Decoders
 * never throw; callers switch on `ok`.
 *
 * @module
 */

/**
 * Why a datagram was refused:
 * - `"too_short"` / `"too_long"`: its length does not fit its type;
 * - `"bad_magic"`, `"bad_version"`, `"bad_type"`: not this protocol, or not this version;
 * - `"bad_field"`: a field holds a value the protocol forbids (a zero session id, a reserved
 *   byte that is not zero, ...);
 * - `"unauthentic"`: the Poly1305 tag does not match (wrong key, or the bytes were changed);
 * - `"internal"`: the decoder met something it did not expect (a bug; the datagram is refused).
 *
 * @example
 * ```ts
 * import type { DecodeFailure } from "./decoded.ts";
 * const reason: DecodeFailure = "unauthentic";
 * ```
 */
export type DecodeFailure =
  | "too_short"
  | "too_long"
  | "bad_magic"
  | "bad_version"
  | "bad_type"
  | "bad_field"
  | "unauthentic"
  | "internal";

/**
 * A decoded value, or why there is none.
 *
 * @example Switching on the result
 * ```ts
 * import { type Decoded, decoded, refused } from "./decoded.ts";
 * function parseDigit(text: string): Decoded<number> {
 *   return /^[0-9]$/.test(text) ? decoded(Number(text)) : refused("bad_field");
 * }
 * const result = parseDigit("x");
 * console.log(result.ok ? result.value : result.reason); // bad_field
 * ```
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DecodeFailure };

/**
 * A successful result.
 *
 * @param value The decoded value.
 * @returns `{ ok: true, value }`.
 *
 * @example
 * ```ts
 * import { decoded } from "./decoded.ts";
 * console.log(decoded(7)); // { ok: true, value: 7 }
 * ```
 */
export function decoded<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

/**
 * A refusal.
 *
 * @param reason Why.
 * @returns `{ ok: false, reason }`.
 *
 * @example
 * ```ts
 * import { refused } from "./decoded.ts";
 * console.log(refused("bad_magic")); // { ok: false, reason: "bad_magic" }
 * ```
 */
export function refused<T = never>(reason: DecodeFailure): Decoded<T> {
  return { ok: false, reason };
}

/**
 * Runs a decoder so that nothing it throws escapes: a throw becomes `"internal"`.
 *
 * @param decode The decoding work.
 * @returns Its result, or `{ ok: false, reason: "internal" }` when it threw.
 *
 * @example
 * ```ts
 * import { guarded } from "./decoded.ts";
 * console.log(guarded(() => { throw new Error("bug"); })); // { ok: false, reason: "internal" }
 * ```
 */
export function guarded<T>(decode: () => Decoded<T>): Decoded<T> {
  try {
    return decode();
  } catch {
    return { ok: false, reason: "internal" };
  }
}
