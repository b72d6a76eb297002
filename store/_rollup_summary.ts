/**
 * The mergeable summary of one series over one bucket, as the rollups store it and as
 * {@linkcode rollupAggregate} builds it from raw rows and stored rollups.
 *
 * Exact: count, lost, ok values, min, max, sum, sum of squares, first and last ok value, and
 * the sum and count of absolute differences of consecutive ok values (merging in time order
 * adds the difference across the seam, so the IPDV of merged buckets is exact too).
 * Approximate: percentiles, from a {@linkcode LogSketch} (within 1 %) as soon as a stored
 * rollup is merged in; a summary fed only raw rows keeps its values and gives exact
 * percentiles, like {@linkcode aggregateSamples}.
 *
 * @module
 */
import { _quantile } from "./_quantile.ts";
import { LogSketch } from "./_sketch.ts";
import type { RollupRow } from "./types.ts";

const OK = 0;

/** Columns of `rollups` after the key, in {@linkcode RollupFigures} order. */
export const ROLLUP_FIGURE_COLUMNS =
  "count, lost, ok_count, min, max, sum, sum_sq, first_ok, last_ok, ipdv_sum, ipdv_count, sketch";

/** The stored figures of one rollup row, in `rollups` column order after the key. */
export type RollupFigures = [
  count: number,
  lost: number,
  okCount: number,
  min: number | null,
  max: number | null,
  sum: number,
  sumSq: number,
  firstOk: number | null,
  lastOk: number | null,
  ipdvSum: number,
  ipdvCount: number,
  sketch: Uint8Array,
];

/** Accumulates one bucket; reused from bucket to bucket. */
export class RollupSummary {
  count = 0;
  lost = 0;
  okCount = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  sumSq = 0;
  first: number | null = null;
  last: number | null = null;
  ipdvSum = 0;
  ipdvCount = 0;
  #keepValues: boolean;
  #exact: boolean;
  #values = new Float64Array(256);
  #sketch = new LogSketch();

  /**
   * @param keepValues Keep raw values for exact percentiles until a rollup is merged in
   * (queries); `false` feeds the sketch only (building rollups).
   */
  constructor(keepValues: boolean) {
    this.#keepValues = keepValues;
    this.#exact = keepValues;
  }

  /**
   * Adds one raw row.
   *
   * @param value Its value.
   * @param status Its status code (0 = ok).
   */
  addRaw(value: number | null, status: number): void {
    this.count++;
    if (status !== OK) {
      this.lost++;
      return;
    }
    if (value === null) return;
    if (this.last !== null) {
      this.ipdvSum += Math.abs(value - this.last);
      this.ipdvCount++;
    } else {
      this.first = value;
    }
    this.last = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
    this.sumSq += value * value;
    if (this.#exact) {
      if (this.okCount === this.#values.length) {
        const grown = new Float64Array(this.#values.length * 2);
        grown.set(this.#values);
        this.#values = grown;
      }
      this.#values[this.okCount] = value;
    } else {
      this.#sketch.add(value);
    }
    this.okCount++;
  }

  /**
   * Merges a stored rollup that comes after everything added so far.
   *
   * @param figures The row's figures.
   */
  addRollup(figures: RollupFigures): void {
    const [count, lost, okCount, min, max, sum, sumSq, firstOk, lastOk, ipdvSum, ipdvCount] =
      figures;
    this.count += count;
    this.lost += lost;
    if (okCount === 0) return;
    this.#toSketch();
    if (this.last !== null && firstOk !== null) {
      this.ipdvSum += Math.abs(firstOk - this.last);
      this.ipdvCount++;
    }
    if (this.first === null) this.first = firstOk;
    this.last = lastOk;
    if (min !== null && min < this.min) this.min = min;
    if (max !== null && max > this.max) this.max = max;
    this.sum += sum;
    this.sumSq += sumSq;
    this.ipdvSum += ipdvSum;
    this.ipdvCount += ipdvCount;
    this.okCount += okCount;
    this.#sketch.mergeEncoded(figures[11]);
  }

  /** @returns The figures to store as a rollup row. */
  figures(): RollupFigures {
    this.#toSketch();
    const some = this.okCount > 0;
    return [
      this.count,
      this.lost,
      this.okCount,
      some ? this.min : null,
      some ? this.max : null,
      this.sum,
      this.sumSq,
      this.first,
      this.last,
      this.ipdvSum,
      this.ipdvCount,
      this.#sketch.encode(),
    ];
  }

  /**
   * The sketch of the ok values (the raw values kept so far are moved into it).
   *
   * @returns The sketch; it stays owned by this summary.
   */
  sketch(): LogSketch {
    this.#toSketch();
    return this.#sketch;
  }

  /**
   * The figures as a query result row.
   *
   * @param seriesId The series.
   * @param bucketStart The bucket.
   * @returns The row.
   */
  row(seriesId: number, bucketStart: number): RollupRow {
    const n = this.okCount;
    const some = n > 0;
    let variance = n > 1 ? (this.sumSq - this.sum * this.sum / n) / (n - 1) : Number.NaN;
    if (variance < 0) variance = 0;
    if (this.#exact) this.#values.subarray(0, n).sort();
    return {
      seriesId,
      bucketStart,
      count: this.count,
      lost: this.lost,
      okCount: n,
      min: some ? this.min : null,
      avg: some ? this.sum / n : null,
      max: some ? this.max : null,
      p50: this.#percentile(50),
      p95: this.#percentile(95),
      p99: this.#percentile(99),
      stddev: Number.isFinite(variance) ? Math.sqrt(variance) : null,
      ipdv: this.ipdvCount > 0 ? this.ipdvSum / this.ipdvCount : null,
      exact: this.#exact,
    };
  }

  /** Empties it for the next bucket. */
  reset(): void {
    this.count = 0;
    this.lost = 0;
    this.okCount = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.sum = 0;
    this.sumSq = 0;
    this.first = null;
    this.last = null;
    this.ipdvSum = 0;
    this.ipdvCount = 0;
    this.#exact = this.#keepValues;
    this.#sketch.clear();
  }

  /**
   * Linear interpolation between the values at the two closest ranks (type 7, as
   * {@linkcode _quantile}; exact values must be sorted first); from the sketch, each value is
   * within 1 % and the ends are the exact min and max.
   */
  #percentile(p: number): number | null {
    const n = this.okCount;
    if (n === 0) return null;
    if (this.#exact) return _quantile(this.#values, n, p);
    const rank = (n - 1) * (p / 100);
    const below = Math.floor(rank);
    const low = this.#valueAt(below);
    const fraction = rank - below;
    if (fraction === 0) return low;
    return low + (this.#valueAt(below + 1) - low) * fraction;
  }

  #valueAt(rank: number): number {
    if (rank <= 0) return this.min;
    if (rank >= this.okCount - 1) return this.max;
    const value = this.#sketch.valueAtRank(rank);
    return value < this.min ? this.min : value > this.max ? this.max : value;
  }

  #toSketch(): void {
    if (!this.#exact) return;
    for (let i = 0; i < this.okCount; i++) this.#sketch.add(this.#values[i]!);
    this.#exact = false;
  }
}
