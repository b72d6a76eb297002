/**
 * The report model: everything a report says about a period, read from the store's rollups
 * once and shared by the HTML, Markdown and PDF renderers. Figures per series over the period,
 * the buckets and distributions the interactive charts draw, the interface and server
 * verdicts, alerts, bufferbloat grades, DNS timings, throughput and the manifest.
 *
 * @module
 */
import {
  chooseBucket,
  histogramQuantile,
  isThroughputUnit,
  seriesLabels,
  widerBucket,
} from "../charts/data.ts";
import { newestHost } from "../charts/render.ts";
import { formatPeriod } from "../charts/time_axis.ts";
import type { ChartType } from "../charts/types.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import type { InterfaceKind } from "../interfaces/types.ts";
import {
  type RollupRow,
  schemaVersion,
  type SeriesEntry,
  type SeriesFilter,
  type SeriesHistogram,
  type Store,
} from "../store/mod.ts";
import { type AlertsSummary, summarizeAlerts } from "./alerts.ts";
import { type BufferbloatSection, summarizeBufferbloat } from "./bufferbloat.ts";
import { interfaceKind, recordedKinds } from "./interface_kind.ts";
import { buildManifest, type ReportManifest } from "./manifest.ts";
import { REPORT_PRESETS, type ReportPreset } from "./preset.ts";
import { type InterfaceVerdict, interfaceVerdict } from "./verdict_interfaces.ts";
import { type ServerVerdict, serverVerdict } from "./verdict_servers.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * What a series measures, as the report groups them: round trips (`rtt` in ms), DNS
 * resolution times, throughput, or anything else.
 *
 * @example A DNS series
 * ```ts
 * import type { SeriesRole } from "./model.ts";
 * const role: SeriesRole = "dns";
 * ```
 */
export type SeriesRole = "latency" | "dns" | "throughput" | "other";

/**
 * One series' figures over the period.
 *
 * @example Vienna over WiFi
 * ```ts
 * import type { SeriesSummary } from "./model.ts";
 * const summary: SeriesSummary = {
 *   id: 4, role: "latency", label: "vienna @wlan0", plugin: "icmp", target: "vienna", interface: "wlan0",
 *   interfaceKind: "wifi", server: "", metric: "rtt", unit: "ms", count: 10_080, lost: 232, lossPct: 2.3,
 *   min: 16.1, avg: 29.4, p50: 28.2, p95: 47.9, p99: 60.2, max: 95.3, jitter: 8.6,
 * };
 * ```
 */
export interface SeriesSummary {
  /** Store id. */
  id: number;
  /** What it measures. */
  role: SeriesRole;
  /** Its name in the report, unique among the series of its role. */
  label: string;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** The interface's kind, `null` without interface. */
  interfaceKind: InterfaceKind | null;
  /** Server, `""` when none. */
  server: string;
  /** Metric. */
  metric: string;
  /** Unit. */
  unit: string;
  /** Samples, lost ones included. */
  count: number;
  /** Samples lost or failed. */
  lost: number;
  /** `lost / count` in percent. */
  lossPct: number | null;
  /** Smallest value. */
  min: number | null;
  /** Mean value. */
  avg: number | null;
  /** Median (within 1 %). */
  p50: number | null;
  /** 95th percentile (within 1 %). */
  p95: number | null;
  /** 99th percentile (within 1 %). */
  p99: number | null;
  /** Largest value. */
  max: number | null;
  /** Mean absolute difference of consecutive values (IPDV). */
  jitter: number | null;
}

/**
 * One series' buckets as columns, for the interactive charts (`null` where a bucket has no
 * value).
 *
 * @example Two buckets
 * ```ts
 * import type { SeriesBuckets } from "./model.ts";
 * const buckets: SeriesBuckets = {
 *   id: 1, role: "latency", label: "vienna @eth0", unit: "ms", bucketMs: 1_800_000, t: [0, 1_800_000], avg: [15.2, 15.4], p50: [15, 15.1],
 *   p95: [17, 17.2], min: [14, 14.1], max: [22, 25], lossPct: [0, 0.1], ipdv: [0.8, 0.9],
 * };
 * ```
 */
export interface SeriesBuckets {
  /** Store id. */
  id: number;
  /** What it measures. */
  role: SeriesRole;
  /** Label, as in {@linkcode SeriesSummary}. */
  label: string;
  /** Unit of the values. */
  unit: string;
  /** Bucket width, ms (wider than the report's for series probed far apart). */
  bucketMs: number;
  /** Bucket starts, ms. */
  t: number[];
  /** Mean per bucket. */
  avg: (number | null)[];
  /** Median per bucket. */
  p50: (number | null)[];
  /** 95th percentile per bucket. */
  p95: (number | null)[];
  /** Smallest value per bucket. */
  min: (number | null)[];
  /** Largest value per bucket. */
  max: (number | null)[];
  /** Loss per bucket, percent. */
  lossPct: (number | null)[];
  /** Jitter (IPDV) per bucket. */
  ipdv: (number | null)[];
}

/**
 * The distribution of one round-trip series over the period.
 *
 * @example A histogram of two bins
 * ```ts
 * import type { LatencyHistogram } from "./model.ts";
 * const histogram: LatencyHistogram = { label: "vienna @eth0", values: [14.9, 15.2], counts: [300, 280] };
 * ```
 */
export interface LatencyHistogram {
  /** Series label. */
  label: string;
  /** Bin values (ms), ascending, bins about 2 % wide. */
  values: number[];
  /** Round trips per bin. */
  counts: number[];
}

/**
 * The average round trip per hour of day (UTC) and day of one series.
 *
 * @example A one-day heatmap
 * ```ts
 * import type { Heatmap } from "./model.ts";
 * const heatmap: Heatmap = { label: "vienna @wlan0", days: ["2026-10-30"], z: [Array(24).fill(28)] };
 * ```
 */
export interface Heatmap {
  /** Series label. */
  label: string;
  /** UTC dates, `YYYY-MM-DD`, one row each. */
  days: string[];
  /** Average per day (rows) and hour 0-23 (columns), `null` without data. */
  z: (number | null)[][];
}

/**
 * Everything a report says.
 *
 * @example The headline findings
 * ```ts ignore
 * import { buildReportModel } from "./model.ts";
 * declare const store: import("../store/mod.ts").Store;
 * const model = buildReportModel(store, { start: Date.now() - 7 * 86_400_000, end: Date.now() });
 * for (const finding of model.findings) console.log(finding);
 * ```
 */
export interface ReportModel {
  /** Title, e.g. `Network report: synthetic-host`. */
  title: string;
  /** Host the data was recorded on. */
  host: string;
  /** First millisecond of the period. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /** The period as one line (UTC). */
  periodLabel: string;
  /** When the report was made. */
  generatedAt: number;
  /** How much it shows. */
  preset: ReportPreset;
  /** Whether host names and addresses are masked. */
  redacted: boolean;
  /** Bucket width chosen for the period, ms (see {@linkcode SeriesBuckets.bucketMs}). */
  bucketMs: number;
  /** The main sentences: interface verdict, server verdict, bufferbloat, alerts. */
  findings: string[];
  /** Every series with data, by role, then label. */
  series: SeriesSummary[];
  /** Buckets of every series with data. */
  buckets: SeriesBuckets[];
  /** Distributions of the round-trip series. */
  histograms: LatencyHistogram[];
  /** Hour-of-day heatmaps of the round-trip series (full preset only). */
  heatmaps: Heatmap[];
  /** Which interface is the problem. */
  interfaces: InterfaceVerdict;
  /** Which server path is worse. */
  servers: ServerVerdict;
  /** Alerts and other events. */
  alerts: AlertsSummary;
  /** Bufferbloat grades over time. */
  bufferbloat: BufferbloatSection;
  /** Chart types the report shows (from the preset). */
  charts: ChartType[];
  /** What the report was made from. */
  manifest: ReportManifest;
}

/**
 * Options for {@linkcode buildReportModel}.
 *
 * @example The last week, compact
 * ```ts
 * import type { ReportOptions } from "./model.ts";
 * const end = Date.now();
 * const options: ReportOptions = { start: end - 7 * 86_400_000, end, preset: "compact" };
 * ```
 */
export interface ReportOptions {
  /** First millisecond of the period. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /**
   * How much to show.
   *
   * @default {"full"}
   */
  preset?: ReportPreset;
  /**
   * Only series matching this filter (events and tests are not filtered).
   *
   * @default {{}}
   */
  filter?: SeriesFilter;
  /**
   * Host name shown.
   *
   * @default {the host of the store's newest run}
   */
  host?: string;
  /**
   * The clock, for the generation time.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/** Most series a heatmap section draws. */
const MAX_HEATMAPS = 8;

/**
 * Reads a period of a store into a report model.
 *
 * @param store An open store.
 * @param options Period, preset, filter, host.
 * @returns The model.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when the period is empty.
 *
 * @example A day of synthetic data: WiFi and Frankfurt stand out
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { buildReportModel } from "./model.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const model = buildReportModel(store, { start, end });
 * console.log(model.interfaces.problems, model.servers.problems); // [ "wlan0" ] [ "frankfurt" ]
 * store.close();
 * ```
 */
export function buildReportModel(store: Store, options: ReportOptions): ReportModel {
  const { start, end, preset = "full", filter = {} } = options;
  if (!Number.isFinite(start) || !Number.isFinite(end) || !(start < end)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Report period "${start}" to "${end}" is empty: start must be before end`,
    );
  }
  const generatedAt = (options.now ?? Date.now)();
  const host = options.host ?? newestHost(store) ?? "unknown host";
  const runs = store.runs();
  const kinds = recordedKinds(runs);
  const bucketMs = chooseBucket(end - start);

  const all = store.findSeries(filter);
  const byRole = new Map<SeriesRole, SeriesEntry[]>();
  for (const series of all) {
    const role = roleOf(series);
    byRole.set(role, [...byRole.get(role) ?? [], series]);
  }
  const loaded: {
    series: SeriesEntry;
    role: SeriesRole;
    label: string;
    rows: RollupRow[];
    bucketMs: number;
  }[] = [];
  for (const role of ["latency", "dns", "throughput", "other"] as const) {
    const entries = byRole.get(role) ?? [];
    // Throughput tests come in bursts: a bucket holding any of their samples is enough.
    const read = readBuckets(store, entries, start, end, bucketMs, role === "throughput" ? 1 : 10);
    const withData = entries.filter((s) => read.rows.has(s.id));
    const labels = seriesLabels(withData);
    withData.forEach((series, i) =>
      loaded.push({
        series,
        role,
        label: labels[i]!,
        rows: read.rows.get(series.id)!,
        bucketMs: read.bucketMs,
      })
    );
  }
  loaded.sort((a, b) =>
    ROLES.indexOf(a.role) - ROLES.indexOf(b.role) ||
    a.series.interface.localeCompare(b.series.interface) || a.label.localeCompare(b.label)
  );
  const histograms = new Map(
    store.rollupHistogram({ seriesIds: loaded.map((l) => l.series.id), start, end })
      .map((h) => [h.seriesId, h]),
  );
  const series = loaded.map((l) =>
    summarize(l.series, l.role, l.label, l.rows, histograms.get(l.series.id), kinds)
  );
  const latency = series.filter((s) => s.role === "latency");
  const interfaces = interfaceVerdict(
    latency.filter((s) => s.interface !== "").map((s) => ({
      interface: s.interface,
      kind: s.interfaceKind ?? interfaceKind(s.interface, kinds),
      plugin: s.plugin,
      target: s.target,
      server: s.server,
      metric: s.metric,
      medianMs: s.p50,
      jitterMs: s.jitter,
      count: s.count,
      lost: s.lost,
    })),
  );
  const servers = serverVerdict(
    latency.filter((s) => s.server !== "").map((s) => ({
      server: s.server,
      plugin: s.plugin,
      target: s.target,
      interface: s.interface,
      metric: s.metric,
      medianMs: s.p50,
      jitterMs: s.jitter,
      count: s.count,
      lost: s.lost,
    })),
  );
  const events = store.events({ start, end });
  const alerts = summarizeAlerts(events, { start, end });
  const tests = store.testResults({ start, end });
  const bufferbloat = summarizeBufferbloat(tests.filter((t) => t.plugin === "bufferbloat"));
  const content = REPORT_PRESETS[preset];
  const heatmaps = content.charts.includes("daily_heatmap")
    ? readHeatmaps(
      store,
      loaded.filter((l) => l.role === "latency").slice(0, MAX_HEATMAPS),
      start,
      end,
    )
    : [];
  const manifest = buildManifest({
    start,
    end,
    generatedAt,
    toolVersion: VERSION,
    storePath: store.path,
    schemaVersion: schemaVersion(store.db),
    series: loaded.map((l) => ({
      key: { ...l.series, label: l.label },
      bucketMs: l.bucketMs,
      rows: l.rows,
      histogram: histograms.get(l.series.id),
    })),
    events,
    testResults: tests,
    runs,
  });
  return {
    title: `Network report: ${host}`,
    host,
    start,
    end,
    periodLabel: formatPeriod(start, end),
    generatedAt,
    preset,
    redacted: false,
    bucketMs,
    findings: [interfaces.sentence, servers.sentence, bufferbloat.sentence, alerts.sentence],
    series,
    buckets: loaded.map(bucketColumns),
    histograms: loaded.filter((l) => l.role === "latency").flatMap((l) => {
      const histogram = histograms.get(l.series.id);
      if (histogram === undefined || histogram.okCount === 0) return [];
      return [{
        label: l.label,
        values: histogram.bins.map((bin) => round(bin.value)),
        counts: histogram.bins.map((bin) => bin.count),
      }];
    }),
    heatmaps,
    interfaces,
    servers,
    alerts,
    bufferbloat,
    charts: [...content.charts],
    manifest,
  };
}

const ROLES: readonly SeriesRole[] = ["latency", "dns", "throughput", "other"];

/**
 * What a series measures.
 *
 * @param series Its key.
 * @returns Its role.
 *
 * @example Two roles
 * ```ts
 * import { roleOf } from "./model.ts";
 * const key = { target: "", interface: "", server: "" };
 * console.log(roleOf({ ...key, plugin: "dns", metric: "resolve_time", unit: "ms" }), roleOf({ ...key, plugin: "udp-echo", metric: "owd_up", unit: "ms" }));
 * // dns other
 * ```
 */
export function roleOf(series: Pick<SeriesEntry, "plugin" | "metric" | "unit">): SeriesRole {
  if (series.plugin === "dns" || series.metric === "resolve_time") return "dns";
  if (series.metric === "rtt" && series.unit === "ms") return "latency";
  if (isThroughputUnit(series.unit)) return "throughput";
  return "other";
}

/**
 * Reads buckets of some series; when the median bucket holds fewer than `minSamples`
 * samples (probes far apart), reads again with wider buckets.
 */
function readBuckets(
  store: Store,
  series: readonly SeriesEntry[],
  start: number,
  end: number,
  bucketMs: number,
  minSamples: number,
): { rows: Map<number, RollupRow[]>; bucketMs: number } {
  const seriesIds = series.map((s) => s.id);
  let width = bucketMs;
  let rows = seriesIds.length === 0
    ? []
    : store.rollupAggregate({ seriesIds, start, end, bucketMs });
  for (;;) {
    const counts = rows.map((row) => row.count).sort((a, b) => a - b);
    const typical = counts[Math.floor(counts.length / 2)];
    if (typical === undefined || typical >= minSamples) break;
    const wider = widerBucket(width, width * minSamples / typical);
    if (wider >= end - start) break;
    width = wider;
    rows = store.rollupAggregate({ seriesIds, start, end, bucketMs: width });
  }
  const bySeries = new Map<number, RollupRow[]>();
  for (const row of rows) bySeries.set(row.seriesId, [...bySeries.get(row.seriesId) ?? [], row]);
  return { rows: bySeries, bucketMs: width };
}

function summarize(
  series: SeriesEntry,
  role: SeriesRole,
  label: string,
  rows: readonly RollupRow[],
  histogram: SeriesHistogram | undefined,
  kinds: ReadonlyMap<string, InterfaceKind>,
): SeriesSummary {
  let count = 0, lost = 0, okCount = 0, sum = 0, ipdvSum = 0, ipdvCount = 0;
  let min: number | null = null, max: number | null = null;
  for (const row of rows) {
    count += row.count;
    lost += row.lost;
    okCount += row.okCount;
    if (row.avg !== null) sum += row.avg * row.okCount;
    if (row.ipdv !== null) {
      ipdvSum += row.ipdv * (row.okCount - 1);
      ipdvCount += row.okCount - 1;
    }
    if (row.min !== null && (min === null || row.min < min)) min = row.min;
    if (row.max !== null && (max === null || row.max > max)) max = row.max;
  }
  const quantile = (p: number) => histogram === undefined ? null : histogramQuantile(histogram, p);
  return {
    id: series.id,
    role,
    label,
    plugin: series.plugin,
    target: series.target,
    interface: series.interface,
    interfaceKind: series.interface === "" ? null : interfaceKind(series.interface, kinds),
    server: series.server,
    metric: series.metric,
    unit: series.unit,
    count,
    lost,
    lossPct: count > 0 ? lost / count * 100 : null,
    min,
    avg: okCount > 0 ? sum / okCount : null,
    p50: quantile(50),
    p95: quantile(95),
    p99: quantile(99),
    max,
    jitter: ipdvCount > 0 ? ipdvSum / ipdvCount : null,
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const roundOrNull = (value: number | null) => value === null ? null : round(value);

function bucketColumns(
  { series, role, label, rows, bucketMs }: {
    series: SeriesEntry;
    role: SeriesRole;
    label: string;
    rows: readonly RollupRow[];
    bucketMs: number;
  },
): SeriesBuckets {
  return {
    id: series.id,
    role,
    label,
    unit: series.unit,
    bucketMs,
    t: rows.map((row) => row.bucketStart),
    avg: rows.map((row) => roundOrNull(row.avg)),
    p50: rows.map((row) => roundOrNull(row.p50)),
    p95: rows.map((row) => roundOrNull(row.p95)),
    min: rows.map((row) => roundOrNull(row.min)),
    max: rows.map((row) => roundOrNull(row.max)),
    lossPct: rows.map((row) => row.count > 0 ? round(row.lost / row.count * 100) : null),
    ipdv: rows.map((row) => roundOrNull(row.ipdv)),
  };
}

function readHeatmaps(
  store: Store,
  series: readonly { series: SeriesEntry; label: string }[],
  start: number,
  end: number,
): Heatmap[] {
  if (series.length === 0) return [];
  const rows = store.rollupAggregate({
    seriesIds: series.map((s) => s.series.id),
    start,
    end,
    bucketMs: HOUR_MS,
  });
  const firstDay = Math.floor(start / DAY_MS) * DAY_MS;
  const days: string[] = [];
  for (let day = firstDay; day < end; day += DAY_MS) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return series.map(({ series: s, label }) => {
    const z = days.map(() => Array<number | null>(24).fill(null));
    for (const row of rows) {
      if (row.seriesId !== s.id || row.avg === null) continue;
      const day = Math.floor((row.bucketStart - firstDay) / DAY_MS);
      const hour = new Date(row.bucketStart).getUTCHours();
      z[day]![hour] = round(row.avg);
    }
    return { label, days, z };
  });
}
