/**
 * `bufferbane trends`: weekly or monthly trend summaries of the store (avg, p95, anomalies,
 * availability per target), read from the rollups, so months whose raw samples were
 * compacted away still count. See `store/trends.ts`.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parsePeriod } from "../core/period.ts";
import { formatPercent, formatTable, formatValue, seriesName } from "../live/format.ts";
import { Store, type TrendPeriod, type TrendPeriodKind, trendSummary } from "../store/mod.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/**
 * Flags of `bufferbane trends`.
 *
 * @example Monthly JSON of one target
 * ```ts
 * import type { TrendsCommandOptions } from "./trends.ts";
 * const flags: TrendsCommandOptions = { period: "month", json: true, target: "example.com" };
 * ```
 */
export interface TrendsCommandOptions extends SeriesFilterFlags {
  /** `week` or `month`. @default {"week"} */
  period?: string;
  /** Only periods overlapping the last so long, e.g. `90d`. */
  last?: string;
  /** Start of the time looked at. */
  start?: string;
  /** End of the time looked at. */
  end?: string;
  /** Print JSON instead of tables. */
  json?: boolean;
  /** Store path. */
  db?: string;
}

/**
 * Checks the `--period` flag.
 *
 * @param value The flag as given.
 * @returns `"week"` or `"month"`.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for anything else.
 *
 * @example The default
 * ```ts
 * import { trendPeriodKind } from "./trends.ts";
 * console.log(trendPeriodKind(undefined)); // week
 * ```
 */
export function trendPeriodKind(value: string | undefined): TrendPeriodKind {
  if (value === undefined || value === "week") return "week";
  if (value === "month") return "month";
  throw new BufferbaneError(ErrorCode.InvalidArgument, `--period "${value}": unknown period`, {
    hint: "use week or month",
  });
}

/**
 * Lines of the tables `bufferbane trends` prints for one period.
 *
 * @param period One summarized period.
 * @returns Lines to print.
 *
 * @example An empty week
 * ```ts
 * import { formatTrendPeriod } from "./trends.ts";
 * console.log(formatTrendPeriod({
 *   label: "2026-W42", start: "2026-10-12T00:00:00.000Z", end: "2026-10-19T00:00:00.000Z",
 *   startMs: 0, endMs: 0, series: [], targets: [], anomalies: { warn: 0, critical: 0 },
 * })[0]); // 2026-W42 (2026-10-12 .. 2026-10-19): 0 anomalies (0 warn, 0 critical)
 * ```
 */
export function formatTrendPeriod(period: TrendPeriod): string[] {
  const { warn, critical } = period.anomalies;
  const lines = [
    `${period.label} (${period.start.slice(0, 10)} .. ${period.end.slice(0, 10)}): ${
      warn + critical
    } anomalies (${warn} warn, ${critical} critical)`,
  ];
  if (period.series.length > 0) {
    lines.push(...formatTable([
      ["plugin", "series", "metric", "probes", "answered", "avg", "p95", "anomalies"],
      ...period.series.map((s) => [
        s.plugin,
        seriesName(s),
        s.unit ? `${s.metric} (${s.unit})` : s.metric,
        String(s.count),
        formatPercent(s.answered * 100),
        formatValue(s.avg),
        formatValue(s.p95),
        String(s.anomalies.warn + s.anomalies.critical),
      ]),
    ]));
  }
  if (period.targets.length > 0) {
    lines.push(...formatTable([
      ["target", "interface", "probes", "answered", "uptime", "outage"],
      ...period.targets.map((t) => [
        t.target || "-",
        t.interface || "default",
        String(t.probes),
        formatPercent(t.answered * 100),
        formatPercent(t.uptime * 100),
        `${t.outageMinutes} min`,
      ]),
    ]));
  }
  return lines;
}

/**
 * Runs `bufferbane trends`.
 *
 * @param flags Period kind, time range, series filter, output, store.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * await trendsCommand({ period: "month", json: true, db: "bufferbane.db" });
 * ```
 */
export function trendsCommand(flags: TrendsCommandOptions): Promise<number> {
  const kind = trendPeriodKind(flags.period);
  const range = flags.last !== undefined || flags.start !== undefined || flags.end !== undefined
    ? parsePeriod(flags)
    : undefined;
  const store = Store.open(storePath(flags.db), { readOnly: true });
  try {
    const periods = trendSummary(store.db, {
      period: kind,
      ...(range ? { start: range.start, end: range.end } : {}),
      filter: seriesFilter(flags),
    });
    if (flags.json) {
      console.log(JSON.stringify({ period: kind, periods }, null, 2));
    } else if (periods.length === 0) {
      console.log("No samples or rollups to summarize");
    } else {
      for (const [i, period] of periods.entries()) {
        if (i > 0) console.log("");
        for (const line of formatTrendPeriod(period)) console.log(line);
      }
    }
    return Promise.resolve(0);
  } finally {
    store.close();
  }
}
