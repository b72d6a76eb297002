/**
 * A streaming accumulator over one series' samples, in O(1) per sample, for the live display
 * (a line per interval) and the run summary (totals).
 *
 * @module
 */
import type { Sample, SampleStatus } from "../contract.ts";

/**
 * The fields of a {@linkcode Sample} the accumulator reads; a whole `Sample` fits.
 *
 * @example A lost probe
 * ```ts
 * import type { AccumulatorSample } from "./series_accumulator.ts";
 * const lost: AccumulatorSample = { timestamp: Date.now(), value: null, status: "lost" };
 * ```
 */
export type AccumulatorSample = Pick<Sample, "timestamp" | "value" | "status">;

/**
 * Figures over a span of samples (the whole series, or one interval). Values are in the series'
 * unit; `null` where there is nothing to measure, so the snapshot serializes to JSON as is.
 *
 * @example A live line
 * ```ts
 * import { SeriesAccumulator, type SeriesSnapshot } from "./series_accumulator.ts";
 * const stats = new SeriesAccumulator();
 * stats.add({ timestamp: 0, value: 21.5, status: "ok" });
 * const line: SeriesSnapshot = stats.takeInterval();
 * console.log(`avg ${line.avg} ms, loss ${line.lossPct}%`); // avg 21.5 ms, loss 0%
 * ```
 */
export interface SeriesSnapshot {
  /** Probes that tested the network: `received + lost` (failed ones are not counted). */
  sent: number;
  /** `ok` samples. */
  received: number;
  /** `lost` samples. */
  lost: number;
  /** `failed` samples (errors on our side). */
  failed: number;
  /** `lost / sent * 100`; `null` when `sent` is 0. */
  lossPct: number | null;
  /** Status of the newest sample; `null` when there is none. */
  lastStatus: SampleStatus | null;
  /** Value of the newest `ok` sample; `null` when there is none. */
  last: number | null;
  /** Smallest `ok` value. */
  min: number | null;
  /** Mean of `ok` values: `sum / received`. */
  avg: number | null;
  /** Largest `ok` value. */
  max: number | null;
  /**
   * RFC 3550 jitter over consecutive `ok` values (`J += (|D| - J) / 16`, lost and failed
   * samples skipped): the running estimate at the end of the span. The estimate runs over the
   * whole series, so an interval's value carries the history as RTCP reports do. `null` when
   * no difference ended in the span.
   */
  jitter: number | null;
  /**
   * Mean `|D|` over consecutive `ok` values whose later value is in the span (the first one may
   * pair with the last `ok` value before the span). `null` when no difference ended in it.
   */
  ipdv: number | null;
  /** Timestamp of the span's first sample (any status). */
  firstTimestamp: number | null;
  /** Timestamp of the span's newest sample (any status). */
  lastTimestamp: number | null;
}

/** Running sums over one span. */
class Span {
  received = 0;
  lost = 0;
  failed = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last: number | null = null;
  lastStatus: SampleStatus | null = null;
  differences = 0;
  absoluteDifferences = 0;
  firstTimestamp: number | null = null;
  lastTimestamp: number | null = null;

  add(sample: AccumulatorSample, difference: number | null): void {
    this.firstTimestamp ??= sample.timestamp;
    this.lastTimestamp = sample.timestamp;
    this.lastStatus = sample.status;
    if (sample.status === "lost") this.lost++;
    else if (sample.status === "failed") this.failed++;
    else {
      const value = sample.value!;
      this.received++;
      this.sum += value;
      this.min = Math.min(this.min, value);
      this.max = Math.max(this.max, value);
      this.last = value;
      if (difference !== null) {
        this.differences++;
        this.absoluteDifferences += Math.abs(difference);
      }
    }
  }

  snapshot(jitter: number): SeriesSnapshot {
    const sent = this.received + this.lost;
    const hasValues = this.received > 0;
    const hasDifferences = this.differences > 0;
    return {
      sent,
      received: this.received,
      lost: this.lost,
      failed: this.failed,
      lossPct: sent === 0 ? null : this.lost / sent * 100,
      lastStatus: this.lastStatus,
      last: this.last,
      min: hasValues ? this.min : null,
      avg: hasValues ? this.sum / this.received : null,
      max: hasValues ? this.max : null,
      jitter: hasDifferences ? jitter : null,
      ipdv: hasDifferences ? this.absoluteDifferences / this.differences : null,
      firstTimestamp: this.firstTimestamp,
      lastTimestamp: this.lastTimestamp,
    };
  }
}

/**
 * Accumulates one series' samples in arrival order. Keeps totals since creation (or
 * {@linkcode SeriesAccumulator.reset}) and an interval since the last
 * {@linkcode SeriesAccumulator.takeInterval}, so per-second lines and the run summary come
 * from the same object.
 *
 * @example Totals and one-second intervals
 * ```ts
 * import { SeriesAccumulator } from "./series_accumulator.ts";
 * const stats = new SeriesAccumulator();
 * stats.add({ timestamp: 0, value: 10, status: "ok" });
 * stats.add({ timestamp: 500, value: null, status: "lost" });
 * const first = stats.takeInterval();
 * stats.add({ timestamp: 1000, value: 26, status: "ok" });
 * const second = stats.takeInterval();
 * const total = stats.snapshot();
 * console.log(first.lossPct, second.avg, total.avg); // 50 26 18
 * // |26 - 10| = 16, so J = 16 / 16 = 1 and IPDV = 16
 * console.log(total.jitter, total.ipdv); // 1 16
 * ```
 */
export class SeriesAccumulator {
  #total = new Span();
  #interval = new Span();
  #previousValue: number | null = null;
  #jitter = 0;

  /**
   * Adds a sample.
   *
   * @param sample An `ok` sample with a finite value, or a lost or failed one (value ignored).
   * @throws {TypeError} When an `ok` sample has no finite value.
   */
  add(sample: AccumulatorSample): void {
    let difference: number | null = null;
    if (sample.status === "ok") {
      const value = sample.value;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new TypeError(`Sample with status "ok" needs a finite value: "${value}"`);
      }
      if (this.#previousValue !== null) {
        difference = value - this.#previousValue;
        this.#jitter += (Math.abs(difference) - this.#jitter) / 16;
      }
      this.#previousValue = value;
    }
    this.#total.add(sample, difference);
    this.#interval.add(sample, difference);
  }

  /**
   * Figures since creation or the last {@linkcode SeriesAccumulator.reset}.
   *
   * @returns A new snapshot object.
   */
  snapshot(): SeriesSnapshot {
    return this.#total.snapshot(this.#jitter);
  }

  /**
   * Figures since the last {@linkcode SeriesAccumulator.takeInterval} (or creation), without
   * starting a new interval.
   *
   * @returns A new snapshot object.
   */
  peekInterval(): SeriesSnapshot {
    return this.#interval.snapshot(this.#jitter);
  }

  /**
   * Figures since the last call (or creation), then starts a new interval. Totals are kept.
   *
   * @returns A new snapshot object for the interval that ended.
   */
  takeInterval(): SeriesSnapshot {
    const taken = this.#interval.snapshot(this.#jitter);
    this.#interval = new Span();
    return taken;
  }

  /** Forgets everything: totals, the current interval and the jitter estimate. */
  reset(): void {
    this.#total = new Span();
    this.#interval = new Span();
    this.#previousValue = null;
    this.#jitter = 0;
  }
}
