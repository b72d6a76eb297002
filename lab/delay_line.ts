/**
 * One direction of the delay relay, as pure logic: items go in with their arrival time and
 * come out when their release time has come. No I/O and no clock of its own, so it is tested
 * with made-up times.
 *
 * Each item's release time is its arrival + `delayMs` + a jitter drawn uniformly from
 * `-jitterMs` to `+jitterMs` (as netem does without a distribution table), but never earlier
 * than the previous item's: the line never reorders, like a real link. Items that arrive
 * closer together than the jitter can therefore wait a little longer than drawn (counted in
 * {@linkcode DelayLineStats.held}).
 *
 * @module
 */

/** Delay of one direction. */
export interface DelaySettings {
  /** Fixed one-way delay in milliseconds. */
  delayMs: number;
  /**
   * Half-width of the uniform jitter in milliseconds (at most `delayMs`).
   *
   * @default {0}
   */
  jitterMs?: number;
}

/** Options of {@linkcode DelayLine}. */
export interface DelayLineOptions {
  /**
   * Source of uniform numbers in [0, 1).
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * Items held at most; more are dropped (as a full buffer would).
   *
   * @default {20000}
   */
  maxItems?: number;
}

/** Counters of a {@linkcode DelayLine}. */
export interface DelayLineStats {
  /** Items accepted. */
  accepted: number;
  /** Items released. */
  released: number;
  /** Items dropped because the line was full. */
  dropped: number;
  /** Items held past their drawn release time so as not to overtake the one before. */
  held: number;
}

/**
 * A FIFO that releases each item after a delay with jitter, without reordering.
 *
 * @example Ten milliseconds, no jitter
 * ```ts
 * import { DelayLine } from "./delay_line.ts";
 * const line = new DelayLine<string>({ delayMs: 10 });
 * line.push("a", 1_000_000_000n);
 * console.log(line.nextReleaseNs()); // 1010000000n
 * console.log(line.releaseDue(1_005_000_000n), line.releaseDue(1_010_000_000n)); // [] [ "a" ]
 * ```
 */
export class DelayLine<T> {
  readonly #delayNs: number;
  readonly #jitterNs: number;
  readonly #random: () => number;
  readonly #maxItems: number;
  #items: { item: T; releaseNs: bigint }[] = [];
  #head = 0;
  #lastReleaseNs: bigint | undefined;
  readonly #stats: DelayLineStats = { accepted: 0, released: 0, dropped: 0, held: 0 };

  /**
   * @param settings Delay and jitter.
   * @param options Random source and capacity.
   * @throws {RangeError} For a negative delay or a jitter larger than the delay.
   */
  constructor(settings: DelaySettings, options: DelayLineOptions = {}) {
    const jitterMs = settings.jitterMs ?? 0;
    if (!(settings.delayMs >= 0) || !(jitterMs >= 0) || jitterMs > settings.delayMs) {
      throw new RangeError(
        `Invalid delay ${settings.delayMs}ms with jitter ${jitterMs}ms: expected 0 <= jitter <= delay`,
      );
    }
    this.#delayNs = settings.delayMs * 1e6;
    this.#jitterNs = jitterMs * 1e6;
    this.#random = options.random ?? Math.random;
    this.#maxItems = options.maxItems ?? 20_000;
  }

  /** How many items wait. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** A copy of the counters. */
  get stats(): DelayLineStats {
    return { ...this.#stats };
  }

  /**
   * Adds an item that arrived at `arrivedNs`.
   *
   * @param item The item.
   * @param arrivedNs Arrival time in nanoseconds (any clock, the same for every call).
   * @returns `false` when the line is full and the item was dropped.
   */
  push(item: T, arrivedNs: bigint): boolean {
    if (this.length >= this.#maxItems) {
      this.#stats.dropped++;
      return false;
    }
    const jitter = this.#jitterNs === 0 ? 0 : (this.#random() * 2 - 1) * this.#jitterNs;
    let releaseNs = arrivedNs + BigInt(Math.round(this.#delayNs + jitter));
    if (this.#lastReleaseNs !== undefined && releaseNs < this.#lastReleaseNs) {
      releaseNs = this.#lastReleaseNs;
      this.#stats.held++;
    }
    this.#lastReleaseNs = releaseNs;
    this.#items.push({ item, releaseNs });
    this.#stats.accepted++;
    return true;
  }

  /**
   * When the first waiting item is due.
   *
   * @returns Its release time, or `undefined` when nothing waits.
   */
  nextReleaseNs(): bigint | undefined {
    return this.#items[this.#head]?.releaseNs;
  }

  /**
   * Takes every item due at `nowNs`, oldest first.
   *
   * @param nowNs The current time, on the clock `push` was given.
   * @returns The items whose release time is not after `nowNs`.
   */
  releaseDue(nowNs: bigint): T[] {
    const due: T[] = [];
    while (this.#head < this.#items.length && this.#items[this.#head]!.releaseNs <= nowNs) {
      due.push(this.#items[this.#head]!.item);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#stats.released += due.length;
    return due;
  }
}
