/**
 * Token buckets: one per client address in a bounded map that forgets the least recently seen
 * address first, so a flood from spoofed source addresses costs a fixed amount of memory.
 *
 * @module
 */

/** Options of a {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  rate: number;
  /** The most tokens held (the largest burst). */
  burst: number;
}

/**
 * A token bucket: each packet takes a token; tokens come back at `rate` per second up to
 * `burst`. A new bucket starts full.
 *
 * @example A burst of two, then one token per second
 * ```ts
 * import { TokenBucket } from "./rate_limit.ts";
 * const bucket = new TokenBucket({ rate: 1, burst: 2 }, 0);
 * console.log(bucket.take(0), bucket.take(0), bucket.take(0)); // true true false
 * console.log(bucket.take(1000)); // true
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /**
   * @param options Rate and burst.
   * @param now The clock, ms (monotonic).
   */
  constructor(options: TokenBucketOptions, now: number) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#last = now;
  }

  /**
   * Takes a token if there is one.
   *
   * @param now The clock, ms (monotonic).
   * @returns Whether a token was taken.
   */
  take(now: number): boolean {
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#rate / 1000);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Options of a {@linkcode RateLimiter}. */
export interface RateLimiterOptions extends TokenBucketOptions {
  /**
   * The most addresses tracked; beyond it the least recently seen is forgotten (and starts
   * with a full bucket should it come back).
   *
   * @default {65536}
   */
  maxKeys?: number;
}

/**
 * One token bucket per key (a client address).
 *
 * @example Two addresses, each with its own bucket
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * const limiter = new RateLimiter({ rate: 10, burst: 1, maxKeys: 100 });
 * console.log(limiter.take("192.0.2.1", 0), limiter.take("192.0.2.1", 0)); // true false
 * console.log(limiter.take("192.0.2.2", 0)); // true
 * ```
 */
export class RateLimiter {
  readonly #options: TokenBucketOptions;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, TokenBucket>();

  /** @param options Rate, burst and how many keys to track. */
  constructor(options: RateLimiterOptions) {
    this.#options = { rate: options.rate, burst: options.burst };
    this.#maxKeys = options.maxKeys ?? 65536;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes a token from the key's bucket.
   *
   * @param key The client address.
   * @param now The clock, ms (monotonic).
   * @returns Whether a token was taken.
   */
  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#options, now);
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
    } else {
      // Move it to the back: the map's order is the order of last use.
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    return bucket.take(now);
  }
}
