/**
 * Bucketed summaries of samples: per series and per time bucket, the row count, the lost
 * count and min / avg / max / p50 / p95 / p99 over the ok values.
 *
 * SQLite has no percentile function here, so one ordered scan per series (the
 * `(series_id, ts)` index) feeds the values of each bucket to JavaScript, which sorts them
 * and interpolates.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { _quantile } from "./_quantile.ts";
import { OPEN_END, OPEN_START, RangeScanner } from "./_scan_range.ts";
import type { AggregateQuery, AggregateRow } from "./types.ts";

const OK = 0;

/**
 * Summarizes samples into buckets that start at `origin + k * bucketMs` (by default
 * multiples of `bucketMs` since the Unix epoch). Buckets without rows are left out. Rows come
 * ordered by series id, then bucket.
 *
 * @param db A database with the store's schema.
 * @param query Series, half-open time range and bucket width.
 * @returns One row per series per bucket that holds samples.
 * @throws {RangeError} When `bucketMs` is not a positive whole number or `origin` is not
 * finite.
 *
 * @example One-minute buckets
 * ```ts
 * import { Store, aggregateSamples } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples([
 *   { seriesId, ts: 1_000, value: 10, status: "ok", runId },
 *   { seriesId, ts: 2_000, value: 30, status: "ok", runId },
 *   { seriesId, ts: 3_000, value: null, status: "lost", runId },
 * ]);
 * const [bucket] = aggregateSamples(store.db, { seriesIds: [seriesId], bucketMs: 60_000 });
 * console.log(bucket?.count, bucket?.lost, bucket?.avg, bucket?.p50); // 3 1 20 20
 * store.close();
 * ```
 */
export function aggregateSamples(db: DatabaseSync, query: AggregateQuery): AggregateRow[] {
  const { bucketMs, origin = 0 } = query;
  if (!Number.isInteger(bucketMs) || bucketMs <= 0) {
    throw new RangeError(`Bucket width "${bucketMs}" is not a positive whole number of ms`);
  }
  if (!Number.isFinite(origin)) throw new RangeError(`Bucket origin "${origin}" is not finite`);
  const start = query.start ?? OPEN_START;
  const end = query.end ?? OPEN_END;
  const scanner = new RangeScanner(db, 3);
  const out: AggregateRow[] = [];
  const bucket = new BucketAccumulator();
  for (const seriesId of [...new Set(query.seriesIds)].sort((a, b) => a - b)) {
    let bucketStart = Number.NaN;
    for (const rows of scanner.chunks(seriesId, start, end)) {
      for (const row of rows) {
        const ts = row[0];
        const offset = (ts - origin) % bucketMs;
        const rowBucket = ts - (offset < 0 ? offset + bucketMs : offset);
        if (rowBucket !== bucketStart) {
          if (bucket.count > 0) out.push(bucket.finish(seriesId, bucketStart));
          bucketStart = rowBucket;
        }
        bucket.add(row[1], row[2]);
      }
    }
    if (bucket.count > 0) out.push(bucket.finish(seriesId, bucketStart));
  }
  return out;
}

/** Collects one bucket's rows; its value buffer is reused from bucket to bucket. */
class BucketAccumulator {
  count = 0;
  #lost = 0;
  #sum = 0;
  #values = new Float64Array(1024);
  #length = 0;

  add(value: number | null, status: number): void {
    this.count++;
    if (status !== OK) {
      this.#lost++;
      return;
    }
    if (value === null) return;
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
    this.#sum += value;
  }

  finish(seriesId: number, bucketStart: number): AggregateRow {
    const n = this.#length;
    const sorted = this.#values.subarray(0, n).sort();
    const row: AggregateRow = {
      seriesId,
      bucketStart,
      count: this.count,
      lost: this.#lost,
      min: n > 0 ? sorted[0]! : null,
      avg: n > 0 ? this.#sum / n : null,
      max: n > 0 ? sorted[n - 1]! : null,
      p50: _quantile(sorted, n, 50),
      p95: _quantile(sorted, n, 95),
      p99: _quantile(sorted, n, 99),
    };
    this.count = 0;
    this.#lost = 0;
    this.#sum = 0;
    this.#length = 0;
    return row;
  }
}
