/**
 * Builds the rollups: per series, every closed minute of raw samples becomes one `rollups`
 * row of width one minute, and every hour whose minutes are all rolled up becomes one row of
 * width one hour, merged from its minutes. `rollup_marks` remembers how far each series is
 * done, so a refresh only reads what is new.
 *
 * A minute is closed once the series holds a sample `graceMs` after its end. Writing a sample
 * before a series' mark moves the mark back (in the same transaction as the write, see
 * {@linkcode Store.writeBatch}): queries then read that stretch raw again, and the next
 * refresh rolls it up again. So rollups never disagree with the samples they summarize.
 *
 * Work goes in windows of a few hours, one write transaction each, so the write lock is held
 * briefly and an interrupted refresh keeps what it finished.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { ROLLUP_FIGURE_COLUMNS, type RollupFigures, RollupSummary } from "./_rollup_summary.ts";
import { OPEN_END, RangeScanner, returnArrays } from "./_scan_range.ts";
import { floorTo, HOUR_MS, MINUTE_MS } from "./_time_grid.ts";
import type { RefreshRollupsOptions, RefreshRollupsResult } from "./types.ts";

/**
 * The statements of each connection's refreshes, prepared once: a recorder refreshes every
 * minute for months, and statements prepared anew each time hold native memory until the
 * garbage collector finalizes them, which it does not hurry to (it does not see that memory).
 */
const rollers = new WeakMap<DatabaseSync, Roller>();

/** Longest stretch rolled up in one transaction (less when the data ends sooner). */
const WINDOW_MS = 6 * HOUR_MS;

/**
 * Rolls up the closed minutes and hours of every series (or of some) that are not rolled up
 * yet. Safe to run from several processes at once: each window reads the mark inside its
 * own write transaction.
 *
 * @param db A writable database with the store's schema.
 * @param options Grace period, end, row budget, series.
 * @returns Rows read, rollups written, and whether everything was done.
 * @throws {RangeError} When `graceMs` is negative or not finite.
 *
 * @example Rolling up two minutes of samples
 * ```ts
 * import { Store } from "./mod.ts";
 * import { refreshRollups } from "./rollup_refresh.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples(Array.from({ length: 241 }, (_, i) => ({
 *   seriesId, ts: i * 1000, value: 10 + (i % 7), status: "ok" as const, runId,
 * })));
 * // The newest sample is at 4:00: with the default 1-minute grace, minutes 0, 1 and 2 are closed.
 * console.log(refreshRollups(store.db)); // { rowsRead: 180, minutes: 3, hours: 0, done: true }
 * store.close();
 * ```
 */
export function refreshRollups(
  db: DatabaseSync,
  options: RefreshRollupsOptions = {},
): RefreshRollupsResult {
  const { graceMs = MINUTE_MS, until = OPEN_END, maxRows = Number.POSITIVE_INFINITY } = options;
  if (!(graceMs >= 0) || !Number.isFinite(graceMs)) {
    throw new RangeError(`Grace period "${graceMs}" is not a finite number of ms >= 0`);
  }
  let roller = rollers.get(db);
  if (roller === undefined) {
    roller = new Roller(db);
    rollers.set(db, roller);
  }
  const result: RefreshRollupsResult = { rowsRead: 0, minutes: 0, hours: 0, done: true };
  const seriesIds = options.seriesIds ?? roller.seriesIds();
  for (const seriesId of seriesIds) {
    for (;;) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const window = roller.nextWindow(seriesId, graceMs, until, options.now);
        if (window !== undefined && result.rowsRead >= maxRows) result.done = false;
        else if (window !== undefined) roller.roll(seriesId, window.from, window.to, result);
        db.exec("COMMIT");
        if (window === undefined) break;
        if (!result.done) return result;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    }
  }
  return result;
}

/** The statements of a refresh, prepared once. */
class Roller {
  #scanner: RangeScanner;
  #mark: StatementSync;
  #firstTs: StatementSync;
  #lastTs: StatementSync;
  #delete: StatementSync;
  #insert: StatementSync;
  #minutes: StatementSync;
  #setMark: StatementSync;
  #summary = new RollupSummary(false);
  #series: StatementSync;

  constructor(db: DatabaseSync) {
    this.#series = db.prepare("SELECT id FROM series ORDER BY id");
    this.#scanner = new RangeScanner(db, 3);
    this.#mark = db.prepare("SELECT rolled_until FROM rollup_marks WHERE series_id = ?");
    this.#firstTs = db.prepare(
      "SELECT ts FROM samples WHERE series_id = ? AND ts >= ? ORDER BY ts LIMIT 1",
    );
    this.#lastTs = db.prepare(
      "SELECT ts FROM samples WHERE series_id = ? ORDER BY ts DESC LIMIT 1",
    );
    this.#delete = db.prepare(
      "DELETE FROM rollups WHERE series_id = ? AND width = ? AND bucket_start >= ? " +
        "AND bucket_start < ?",
    );
    this.#insert = db.prepare(
      `INSERT INTO rollups (series_id, width, bucket_start, ${ROLLUP_FIGURE_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#minutes = db.prepare(
      `SELECT bucket_start, ${ROLLUP_FIGURE_COLUMNS} FROM rollups
       WHERE series_id = ? AND width = ${MINUTE_MS} AND bucket_start >= ? AND bucket_start < ?
       ORDER BY bucket_start`,
    );
    returnArrays(this.#minutes);
    this.#setMark = db.prepare(
      `INSERT INTO rollup_marks (series_id, rolled_until) VALUES (?, ?)
       ON CONFLICT (series_id) DO UPDATE SET rolled_until = excluded.rolled_until`,
    );
  }

  /** @returns Every series id, ascending. */
  seriesIds(): number[] {
    return (this.#series.all() as { id: number }[]).map((r) => r.id);
  }

  /**
   * The next stretch `[from, to)` of whole minutes to roll up, or `undefined` when the
   * series is done. Windows end on whole hours (but the last), and jump over gaps.
   */
  nextWindow(
    seriesId: number,
    graceMs: number,
    until: number,
    now: number | undefined,
  ): { from: number; to: number } | undefined {
    const last = this.#ts(this.#lastTs, seriesId);
    if (last === undefined) return undefined;
    const marked = this.#ts(this.#mark, seriesId);
    const next = this.#ts(this.#firstTs, seriesId, marked ?? Number.MIN_SAFE_INTEGER);
    const from = marked ?? floorTo(next ?? last, MINUTE_MS);
    let closed = floorTo(last - graceMs, MINUTE_MS);
    if (now !== undefined) {
      // A quiet series: its minutes close on the clock, up to the end of its last sample's.
      closed = Math.max(
        closed,
        Math.min(floorTo(now - graceMs, MINUTE_MS), floorTo(last, MINUTE_MS) + MINUTE_MS),
      );
    }
    const limit = Math.min(closed, floorTo(until, MINUTE_MS));
    if (limit <= from) return undefined;
    const resume = next === undefined ? from : Math.max(from, floorTo(next, MINUTE_MS));
    return { from, to: Math.min(limit, floorTo(resume, HOUR_MS) + WINDOW_MS) };
  }

  /** Rolls up the minutes of `[from, to)` and the hours that end in it, then moves the mark. */
  roll(seriesId: number, from: number, to: number, result: RefreshRollupsResult): void {
    this.#delete.run(seriesId, MINUTE_MS, from, to);
    const summary = this.#summary;
    let minute = Number.NaN;
    for (const rows of this.#scanner.chunks(seriesId, from, to)) {
      result.rowsRead += rows.length;
      for (const row of rows) {
        const rowMinute = floorTo(row[0], MINUTE_MS);
        if (rowMinute !== minute) {
          if (summary.count > 0) this.#write(seriesId, MINUTE_MS, minute, result);
          minute = rowMinute;
        }
        summary.addRaw(row[1], row[2]);
      }
    }
    if (summary.count > 0) this.#write(seriesId, MINUTE_MS, minute, result);
    this.#rollHours(seriesId, floorTo(from, HOUR_MS), floorTo(to, HOUR_MS), result);
    this.#setMark.run(seriesId, to);
  }

  #rollHours(seriesId: number, from: number, to: number, result: RefreshRollupsResult): void {
    if (to <= from) return;
    this.#delete.run(seriesId, HOUR_MS, from, to);
    const summary = this.#summary;
    let hour = Number.NaN;
    const rows = this.#minutes.all(seriesId, from, to) as unknown as [number, ...RollupFigures][];
    for (const [bucketStart, ...figures] of rows) {
      const rowHour = floorTo(bucketStart, HOUR_MS);
      if (rowHour !== hour) {
        if (summary.count > 0) this.#write(seriesId, HOUR_MS, hour, result);
        hour = rowHour;
      }
      summary.addRollup(figures);
    }
    if (summary.count > 0) this.#write(seriesId, HOUR_MS, hour, result);
  }

  #write(seriesId: number, width: number, bucketStart: number, result: RefreshRollupsResult) {
    const figures: SQLInputValue[] = this.#summary.figures();
    this.#insert.run(seriesId, width, bucketStart, ...figures);
    this.#summary.reset();
    if (width === MINUTE_MS) result.minutes++;
    else result.hours++;
  }

  #ts(statement: StatementSync, ...params: number[]): number | undefined {
    const row = statement.get(...params);
    return row === undefined ? undefined : Object.values(row)[0] as number;
  }
}
