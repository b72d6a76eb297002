/**
 * The store: one SQLite file holding runs, series, samples, events and test results. See
 * `schema.ts` for the tables.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { openDatabase } from "./_open_database.ts";
import {
  checkSample,
  fillSample,
  prepareEvent,
  prepareTestResult,
  type RunRow,
  toRunRecord,
} from "./_rows.ts";
import { storeWriteError } from "./_write_error.ts";
import { OPEN_END, OPEN_START, RangeScanner } from "./_scan_range.ts";
import { seriesWhere } from "./_series_filter.ts";
import { floorTo, MINUTE_MS } from "./_time_grid.ts";
import { aggregateSamples } from "./aggregate.ts";
import { type CompactOptions, type CompactResult, compactStore } from "./compact.ts";
import { exportSamples } from "./export.ts";
import { type RecoveredRun, recoverInterruptedRuns } from "./recover.ts";
import { rollupAggregate, rollupHistogram } from "./rollup_query.ts";
import { refreshRollups } from "./rollup_refresh.ts";
import { RUN_STATUSES, type RunStatus, sampleStatusFromCode } from "./status.ts";
import type {
  AggregateQuery,
  AggregateRow,
  EventQuery,
  EventRow,
  ExportQuery,
  ExportRow,
  LastEventQuery,
  RangeQuery,
  RawSample,
  RefreshRollupsOptions,
  RefreshRollupsResult,
  RollupRow,
  RunEnd,
  RunInfo,
  RunRecord,
  SampleRow,
  SeriesEntry,
  SeriesFilter,
  SeriesHistogram,
  SeriesInfo,
  SeriesKey,
  StoredEvent,
  StoredTestResult,
  TestResultQuery,
  TestResultRow,
} from "./types.ts";

/**
 * Options for {@linkcode Store.open}.
 *
 * @example Opening for export, waiting up to 10 s for a busy recorder
 * ```ts
 * import type { StoreOptions } from "./store.ts";
 * const options: StoreOptions = { readOnly: true, busyTimeout: 10_000 };
 * ```
 */
export interface StoreOptions {
  /**
   * Open for reading only: nothing is created, migrated or recovered, and a missing file is
   * an error.
   *
   * @default {false}
   */
  readOnly?: boolean;
  /**
   * How long a statement waits for another process's lock before failing, in milliseconds.
   *
   * @default {5000}
   */
  busyTimeout?: number;
  /**
   * This machine's host name, recorded with runs and used to spot dead runs.
   *
   * @default {Deno.hostname()}
   */
  host?: string;
}

/**
 * Everything one write transaction of {@linkcode Store.writeBatch} stores.
 *
 * @example A batch of one event
 * ```ts
 * import type { WriteBatch } from "./store.ts";
 * const batch: WriteBatch = {
 *   events: [{ runId: 1, ts: 0, kind: "note", severity: "info", message: "started" }],
 * };
 * ```
 */
export interface WriteBatch {
  /** Samples to insert. */
  samples?: readonly SampleRow[];
  /** Events to insert. */
  events?: readonly EventRow[];
  /** Test results to insert. */
  testResults?: readonly TestResultRow[];
}

/**
 * Rows per multi-row INSERT, largest first (the last must be 1): fewer calls into SQLite,
 * far faster ingest.
 */
const SAMPLE_CHUNKS = [256, 64, 16, 4, 1] as const;
const SAMPLE_COLUMNS = 8;
const INSERT_SAMPLES =
  "INSERT INTO samples (series_id, ts, value, status, seq, reason, run_id, interval_ms) VALUES ";

/**
 * A bufferbane store. Open it with {@linkcode Store.open}; write with the `insert*` methods
 * or through a {@linkcode BatchWriter}; read with the query methods.
 *
 * @example Record and read back
 * ```ts
 * import { Store } from "./store.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples([
 *   { seriesId, ts: 0, value: 12.5, status: "ok", seq: 0, runId },
 *   { seriesId, ts: 1_000, value: null, status: "lost", seq: 1, reason: "timeout", runId },
 * ]);
 * store.finishRun(runId, { endedAt: 2_000, status: "completed" });
 * console.log(store.listSeries()[0]?.sampleCount); // 2
 * console.log(store.run(runId)?.status); // completed
 * store.close();
 * ```
 */
export class Store {
  /** The path it was opened with. */
  readonly path: string;
  /** Whether it was opened read-only. */
  readonly readOnly: boolean;
  /** The underlying connection, for queries this class does not offer. */
  readonly db: DatabaseSync;
  /** Runs found dead on open and marked interrupted. */
  readonly recoveredRuns: readonly RecoveredRun[];
  #host: string;
  #seriesIds = new Map<string, number>();
  #statements = new Map<string, StatementSync>();
  #sampleArgs: SQLInputValue[] = new Array(SAMPLE_CHUNKS[0] * SAMPLE_COLUMNS);

  private constructor(path: string, db: DatabaseSync, options: Required<StoreOptions>) {
    this.path = path;
    this.db = db;
    this.readOnly = options.readOnly;
    this.#host = options.host;
    this.recoveredRuns = options.readOnly || path === ":memory:"
      ? []
      : recoverInterruptedRuns(db, { host: options.host });
  }

  /**
   * Opens a store, creating and migrating it when needed (WAL journal, `synchronous =
   * NORMAL`, a busy timeout). Runs left `"running"` by a dead process of this host are
   * marked `"interrupted"`.
   *
   * @param path A file path, or `":memory:"`.
   * @param options Read-only flag, busy timeout, host name.
   * @returns The open store.
   * @throws {BufferbaneError} `STORE_OPEN` when the file cannot be opened or created (a new
   * file is then removed again), or read-only and missing; `STORE_VERSION` when a newer
   * bufferbane wrote it.
   *
   * @example Opening read-only a file that does not exist
   * ```ts
   * import { Store } from "./store.ts";
   * try {
   *   Store.open("/tmp/no-such-store.db", { readOnly: true });
   * } catch (error) {
   *   console.log((error as Error).message);
   *   // Cannot open store "/tmp/no-such-store.db": the file does not exist
   * }
   * ```
   */
  static open(path: string, options: StoreOptions = {}): Store {
    const resolved: Required<StoreOptions> = {
      readOnly: options.readOnly ?? false,
      busyTimeout: options.busyTimeout ?? 5000,
      host: options.host ?? Deno.hostname(),
    };
    const db = openDatabase(path, resolved);
    try {
      return new Store(path, db, resolved);
    } catch (error) {
      db.close();
      throw error instanceof BufferbaneError ? error : new BufferbaneError(
        ErrorCode.StoreOpen,
        `Cannot open store "${path}": ${error instanceof Error ? error.message : error}`,
        { cause: error, hint: "check that no other program holds the store locked" },
      );
    }
  }

  /** Closes the connection; the store cannot be used afterwards. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Records a run as started (status `"running"`).
   *
   * @param info Recipe, version, host and pid.
   * @returns The new run's id.
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails.
   *
   * @example Starting a run
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const id = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "x", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * console.log(store.run(id)?.recipeHash.length); // 64
   * store.close();
   * ```
   */
  startRun(info: RunInfo): number {
    return this.#write(() => {
      const result = this.#statement(
        `INSERT INTO runs (started_at, status, recipe_name, recipe_path, recipe_text, recipe_hash,
           effective_recipe, host, tool_version, pid)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        Math.round(info.startedAt),
        info.recipeName,
        info.recipePath ?? null,
        info.recipeText,
        info.recipeHash ?? createHash("sha256").update(info.recipeText).digest("hex"),
        JSON.stringify(info.effectiveRecipe ?? {}),
        info.host ?? this.#host,
        info.toolVersion,
        info.pid ?? Deno.pid,
      );
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Records how a run ended.
   *
   * @param runId The run.
   * @param end Time, final status and summary.
   * @throws {RangeError} When the run does not exist or the status is not a run status.
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails.
   *
   * @example Finishing a run
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const id = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * store.finishRun(id, { endedAt: 60_000, status: "completed", summary: { samples: 60 } });
   * console.log(store.run(id)?.summary); // { samples: 60 }
   * store.close();
   * ```
   */
  finishRun(runId: number, end: RunEnd): void {
    if (!RUN_STATUSES.includes(end.status) || (end.status as RunStatus) === "running") {
      throw new RangeError(`Run status "${end.status}" cannot end a run`);
    }
    const summary = end.summary == null ? null : JSON.stringify(end.summary);
    const changes = this.#write(() =>
      this.#statement("UPDATE runs SET ended_at = ?, status = ?, summary = ? WHERE id = ?")
        .run(Math.round(end.endedAt), end.status, summary, runId).changes
    );
    if (Number(changes) === 0) throw new RangeError(`Run "${runId}" does not exist`);
  }

  /**
   * Gets the id of a series, creating it the first time; ids are cached.
   *
   * @param key The six fields naming the series.
   * @returns The series id.
   * @throws {BufferbaneError} `STORE_WRITE` when creating it fails.
   *
   * @example Getting a series id twice
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const key = { plugin: "dns", target: "a", interface: "", server: "", metric: "t", unit: "ms" };
   * console.log(store.seriesId(key) === store.seriesId({ ...key })); // true
   * store.close();
   * ```
   */
  seriesId(key: SeriesKey): number {
    const fields = [key.plugin, key.target, key.interface, key.server, key.metric, key.unit];
    const cacheKey = fields.join("\u0000");
    const cached = this.#seriesIds.get(cacheKey);
    if (cached !== undefined) return cached;
    const id = this.#write(() => {
      this.#statement(
        `INSERT INTO series (plugin, target, interface, server, metric, unit)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ).run(...fields);
      const row = this.#statement(
        `SELECT id FROM series WHERE plugin = ? AND target = ? AND interface = ? AND server = ?
         AND metric = ? AND unit = ?`,
      ).get(...fields) as { id: number };
      return row.id;
    });
    this.#seriesIds.set(cacheKey, id);
    return id;
  }

  /**
   * Inserts samples in one transaction.
   *
   * @param rows The samples; `ts` is rounded to whole milliseconds.
   * @throws {RangeError} When a row has an unknown status or a time that is not finite.
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails; nothing is then stored.
   *
   * @example Inserting one sample
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples([{ seriesId, ts: 0, value: 1, status: "ok", runId }]);
   * console.log(store.rawRange({ seriesIds: [seriesId] }).length); // 1
   * store.close();
   * ```
   */
  insertSamples(rows: readonly SampleRow[]): void {
    this.writeBatch({ samples: rows });
  }

  /**
   * Inserts events in one transaction.
   *
   * @param rows The events.
   * @throws {RangeError} When a row has an unknown severity.
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails; nothing is then stored.
   *
   * @example Inserting one event
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * store.insertEvents([{ runId: null, ts: 0, kind: "note", severity: "info", message: "hello" }]);
   * console.log(store.events()[0]?.message); // hello
   * store.close();
   * ```
   */
  insertEvents(rows: readonly EventRow[]): void {
    this.writeBatch({ events: rows });
  }

  /**
   * Inserts one test result.
   *
   * @param row The result.
   * @returns Its id.
   * @throws {RangeError} When the status is not `"ok"` or `"failed"`.
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails.
   *
   * @example Inserting a graded test result
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * store.insertTestResult({
   *   runId, ts: 0, plugin: "bufferbloat", target: "", interface: "", server: "", durationMs: 1000,
   *   status: "ok", grade: "A", summary: { increase_ms: 3 },
   * });
   * console.log(store.testResults()[0]?.grade); // A
   * store.close();
   * ```
   */
  insertTestResult(row: TestResultRow): number {
    const prepared = prepareTestResult(row);
    return this.#write(() => Number(this.#insertTestResult(prepared).lastInsertRowid));
  }

  /**
   * Writes samples, events and test results in one transaction: all of them or none. The
   * {@linkcode BatchWriter} flushes through it.
   *
   * @param batch The rows.
   * @throws {RangeError} When a row is invalid (checked before anything is written).
   * @throws {BufferbaneError} `STORE_WRITE` when the write fails; nothing is then stored.
   *
   * @example Writing an event in a batch
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * store.writeBatch({ events: [{ runId: null, ts: 0, kind: "k", severity: "warn", message: "m" }] });
   * console.log(store.events().length); // 1
   * store.close();
   * ```
   */
  writeBatch(batch: WriteBatch): void {
    const samples = batch.samples ?? [];
    const events = (batch.events ?? []).map(prepareEvent);
    const tests = (batch.testResults ?? []).map(prepareTestResult);
    const earliest = new Map<number, number>();
    for (const row of samples) {
      checkSample(row);
      const seen = earliest.get(row.seriesId);
      if (seen === undefined || row.ts < seen) earliest.set(row.seriesId, row.ts);
    }
    if (samples.length + events.length + tests.length === 0) return;
    this.#write(() => {
      this.#insertSamples(samples);
      this.#reopenRollups(earliest);
      if (events.length > 0) {
        const insert = this.#statement(
          `INSERT INTO events (run_id, ts, kind, severity, series_id, message, data)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const event of events) insert.run(...event);
      }
      for (const test of tests) this.#insertTestResult(test);
    });
  }

  /**
   * Lists series matching a filter, with their sample count and first and last sample time
   * (read from the `(series_id, ts)` index), ordered by plugin, target, interface, server,
   * metric, unit.
   *
   * @param filter Exact matches; fields left out match everything.
   * @returns The series.
   *
   * @example Filtering series by plugin
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * store.seriesId({ plugin: "dns", target: "a", interface: "", server: "", metric: "t", unit: "ms" });
   * store.seriesId({ plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms" });
   * console.log(store.listSeries({ plugin: "ping" }).map((s) => s.metric)); // [ "rtt" ]
   * store.close();
   * ```
   */
  listSeries(filter: SeriesFilter = {}): SeriesInfo[] {
    const { where, params } = seriesWhere(filter);
    const rows = this.db.prepare(
      `SELECT id, plugin, target, interface, server, metric, unit,
         (SELECT count(*) FROM samples WHERE series_id = series.id) AS sampleCount,
         (SELECT min(ts) FROM samples WHERE series_id = series.id) AS firstTs,
         (SELECT max(ts) FROM samples WHERE series_id = series.id) AS lastTs
       FROM series ${where}
       ORDER BY plugin, target, interface, server, metric, unit, id`,
    ).all(...params);
    return rows.map((row) => ({ ...row }) as unknown as SeriesInfo);
  }

  /**
   * Lists series matching a filter, like {@linkcode listSeries} but without counting their
   * samples, so it stays instant on a store of months.
   *
   * @param filter Exact matches; fields left out match everything.
   * @returns The series, ordered by plugin, target, interface, server, metric, unit.
   *
   * @example Finding the series of one interface
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * store.seriesId({ plugin: "icmp", target: "a", interface: "eth0", server: "", metric: "rtt", unit: "ms" });
   * store.seriesId({ plugin: "icmp", target: "a", interface: "wlan0", server: "", metric: "rtt", unit: "ms" });
   * console.log(store.findSeries({ interface: "wlan0" }).map((s) => s.id)); // [ 2 ]
   * store.close();
   * ```
   */
  findSeries(filter: SeriesFilter = {}): SeriesEntry[] {
    const { where, params } = seriesWhere(filter);
    const rows = this.db.prepare(
      `SELECT id, plugin, target, interface, server, metric, unit FROM series ${where}
       ORDER BY plugin, target, interface, server, metric, unit, id`,
    ).all(...params);
    return rows.map((row) => ({ ...row }) as unknown as SeriesEntry);
  }

  /**
   * Reads raw samples, ordered by series id, then time.
   *
   * @param query Series and half-open time range.
   * @returns The samples.
   *
   * @example Reading from a start time on
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples([0, 1000, 2000].map((ts) => ({ seriesId, ts, value: ts, status: "ok", runId })));
   * console.log(store.rawRange({ seriesIds: [seriesId], start: 1000 }).map((s) => s.ts)); // [ 1000, 2000 ]
   * store.close();
   * ```
   */
  rawRange(query: RangeQuery): RawSample[] {
    const scanner = new RangeScanner(this.db, 7);
    const out: RawSample[] = [];
    const start = query.start ?? OPEN_START;
    const end = query.end ?? OPEN_END;
    for (const seriesId of [...new Set(query.seriesIds)].sort((a, b) => a - b)) {
      for (const rows of scanner.chunks(seriesId, start, end)) {
        for (const [ts, value, status, seq, reason, _runId, intervalMs] of rows) {
          out.push({
            seriesId,
            ts,
            value,
            status: sampleStatusFromCode(status),
            seq,
            reason,
            intervalMs,
          });
        }
      }
    }
    return out;
  }

  /**
   * Summarizes samples per series and per bucket; see {@linkcode aggregateSamples}.
   *
   * @param query Series, half-open time range, bucket width.
   * @returns One row per series per non-empty bucket.
   *
   * @example The median of four values
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples([1, 2, 3, 4].map((v, i) => ({ seriesId, ts: i * 1000, value: v, status: "ok", runId })));
   * console.log(store.aggregate({ seriesIds: [seriesId], bucketMs: 60_000 })[0]?.p50); // 2.5
   * store.close();
   * ```
   */
  aggregate(query: AggregateQuery): AggregateRow[] {
    return aggregateSamples(this.db, query);
  }

  /**
   * Summarizes samples per series and per bucket like {@linkcode aggregate}, reading the
   * rollups where they cover the period (see {@linkcode rollupAggregate}): a month of
   * one-second data in hour buckets reads hundreds of rows, not millions. Counts, min, avg,
   * max, stddev and IPDV are exact; percentiles of buckets that include rollups are within
   * 1 % of the exact ones. Buckets that are not whole minutes are read raw.
   *
   * @param query Series, half-open time range, bucket width.
   * @returns One row per series per non-empty bucket.
   *
   * @example Minute buckets of rolled-up samples
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples(Array.from({ length: 600 }, (_, i) => ({
   *   seriesId, ts: i * 1000, value: i % 60, status: "ok" as const, runId,
   * })));
   * store.refreshRollups();
   * const [first] = store.rollupAggregate({ seriesIds: [seriesId], bucketMs: 60_000 });
   * console.log(first?.count, first?.max, first?.exact); // 60 59 false
   * store.close();
   * ```
   */
  rollupAggregate(query: AggregateQuery): RollupRow[] {
    return rollupAggregate(this.db, query);
  }

  /**
   * The distribution of each series' ok values over a period, in bins about 2 % wide, read
   * from the rollups where they cover it (see {@linkcode rollupHistogram}).
   *
   * @param query Series and half-open time range.
   * @returns One histogram per series with samples in the period.
   *
   * @example Counting values in bins
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples([5, 5, 5, 50].map((value, i) => ({ seriesId, ts: i, value, status: "ok" as const, runId })));
   * console.log(store.rollupHistogram({ seriesIds: [seriesId] })[0]?.bins.map((b) => b.count)); // [ 3, 1 ]
   * store.close();
   * ```
   */
  rollupHistogram(query: RangeQuery): SeriesHistogram[] {
    return rollupHistogram(this.db, query);
  }

  /**
   * Rolls up the closed minutes and hours not rolled up yet (see {@linkcode refreshRollups}),
   * so {@linkcode rollupAggregate} and {@linkcode rollupHistogram} read little. A
   * {@linkcode BatchWriter} calls it about once a minute; queries are right without it, only
   * slower.
   *
   * @param options Grace period, end, row budget, series.
   * @returns Rows read, rollups written, whether it finished.
   * @throws {BufferbaneError} `STORE_WRITE` when a write fails (what was finished is kept).
   *
   * @example Rolling up an hour of samples
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples(Array.from({ length: 3700 }, (_, i) => ({
   *   seriesId, ts: i * 1000, value: 12, status: "ok" as const, runId,
   * })));
   * console.log(store.refreshRollups({ graceMs: 0 })); // { rowsRead: 3660, minutes: 61, hours: 1, done: true }
   * store.close();
   * ```
   */
  refreshRollups(options: RefreshRollupsOptions = {}): RefreshRollupsResult {
    try {
      return refreshRollups(this.db, options);
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw storeWriteError(this.path, error);
    }
  }

  /**
   * Deletes raw samples older than the raw retention once they are rolled up, and minute
   * rollups older than the rollup retention once their hours are; folds late samples into
   * their rollups; hands freed pages back (see {@linkcode compactStore}). Queries over
   * compacted periods then read the rollups. A {@linkcode BatchWriter} given a retention
   * calls it as the run goes.
   *
   * @param options Retentions, clock, row budget, series.
   * @returns What was deleted, folded and reclaimed.
   * @throws {RangeError} When a retention is invalid.
   * @throws {BufferbaneError} `STORE_WRITE` when a write fails (what was finished is kept).
   *
   * @example Compacting everything older than a minute
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const runId = store.startRun({
   *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
   * });
   * const seriesId = store.seriesId({
   *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertSamples(Array.from({ length: 600 }, (_, i) => ({
   *   seriesId, ts: i * 1000, value: 12, status: "ok" as const, runId,
   * })));
   * store.refreshRollups();
   * console.log(store.compact({ rawRetentionMs: 60_000, now: 600_000 }).deletedSamples); // 480
   * store.close();
   * ```
   */
  compact(options: CompactOptions): CompactResult {
    try {
      return compactStore(this.db, options);
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw storeWriteError(this.path, error);
    }
  }

  /**
   * Streams samples joined with their series; see {@linkcode exportSamples}.
   *
   * @param query Period and series filter.
   * @returns An iterator of rows, constant in memory.
   *
   * @example Exporting an empty store
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * console.log([...store.exportRows({ start: 0 })].length); // 0
   * store.close();
   * ```
   */
  exportRows(query: ExportQuery = {}): Generator<ExportRow, void, undefined> {
    return exportSamples(this.db, query);
  }

  /**
   * Reads events ordered by time.
   *
   * @param query Half-open period and run.
   * @returns The events.
   *
   * @example Reading events after a time
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * store.insertEvents([{ runId: null, ts: 5, kind: "k", severity: "clear", message: "ok again" }]);
   * console.log(store.events({ start: 6 }).length); // 0
   * store.close();
   * ```
   */
  events(query: EventQuery = {}): StoredEvent[] {
    const rows = this.db.prepare(
      `SELECT id, run_id, ts, kind, severity, series_id, message, data FROM events
       WHERE ts >= ? AND ts < ? AND (? IS NULL OR run_id = ?) ORDER BY ts, id`,
    ).all(
      query.start ?? OPEN_START,
      query.end ?? OPEN_END,
      query.runId ?? null,
      query.runId ?? null,
    ) as {
      id: number;
      run_id: number | null;
      ts: number;
      kind: string;
      severity: StoredEvent["severity"];
      series_id: number | null;
      message: string;
      data: string | null;
    }[];
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      ts: row.ts,
      kind: row.kind,
      severity: row.severity,
      seriesId: row.series_id,
      message: row.message,
      data: row.data === null ? null : JSON.parse(row.data),
    }));
  }

  /**
   * The newest event of one of `query.kinds` about a series matching `query.filter` (the
   * event's series; events about no series never match), or `undefined`. Plugins read what an
   * earlier run recorded through it (the traceroute plugin's last path).
   *
   * @param query Kinds, series filter and, optionally, a run to leave out.
   * @returns The event, or `undefined`.
   *
   * @example The last path a traceroute stored
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * const seriesId = store.seriesId({
   *   plugin: "traceroute", target: "192.0.2.9", interface: "", server: "", metric: "rtt", unit: "ms",
   * });
   * store.insertEvents([{
   *   runId: null, ts: 5, kind: "traceroute_path", severity: "info", seriesId, message: "path",
   *   data: { hops: ["192.0.2.1", "192.0.2.9"] },
   * }]);
   * const event = store.lastEvent({
   *   kinds: ["traceroute_path"], filter: { plugin: "traceroute", target: "192.0.2.9" },
   * });
   * console.log(event?.data); // { hops: [ "192.0.2.1", "192.0.2.9" ] }
   * store.close();
   * ```
   */
  lastEvent(query: LastEventQuery): StoredEvent | undefined {
    if (query.kinds.length === 0) return undefined;
    const { where, params } = seriesWhere(query.filter);
    const kinds = query.kinds.map(() => "?").join(", ");
    const row = this.db.prepare(
      `SELECT id, run_id, ts, kind, severity, series_id, message, data FROM events
       WHERE kind IN (${kinds}) AND (? IS NULL OR run_id IS NOT ?)
         AND series_id IN (SELECT id FROM series ${where})
       ORDER BY ts DESC, id DESC LIMIT 1`,
    ).get(...query.kinds, query.excludeRunId ?? null, query.excludeRunId ?? null, ...params) as
      | {
        id: number;
        run_id: number | null;
        ts: number;
        kind: string;
        severity: StoredEvent["severity"];
        series_id: number | null;
        message: string;
        data: string | null;
      }
      | undefined;
    if (row === undefined) return undefined;
    return {
      id: row.id,
      runId: row.run_id,
      ts: row.ts,
      kind: row.kind,
      severity: row.severity,
      seriesId: row.series_id,
      message: row.message,
      data: row.data === null ? null : JSON.parse(row.data),
    };
  }

  /**
   * Reads test results ordered by time.
   *
   * @param query Half-open period and plugin.
   * @returns The results.
   *
   * @example Reading test results of one plugin
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * console.log(store.testResults({ plugin: "bufferbloat" })); // []
   * store.close();
   * ```
   */
  testResults(query: TestResultQuery = {}): StoredTestResult[] {
    const rows = this.db.prepare(
      `SELECT id, run_id, ts, plugin, target, interface, server, duration_ms, status, grade,
         summary FROM test_results
       WHERE ts >= ? AND ts < ? AND (? IS NULL OR plugin = ?) ORDER BY ts, id`,
    ).all(
      query.start ?? OPEN_START,
      query.end ?? OPEN_END,
      query.plugin ?? null,
      query.plugin ?? null,
    ) as {
      id: number;
      run_id: number;
      ts: number;
      plugin: string;
      target: string;
      interface: string;
      server: string;
      duration_ms: number;
      status: StoredTestResult["status"];
      grade: string | null;
      summary: string;
    }[];
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      ts: row.ts,
      plugin: row.plugin,
      target: row.target,
      interface: row.interface,
      server: row.server,
      durationMs: row.duration_ms,
      status: row.status,
      grade: row.grade,
      summary: JSON.parse(row.summary),
    }));
  }

  /**
   * Lists every run, oldest first.
   *
   * @returns The runs.
   *
   * @example Listing runs of a new store
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * console.log(store.runs().length); // 0
   * store.close();
   * ```
   */
  runs(): RunRecord[] {
    const rows = this.db.prepare("SELECT * FROM runs ORDER BY id").all() as RunRow[];
    return rows.map(toRunRecord);
  }

  /**
   * Reads one run.
   *
   * @param id The run id.
   * @returns The run, or `undefined` when there is none with this id.
   *
   * @example Reading a run that does not exist
   * ```ts
   * import { Store } from "./store.ts";
   * const store = Store.open(":memory:");
   * console.log(store.run(1)); // undefined
   * store.close();
   * ```
   */
  run(id: number): RunRecord | undefined {
    const row = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RunRow | undefined;
    return row === undefined ? undefined : toRunRecord(row);
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #insertSamples(rows: readonly SampleRow[]): void {
    let next = 0;
    for (const size of SAMPLE_CHUNKS) {
      if (rows.length - next < size) continue;
      const insert = this.#statement(
        INSERT_SAMPLES + Array(size).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", "),
      );
      const args = size === SAMPLE_CHUNKS[0] ? this.#sampleArgs : new Array(size * SAMPLE_COLUMNS);
      for (; rows.length - next >= size; next += size) {
        for (let i = 0; i < size; i++) fillSample(args, i * SAMPLE_COLUMNS, rows[next + i]!);
        insert.run(...args);
      }
    }
  }

  /**
   * Moves back the rollup mark of every series that just got a sample before it, so the
   * rollups covering that minute are read raw until they are rolled up again.
   */
  #reopenRollups(earliest: Map<number, number>): void {
    if (earliest.size === 0) return;
    const reopen = this.#statement(
      // Never below compacted_until: the raw rows of compacted minutes are gone, so those
      // minutes cannot be rolled up again (compaction folds late samples into them instead).
      "UPDATE rollup_marks SET rolled_until = max(?1, coalesce(compacted_until, ?1)) " +
        "WHERE series_id = ?2 AND rolled_until > ?1",
    );
    for (const [seriesId, ts] of earliest) reopen.run(floorTo(Math.round(ts), MINUTE_MS), seriesId);
  }

  #insertTestResult(row: SQLInputValue[]) {
    return this.#statement(
      `INSERT INTO test_results (run_id, ts, plugin, target, interface, server, duration_ms,
         status, grade, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...row);
  }

  /** Runs `work` in one write transaction; a failure rolls it back and becomes STORE_WRITE. */
  #write<T>(work: () => T): T {
    try {
      this.db.exec("BEGIN IMMEDIATE");
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      try {
        if (this.db.isOpen && this.db.isTransaction) this.db.exec("ROLLBACK");
      } catch {
        // SQLite already rolled back (it does on some I/O and full-disk errors).
      }
      throw storeWriteError(this.path, error);
    }
  }
}
