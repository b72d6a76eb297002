/**
 * Reads one series' samples over a time range in ts order, in chunks of bounded size, so a
 * scan over months of data keeps memory flat and still fetches rows in bulk (`all()` on a
 * window is several times faster per row than stepping an iterator).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** Columns of a scanned row, in order: ts, value, status, seq, reason, run_id. */
export type ScannedRow = [
  ts: number,
  value: number | null,
  status: number,
  seq: number | null,
  reason: string | null,
  runId: number,
  intervalMs: number | null,
];

/** Start of a range left open: earlier than any sample. */
export const OPEN_START: number = Number.MIN_SAFE_INTEGER;
/** End of a range left open: later than any sample. */
export const OPEN_END: number = Number.MAX_SAFE_INTEGER;

const FIRST_WINDOW_MS = 3_600_000;
/** Most rows fetched at once. */
const CHUNK_ROWS = 65_536;
const FEW_ROWS = CHUNK_ROWS / 4;

/** Prepared statements of a scan, made once per query. */
export class RangeScanner {
  #window: StatementSync;
  #sameTs: StatementSync;
  #next: StatementSync;
  #arrays: boolean;

  /**
   * @param db The database to read.
   * @param columns How many of the {@linkcode ScannedRow} columns to read, from the left
   * (aggregates need only ts, value and status; fewer columns read faster). Rows then hold
   * only those entries.
   */
  constructor(db: DatabaseSync, columns: 3 | 6 | 7 = 6) {
    const names = ["ts", "value", "status", "seq", "reason", "run_id", "interval_ms"].slice(
      0,
      columns,
    );
    const select = `SELECT ${names.join(", ")} FROM samples`;
    this.#window = db.prepare(
      `${select} WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?`,
    );
    this.#sameTs = db.prepare(`${select} WHERE series_id = ? AND ts = ? ORDER BY rowid`);
    this.#next = db.prepare(
      "SELECT ts FROM samples WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT 1",
    );
    this.#arrays = returnArrays(this.#window);
    returnArrays(this.#sameTs);
    returnArrays(this.#next);
  }

  /**
   * Yields the rows of one series with `start <= ts < end`, in chunks of at most
   * {@linkcode CHUNK_ROWS} rows (more only when that many share one timestamp), in
   * (ts, rowid) order. Stored times are whole milliseconds.
   *
   * @param seriesId The series.
   * @param start First millisecond included.
   * @param end First millisecond excluded.
   */
  *chunks(seriesId: number, start: number, end: number): Generator<ScannedRow[]> {
    let from = this.#firstAtOrAfter(seriesId, start, end);
    let width = FIRST_WINDOW_MS;
    while (from !== undefined) {
      const to = Math.min(end, from + width);
      let rows = this.#rows(this.#window, seriesId, from, to, CHUNK_ROWS);
      let next: number | undefined;
      if (rows.length === CHUNK_ROWS) {
        // Cut: the rows of the last timestamp may go on past the limit.
        const lastTs = rows[rows.length - 1]![0];
        if (rows[0]![0] === lastTs) {
          rows = this.#rows(this.#sameTs, seriesId, lastTs);
          next = lastTs + 1;
        } else {
          let keep = rows.length - 1;
          while (rows[keep - 1]![0] === lastTs) keep--;
          rows.length = keep;
          next = lastTs;
        }
        width = Math.max(1, Math.floor(width / 2));
      } else {
        next = to;
        if (rows.length < FEW_ROWS) width *= 2;
      }
      if (rows.length > 0) yield rows;
      // An empty window skips straight to the next sample, so gaps cost one lookup.
      from = next >= end
        ? undefined
        : rows.length > 0
        ? next
        : this.#firstAtOrAfter(seriesId, next, end);
    }
  }

  #rows(statement: StatementSync, ...params: number[]): ScannedRow[] {
    const found = statement.all(...params);
    return (this.#arrays ? found : found.map(Object.values)) as unknown as ScannedRow[];
  }

  #firstAtOrAfter(seriesId: number, start: number, end: number): number | undefined {
    const row = this.#next.get(seriesId, start, end);
    return row === undefined ? undefined : Object.values(row)[0] as number;
  }
}

/**
 * Asks a statement for rows as arrays (faster than objects), where node:sqlite offers it.
 *
 * @param statement A prepared statement.
 * @returns Whether rows now come as arrays.
 */
export function returnArrays(statement: StatementSync): boolean {
  const withArrays = statement as StatementSync & { setReturnArrays?: (on: boolean) => void };
  if (typeof withArrays.setReturnArrays !== "function") return false;
  withArrays.setReturnArrays(true);
  return true;
}
