/**
 * The server's guard against stale and replayed knocks: a knock is fresh when its client time
 * is within the tolerance of the server's clock and its nonce was not seen before. Nonces are
 * remembered until their knock's time leaves the tolerance (after that the time check refuses a
 * replay anyway), so memory is bounded by the rate of valid knocks, and by `capacity`: when the
 * table is full of live nonces, new knocks are refused (`"overloaded"`) rather than forgetting a
 * nonce early, which would let a replay through.
 *
 * Only authenticated knocks reach it, so someone without the secret cannot fill it.
 *
 * @module
 */

/** Options of {@linkcode KnockFilter}. */
export interface KnockFilterOptions {
  /**
   * How far a knock's client time may be from the server's clock, ms.
   *
   * @default {30000}
   */
  toleranceMs?: number;
  /**
   * The most nonces remembered at once.
   *
   * @default {100000}
   */
  capacity?: number;
}

/** The filter's verdict on a knock. */
export type KnockVerdict = "fresh" | "stale" | "replayed" | "overloaded";

function nonceKey(nonce: Uint8Array): string {
  let key = "";
  for (let i = 0; i < nonce.byteLength; i++) key += String.fromCharCode(nonce[i]!);
  return key;
}

/**
 * Remembers the nonces of recent knocks.
 *
 * @example A knock accepted once, refused the second time, and a stale one
 * ```ts
 * import { KnockFilter } from "./knock_filter.ts";
 * const filter = new KnockFilter({ toleranceMs: 30_000 });
 * const now = 1_700_000_000_000_000_000n;
 * const nonce = new Uint8Array(24).fill(1);
 * console.log(filter.check(nonce, now, now)); // fresh
 * console.log(filter.check(nonce, now, now)); // replayed
 * console.log(filter.check(new Uint8Array(24), now - 31_000_000_000n, now)); // stale
 * ```
 */
export class KnockFilter {
  readonly #toleranceNs: bigint;
  readonly #capacity: number;
  /** Nonce -> when it may be forgotten (ns). */
  readonly #seen = new Map<string, bigint>();

  /** @param options Tolerance and capacity. */
  constructor(options: KnockFilterOptions = {}) {
    this.#toleranceNs = BigInt(Math.round((options.toleranceMs ?? 30_000) * 1e6));
    this.#capacity = options.capacity ?? 100_000;
  }

  /** Nonces remembered now. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Judges a knock and remembers its nonce when it is fresh.
   *
   * @param nonce The knock's random nonce.
   * @param clientTime The knock's client time, ns.
   * @param now The server's clock, ns.
   * @returns `"fresh"` (accept it), `"stale"`, `"replayed"` or `"overloaded"`.
   */
  check(nonce: Uint8Array, clientTime: bigint, now: bigint): KnockVerdict {
    const skew = clientTime > now ? clientTime - now : now - clientTime;
    if (skew > this.#toleranceNs) return "stale";
    const key = nonceKey(nonce);
    const forgetAt = this.#seen.get(key);
    if (forgetAt !== undefined && forgetAt >= now) return "replayed";
    if (this.#seen.size >= this.#capacity) {
      this.prune(now);
      if (this.#seen.size >= this.#capacity) return "overloaded";
    }
    this.#seen.delete(key);
    this.#seen.set(key, clientTime + this.#toleranceNs);
    return "fresh";
  }

  /**
   * Forgets nonces whose knock can no longer pass the time check.
   *
   * @param now The server's clock, ns.
   */
  prune(now: bigint): void {
    for (const [key, forgetAt] of this.#seen) {
      if (forgetAt < now) this.#seen.delete(key);
    }
  }
}
