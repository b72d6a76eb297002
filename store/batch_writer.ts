/**
 * Buffers samples, events and test results in memory and writes them in one transaction per
 * flush (by default once a second). A failed write loses nothing and throws nothing: the rows
 * stay buffered, the failure is reported once through `onError`, and the next flush retries.
 * As samples arrive, the flush after a minute closes (in the samples' own time) brings the
 * store's rollups up to date, a bounded amount of work at a time; with a retention, flushes
 * also compact the store now and then (see `compact.ts`), again a bounded batch at a time.
 *
 * @module
 */
import { type BufferbaneError, describeError } from "../core/errors.ts";
import { RowQueue } from "./_row_queue.ts";
import { checkSample, prepareEvent, prepareTestResult } from "./_rows.ts";
import { storeWriteError } from "./_write_error.ts";
import type { Store } from "./store.ts";
import { floorTo, MINUTE_MS } from "./_time_grid.ts";
import type { EventRow, SampleRow, TestResultRow } from "./types.ts";

/**
 * Options for {@linkcode BatchWriter}.
 *
 * @example Flushing twice a second and logging failures
 * ```ts
 * import type { BatchWriterOptions } from "./batch_writer.ts";
 * const options: BatchWriterOptions = {
 *   flushInterval: 500,
 *   onError: (error) => console.warn(error.message),
 * };
 * ```
 */
export interface BatchWriterOptions {
  /**
   * Milliseconds between timer-driven flushes; `0` turns the timer off (flush by hand).
   *
   * @default {1000}
   */
  flushInterval?: number;
  /**
   * Most rows kept in memory while writes fail; beyond it the oldest samples are dropped
   * (then the oldest events and test results) and counted in {@linkcode BatchWriter.dropped}.
   *
   * @default {1_000_000}
   */
  maxBuffered?: number;
  /**
   * Called with a `STORE_WRITE` error when writes start failing, once per failure streak
   * (the next failure after a successful flush is reported again).
   *
   * @default {prints the error on stderr}
   */
  onError?: (error: BufferbaneError) => void;
  /**
   * Called when a flush succeeds after a failure streak, with how many rows it wrote.
   *
   * @default {does nothing}
   */
  onRecovered?: (written: number) => void;
  /**
   * Longest time in milliseconds between rollup refreshes ({@linkcode Store.refreshRollups}),
   * each done after a successful flush and limited to {@linkcode ROLLUP_ROWS_PER_FLUSH} raw
   * rows. A refresh also follows every flush that closes a minute of sample time (its newest
   * sample is a grace period past a minute not rolled up yet), so rollups keep up with the
   * samples; while they lag behind (a store recorded by an older bufferbane), every flush
   * goes on with the next slice. `0` turns refreshes off.
   *
   * @default {60_000}
   */
  rollupInterval?: number;
  /**
   * Shortest time in milliseconds between two rollup refreshes, whatever triggers them (at
   * most `rollupInterval`): a burst of writes (a replay, a store catching up) rolls up in
   * slices instead of after every flush, and ingest keeps its pace. A recorder flushing every
   * second thus has each minute rolled up within this long after it closes. `0` refreshes
   * after every flush that calls for it (an accelerated replay on a simulated clock).
   *
   * @default {5_000}
   */
  rollupSpacing?: number;
  /**
   * The current time, ms since the epoch: a series that goes quiet has its last minutes
   * rolled up once this clock is a grace period past them, and retention is measured on it
   * (unless `retention.now` says otherwise). An accelerated replay passes its own.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Compaction while recording: raw samples older than the retention are deleted once rolled
   * up (see {@linkcode Store.compact}). Left out, nothing is deleted.
   *
   * @default {undefined}
   */
  retention?: WriterRetention;
}

/**
 * Retention a {@linkcode BatchWriter} applies as it writes.
 *
 * @example Thirty days of raw samples, checked every ten minutes
 * ```ts
 * import type { WriterRetention } from "./batch_writer.ts";
 * const retention: WriterRetention = { rawMs: 30 * 86_400_000, everyMs: 600_000 };
 * ```
 */
export interface WriterRetention {
  /** Raw samples older than this (ms) are deleted once rolled up. */
  rawMs: number;
  /**
   * Minute rollups older than this (ms) are deleted; hour rollups stay.
   *
   * @default {Infinity}
   */
  minuteMs?: number;
  /**
   * Longest time between compactions, in ms of the retention clock (`now`); while a
   * compaction is left unfinished, every flush goes on with the next batch.
   *
   * @default {600_000}
   */
  everyMs?: number;
  /**
   * The clock retention is measured on (ms since the epoch).
   *
   * @default {the writer's `now`}
   */
  now?: () => number;
}

/**
 * Most rows one flush deletes while compacting, so a recorder that starts on a store holding
 * months past their retention keeps probing on time.
 *
 * @example The budget
 * ```ts
 * import { COMPACT_ROWS_PER_FLUSH } from "./batch_writer.ts";
 * console.log(COMPACT_ROWS_PER_FLUSH); // 20000
 * ```
 */
export const COMPACT_ROWS_PER_FLUSH = 20_000;

/** Grace of the rollup refresh: a minute is closed once samples are this far past its end. */
const ROLLUP_GRACE_MS = 60_000;

/**
 * Most raw rows one flush rolls up (a few hundred milliseconds of work at most), so a
 * recorder catching up on months of samples keeps probing on time.
 *
 * @example The budget
 * ```ts
 * import { ROLLUP_ROWS_PER_FLUSH } from "./batch_writer.ts";
 * console.log(ROLLUP_ROWS_PER_FLUSH); // 100000
 * ```
 */
export const ROLLUP_ROWS_PER_FLUSH = 100_000;

/**
 * Batched, failure-tolerant writes to a {@linkcode Store}.
 *
 * Writes are synchronous (node:sqlite): a flush holds the thread for as long as its
 * transaction takes, or up to the store's `busyTimeout` while another process holds the
 * write lock.
 *
 * @example Buffer, flush, close
 * ```ts
 * import { BatchWriter, Store } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * const writer = new BatchWriter(store, { flushInterval: 1000 });
 * writer.addSample({ seriesId, ts: 0, value: 12, status: "ok", runId });
 * writer.addEvent({ runId, ts: 0, kind: "note", severity: "info", message: "started" });
 * console.log(writer.pending); // 2
 * writer.close(); // flushes, stops the timer
 * console.log(store.listSeries()[0]?.sampleCount); // 1
 * store.close();
 * ```
 */
export class BatchWriter {
  readonly #store: Store;
  readonly #maxBuffered: number;
  readonly #onError: (error: BufferbaneError) => void;
  readonly #onRecovered: ((written: number) => void) | undefined;
  #samples = new RowQueue<SampleRow>();
  #events = new RowQueue<EventRow>();
  #testResults = new RowQueue<TestResultRow>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #failing = false;
  #closed = false;
  #dropped = 0;
  #written = 0;
  #rollupInterval: number;
  #rollupSpacing: number;
  #lastRollup = Number.NEGATIVE_INFINITY;
  #rollupsBehind = false;
  #rolledMinute = Number.NEGATIVE_INFINITY;
  #newestTs = Number.NEGATIVE_INFINITY;
  #retention: Required<WriterRetention> | undefined;
  #lastCompaction = Number.NEGATIVE_INFINITY;
  #compactionBehind = false;
  #compactions = 0;
  #now: () => number;

  /**
   * @param store The store to write to; it must stay open until {@linkcode close}.
   * @param options Flush interval, memory bound, error callback.
   */
  constructor(store: Store, options: BatchWriterOptions = {}) {
    const { flushInterval = 1000, maxBuffered = 1_000_000, rollupInterval = 60_000 } = options;
    if (!(maxBuffered >= 1)) throw new RangeError(`maxBuffered "${maxBuffered}" is below 1`);
    this.#store = store;
    this.#maxBuffered = maxBuffered;
    this.#onError = options.onError ??
      ((error) => console.error(`bufferbane: ${describeError(error)}`));
    this.#onRecovered = options.onRecovered;
    this.#rollupInterval = rollupInterval;
    this.#now = options.now ?? Date.now;
    this.#rollupSpacing = Math.min(options.rollupSpacing ?? 5_000, rollupInterval);
    if (options.retention !== undefined) {
      const { rawMs, minuteMs = Number.POSITIVE_INFINITY, everyMs = 600_000 } = options.retention;
      if (!(rawMs > 0)) throw new RangeError(`Raw retention "${rawMs}" is not above 0`);
      if (!(minuteMs >= rawMs)) {
        throw new RangeError(`Rollup retention "${minuteMs}" is below the raw retention`);
      }
      this.#retention = { rawMs, minuteMs, everyMs, now: options.retention.now ?? this.#now };
    }
    if (flushInterval > 0) {
      const timer = setInterval(() => this.flush(), flushInterval);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** @returns Rows waiting to be written. */
  get pending(): number {
    return this.#samples.length + this.#events.length + this.#testResults.length;
  }

  /** @returns Rows dropped because writes failed for too long and memory ran over the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /** @returns Rows written so far. */
  get written(): number {
    return this.#written;
  }

  /** @returns Compaction batches run so far. */
  get compactions(): number {
    return this.#compactions;
  }

  /** @returns Whether the last flush failed. */
  get failing(): boolean {
    return this.#failing;
  }

  /**
   * Buffers one sample.
   *
   * @param row The sample.
   * @throws {RangeError} When the row is invalid (unknown status, time not finite).
   * @throws {Error} When the writer is closed.
   */
  addSample(row: SampleRow): void {
    this.#checkOpen();
    checkSample(row);
    this.#samples.push(row);
    this.#bound();
  }

  /**
   * Buffers samples.
   *
   * @param rows The samples.
   * @throws {RangeError} When a row is invalid; none of them is then buffered.
   * @throws {Error} When the writer is closed.
   */
  addSamples(rows: readonly SampleRow[]): void {
    this.#checkOpen();
    for (const row of rows) checkSample(row);
    for (const row of rows) this.#samples.push(row);
    this.#bound();
  }

  /**
   * Buffers one event (a copy: later changes to `row` do not reach the store).
   *
   * @param row The event.
   * @throws {RangeError} When the severity is unknown.
   * @throws {TypeError} When `data` cannot be stored as JSON.
   * @throws {Error} When the writer is closed.
   */
  addEvent(row: EventRow): void {
    this.#checkOpen();
    prepareEvent(row);
    this.#events.push(structuredClone(row));
    this.#bound();
  }

  /**
   * Buffers one test result (a copy).
   *
   * @param row The result.
   * @throws {RangeError} When the status is unknown.
   * @throws {TypeError} When `summary` cannot be stored as JSON.
   * @throws {Error} When the writer is closed.
   */
  addTestResult(row: TestResultRow): void {
    this.#checkOpen();
    prepareTestResult(row);
    this.#testResults.push(structuredClone(row));
    this.#bound();
  }

  /**
   * Writes everything buffered in one transaction. Never throws: on failure the rows stay
   * buffered for the next flush, and `onError` hears of it once per failure streak.
   *
   * @returns `true` when nothing is left buffered.
   */
  flush(): boolean {
    if (this.pending === 0) {
      return true;
    }
    const samples = this.#samples.toArray();
    const events = this.#events.toArray();
    const testResults = this.#testResults.toArray();
    try {
      this.#store.writeBatch({ samples, events, testResults });
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        const reported = storeWriteError(this.#store.path, error);
        this.#callback(() => this.#onError(reported));
      }
      return false;
    }
    this.#samples.clear();
    this.#events.clear();
    this.#testResults.clear();
    const written = samples.length + events.length + testResults.length;
    this.#written += written;
    if (this.#failing) {
      this.#failing = false;
      this.#callback(() => this.#onRecovered?.(written));
    }
    for (const row of samples) if (row.ts > this.#newestTs) this.#newestTs = row.ts;
    if (samples.length > 0) this.#refreshRollups();
    this.#compact();
    return true;
  }

  /**
   * Stops the timer and flushes one last time. Rows still buffered after a failed final
   * flush stay in {@linkcode pending} and can be retried with {@linkcode flush}.
   *
   * @returns `true` when everything was written.
   */
  close(): boolean {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    return this.flush();
  }

  #refreshRollups(): void {
    if (this.#rollupInterval <= 0) return;
    const now = performance.now();
    const since = now - this.#lastRollup;
    if (since < this.#rollupSpacing) return;
    const closed = floorTo(this.#newestTs - ROLLUP_GRACE_MS, MINUTE_MS);
    const minuteClosed = closed > this.#rolledMinute;
    if (!this.#rollupsBehind && !minuteClosed && since < this.#rollupInterval) return;
    this.#lastRollup = now;
    this.#rolledMinute = closed;
    try {
      this.#rollupsBehind = !this.#store.refreshRollups({
        maxRows: ROLLUP_ROWS_PER_FLUSH,
        now: this.#now(),
      }).done;
    } catch {
      // Rollups are a cache that queries do without; the next flush reports a failing store.
      this.#rollupsBehind = false;
    }
  }

  #compact(): void {
    const retention = this.#retention;
    if (retention === undefined) return;
    const now = retention.now();
    if (!this.#compactionBehind && now - this.#lastCompaction < retention.everyMs) return;
    this.#lastCompaction = now;
    try {
      this.#compactions++;
      this.#compactionBehind = !this.#store.compact({
        rawRetentionMs: retention.rawMs,
        minuteRetentionMs: retention.minuteMs,
        now,
        maxRows: COMPACT_ROWS_PER_FLUSH,
      }).done;
    } catch {
      // Compaction only saves space; the next flush reports a failing store.
      this.#compactionBehind = false;
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("BatchWriter is closed: rows can no longer be added");
  }

  #bound(): void {
    let excess = this.pending - this.#maxBuffered;
    if (excess <= 0) return;
    for (const queue of [this.#samples, this.#events, this.#testResults]) {
      const dropped = queue.dropOldest(excess);
      this.#dropped += dropped;
      excess -= dropped;
      if (excess <= 0) return;
    }
  }

  #callback(call: () => void): void {
    try {
      call();
    } catch {
      // A failing callback must not turn a write failure into a crash of the caller.
    }
  }
}
