/**
 * Queries answered from the rollups where they cover the period, and from raw samples
 * elsewhere: {@linkcode rollupAggregate} (bucketed figures, like
 * {@linkcode aggregateSamples}) and {@linkcode rollupHistogram} (the distribution of values).
 *
 * Per series, the period splits into up to five stretches read in time order: raw rows up to
 * the first whole minute, minute rollups up to the first whole hour, hour rollups, minute
 * rollups up to the series' mark (see `rollup_refresh.ts`), raw rows after it. Buckets that
 * are not whole minutes on the grid (or whose origin is off it) are read raw. A month of
 * one-second data in two-hour buckets thus reads 720 hour rows per series instead of 2.6
 * million samples.
 *
 * Accuracy: count, lost, min, max, avg, stddev and IPDV are exact; percentiles are exact for
 * buckets read raw only and within 1 % (relative) otherwise (see `_sketch.ts`).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ROLLUP_FIGURE_COLUMNS, type RollupFigures, RollupSummary } from "./_rollup_summary.ts";
import { OPEN_END, OPEN_START, RangeScanner, returnArrays } from "./_scan_range.ts";
import { ceilTo, floorTo, HOUR_MS, MINUTE_MS } from "./_time_grid.ts";
import type { AggregateQuery, RangeQuery, RollupRow, SeriesHistogram } from "./types.ts";

/**
 * Summarizes samples into buckets like {@linkcode aggregateSamples}, reading rollups where
 * they cover the period: same buckets, same order, same figures, with the percentiles of
 * buckets that include rollups within 1 % of the exact ones, and three more figures per row
 * (`okCount`, `stddev`, `ipdv`).
 *
 * @param db A database with the store's schema.
 * @param query Series, half-open time range, bucket width and origin.
 * @returns One row per series per bucket that holds samples.
 * @throws {RangeError} When `bucketMs` is not a positive whole number or `origin` is not
 * finite.
 *
 * @example Hour buckets over rolled-up samples
 * ```ts
 * import { Store } from "./mod.ts";
 * import { rollupAggregate } from "./rollup_query.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples(Array.from({ length: 3 * 3600 }, (_, i) => ({
 *   seriesId, ts: i * 1000, value: 10 + (i % 2), status: "ok" as const, runId,
 * })));
 * store.refreshRollups();
 * const rows = rollupAggregate(store.db, { seriesIds: [seriesId], bucketMs: 3_600_000 });
 * console.log(rows.map((row) => [row.count, row.avg, row.ipdv, row.exact]));
 * // [ [ 3600, 10.5, 1, false ], [ 3600, 10.5, 1, false ], [ 3600, 10.5, 1, false ] ]
 * store.close();
 * ```
 */
export function rollupAggregate(db: DatabaseSync, query: AggregateQuery): RollupRow[] {
  const { bucketMs, origin = 0 } = query;
  if (!Number.isInteger(bucketMs) || bucketMs <= 0) {
    throw new RangeError(`Bucket width "${bucketMs}" is not a positive whole number of ms`);
  }
  if (!Number.isFinite(origin)) throw new RangeError(`Bucket origin "${origin}" is not finite`);
  const reader = new StretchReader(db);
  const summary = new RollupSummary(true);
  const out: RollupRow[] = [];
  const width = alignedWidth(bucketMs, origin);
  for (const seriesId of [...new Set(query.seriesIds)].sort((a, b) => a - b)) {
    let bucket = Number.NaN;
    const enter = (ts: number) => {
      const offset = (ts - origin) % bucketMs;
      const start = ts - (offset < 0 ? offset + bucketMs : offset);
      if (start !== bucket) {
        if (summary.count > 0) out.push(summary.row(seriesId, bucket));
        summary.reset();
        bucket = start;
      }
    };
    reader.read(seriesId, query.start ?? OPEN_START, query.end ?? OPEN_END, width, {
      raw(ts, value, status) {
        enter(ts);
        summary.addRaw(value, status);
      },
      rollup(bucketStart, figures) {
        enter(bucketStart);
        summary.addRollup(figures);
      },
    });
    if (summary.count > 0) out.push(summary.row(seriesId, bucket));
    summary.reset();
  }
  return out;
}

/**
 * The distribution of each series' ok values over a period, in bins about 2 % wide (a value's
 * bin stands for it within 1 %), read from rollups where they cover the period.
 *
 * @param db A database with the store's schema.
 * @param query Series and half-open time range.
 * @returns One histogram per series that holds samples in the period, by ascending id.
 *
 * @example The bins of a few values
 * ```ts
 * import { Store } from "./mod.ts";
 * import { rollupHistogram } from "./rollup_query.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples([10, 10, 20].map((value, i) => ({ seriesId, ts: i, value, status: "ok" as const, runId })));
 * const [histogram] = rollupHistogram(store.db, { seriesIds: [seriesId] });
 * console.log(histogram?.bins.map((bin) => [Math.round(bin.value), bin.count])); // [ [ 10, 2 ], [ 20, 1 ] ]
 * store.close();
 * ```
 */
export function rollupHistogram(db: DatabaseSync, query: RangeQuery): SeriesHistogram[] {
  const reader = new StretchReader(db);
  const summary = new RollupSummary(false);
  const out: SeriesHistogram[] = [];
  for (const seriesId of [...new Set(query.seriesIds)].sort((a, b) => a - b)) {
    summary.reset();
    reader.read(seriesId, query.start ?? OPEN_START, query.end ?? OPEN_END, HOUR_MS, {
      raw: (_ts, value, status) => summary.addRaw(value, status),
      rollup: (_bucketStart, figures) => summary.addRollup(figures),
    });
    if (summary.count === 0) continue;
    const some = summary.okCount > 0;
    out.push({
      seriesId,
      count: summary.count,
      lost: summary.lost,
      okCount: summary.okCount,
      min: some ? summary.min : null,
      max: some ? summary.max : null,
      bins: summary.sketch().bins(),
    });
  }
  summary.reset();
  return out;
}

/**
 * The widest rollup whose buckets fit whole into query buckets of `bucketMs` from `origin`,
 * 0 when none does.
 */
function alignedWidth(bucketMs: number, origin: number): number {
  for (const width of [HOUR_MS, MINUTE_MS]) {
    if (bucketMs % width === 0 && floorTo(origin, width) === origin) return width;
  }
  return 0;
}

/** What {@linkcode StretchReader.read} hands over, in time order. */
interface StretchVisitor {
  /** One raw sample. */
  raw(ts: number, value: number | null, status: number): void;
  /** One stored rollup. */
  rollup(bucketStart: number, figures: RollupFigures): void;
}

/** Reads one series over a period from raw rows and rollups, in time order. */
class StretchReader {
  #scanner: RangeScanner;
  #mark: StatementSync;
  #rollups: StatementSync;

  constructor(db: DatabaseSync) {
    this.#scanner = new RangeScanner(db, 3);
    this.#mark = db.prepare("SELECT rolled_until FROM rollup_marks WHERE series_id = ?");
    this.#rollups = db.prepare(
      `SELECT bucket_start, ${ROLLUP_FIGURE_COLUMNS} FROM rollups
       WHERE series_id = ? AND width = ? AND bucket_start >= ? AND bucket_start < ?
       ORDER BY bucket_start`,
    );
    returnArrays(this.#rollups);
  }

  /**
   * @param width The widest rollup to use: an hour, a minute, or 0 for raw rows only.
   */
  read(seriesId: number, start: number, end: number, width: number, visit: StretchVisitor) {
    const mark = this.#mark.get(seriesId) as { rolled_until: number } | undefined;
    const rolledStart = ceilTo(start, MINUTE_MS);
    const rolledEnd = Math.min(floorTo(end, MINUTE_MS), mark?.rolled_until ?? OPEN_START);
    if (width === 0 || rolledEnd <= rolledStart) {
      this.#raw(seriesId, start, end, visit);
      return;
    }
    this.#raw(seriesId, start, rolledStart, visit);
    const hoursStart = ceilTo(rolledStart, HOUR_MS);
    const hoursEnd = floorTo(rolledEnd, HOUR_MS);
    if (width === HOUR_MS && hoursEnd > hoursStart) {
      this.#stored(seriesId, MINUTE_MS, rolledStart, hoursStart, visit);
      this.#stored(seriesId, HOUR_MS, hoursStart, hoursEnd, visit);
      this.#stored(seriesId, MINUTE_MS, hoursEnd, rolledEnd, visit);
    } else {
      this.#stored(seriesId, MINUTE_MS, rolledStart, rolledEnd, visit);
    }
    this.#raw(seriesId, rolledEnd, end, visit);
  }

  #raw(seriesId: number, start: number, end: number, visit: StretchVisitor): void {
    if (end <= start) return;
    for (const rows of this.#scanner.chunks(seriesId, start, end)) {
      for (const row of rows) visit.raw(row[0], row[1], row[2]);
    }
  }

  #stored(seriesId: number, width: number, start: number, end: number, visit: StretchVisitor) {
    if (end <= start) return;
    const rows = this.#rollups.all(seriesId, width, start, end) as unknown as [
      number,
      ...RollupFigures,
    ][];
    for (const [bucketStart, ...figures] of rows) visit.rollup(bucketStart, figures);
  }
}
