/**
 * The Prometheus exporter: a run observer that turns samples, test results and alert events
 * into the metrics of `metric_names.ts`, and serves them in the text exposition format on
 * `/metrics` with `Deno.serve`. The metrics library (`prom-client`) is imported only when an
 * exporter starts, so the CLI does not pay for it otherwise.
 *
 * @module
 */
import type { Sample, TestResult } from "../../core/contract.ts";
import { BufferbaneError, ErrorCode } from "../../core/errors.ts";
import type { RecipePrometheusExport } from "../../core/recipe_schema.ts";
import type { RunEvent, RunObserver, SeriesLabel, TestLabel } from "../../core/run_observer.ts";
import { lossPercent } from "../../core/stats/loss.ts";
import { rfc3550Jitter } from "../../core/stats/jitter.ts";
import { TimeWindow } from "../../core/stats/time_window.ts";
import { type BufferbloatGrade, gradePoints } from "../../bufferbloat/grade.ts";
import { BUFFERBLOAT_GRADES } from "../../charts/bufferbloat_summary.ts";
import { VERSION } from "../../core/version.ts";
import { PROMETHEUS_METRICS as M } from "./metric_names.ts";

type PromClient = typeof import("prom-client");
type Labels = Record<string, string>;

/**
 * What {@linkcode startPrometheusExporter} needs.
 *
 * @example An exporter on a free loopback port
 * ```ts
 * import type { PrometheusExporterOptions } from "./exporter.ts";
 * const options: PrometheusExporterOptions = {
 *   listen: { hostname: "127.0.0.1", port: 0 }, loss_window: 60_000, linger: 0,
 *   latency_buckets: [1, 10, 100], runId: 1, recipe: "home",
 * };
 * ```
 */
export interface PrometheusExporterOptions extends RecipePrometheusExport {
  /** The run's id, for `bufferbane_run_info`. */
  runId: number;
  /** The recipe's name, for `bufferbane_run_info`. */
  recipe: string;
  /**
   * The anomaly detector's last confidence per series, read at each scrape (absent: no
   * `bufferbane_anomaly_confidence`).
   *
   * @default undefined
   */
  anomalyConfidences?: () => Iterable<{
    key: Omit<SeriesLabel, "unit" | "primary">;
    confidence: number;
  }>;
}

/** What the exporter keeps per series. */
interface SeriesState {
  labels: Labels;
  window: TimeWindow;
}

/**
 * A started exporter: an observer to give the run, its URL, and `close()`.
 *
 * @example Scraping it
 * ```ts ignore
 * const text = await (await fetch(exporter.url)).text();
 * ```
 */
export interface PrometheusExporter {
  /** Feed it the run's samples, events and test results. */
  observer: RunObserver;
  /** The URL of `/metrics` (the real port when `listen` asked for port 0). */
  url: string;
  /** The metrics as text, as a scrape would get them. */
  metrics(): Promise<string>;
  /** Stops serving, after `linger` ms (the final values stay scrapable that long). */
  close(): Promise<void>;
}

/** Turns run events and samples into metrics in a registry. */
function buildMetrics(client: PromClient, options: PrometheusExporterOptions) {
  const registry = new client.Registry();
  const series = new Map<string, SeriesState>();
  const labelNames = <T extends { labels: readonly string[] }>(metric: T) => [...metric.labels];
  const latency = new client.Histogram({
    name: M.latency.name,
    help: M.latency.help,
    labelNames: labelNames(M.latency),
    buckets: [...options.latency_buckets],
    registers: [registry],
  });
  const latencyLast = new client.Gauge({
    name: M.latencyLast.name,
    help: M.latencyLast.help,
    labelNames: labelNames(M.latencyLast),
    registers: [registry],
  });
  const probes = new client.Counter({
    name: M.probes.name,
    help: M.probes.help,
    labelNames: labelNames(M.probes),
    registers: [registry],
  });
  // Loss and jitter are computed at scrape time from each series' window.
  new client.Gauge({
    name: M.jitter.name,
    help: M.jitter.help,
    labelNames: labelNames(M.jitter),
    registers: [registry],
    collect() {
      for (const state of series.values()) {
        const values = state.window.okValues();
        if (values.length >= 2) this.set(state.labels, rfc3550Jitter(values));
      }
    },
  });
  new client.Gauge({
    name: M.loss.name,
    help: M.loss.help,
    labelNames: labelNames(M.loss),
    registers: [registry],
    collect() {
      for (const state of series.values()) {
        const counts = state.window.counts();
        if (counts.ok + counts.lost > 0) this.set(state.labels, lossPercent(counts));
      }
    },
  });
  const throughput = new client.Gauge({
    name: M.throughput.name,
    help: M.throughput.help,
    labelNames: labelNames(M.throughput),
    registers: [registry],
  });
  const grade = new client.Gauge({
    name: M.grade.name,
    help: M.grade.help,
    labelNames: labelNames(M.grade),
    registers: [registry],
  });
  const tests = new client.Counter({
    name: M.tests.name,
    help: M.tests.help,
    labelNames: labelNames(M.tests),
    registers: [registry],
  });
  const alert = new client.Gauge({
    name: M.alert.name,
    help: M.alert.help,
    labelNames: labelNames(M.alert),
    registers: [registry],
  });
  const confidences = options.anomalyConfidences;
  if (confidences !== undefined) {
    new client.Gauge({
      name: M.confidence.name,
      help: M.confidence.help,
      labelNames: labelNames(M.confidence),
      registers: [registry],
      collect() {
        for (const { key, confidence } of confidences()) {
          this.set(seriesLabels(key), confidence);
        }
      },
    });
  }
  const runInfo = new client.Gauge({
    name: M.runInfo.name,
    help: M.runInfo.help,
    labelNames: labelNames(M.runInfo),
    registers: [registry],
  });
  runInfo.set({ run_id: String(options.runId), recipe: options.recipe, version: VERSION }, 1);

  const seriesLabels = (label: Omit<SeriesLabel, "unit" | "primary">): Labels => ({
    plugin: label.plugin,
    metric: label.metric,
    target: label.target,
    interface: label.interface,
    server: label.server,
  });
  const lastGrade = new Map<string, Labels>();
  const seen = new Set<string>();

  const observer: RunObserver = {
    onSample(label: SeriesLabel, sample: Sample) {
      const labels = seriesLabels(label);
      const key = JSON.stringify(labels);
      if (!seen.has(key)) {
        // Every outcome (and the histogram) exists from the first sample on, at 0, so that
        // rate() and "no answers yet" work without missing series.
        seen.add(key);
        for (const status of ["ok", "lost", "failed"]) probes.inc({ ...labels, status }, 0);
        if (label.unit === "ms") latency.zero(labels);
      }
      probes.inc({ ...labels, status: sample.status });
      if (label.unit === "ms") {
        let state = series.get(key);
        if (state === undefined) {
          state = { labels, window: new TimeWindow(options.loss_window) };
          series.set(key, state);
        }
        state.window.add(sample);
        if (sample.status === "ok" && sample.value !== null) {
          latency.observe(labels, sample.value);
          latencyLast.set(labels, sample.value);
        }
      } else if (label.unit === "Mbit/s" && sample.status === "ok" && sample.value !== null) {
        throughput.set(labels, sample.value);
      }
    },
    onTestResult(test: TestLabel, result: TestResult) {
      const labels: Labels = {
        plugin: test.plugin,
        target: test.target,
        interface: test.interface,
        server: test.server,
      };
      tests.inc({ ...labels, status: result.status });
      const letter = result.grade;
      if (letter === undefined || !(BUFFERBLOAT_GRADES as readonly string[]).includes(letter)) {
        return;
      }
      const key = JSON.stringify(labels);
      const previous = lastGrade.get(key);
      if (previous !== undefined) grade.remove(previous);
      const graded = { ...labels, grade: letter };
      lastGrade.set(key, graded);
      grade.set(graded, gradePoints(letter as BufferbloatGrade));
    },
    onEvent(event: RunEvent) {
      if (event.kind !== "alert" || event.series === undefined) return;
      const data = event.data ?? {};
      const level = event.severity === "critical" ? 2 : event.severity === "warn" ? 1 : 0;
      if (event.severity === "info") return;
      alert.set({
        ...seriesLabels(event.series),
        detector: data.detector === "anomaly" ? "anomaly" : "threshold",
        stat: typeof data.stat === "string" ? data.stat : "",
      }, level);
    },
  };
  return { registry, observer };
}

/**
 * Starts an exporter: imports the metrics library, builds the metrics and serves `/metrics`
 * on `options.listen`.
 *
 * @param options Listen address, loss window, buckets and the run.
 * @returns The started exporter.
 * @throws {BufferbaneError} `EXPORTER` when the address cannot be listened on.
 *
 * @example Serve, feed one sample, scrape, stop
 * ```ts
 * import { startPrometheusExporter } from "./exporter.ts";
 * const exporter = await startPrometheusExporter({
 *   listen: { hostname: "127.0.0.1", port: 0 }, loss_window: 60_000, linger: 0,
 *   latency_buckets: [1, 10, 100], runId: 1, recipe: "demo",
 * });
 * const label = {
 *   plugin: "icmp", target: "127.0.0.1", interface: "", server: "", metric: "rtt", unit: "ms",
 *   primary: true,
 * };
 * exporter.observer.onSample?.(label, { timestamp: Date.now(), metric: "rtt", value: 4.2, status: "ok" });
 * const text = await (await fetch(exporter.url)).text();
 * await exporter.close();
 * console.log(text.includes('bufferbane_latency_last_ms{plugin="icmp",metric="rtt",target="127.0.0.1",interface="",server=""} 4.2')); // true
 * ```
 */
export async function startPrometheusExporter(
  options: PrometheusExporterOptions,
): Promise<PrometheusExporter> {
  const client = await import("prom-client") as PromClient;
  const { registry, observer } = buildMetrics(client, options);
  const { hostname, port } = options.listen;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port, onListen() {} }, async (request) => {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method not allowed\n", { status: 405 });
      }
      if (path === "/metrics") {
        return new Response(await registry.metrics(), {
          headers: { "content-type": registry.contentType },
        });
      }
      if (path === "/") {
        return new Response("bufferbane exporter: see /metrics\n");
      }
      return new Response("Not found\n", { status: 404 });
    });
  } catch (error) {
    throw new BufferbaneError(
      ErrorCode.Exporter,
      `Cannot serve Prometheus metrics on "${hostname}:${port}": ${(error as Error).message}`,
      { hint: "choose another [export.prometheus] listen address", cause: error },
    );
  }
  const host = server.addr.hostname.includes(":")
    ? `[${server.addr.hostname}]`
    : server.addr.hostname;
  return {
    observer,
    url: `http://${host}:${server.addr.port}/metrics`,
    metrics: () => registry.metrics(),
    close: async () => {
      if (options.linger > 0) await new Promise((resolve) => setTimeout(resolve, options.linger));
      await server.shutdown();
    },
  };
}
