/**
 * The quiet baseline of one series: the recent samples judged normal, bounded in time and in
 * count, and the robust figures the detector compares a window against.
 *
 * Only samples that left the detector's recent window while the series was quiet are added
 * (see `detector.ts`), so an incident never teaches the baseline that it is normal.
 *
 * @module
 */
import { MAD_TO_SIGMA, median, medianAbsoluteDeviation } from "./robust.ts";

/**
 * One sample as the baseline keeps it.
 *
 * @example An answered probe 0.4 ms slower than the one before
 * ```ts
 * import type { BaselineEntry } from "./baseline.ts";
 * const entry: BaselineEntry = { timestamp: 1000, value: 20.4, diff: 0.4 };
 * ```
 */
export interface BaselineEntry {
  /** When the probe was sent, ms. */
  timestamp: number;
  /** Its value, `null` when it was lost. */
  value: number | null;
  /** `|value - previous answered value|` when both answered and were adjacent, else `null`. */
  diff: number | null;
}

/**
 * The robust figures of a baseline.
 *
 * @example A baseline of a 20 ms path
 * ```ts
 * import type { BaselineStats } from "./baseline.ts";
 * const stats: BaselineStats = {
 *   samples: 600, answered: 599, lost: 1, median: 20.1, sigma: 0.6, lossRate: 1 / 600,
 *   diffMean: 0.7, diffSigma: 0.5,
 * };
 * ```
 */
export interface BaselineStats {
  /** Samples held (answered + lost). */
  samples: number;
  /** Answered samples. */
  answered: number;
  /** Lost samples. */
  lost: number;
  /** Median of the answered values. */
  median: number;
  /** `1.4826 * MAD` of the answered values: a robust standard deviation. */
  sigma: number;
  /** `lost / samples` (0 without samples). */
  lossRate: number;
  /** Mean of the differences between adjacent answered values (IPDV). */
  diffMean: number;
  /** `1.4826 * MAD` of those differences. */
  diffSigma: number;
}

/** Compact the arrays once this many removed entries sit at their front. */
const COMPACT_AFTER = 512;

/**
 * Share of the entries that must have changed before the figures are computed again: a
 * 2000-sample baseline is sorted again after 100 new samples, not after each one (the median
 * of 2000 moves little in 100).
 */
const REFRESH_SHARE = 1 / 20;

/**
 * A time- and count-bounded store of quiet samples with cached robust figures.
 *
 * @example Learning a steady 20 ms path
 * ```ts
 * import { QuietBaseline } from "./baseline.ts";
 * const baseline = new QuietBaseline({ span: 60_000, capacity: 100 });
 * for (let i = 0; i < 50; i++) {
 *   baseline.add({ timestamp: i * 1000, value: 20 + (i % 3), diff: i === 0 ? null : 1 });
 * }
 * const stats = baseline.stats();
 * console.log(stats.samples, stats.median, stats.lossRate); // 50 21 0
 * ```
 */
export class QuietBaseline {
  #span: number;
  #capacity: number;
  #entries: BaselineEntry[] = [];
  #head = 0;
  #cached: BaselineStats | undefined;
  #changes = 0;

  /**
   * @param options `span`: how far back entries are kept (from the newest), ms; `capacity`:
   * most entries kept.
   */
  constructor(options: { span: number; capacity: number }) {
    this.#span = options.span;
    this.#capacity = options.capacity;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /**
   * Adds an entry (in time order) and drops those too old or too many.
   *
   * @param entry The entry.
   */
  add(entry: BaselineEntry): void {
    this.#entries.push(entry);
    this.#changes++;
    const oldest = entry.timestamp - this.#span;
    while (
      this.size > this.#capacity ||
      (this.size > 0 && this.#entries[this.#head]!.timestamp <= oldest)
    ) {
      this.#head++;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Forgets everything and starts again from these entries (a new normal).
   *
   * @param entries The entries, in time order.
   */
  replaceWith(entries: readonly BaselineEntry[]): void {
    this.#entries = [];
    this.#head = 0;
    for (const entry of entries) this.add(entry);
    this.#cached = undefined;
  }

  /**
   * The entries held, oldest first.
   *
   * @returns A copy.
   */
  entries(): BaselineEntry[] {
    return this.#entries.slice(this.#head);
  }

  /**
   * The robust figures. They are computed again once a twentieth of the entries (at least
   * one) changed since the last time, or after {@linkcode QuietBaseline.replaceWith}.
   *
   * @returns The figures (`NaN` median and spreads without answered samples).
   */
  stats(): BaselineStats {
    const stale = this.#changes >= Math.max(1, Math.floor(this.size * REFRESH_SHARE));
    if (this.#cached !== undefined && !stale) return this.#cached;
    this.#changes = 0;
    const values: number[] = [];
    const diffs: number[] = [];
    let lost = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (entry.value === null) lost++;
      else values.push(entry.value);
      if (entry.diff !== null) diffs.push(entry.diff);
    }
    const center = median(values);
    const diffCenter = median(diffs);
    let diffSum = 0;
    for (const diff of diffs) diffSum += diff;
    const samples = values.length + lost;
    this.#cached = {
      samples,
      answered: values.length,
      lost,
      median: center,
      sigma: MAD_TO_SIGMA * medianAbsoluteDeviation(values, center),
      lossRate: samples === 0 ? 0 : lost / samples,
      diffMean: diffs.length === 0 ? NaN : diffSum / diffs.length,
      diffSigma: MAD_TO_SIGMA * medianAbsoluteDeviation(diffs, diffCenter),
    };
    return this.#cached;
  }
}
