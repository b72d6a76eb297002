/**
 * The metrics the Prometheus exporter emits: one list, read by the exporter, the Grafana
 * dashboard's test and the README.
 *
 * Labels of per-series metrics: `plugin`, `metric`, `target`, `interface` (`""` for the
 * default route) and `server` (a server name, dns's resolver, or `""`).
 *
 * @module
 */

/**
 * Labels of a per-series metric.
 *
 * @example
 * ```ts
 * import { SERIES_LABELS } from "./metric_names.ts";
 * console.log(SERIES_LABELS.join(",")); // plugin,metric,target,interface,server
 * ```
 */
export const SERIES_LABELS = ["plugin", "metric", "target", "interface", "server"] as const;

/**
 * Labels of a per-test metric.
 *
 * @example
 * ```ts
 * import { TEST_LABELS } from "./metric_names.ts";
 * console.log(TEST_LABELS.length); // 4
 * ```
 */
export const TEST_LABELS = ["plugin", "target", "interface", "server"] as const;

/**
 * One exported metric: its name, type, help text and labels.
 *
 * @example
 * ```ts
 * import type { ExportedMetric } from "./metric_names.ts";
 * const metric: ExportedMetric = { name: "bufferbane_up", type: "gauge", help: "1", labels: [] };
 * ```
 */
export interface ExportedMetric {
  /** Metric name. */
  name: string;
  /** Prometheus type. */
  type: "gauge" | "counter" | "histogram";
  /** HELP text. */
  help: string;
  /** Label names. */
  labels: readonly string[];
}

/**
 * Every metric the exporter emits, by key.
 *
 * @example The latency histogram
 * ```ts
 * import { PROMETHEUS_METRICS } from "./metric_names.ts";
 * console.log(PROMETHEUS_METRICS.latency.name, PROMETHEUS_METRICS.latency.type); // bufferbane_latency_ms histogram
 * ```
 */
export const PROMETHEUS_METRICS = {
  latency: {
    name: "bufferbane_latency_ms",
    type: "histogram",
    help: "Answered probes of metrics measured in ms (icmp and udp-echo rtt, dns resolve_time, " +
      "one-way delays), by series",
    labels: SERIES_LABELS,
  },
  latencyLast: {
    name: "bufferbane_latency_last_ms",
    type: "gauge",
    help: "Value of the last answered probe of a metric measured in ms",
    labels: SERIES_LABELS,
  },
  probes: {
    name: "bufferbane_probes_total",
    type: "counter",
    help: "Probes by outcome: ok (answered), lost (no answer in time, counts as loss), " +
      "failed (an error on our side)",
    labels: [...SERIES_LABELS, "status"],
  },
  loss: {
    name: "bufferbane_loss_percent",
    type: "gauge",
    help: "Lost / (ok + lost) * 100 over the exporter's loss_window (ending at the series' " +
      "newest probe), for metrics measured in ms",
    labels: SERIES_LABELS,
  },
  jitter: {
    name: "bufferbane_jitter_ms",
    type: "gauge",
    help: "RFC 3550 interarrival jitter of the answered values over the loss_window",
    labels: SERIES_LABELS,
  },
  throughput: {
    name: "bufferbane_throughput_mbps",
    type: "gauge",
    help: "Last sample of a metric measured in Mbit/s (throughput download/upload, " +
      "bufferbloat goodput)",
    labels: SERIES_LABELS,
  },
  grade: {
    name: "bufferbane_bufferbloat_grade",
    type: "gauge",
    help: "Last bufferbloat grade as a number (A+ = 6, A = 5, B = 4, C = 3, D = 2, F = 1); " +
      "the letter is the grade label",
    labels: [...TEST_LABELS, "grade"],
  },
  tests: {
    name: "bufferbane_test_runs_total",
    type: "counter",
    help: "Bounded tests run, by status (ok or failed)",
    labels: [...TEST_LABELS, "status"],
  },
  alert: {
    name: "bufferbane_alert_level",
    type: "gauge",
    help: "Alert level of a series: 0 ok, 1 warn, 2 critical; detector is anomaly or threshold, " +
      "stat the rule's statistic (anomaly for the detector)",
    labels: [...SERIES_LABELS, "detector", "stat"],
  },
  confidence: {
    name: "bufferbane_anomaly_confidence",
    type: "gauge",
    help: "The anomaly detector's last confidence for a series, 0 to 1 (warn and critical at the " +
      "recipe's thresholds, 0.5 and 0.9 by default)",
    labels: SERIES_LABELS,
  },
  runInfo: {
    name: "bufferbane_run_info",
    type: "gauge",
    help: "1 while a recipe runs, with the run's id, the recipe's name and the version",
    labels: ["run_id", "recipe", "version"],
  },
} as const satisfies Record<string, ExportedMetric>;
