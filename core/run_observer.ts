/**
 * How a run reports what happens, separated from the engine (irtt style): the runner calls an
 * observer; the live table, the NDJSON stream and the final summary printer are observers.
 *
 * @module
 */
import type { EventSeverity, Sample, TestResult } from "./contract.ts";

/**
 * The identity of a stored series.
 *
 * @example
 * ```ts
 * import type { SeriesLabel } from "./run_observer.ts";
 * const label: SeriesLabel = {
 *   plugin: "dns", target: "example.com", interface: "", server: "system",
 *   metric: "resolve_time", unit: "ms", primary: true,
 * };
 * ```
 */
export interface SeriesLabel {
  /** Plugin id. */
  plugin: string;
  /** Target as written. */
  target: string;
  /** Interface name, `""` for the default route. */
  interface: string;
  /** Server name or plugin label (dns: the resolver), `""` when none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** Unit of the metric. */
  unit: string;
  /** Whether this is the plugin's primary metric (shown live). */
  primary: boolean;
}

/**
 * An event as the runner reports it (also stored).
 *
 * @example
 * ```ts
 * import type { RunEvent } from "./run_observer.ts";
 * const event: RunEvent = { timestamp: 0, kind: "alert", severity: "warn", message: "High RTT" };
 * ```
 */
export interface RunEvent {
  /** When, ms since the epoch. */
  timestamp: number;
  /** `"alert"`, `"plugin_error"`, `"missed_slots"`, `"store_error"`, ... */
  kind: string;
  /** Severity. */
  severity: EventSeverity;
  /** One human line. */
  message: string;
  /** The series it concerns, if any. */
  series?: SeriesLabel;
  /** Structured detail, stored as JSON (alerts: series id, levels, figures). */
  data?: Record<string, unknown>;
}

/**
 * Where a bounded test ran: its plugin, target, interface and server.
 *
 * @example
 * ```ts
 * import type { TestLabel } from "./run_observer.ts";
 * const label: TestLabel = { plugin: "bufferbloat", target: "", interface: "", server: "local" };
 * ```
 */
export type TestLabel = Pick<SeriesLabel, "plugin" | "target" | "interface" | "server">;

/**
 * Totals of one series over a run.
 *
 * @example
 * ```ts
 * import type { SeriesSummary } from "./run_observer.ts";
 * ```
 */
export interface SeriesSummary {
  /** The series. */
  series: SeriesLabel;
  /** Probes that count for loss: ok + lost (failed ones are our own errors, in `failed`). */
  sent: number;
  /** Answers received (ok). */
  received: number;
  /** Probes without an answer in time. */
  lost: number;
  /** Probes that failed on our side. */
  failed: number;
  /** lost / (ok + lost) * 100, `null` without probes. */
  lossPct: number | null;
  /** Minimum of ok values. */
  min: number | null;
  /** Mean of ok values. */
  avg: number | null;
  /** Median of ok values. */
  p50: number | null;
  /** 95th percentile of ok values. */
  p95: number | null;
  /** 99th percentile of ok values. */
  p99: number | null;
  /** Maximum of ok values. */
  max: number | null;
  /** RFC 3550 jitter of ok values. */
  jitter: number | null;
  /** Schedule slots skipped because they could not be sent on time. */
  missedSlots: number;
  /** Why samples were lost or failed, with counts, most frequent first. */
  reasons: { reason: string; count: number }[];
}

/**
 * What a finished run reports.
 *
 * @example
 * ```ts
 * import type { RunSummary } from "./run_observer.ts";
 * ```
 */
export interface RunSummary {
  /** Run id in the store. */
  runId: number;
  /** Recipe name. */
  recipe: string;
  /** Store path. */
  storePath: string;
  /** Start, ms since the epoch. */
  startedAt: number;
  /** End, ms since the epoch. */
  endedAt: number;
  /** `"completed"` or `"interrupted"` (stopped before its duration). */
  status: "completed" | "interrupted";
  /** Why it stopped: `"duration"`, `"SIGINT"`, `"SIGTERM"`, `"aborted"`. */
  stopReason: string;
  /** Per-series totals, primary metrics first. */
  series: SeriesSummary[];
  /** Test results recorded during the run. */
  tests: {
    plugin: string;
    target: string;
    /** Where it ran: ` via SERVER`, ` on INTERFACE`, or both (empty for neither). */
    where?: string;
    status: string;
    grade?: string;
    headline?: string;
  }[];
  /** Alerts still raised at the end. */
  activeAlerts: string[];
  /** Events by kind. */
  eventCounts: Record<string, number>;
  /** Notes about how the recipe was applied (e.g. a plugin that cannot bind interfaces). */
  notes: string[];
  /** Rows that could not be written to the store (kept in memory were retried; this counts losses). */
  droppedRows: number;
}

/**
 * Receives what happens during a run. Every method is optional.
 *
 * @example Counting samples
 * ```ts
 * import type { RunObserver } from "./run_observer.ts";
 * let count = 0;
 * const observer: RunObserver = { onSample: () => count++ };
 * ```
 */
export interface RunObserver {
  /** The run started with these series sources. */
  onStart?(info: { runId: number; recipe: string; jobs: number; notes: string[] }): void;
  /** A sample arrived. */
  onSample?(series: SeriesLabel, sample: Sample): void;
  /** An event (alert raise/clear, plugin error, store error). */
  onEvent?(event: RunEvent): void;
  /** A bounded test finished with this result. */
  onTestResult?(test: TestLabel, result: TestResult): void;
  /** The run ended; the store is flushed. */
  onStop?(summary: RunSummary): void;
}
