/**
 * A sliding time window over samples: it holds the samples of the last `span` milliseconds,
 * measured back from the newest sample, with O(1) amortised insertion and eviction.
 *
 * @module
 */
import type { Sample, SampleStatus } from "../contract.ts";

/**
 * The fields of a {@linkcode Sample} a window keeps; a whole `Sample` fits.
 *
 * @example An answered probe
 * ```ts
 * import type { WindowSample } from "./time_window.ts";
 * const sample: WindowSample = { timestamp: Date.now(), value: 12.5, status: "ok" };
 * ```
 */
export type WindowSample = Pick<Sample, "timestamp" | "value" | "status">;

/** Compact the backing array once this many evicted slots sit at its front. */
const COMPACT_AFTER = 1024;

/**
 * The samples whose timestamp lies in `(newest - span, newest]`, where `newest` is the largest
 * timestamp added so far. Backed by an array used as a deque: adding in time order and evicting
 * from the front are O(1) amortised. A slightly late sample (probes complete out of order) is
 * inserted in its place by scanning from the back, so the window stays in time order; a sample
 * already outside the window is refused.
 *
 * @example A three-second window
 * ```ts
 * import { TimeWindow } from "./time_window.ts";
 * const window = new TimeWindow(3000);
 * for (const timestamp of [0, 1000, 2000, 3000]) {
 *   window.add({ timestamp, value: timestamp / 100, status: "ok" });
 * }
 * // 3000 - 3000 = 0 is outside (0, 3000], so the sample at 0 is gone
 * console.log(window.okValues()); // [ 10, 20, 30 ]
 * ```
 */
export class TimeWindow {
  /** Length of the window in ms. */
  readonly span: number;
  #items: WindowSample[] = [];
  #head = 0;
  #newest = -Infinity;
  #counts: Record<SampleStatus, number> = { ok: 0, lost: 0, failed: 0 };

  /**
   * @param span Length of the window in ms, greater than 0.
   * @throws {RangeError} When `span` is not a positive number.
   */
  constructor(span: number) {
    if (!(span > 0) || !Number.isFinite(span)) {
      throw new RangeError(`Window span must be a positive number of ms: "${span}"`);
    }
    this.span = span;
  }

  /**
   * Adds a sample and evicts the samples that the window no longer covers.
   *
   * @param sample The sample.
   * @returns `false` when the sample is already older than the window, which then ignores it.
   */
  add(sample: WindowSample): boolean {
    const newest = Math.max(this.#newest, sample.timestamp);
    if (sample.timestamp <= newest - this.span) return false;
    this.#newest = newest;
    const items = this.#items;
    let position = items.length;
    while (position > this.#head && items[position - 1]!.timestamp > sample.timestamp) position--;
    if (position === items.length) items.push(sample);
    else items.splice(position, 0, sample);
    this.#counts[sample.status]++;
    this.#evict();
    return true;
  }

  /** Number of samples in the window, of any status. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /**
   * How many samples in the window ended each way.
   *
   * @returns A new object.
   */
  counts(): Record<SampleStatus, number> {
    return { ...this.#counts };
  }

  /**
   * The values of the `ok` samples in the window, in time order.
   *
   * @returns A new array.
   */
  okValues(): number[] {
    const values: number[] = [];
    for (let index = this.#head; index < this.#items.length; index++) {
      const sample = this.#items[index]!;
      if (sample.status === "ok" && sample.value !== null) values.push(sample.value);
    }
    return values;
  }

  /**
   * The samples in the window, in time order.
   *
   * @returns A new array.
   */
  samples(): WindowSample[] {
    return this.#items.slice(this.#head);
  }

  #evict(): void {
    const cutoff = this.#newest - this.span;
    const items = this.#items;
    while (this.#head < items.length && items[this.#head]!.timestamp <= cutoff) {
      this.#counts[items[this.#head]!.status]--;
      this.#head++;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
  }
}
