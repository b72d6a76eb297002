/**
 * Weekly and monthly trend summaries of a store: per calendar week (ISO, from Monday 00:00
 * UTC) or month (UTC), per series the probe count, losses, average and p95, the anomalies
 * raised (alert events), and per target its availability: the share of probes answered and
 * the share of time not in outage (minutes with probes where at least one was answered).
 *
 * Everything is read from the rollups where they cover the period (see `rollup_query.ts`),
 * so it works the same over months whose raw samples were compacted away. Percentiles are
 * within 1 % of the exact ones there.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { seriesWhere } from "./_series_filter.ts";
import { HOUR_MS, MINUTE_MS } from "./_time_grid.ts";
import { rollupAggregate } from "./rollup_query.ts";
import type { SeriesEntry, SeriesFilter } from "./types.ts";

/** The two trend periods. */
export type TrendPeriodKind = "week" | "month";

/**
 * Options for {@linkcode trendSummary}.
 *
 * @example The months of 2026 for DNS series
 * ```ts
 * import type { TrendOptions } from "./trends.ts";
 * const options: TrendOptions = {
 *   period: "month", start: Date.UTC(2026, 0, 1), end: Date.UTC(2027, 0, 1),
 *   filter: { plugin: "dns" },
 * };
 * ```
 */
export interface TrendOptions {
  /** Calendar weeks (ISO, Monday 00:00 UTC) or months (UTC). */
  period: TrendPeriodKind;
  /**
   * Periods overlapping `[start, end)` are summarized, whole.
   *
   * @default {the store's first sample or rollup}
   */
  start?: number;
  /**
   * End of the time looked at (exclusive).
   *
   * @default {just after the store's last sample or rollup}
   */
  end?: number;
  /**
   * Only series matching this filter.
   *
   * @default {every series}
   */
  filter?: SeriesFilter;
  /**
   * Event kinds counted as anomalies (when raised: severity `warn` or `critical`).
   *
   * @default {["alert", "anomaly"]}
   */
  anomalyKinds?: readonly string[];
}

/**
 * One series over one period.
 *
 * @example A week of one DNS series
 * ```ts
 * import type { SeriesTrend } from "./trends.ts";
 * const trend: SeriesTrend = {
 *   seriesId: 1, plugin: "dns", target: "example.com", interface: "", server: "system",
 *   metric: "resolve_time", unit: "ms", count: 120_960, lost: 12, avg: 18.2, p95: 31.5,
 *   answered: 0.9999, anomalies: { warn: 2, critical: 0 },
 * };
 * ```
 */
export interface SeriesTrend extends Omit<SeriesEntry, "id"> {
  /** Stored series id. */
  seriesId: number;
  /** Probes, lost and failed ones included. */
  count: number;
  /** Probes lost or failed. */
  lost: number;
  /** Average of the ok values, `null` when none. */
  avg: number | null;
  /** 95th percentile of the ok values (within 1 % when read from rollups), `null` when none. */
  p95: number | null;
  /** Share of probes answered (`(count - lost) / count`). */
  answered: number;
  /** Anomalies raised on this series in the period, by severity. */
  anomalies: { warn: number; critical: number };
}

/**
 * Availability of one target over one period (its series together).
 *
 * @example A target answered 99.9 % of probes and was never out for a whole minute
 * ```ts
 * import type { TargetAvailability } from "./trends.ts";
 * const target: TargetAvailability = {
 *   target: "example.com", interface: "", probes: 604_800, answered: 0.999, uptime: 1,
 *   outageMinutes: 0, coveredMinutes: 10_080,
 * };
 * ```
 */
export interface TargetAvailability {
  /** The target as written in the recipe. */
  target: string;
  /** The interface ('' = default route). */
  interface: string;
  /** Probes sent to it, all its series together. */
  probes: number;
  /** Share of those probes answered. */
  answered: number;
  /** Share of covered minutes not in outage (at least one probe answered). */
  uptime: number;
  /** Minutes with probes and no answer at all. */
  outageMinutes: number;
  /** Minutes with probes (the time it was measured). */
  coveredMinutes: number;
}

/**
 * One week or month.
 *
 * @example An ISO week
 * ```ts
 * import type { TrendPeriod } from "./trends.ts";
 * const week: TrendPeriod = {
 *   label: "2026-W42", start: "2026-10-12T00:00:00.000Z", end: "2026-10-19T00:00:00.000Z",
 *   startMs: 1_791_763_200_000, endMs: 1_792_368_000_000, series: [], targets: [],
 *   anomalies: { warn: 0, critical: 0 },
 * };
 * ```
 */
export interface TrendPeriod {
  /** `2026-W42` for a week, `2026-10` for a month. */
  label: string;
  /** Start, ISO 8601 UTC. */
  start: string;
  /** End (exclusive), ISO 8601 UTC. */
  end: string;
  /** Start, ms since the epoch. */
  startMs: number;
  /** End, ms since the epoch. */
  endMs: number;
  /** Series with probes in the period. */
  series: SeriesTrend[];
  /** Targets with probes in the period. */
  targets: TargetAvailability[];
  /** Every anomaly raised in the period (also those about no series), by severity. */
  anomalies: { warn: number; critical: number };
}

/**
 * Summarizes a store per week or per month.
 *
 * @param db A database with the store's schema.
 * @param options Period kind, time range, series filter.
 * @returns The periods with data, oldest first.
 * @throws {RangeError} When the period is neither `"week"` nor `"month"`.
 *
 * @example One week of a series with one alert
 * ```ts
 * import { Store } from "./mod.ts";
 * import { trendSummary } from "./trends.ts";
 * const store = Store.open(":memory:");
 * const monday = Date.UTC(2026, 9, 12);
 * const runId = store.startRun({
 *   startedAt: monday, recipeName: "demo", recipeText: "", effectiveRecipe: {}, toolVersion: "0.1.0",
 * });
 * const seriesId = store.seriesId({
 *   plugin: "ping", target: "a", interface: "", server: "", metric: "rtt", unit: "ms",
 * });
 * store.insertSamples(Array.from({ length: 600 }, (_, i) => ({
 *   seriesId, ts: monday + i * 1000, value: i % 10 === 9 ? null : 10,
 *   status: i % 10 === 9 ? "lost" as const : "ok" as const, runId,
 * })));
 * store.insertEvents([{ runId, ts: monday, kind: "alert", severity: "warn", seriesId, message: "slow" }]);
 * const [week] = trendSummary(store.db, { period: "week" });
 * console.log(week?.label, week?.series[0]?.answered, week?.series[0]?.anomalies); // 2026-W42 0.9 { warn: 1, critical: 0 }
 * store.close();
 * ```
 */
export function trendSummary(db: DatabaseSync, options: TrendOptions): TrendPeriod[] {
  if (options.period !== "week" && options.period !== "month") {
    throw new RangeError(`Trend period "${options.period}" is not "week" or "month"`);
  }
  const anomalyKinds = options.anomalyKinds ?? ["alert", "anomaly"];
  const series = listSeries(db, options.filter ?? {});
  if (series.length === 0) return [];
  const ids = series.map((s) => s.id);
  const range = dataRange(db, ids);
  if (range === undefined) return [];
  const start = Math.max(options.start ?? range.first, range.first);
  const end = Math.min(options.end ?? range.last + 1, range.last + 1);
  const out: TrendPeriod[] = [];
  for (let from = periodStart(options.period, start); from < end;) {
    const to = nextPeriod(options.period, from);
    const period = summarizePeriod(db, series, options.period, from, to, anomalyKinds);
    if (period.series.length > 0) out.push(period);
    from = to;
  }
  return out;
}

function summarizePeriod(
  db: DatabaseSync,
  series: SeriesEntry[],
  kind: TrendPeriodKind,
  start: number,
  end: number,
  anomalyKinds: readonly string[],
): TrendPeriod {
  const ids = series.map((s) => s.id);
  const byId = new Map(series.map((s) => [s.id, s]));
  // One bucket per period: its length is whole hours and it starts on an hour, so the hour
  // rollups answer for the middle of it.
  const rows = rollupAggregate(db, {
    seriesIds: ids,
    start,
    end,
    bucketMs: end - start,
    origin: start,
  });
  const anomalies = countAnomalies(db, start, end, anomalyKinds);
  const trends: SeriesTrend[] = [];
  for (const row of rows) {
    const entry = byId.get(row.seriesId)!;
    trends.push({
      seriesId: entry.id,
      plugin: entry.plugin,
      target: entry.target,
      interface: entry.interface,
      server: entry.server,
      metric: entry.metric,
      unit: entry.unit,
      count: row.count,
      lost: row.lost,
      avg: row.avg,
      p95: row.p95,
      answered: row.count > 0 ? (row.count - row.lost) / row.count : 0,
      anomalies: anomalies.bySeries.get(entry.id) ?? { warn: 0, critical: 0 },
    });
  }
  return {
    label: periodLabel(kind, start),
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    startMs: start,
    endMs: end,
    series: trends,
    targets: targetAvailability(db, trends, start, end),
    anomalies: anomalies.total,
  };
}

/** Per target: probes answered, and minutes in outage among the minutes measured. */
function targetAvailability(
  db: DatabaseSync,
  trends: SeriesTrend[],
  start: number,
  end: number,
): TargetAvailability[] {
  const groups = new Map<string, { target: string; interface: string; ids: number[] }>();
  for (const trend of trends) {
    const key = `${trend.target}\u0000${trend.interface}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { target: trend.target, interface: trend.interface, ids: [] };
      groups.set(key, group);
    }
    group.ids.push(trend.seriesId);
  }
  const out: TargetAvailability[] = [];
  for (const group of groups.values()) {
    const members = trends.filter((t) => group.ids.includes(t.seriesId));
    const probes = members.reduce((sum, t) => sum + t.count, 0);
    const lost = members.reduce((sum, t) => sum + t.lost, 0);
    const minutes = outageMinutes(db, group.ids, start, end);
    out.push({
      target: group.target,
      interface: group.interface,
      probes,
      answered: probes > 0 ? (probes - lost) / probes : 0,
      uptime: minutes.covered > 0 ? 1 - minutes.outage / minutes.covered : 0,
      outageMinutes: minutes.outage,
      coveredMinutes: minutes.covered,
    });
  }
  return out.sort((a, b) =>
    a.target.localeCompare(b.target) || a.interface.localeCompare(b.interface)
  );
}

/**
 * Minutes of `[start, end)` with probes to any of the series, and those among them where none
 * was answered. Minute rollups answer where they are kept; older stretches (minute rollups
 * past their retention) count by hours, each hour standing for 60 minutes.
 */
function outageMinutes(db: DatabaseSync, ids: number[], start: number, end: number) {
  const minutes = new Map<number, boolean>();
  for (const row of rollupAggregate(db, { seriesIds: ids, start, end, bucketMs: MINUTE_MS })) {
    const answered = row.count > row.lost;
    minutes.set(row.bucketStart, (minutes.get(row.bucketStart) ?? false) || answered);
  }
  const hours = new Map<number, boolean>();
  for (const row of rollupAggregate(db, { seriesIds: ids, start, end, bucketMs: HOUR_MS })) {
    const answered = row.count > row.lost;
    hours.set(row.bucketStart, (hours.get(row.bucketStart) ?? false) || answered);
  }
  const hoursWithMinutes = new Set<number>();
  for (const minute of minutes.keys()) hoursWithMinutes.add(minute - (minute % HOUR_MS));
  let covered = 0;
  let outage = 0;
  for (const up of minutes.values()) {
    covered++;
    if (!up) outage++;
  }
  for (const [hour, up] of hours) {
    if (hoursWithMinutes.has(hour)) continue;
    covered += 60;
    if (!up) outage += 60;
  }
  return { covered, outage };
}

function countAnomalies(
  db: DatabaseSync,
  start: number,
  end: number,
  kinds: readonly string[],
) {
  const total = { warn: 0, critical: 0 };
  const bySeries = new Map<number, { warn: number; critical: number }>();
  if (kinds.length === 0) return { total, bySeries };
  const rows = db.prepare(
    `SELECT series_id, severity, count(*) AS n FROM events
     WHERE ts >= ? AND ts < ? AND severity IN ('warn', 'critical')
       AND kind IN (${kinds.map(() => "?").join(", ")})
     GROUP BY series_id, severity`,
  ).all(start, end, ...kinds) as {
    series_id: number | null;
    severity: "warn" | "critical";
    n: number;
  }[];
  for (const row of rows) {
    total[row.severity] += row.n;
    if (row.series_id === null) continue;
    let counts = bySeries.get(row.series_id);
    if (counts === undefined) {
      counts = { warn: 0, critical: 0 };
      bySeries.set(row.series_id, counts);
    }
    counts[row.severity] += row.n;
  }
  return { total, bySeries };
}

function listSeries(db: DatabaseSync, filter: SeriesFilter): SeriesEntry[] {
  const { where, params } = seriesWhere(filter);
  return db.prepare(
    `SELECT id, plugin, target, interface, server, metric, unit FROM series ${where}
     ORDER BY plugin, target, interface, server, metric, unit, id`,
  ).all(...params).map((row) => ({ ...row }) as unknown as SeriesEntry);
}

/** First and last time with data (raw samples or rollups) among the series. */
function dataRange(db: DatabaseSync, ids: number[]): { first: number; last: number } | undefined {
  const list = ids.join(", ");
  const row = db.prepare(
    `SELECT min(first) AS first, max(last) AS last FROM (
       SELECT min(ts) AS first, max(ts) AS last FROM samples WHERE series_id IN (${list})
       UNION ALL
       SELECT min(bucket_start), max(bucket_start + width - 1) FROM rollups
       WHERE series_id IN (${list}))`,
  ).get() as { first: number | null; last: number | null };
  return row.first === null || row.last === null ? undefined : { first: row.first, last: row.last };
}

/**
 * Start of the week (Monday 00:00 UTC) or month (1st 00:00 UTC) holding `ts`.
 *
 * @example The week of a Wednesday
 * ```ts
 * import { periodStart } from "./trends.ts";
 * console.log(new Date(periodStart("week", Date.UTC(2026, 9, 14, 15))).toISOString());
 * // 2026-10-12T00:00:00.000Z
 * ```
 */
export function periodStart(kind: TrendPeriodKind, ts: number): number {
  const date = new Date(ts);
  if (kind === "month") return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return day - sinceMonday * 86_400_000;
}

function nextPeriod(kind: TrendPeriodKind, start: number): number {
  if (kind === "week") return start + 7 * 86_400_000;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

function periodLabel(kind: TrendPeriodKind, start: number): string {
  const date = new Date(start);
  if (kind === "month") {
    return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
  }
  // ISO week: the week belongs to the year of its Thursday.
  const thursday = new Date(start + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const firstThursday = periodStart("week", Date.UTC(year, 0, 4)) + 3 * 86_400_000;
  const week = 1 + Math.round((thursday.getTime() - firstThursday) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, "0")}`;
}
