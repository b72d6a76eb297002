/**
 * The run manifest of a report: what it was made from, so a reader can tell two reports of
 * the same data apart from two reports of different data. Period, when and by which version
 * it was made, the store and its schema version, every series with its sample count and a
 * SHA-256 of the figures read from it, the runs that recorded the period (with their recipe
 * hashes), and one SHA-256 over all the data.
 *
 * The hashes cover the data, not the presentation: the rollup rows and histograms read per
 * series (in a canonical JSON: keys sorted, series in store order), the events and the test
 * results of the period. Redaction, preset and generation time do not change them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type {
  RollupRow,
  RunRecord,
  SeriesHistogram,
  SeriesKey,
  StoredEvent,
  StoredTestResult,
} from "../store/mod.ts";

/**
 * One series in the manifest.
 *
 * @example A series of a week
 * ```ts
 * import type { ManifestSeries } from "./manifest.ts";
 * const series: ManifestSeries = {
 *   label: "vienna @wlan0", plugin: "icmp", target: "vienna", interface: "wlan0", server: "",
 *   metric: "rtt", unit: "ms", samples: 604_800, lost: 13_910, sha256: "ab12…",
 * };
 * ```
 */
export interface ManifestSeries extends SeriesKey {
  /** Its label in the report. */
  label: string;
  /** Samples in the period, lost ones included. */
  samples: number;
  /** Samples lost or failed. */
  lost: number;
  /** SHA-256 (hex) of the canonical JSON of the rows and histogram read. */
  sha256: string;
}

/**
 * One run that recorded data in the period.
 *
 * @example A run with its interfaces
 * ```ts
 * import type { ManifestRun } from "./manifest.ts";
 * const run: ManifestRun = {
 *   id: 1, recipeName: "home", recipeHash: "e3b0…", toolVersion: "0.1.0", host: "box",
 *   status: "completed", startedAt: "2026-10-24T00:00:00.000Z", endedAt: null,
 *   interfaces: [{ name: "wlan0", kind: "wifi" }],
 * };
 * ```
 */
export interface ManifestRun {
  /** Run id. */
  id: number;
  /** Recipe name. */
  recipeName: string;
  /** SHA-256 of the recipe text as supplied. */
  recipeHash: string;
  /** Version of bufferbane that recorded it. */
  toolVersion: string;
  /** Host that recorded it. */
  host: string;
  /** How it ended (or `"running"`). */
  status: string;
  /** Start, ISO 8601. */
  startedAt: string;
  /** End, ISO 8601, `null` while running. */
  endedAt: string | null;
  /** The interfaces it used, with their kinds as recorded. */
  interfaces: { name: string; kind: string }[];
}

/**
 * The manifest.
 *
 * @example Printing the data hash
 * ```ts ignore
 * import type { ReportManifest } from "./manifest.ts";
 * declare const manifest: ReportManifest;
 * console.log(manifest.dataSha256);
 * ```
 */
export interface ReportManifest {
  /** First millisecond of the period, ISO 8601. */
  start: string;
  /** First millisecond after it, ISO 8601. */
  end: string;
  /** When the report was made, ISO 8601. */
  generatedAt: string;
  /** Version of bufferbane that made it. */
  toolVersion: string;
  /** The store it was read from. */
  storePath: string;
  /** The store's schema version. */
  schemaVersion: number;
  /** Every series read. */
  series: ManifestSeries[];
  /** Events in the period. */
  events: number;
  /** Test results in the period. */
  testResults: number;
  /** The runs that overlap the period. */
  runs: ManifestRun[];
  /** SHA-256 over all the data the report was made from. */
  dataSha256: string;
}

/**
 * What {@linkcode buildManifest} reads.
 *
 * @example An empty input
 * ```ts
 * import type { ManifestInput } from "./manifest.ts";
 * const input: ManifestInput = {
 *   start: 0, end: 3_600_000, generatedAt: 3_600_000, toolVersion: "0.1.0", storePath: ":memory:",
 *   schemaVersion: 3, series: [], events: [], testResults: [], runs: [],
 * };
 * ```
 */
export interface ManifestInput {
  /** First millisecond of the period. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /** When the report is made. */
  generatedAt: number;
  /** Version of bufferbane. */
  toolVersion: string;
  /** The store's path. */
  storePath: string;
  /** The store's schema version. */
  schemaVersion: number;
  /** Each series read: its key and label, the bucket width, the rows and the histogram. */
  series: readonly {
    key: SeriesKey & { label: string };
    bucketMs: number;
    rows: readonly RollupRow[];
    histogram?: SeriesHistogram | undefined;
  }[];
  /** Events of the period. */
  events: readonly StoredEvent[];
  /** Test results of the period. */
  testResults: readonly StoredTestResult[];
  /** Every run of the store (those overlapping the period are listed). */
  runs: readonly RunRecord[];
}

/**
 * JSON with object keys sorted at every level, so equal data gives equal text.
 *
 * @param value Plain data.
 * @returns The text.
 *
 * @example Keys in order
 * ```ts
 * import { canonicalJson } from "./manifest.ts";
 * console.log(canonicalJson({ b: 1, a: [{ d: null, c: "x" }] })); // {"a":[{"c":"x","d":null}],"b":1}
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item) =>
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : item,
  );
}

/**
 * SHA-256 of a text (UTF-8), lowercase hex.
 *
 * @param text The text.
 * @returns 64 hex digits.
 *
 * @example The hash of nothing
 * ```ts
 * import { sha256Hex } from "./manifest.ts";
 * console.log(sha256Hex("")); // e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 * ```
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const ROW_FIELDS = [
  "bucketStart",
  "count",
  "lost",
  "okCount",
  "min",
  "avg",
  "max",
  "p50",
  "p95",
  "p99",
  "stddev",
  "ipdv",
] as const;

/**
 * Builds the manifest.
 *
 * @param input What the report read.
 * @returns The manifest.
 *
 * @example The same data gives the same hash
 * ```ts
 * import { buildManifest } from "./manifest.ts";
 * const input = {
 *   start: 0, end: 3_600_000, generatedAt: 0, toolVersion: "0.1.0", storePath: "a.db", schemaVersion: 3,
 *   events: [], testResults: [], runs: [],
 *   series: [{ key: { plugin: "icmp", target: "a", interface: "", server: "", metric: "rtt", unit: "ms", label: "a" }, bucketMs: 60_000, rows: [] }],
 * };
 * const a = buildManifest(input);
 * const b = buildManifest({ ...input, generatedAt: 5, storePath: "copy.db" });
 * console.log(a.dataSha256 === b.dataSha256, a.series[0]?.samples); // true 0
 * ```
 */
export function buildManifest(input: ManifestInput): ReportManifest {
  const series = input.series.map(({ key, bucketMs, rows, histogram }): ManifestSeries => {
    const { plugin, target, interface: iface, server, metric, unit } = key;
    const data = {
      key: { plugin, target, interface: iface, server, metric, unit },
      bucketMs,
      rows: rows.map((row) => ROW_FIELDS.map((field) => row[field])),
      histogram: histogram === undefined ? null : [
        histogram.count,
        histogram.lost,
        histogram.okCount,
        histogram.min,
        histogram.max,
        histogram.bins.map((bin) => [bin.value, bin.count]),
      ],
    };
    return {
      label: key.label,
      plugin,
      target,
      interface: iface,
      server,
      metric,
      unit,
      samples: rows.reduce((sum, row) => sum + row.count, 0),
      lost: rows.reduce((sum, row) => sum + row.lost, 0),
      sha256: sha256Hex(canonicalJson(data)),
    };
  });
  const events = input.events.map((e) => [e.ts, e.kind, e.severity, e.message, e.data]);
  const tests = input.testResults.map((t) => [
    t.ts,
    t.plugin,
    t.target,
    t.interface,
    t.server,
    t.durationMs,
    t.status,
    t.grade,
    t.summary,
  ]);
  const dataSha256 = sha256Hex(canonicalJson({
    start: input.start,
    end: input.end,
    series: series.map((s) => s.sha256),
    events,
    tests,
  }));
  const runs = input.runs
    .filter((run) => run.startedAt < input.end && (run.endedAt ?? Infinity) > input.start)
    .map((run): ManifestRun => ({
      id: run.id,
      recipeName: run.recipeName,
      recipeHash: run.recipeHash,
      toolVersion: run.toolVersion,
      host: run.host,
      status: run.status,
      startedAt: new Date(run.startedAt).toISOString(),
      endedAt: run.endedAt === null ? null : new Date(run.endedAt).toISOString(),
      interfaces: usedInterfaces(run),
    }));
  return {
    start: new Date(input.start).toISOString(),
    end: new Date(input.end).toISOString(),
    generatedAt: new Date(input.generatedAt).toISOString(),
    toolVersion: input.toolVersion,
    storePath: input.storePath,
    schemaVersion: input.schemaVersion,
    series,
    events: input.events.length,
    testResults: input.testResults.length,
    runs,
    dataSha256,
  };
}

function usedInterfaces(run: RunRecord): { name: string; kind: string }[] {
  const used = run.effectiveRecipe.used_interfaces;
  if (!Array.isArray(used)) return [];
  return (used as unknown[]).flatMap((entry) => {
    const { name, kind } = (entry ?? {}) as { name?: unknown; kind?: unknown };
    return typeof name === "string" ? [{ name, kind: typeof kind === "string" ? kind : "" }] : [];
  });
}
