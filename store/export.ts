/**
 * Streams stored samples joined with their series, for the `export` command: rows come one
 * at a time from bounded chunks, so exporting millions of rows uses constant memory.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { OPEN_END, OPEN_START, RangeScanner } from "./_scan_range.ts";
import { seriesWhere } from "./_series_filter.ts";
import { sampleStatusFromCode } from "./status.ts";
import type { ExportQuery, ExportRow, SeriesKey } from "./types.ts";

/**
 * Yields every sample of the matching series in the period, ordered by series (plugin,
 * target, interface, server, metric, unit), then time.
 *
 * @param db A database with the store's schema.
 * @param query Half-open period and series filter; empty means everything.
 * @returns An iterator of joined rows.
 *
 * @example Export as CSV lines
 * ```ts
 * import { exportSamples, Store } from "./mod.ts";
 * const store = Store.open(":memory:");
 * const runId = store.startRun({
 *   startedAt: 0, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "dns", target: "example.com", interface: "", server: "", metric: "resolve_time", unit: "ms",
 * });
 * store.insertSamples([{ seriesId, ts: 0, value: 12, status: "ok", seq: 0, runId }]);
 * for (const row of exportSamples(store.db, { filter: { plugin: "dns" } })) {
 *   console.log([row.time, row.target, row.metric, row.value].join(","));
 *   // 1970-01-01T00:00:00.000Z,example.com,resolve_time,12
 * }
 * store.close();
 * ```
 */
export function* exportSamples(
  db: DatabaseSync,
  query: ExportQuery = {},
): Generator<ExportRow, void, undefined> {
  const { where, params } = seriesWhere(query.filter, query.seriesIds);
  const series = db.prepare(
    `SELECT id, plugin, target, interface, server, metric, unit FROM series ${where}
     ORDER BY plugin, target, interface, server, metric, unit, id`,
  ).all(...params) as unknown as (SeriesKey & { id: number })[];
  const scanner = new RangeScanner(db);
  const start = query.start ?? OPEN_START;
  const end = query.end ?? OPEN_END;
  for (const key of series) {
    for (const rows of scanner.chunks(key.id, start, end)) {
      for (const [ts, value, status, seq, reason, runId] of rows) {
        yield {
          ts,
          time: new Date(ts).toISOString(),
          plugin: key.plugin,
          target: key.target,
          interface: key.interface,
          server: key.server,
          metric: key.metric,
          unit: key.unit,
          value,
          status: sampleStatusFromCode(status),
          reason,
          seq,
          runId,
        };
      }
    }
  }
}
