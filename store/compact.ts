/**
 * Compaction: keeps a store of months bounded. Raw samples older than the raw retention are
 * deleted, but only once their minutes are rolled up (below the series' `rolled_until`
 * mark), so the per-minute and per-hour rollups stand for them and no aggregate is lost.
 * Minute rollups older than the rollup retention are deleted too, by whole hours whose hour
 * rollup exists; hour rollups are kept.
 *
 * Work goes in bounded batches of whole minutes, one short write transaction each, and
 * `rollup_marks.compacted_until` records how far each series is compacted. A sample written
 * later into a compacted stretch (a late arrival) cannot be rolled up again from raw rows
 * (they are gone): the next compaction folds it into the minute and hour rollups it belongs
 * to, then deletes it. The store never moves a mark back below `compacted_until`.
 *
 * Space: a store created by this version uses `auto_vacuum = INCREMENTAL`, and compaction
 * hands freed pages back to the file system (`PRAGMA incremental_vacuum`). An older store
 * (`auto_vacuum = NONE`; switching needs a full `VACUUM`) keeps the freed pages in its free
 * list, where new samples reuse them: its file stops growing instead of shrinking.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { ROLLUP_FIGURE_COLUMNS, type RollupFigures, RollupSummary } from "./_rollup_summary.ts";
import { returnArrays } from "./_scan_range.ts";
import { ceilTo, floorTo, HOUR_MS, MINUTE_MS } from "./_time_grid.ts";

/**
 * Options for {@linkcode compactStore}.
 *
 * @example Thirty days of raw samples, a year of minute rollups
 * ```ts
 * import type { CompactOptions } from "./compact.ts";
 * const options: CompactOptions = {
 *   rawRetentionMs: 30 * 86_400_000,
 *   minuteRetentionMs: 365 * 86_400_000,
 * };
 * ```
 */
export interface CompactOptions {
  /** Raw samples older than `now - rawRetentionMs` are deleted once rolled up. */
  rawRetentionMs: number;
  /**
   * Minute rollups older than `now - minuteRetentionMs` are deleted (hour rollups stay). At
   * least `rawRetentionMs`.
   *
   * @default {Infinity (minute rollups are kept)}
   */
  minuteRetentionMs?: number;
  /**
   * The time retention is measured from, ms since the epoch.
   *
   * @default {Date.now()}
   */
  now?: number;
  /**
   * Stop once about this many rows were deleted or folded (after finishing the current
   * batch), so a recorder keeps its pace; call again to go on.
   *
   * @default {Infinity}
   */
  maxRows?: number;
  /**
   * Give freed pages back to the file system when the store uses incremental auto-vacuum.
   *
   * @default {true}
   */
  reclaim?: boolean;
  /**
   * Only these series.
   *
   * @default {every series}
   */
  seriesIds?: readonly number[];
}

/**
 * What {@linkcode compactStore} did.
 *
 * @example Nothing to do
 * ```ts
 * import type { CompactResult } from "./compact.ts";
 * const result: CompactResult = {
 *   deletedSamples: 0, foldedSamples: 0, deletedMinuteRollups: 0, reclaimedPages: 0, done: true,
 * };
 * ```
 */
export interface CompactResult {
  /** Raw samples deleted (their minutes are rolled up). */
  deletedSamples: number;
  /** Late samples folded into existing rollups, then deleted. */
  foldedSamples: number;
  /** Minute rollups deleted (their hours are rolled up). */
  deletedMinuteRollups: number;
  /** Pages handed back to the file system. */
  reclaimedPages: number;
  /** `false` when it stopped at `maxRows` with work left. */
  done: boolean;
}

/**
 * The statements of each connection's compactions, prepared once (see `rollup_refresh.ts`:
 * statements prepared anew on every run would hold native memory until finalized).
 */
const compactors = new WeakMap<DatabaseSync, Compactor>();

/** Rows deleted per transaction at most (less when `maxRows` is smaller). */
const BATCH_ROWS = 20_000;

/**
 * Deletes raw samples older than the raw retention once rolled up, and minute rollups older
 * than the rollup retention once their hours are rolled up; folds late samples into their
 * rollups; reclaims the freed space.
 *
 * @param db A writable database with the store's schema.
 * @param options Retentions, clock, row budget, series.
 * @returns What was deleted, folded and reclaimed.
 * @throws {RangeError} When a retention is not a positive number or the minute retention is
 * shorter than the raw one.
 *
 * @example Keeping one hour of raw samples out of three
 * ```ts
 * import { Store } from "./mod.ts";
 * import { compactStore } from "./compact.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples(Array.from({ length: 3 * 3600 }, (_, i) => ({
 *   seriesId, ts: i * 1000, value: 10, status: "ok" as const, runId,
 * })));
 * store.refreshRollups();
 * const result = compactStore(store.db, { rawRetentionMs: 3_600_000, now: 3 * 3_600_000 });
 * console.log(result.deletedSamples); // 7200
 * // The first two hours are still there, from their rollups.
 * console.log(store.rollupAggregate({ seriesIds: [seriesId], bucketMs: 3_600_000 })[0]?.count); // 3600
 * store.close();
 * ```
 */
export function compactStore(db: DatabaseSync, options: CompactOptions): CompactResult {
  const { rawRetentionMs, now = Date.now(), maxRows = Number.POSITIVE_INFINITY } = options;
  const minuteRetentionMs = options.minuteRetentionMs ?? Number.POSITIVE_INFINITY;
  if (!(rawRetentionMs > 0)) {
    throw new RangeError(`Raw retention "${rawRetentionMs}" is not a positive number of ms`);
  }
  if (!(minuteRetentionMs >= rawRetentionMs)) {
    throw new RangeError(
      `Rollup retention "${minuteRetentionMs}" is shorter than the raw retention ` +
        `"${rawRetentionMs}": minutes would go before their samples`,
    );
  }
  let compactor = compactors.get(db);
  if (compactor === undefined) {
    compactor = new Compactor(db);
    compactors.set(db, compactor);
  }
  const result: CompactResult = {
    deletedSamples: 0,
    foldedSamples: 0,
    deletedMinuteRollups: 0,
    reclaimedPages: 0,
    done: true,
  };
  const rawHorizon = floorTo(now - rawRetentionMs, MINUTE_MS);
  const minuteHorizon = Number.isFinite(minuteRetentionMs)
    ? floorTo(now - minuteRetentionMs, HOUR_MS)
    : Number.NEGATIVE_INFINITY;
  const seriesIds = options.seriesIds ?? compactor.seriesIds();
  const touched = () => result.deletedSamples + result.foldedSamples + result.deletedMinuteRollups;
  outer: for (const seriesId of seriesIds) {
    for (;;) {
      if (touched() >= maxRows) {
        result.done = false;
        break outer;
      }
      const budget = Math.max(1, Math.min(BATCH_ROWS, maxRows - touched()));
      db.exec("BEGIN IMMEDIATE");
      try {
        const progressed = compactor.step(seriesId, rawHorizon, minuteHorizon, budget, result);
        db.exec("COMMIT");
        if (!progressed) break;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    }
  }
  if (options.reclaim ?? true) result.reclaimedPages = compactor.reclaim();
  return result;
}

/** The statements of a compaction, prepared once. */
class Compactor {
  #marks: StatementSync;
  #late: StatementSync;
  #deleteLate: StatementSync;
  #nthTs: StatementSync;
  #firstTs: StatementSync;
  #deleteRaw: StatementSync;
  #setCompacted: StatementSync;
  #countMinutes: StatementSync;
  #deleteMinutes: StatementSync;
  #rollup: StatementSync;
  #upsert: StatementSync;
  #summary = new RollupSummary(false);
  #series: StatementSync;
  #autoVacuum: StatementSync;
  #freelist: StatementSync;
  #vacuum: StatementSync;

  constructor(db: DatabaseSync) {
    this.#series = db.prepare("SELECT series_id FROM rollup_marks ORDER BY series_id");
    this.#autoVacuum = db.prepare("PRAGMA auto_vacuum");
    this.#freelist = db.prepare("PRAGMA freelist_count");
    this.#vacuum = db.prepare("PRAGMA incremental_vacuum");
    this.#marks = db.prepare(
      "SELECT rolled_until, compacted_until FROM rollup_marks WHERE series_id = ?",
    );
    this.#late = db.prepare(
      "SELECT rowid, ts, value, status FROM samples WHERE series_id = ? AND ts < ? " +
        "ORDER BY ts, rowid LIMIT ?",
    );
    returnArrays(this.#late);
    this.#deleteLate = db.prepare("DELETE FROM samples WHERE rowid = ?");
    this.#nthTs = db.prepare(
      "SELECT ts FROM samples WHERE series_id = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?",
    );
    this.#firstTs = db.prepare(
      "SELECT ts FROM samples WHERE series_id = ? AND ts < ? ORDER BY ts LIMIT 1",
    );
    this.#deleteRaw = db.prepare("DELETE FROM samples WHERE series_id = ? AND ts < ?");
    this.#setCompacted = db.prepare(
      "UPDATE rollup_marks SET compacted_until = ? WHERE series_id = ?",
    );
    this.#countMinutes = db.prepare(
      `SELECT count(*) AS n FROM rollups WHERE series_id = ? AND width = ${MINUTE_MS}
       AND bucket_start < ?`,
    );
    this.#deleteMinutes = db.prepare(
      `DELETE FROM rollups WHERE series_id = ? AND width = ${MINUTE_MS} AND bucket_start IN (
         SELECT bucket_start FROM rollups WHERE series_id = ? AND width = ${MINUTE_MS}
         AND bucket_start < ? ORDER BY bucket_start LIMIT ?)`,
    );
    this.#rollup = db.prepare(
      `SELECT ${ROLLUP_FIGURE_COLUMNS} FROM rollups
       WHERE series_id = ? AND width = ? AND bucket_start = ?`,
    );
    returnArrays(this.#rollup);
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO rollups (series_id, width, bucket_start, ${ROLLUP_FIGURE_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** @returns Every series that has rollups (only those can have anything to compact). */
  seriesIds(): number[] {
    return (this.#series.all() as { series_id: number }[]).map((r) => r.series_id);
  }

  /**
   * Hands the free pages of a store with incremental auto-vacuum back to the file system.
   *
   * @returns How many pages were freed (0 when the store does not use incremental
   * auto-vacuum).
   */
  reclaim(): number {
    const mode = (this.#autoVacuum.get() as { auto_vacuum: number }).auto_vacuum;
    if (mode !== 2) return 0;
    const free = (this.#freelist.get() as { freelist_count: number }).freelist_count;
    if (free === 0) return 0;
    // One row per page freed: exec() would step once and free one page only.
    this.#vacuum.all();
    return free;
  }

  /**
   * One batch for one series: late samples first, then raw samples, then minute rollups.
   *
   * @returns Whether it did anything (call again) or the series is done.
   */
  step(
    seriesId: number,
    rawHorizon: number,
    minuteHorizon: number,
    budget: number,
    result: CompactResult,
  ): boolean {
    const marks = this.#marks.get(seriesId) as
      | { rolled_until: number; compacted_until: number | null }
      | undefined;
    if (marks === undefined) return false;
    const compacted = marks.compacted_until ?? Number.NEGATIVE_INFINITY;
    if (Number.isFinite(compacted)) {
      const folded = this.#foldLate(seriesId, compacted, budget);
      if (folded > 0) {
        result.foldedSamples += folded;
        return true;
      }
    }
    // Only whole minutes that are rolled up may lose their raw rows.
    const horizon = Math.min(rawHorizon, marks.rolled_until);
    if (this.#firstTs.get(seriesId, horizon) !== undefined) {
      const nth = this.#nthTs.get(seriesId, horizon, budget) as { ts: number } | undefined;
      const first = (this.#firstTs.get(seriesId, horizon) as { ts: number }).ts;
      // Cut on a whole minute so compacted_until is one; a minute above the budget goes whole.
      let to = nth === undefined ? horizon : floorTo(nth.ts, MINUTE_MS);
      if (to <= first) to = Math.min(horizon, ceilTo(first + 1, MINUTE_MS));
      const deleted = Number(this.#deleteRaw.run(seriesId, to).changes);
      result.deletedSamples += deleted;
      this.#setCompacted.run(Math.max(to, Number.isFinite(compacted) ? compacted : to), seriesId);
      return true;
    }
    if (horizon > compacted && Number.isFinite(horizon)) {
      // Nothing raw is left before the horizon: record it, so late samples are recognized.
      this.#setCompacted.run(horizon, seriesId);
    }
    // Minute rollups go by whole hours that are rolled up and compacted.
    const minuteLimit = floorTo(
      Math.min(minuteHorizon, marks.rolled_until, Math.max(compacted, horizon)),
      HOUR_MS,
    );
    if (!Number.isFinite(minuteLimit)) return false;
    const count = (this.#countMinutes.get(seriesId, minuteLimit) as { n: number }).n;
    if (count === 0) return false;
    const deleted = Number(
      this.#deleteMinutes.run(seriesId, seriesId, minuteLimit, budget).changes,
    );
    result.deletedMinuteRollups += deleted;
    return deleted > 0;
  }

  /** Folds samples written below `compacted` into their minute and hour rollups. */
  #foldLate(seriesId: number, compacted: number, budget: number): number {
    const rows = this.#late.all(seriesId, compacted, budget) as unknown as [
      number,
      number,
      number | null,
      number,
    ][];
    if (rows.length === 0) return 0;
    for (const width of [MINUTE_MS, HOUR_MS]) {
      let start = 0;
      while (start < rows.length) {
        const bucket = floorTo(rows[start]![1], width);
        let end = start;
        while (end < rows.length && floorTo(rows[end]![1], width) === bucket) end++;
        this.#merge(seriesId, width, bucket, rows.slice(start, end));
        start = end;
      }
    }
    for (const [rowid] of rows) this.#deleteLate.run(rowid);
    return rows.length;
  }

  #merge(
    seriesId: number,
    width: number,
    bucket: number,
    rows: [number, number, number | null, number][],
  ): void {
    const summary = this.#summary;
    summary.reset();
    const stored = this.#rollup.get(seriesId, width, bucket) as unknown as
      | RollupFigures
      | undefined;
    if (stored !== undefined) summary.addRollup(stored);
    for (const [, , value, status] of rows) summary.addRaw(value, status);
    const figures: SQLInputValue[] = summary.figures();
    this.#upsert.run(seriesId, width, bucket, ...figures);
    summary.reset();
  }
}
