/**
 * The JSON body a webhook receives for an alert event: where it happened (run, host, series:
 * plugin, target, interface, server, metric), what (severity, levels, message), and the figures
 * behind it (the anomaly detector's values and baseline, or a threshold rule's statistic).
 *
 * @module
 */
import type { RunEvent } from "../run_observer.ts";
import { VERSION } from "../version.ts";

/**
 * What a webhook delivery knows about the run.
 *
 * @example
 * ```ts
 * import type { WebhookContext } from "./payload.ts";
 * const context: WebhookContext = { runId: 3, recipe: "home", host: "probe-1" };
 * ```
 */
export interface WebhookContext {
  /** The run's id in the store. */
  runId: number;
  /** The recipe's name. */
  recipe: string;
  /** Host name of the prober. */
  host: string;
}

/**
 * The body of a webhook POST.
 *
 * @example Reading a delivery in a receiver
 * ```ts ignore
 * const payload = await request.json() as WebhookPayload;
 * console.log(payload.alert.severity, payload.series.target, payload.values);
 * ```
 */
export interface WebhookPayload {
  /** Always `"bufferbane"`. */
  source: "bufferbane";
  /** bufferbane's version. */
  version: string;
  /** The run. */
  run: { id: number; recipe: string; host: string };
  /** The alert. */
  alert: {
    /** `"anomaly"` or `"threshold"`. */
    detector: string;
    /** `"warn"`, `"critical"` or `"clear"`. */
    severity: string;
    /** Level before. */
    from: string | null;
    /** Level after. */
    to: string | null;
    /** For anomalies: `raised`, `escalated`, `cleared` or `adapted`. */
    reason: string | null;
    /** One readable line. */
    message: string;
    /** When, ms since the epoch. */
    timestamp: number;
    /** When, ISO 8601. */
    time: string;
  };
  /** The series. */
  series: {
    id: string | null;
    plugin: string;
    target: string;
    interface: string;
    server: string;
    metric: string;
    unit: string;
  };
  /** Anomalies: fused confidence in [0, 1]; `null` for threshold alerts. */
  confidence: number | null;
  /** The figures that caused it. */
  values: Record<string, unknown>;
  /** Anomalies: the baseline it was judged against; `null` for threshold alerts. */
  baseline: Record<string, unknown> | null;
}

/**
 * The detector that raised an alert event: `"anomaly"` when its data says so, else
 * `"threshold"`.
 *
 * @param event An event of kind `"alert"`.
 * @returns The detector.
 *
 * @example
 * ```ts
 * import { alertDetector } from "./payload.ts";
 * console.log(alertDetector({ timestamp: 0, kind: "alert", severity: "warn", message: "x" })); // threshold
 * ```
 */
export function alertDetector(event: RunEvent): "anomaly" | "threshold" {
  return event.data?.detector === "anomaly" ? "anomaly" : "threshold";
}

/**
 * Builds the body for an alert event.
 *
 * @param event The alert event (its `data` as the run records it).
 * @param context The run.
 * @returns The payload.
 *
 * @example A threshold alert
 * ```ts
 * import { webhookPayload } from "./payload.ts";
 * const payload = webhookPayload({
 *   timestamp: 0, kind: "alert", severity: "warn", message: "dns resolve_time p95 high",
 *   series: { plugin: "dns", target: "example.com", interface: "", server: "system", metric: "resolve_time", unit: "ms", primary: true },
 *   data: { series: "4", stat: "p95", value: 132.4, warn: 100, critical: null, window: 60000, from: "ok", to: "warn" },
 * }, { runId: 1, recipe: "home", host: "probe-1" });
 * console.log(payload.alert.detector, payload.series.target, payload.values.value); // threshold example.com 132.4
 * ```
 */
export function webhookPayload(event: RunEvent, context: WebhookContext): WebhookPayload {
  const data = event.data ?? {};
  const text = (key: string) => typeof data[key] === "string" ? data[key] as string : null;
  const detector = alertDetector(event);
  const series = event.series;
  let values: Record<string, unknown>;
  if (detector === "anomaly") {
    values = (data.values ?? {}) as Record<string, unknown>;
  } else {
    values = {
      stat: data.stat ?? null,
      value: data.value ?? null,
      window: data.window ?? null,
      warn: data.warn ?? null,
      critical: data.critical ?? null,
    };
  }
  return {
    source: "bufferbane",
    version: VERSION,
    run: { id: context.runId, recipe: context.recipe, host: context.host },
    alert: {
      detector,
      severity: event.severity,
      from: text("from"),
      to: text("to"),
      reason: text("reason"),
      message: event.message,
      timestamp: event.timestamp,
      time: new Date(event.timestamp).toISOString(),
    },
    series: {
      id: text("series"),
      plugin: series?.plugin ?? text("plugin") ?? "",
      target: series?.target ?? text("target") ?? "",
      interface: series?.interface ?? text("interface") ?? "",
      server: series?.server ?? text("server") ?? "",
      metric: series?.metric ?? text("metric") ?? "",
      unit: series?.unit ?? text("unit") ?? "",
    },
    confidence: typeof data.confidence === "number" ? data.confidence : null,
    values,
    baseline: detector === "anomaly"
      ? (data.baseline ?? null) as Record<string, unknown> | null
      : null,
  };
}
