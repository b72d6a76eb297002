/**
 * `export --format csv|json|ndjson`: samples of a period, filtered by series, streamed so that
 * millions of rows use constant memory. With `--output FILE` the file appears only when the
 * export is complete (written beside it, then renamed). With `--redact`, targets and servers
 * that are addresses or host names, and addresses in reasons, are masked with the same tokens
 * a redacted report of the store uses.
 *
 * @module
 */
import { parsePeriod } from "../core/period.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { type ExportRow, Store } from "../store/mod.ts";
import { redactExportRow, redactorForStore } from "../report/redact.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/** Flags of the `export` command. */
export interface ExportCommandOptions extends SeriesFilterFlags {
  /** `csv`, `json` or `ndjson`. */
  format: string;
  /** Period ending now. */
  last?: string;
  /** Period start. */
  start?: string;
  /** Period end. */
  end?: string;
  /** Output file; default stdout. */
  output?: string;
  /** Mask host names and addresses. */
  redact?: boolean;
  /** Store path. */
  db?: string;
}

/** Columns of the CSV export, in order. */
export const EXPORT_COLUMNS = [
  "time",
  "ts",
  "plugin",
  "target",
  "interface",
  "server",
  "metric",
  "unit",
  "value",
  "status",
  "reason",
  "seq",
  "run_id",
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function record(row: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  return {
    time: row.time,
    ts: row.ts,
    plugin: row.plugin,
    target: row.target,
    interface: row.interface,
    server: row.server,
    metric: row.metric,
    unit: row.unit,
    value: row.value,
    status: row.status,
    reason: row.reason,
    seq: row.seq,
    run_id: row.runId,
  };
}

/**
 * Formats rows one chunk at a time.
 *
 * @param rows The rows.
 * @param format `csv`, `json` or `ndjson`.
 * @returns Text pieces to write in order.
 *
 * @example
 * ```ts
 * import { formatExport } from "./export.ts";
 * const rows = [{
 *   ts: 0, time: "1970-01-01T00:00:00.000Z", plugin: "dns", target: "a,b", interface: "", server: "",
 *   metric: "resolve_time", unit: "ms", value: 1.5, status: "ok" as const, reason: null, seq: 0, runId: 1,
 * }];
 * console.log([...formatExport(rows, "csv")].join("").split("\n")[1]);
 * // 1970-01-01T00:00:00.000Z,0,dns,"a,b",,,resolve_time,ms,1.5,ok,,0,1
 * ```
 */
export function* formatExport(rows: Iterable<ExportRow>, format: string): Generator<string> {
  let chunk = "";
  const push = function* (text: string) {
    chunk += text;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = "";
    }
  };
  if (format === "csv") {
    yield* push(EXPORT_COLUMNS.join(",") + "\n");
    for (const row of rows) {
      const r = record(row);
      yield* push(EXPORT_COLUMNS.map((c) => csvCell(r[c])).join(",") + "\n");
    }
  } else if (format === "ndjson") {
    for (const row of rows) yield* push(JSON.stringify(record(row)) + "\n");
  } else if (format === "json") {
    let first = true;
    yield* push("[");
    for (const row of rows) {
      yield* push((first ? "\n" : ",\n") + JSON.stringify(record(row)));
      first = false;
    }
    yield* push(first ? "]\n" : "\n]\n");
  } else {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `--format "${format}": unknown format`, {
      hint: "use csv, json or ndjson",
    });
  }
  if (chunk) yield chunk;
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { exportCommand } from "./export.ts";
 * await exportCommand({ format: "csv", last: "1h", output: "x.csv" });
 * ```
 */
export function exportCommand(flags: ExportCommandOptions): Promise<number> {
  if (!["csv", "json", "ndjson"].includes(flags.format)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `--format "${flags.format}": unknown format`,
      {
        hint: "use csv, json or ndjson",
      },
    );
  }
  const period = parsePeriod(flags);
  const store = Store.open(storePath(flags.db), { readOnly: true });
  const encoder = new TextEncoder();
  let file: Deno.FsFile | undefined;
  let temp: string | undefined;
  try {
    if (flags.output) {
      temp = `${flags.output}.partial-${Deno.pid}`;
      file = Deno.openSync(temp, { write: true, create: true, truncate: true });
    }
    const out = file ?? Deno.stdout;
    const stored = store.exportRows({ ...period, filter: seriesFilter(flags) });
    const redactor = flags.redact ? redactorForStore(store) : undefined;
    const rows = redactor === undefined
      ? stored
      : mapRows(stored, (row) => redactExportRow(row, redactor));
    for (const piece of formatExport(rows, flags.format)) {
      const bytes = encoder.encode(piece);
      let written = 0;
      while (written < bytes.length) written += out.writeSync(bytes.subarray(written));
    }
    if (file && temp && flags.output) {
      file.close();
      file = undefined;
      Deno.renameSync(temp, flags.output);
      temp = undefined;
    }
    return Promise.resolve(0);
  } finally {
    file?.close();
    if (temp) Deno.removeSync(temp);
    store.close();
  }
}

function* mapRows(
  rows: Iterable<ExportRow>,
  map: (row: ExportRow) => ExportRow,
): Generator<ExportRow> {
  for (const row of rows) yield map(row);
}
