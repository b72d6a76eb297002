/**
 * How replies arrive, by sequence number: in order, reordered (a higher number arrived first,
 * RFC 4737's definition) or duplicate (that number was seen before). Late is not a matter of
 * order: a reply is late when it comes after the caller's timeout, which only the caller knows
 * (see {@linkcode SequenceTracker.observe}).
 *
 * @module
 */

/** How one reply arrived. */
export type Arrival = "in_order" | "reordered" | "duplicate";

/** Counts of arrivals. */
export interface ArrivalCounts {
  /** Higher than every number before. */
  inOrder: number;
  /** Lower than one already received, and new. */
  reordered: number;
  /** Already received (or too old to tell, beyond the window). */
  duplicate: number;
  /** Received after the caller's timeout (also counted in one of the above). */
  late: number;
}

/** Options of {@linkcode SequenceTracker}. */
export interface SequenceTrackerOptions {
  /**
   * How many numbers below the highest are remembered to tell duplicates from reordering.
   *
   * @default {1024}
   */
  window?: number;
}

/**
 * Classifies arrivals by sequence number.
 *
 * @example
 * ```ts
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * const tracker = new SequenceTracker();
 * console.log([0, 2, 1, 2, 3].map((seq) => tracker.observe(seq)));
 * // [ "in_order", "in_order", "reordered", "duplicate", "in_order" ]
 * console.log(tracker.observe(4, { late: true }), tracker.counts());
 * // in_order { inOrder: 4, reordered: 1, duplicate: 1, late: 1 }
 * ```
 */
export class SequenceTracker {
  readonly #window: number;
  readonly #seen: Uint8Array;
  #highest = -1;
  readonly #counts: ArrivalCounts = { inOrder: 0, reordered: 0, duplicate: 0, late: 0 };

  /** @param options Window size. */
  constructor(options: SequenceTrackerOptions = {}) {
    this.#window = options.window ?? 1024;
    this.#seen = new Uint8Array(this.#window);
  }

  /**
   * Records one arrival.
   *
   * @param seq Its sequence number (0 or more).
   * @param options Whether it came after the caller's timeout.
   * @returns How it arrived.
   */
  observe(seq: number, options: { late?: boolean } = {}): Arrival {
    if (options.late) this.#counts.late++;
    const slot = seq % this.#window;
    if (seq > this.#highest) {
      const from = Math.max(this.#highest + 1, seq - this.#window + 1);
      for (let s = from; s < seq; s++) this.#seen[s % this.#window] = 0;
      this.#highest = seq;
      this.#seen[slot] = 1;
      this.#counts.inOrder++;
      return "in_order";
    }
    if (this.#highest - seq >= this.#window || this.#seen[slot] === 1) {
      this.#counts.duplicate++;
      return "duplicate";
    }
    this.#seen[slot] = 1;
    this.#counts.reordered++;
    return "reordered";
  }

  /**
   * The counts so far.
   *
   * @returns A copy.
   */
  counts(): ArrivalCounts {
    return { ...this.#counts };
  }
}
