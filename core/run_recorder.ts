/**
 * The run recorder: where everything a run produces goes. It maps jobs' samples to stored
 * series, writes samples, events and test results through the batch writer, keeps per-series
 * accumulators and loss reasons for the summary, evaluates alerts, and tells the observer.
 *
 * @module
 */
import type { PluginEvent, Sample, TestResult } from "./contract.ts";
import type { DriverSink } from "./driver.ts";
import type { Job } from "./job.ts";
import { type AlertEngine, alertEvent } from "./alerts.ts";
import { type AnomalyDetector, anomalyEvent } from "./anomaly/mod.ts";
import type { RunEvent, RunObserver, RunSummary, SeriesLabel } from "./run_observer.ts";
import { SeriesAccumulator } from "./stats.ts";
import { type BatchWriter, quietHistory, type Store } from "../store/mod.ts";

/** What the recorder knows about one series of the run. */
export interface RecordedSeries {
  /** Stored series id. */
  id: number;
  /** The series' identity. */
  label: SeriesLabel;
  /** Totals since the run started. */
  accumulator: SeriesAccumulator;
  /** The job producing it. */
  job: Job;
  /** Loss and failure reasons with counts. */
  reasons: Map<string, number>;
}

/** What {@linkcode RunRecorder} writes to and reports through. */
export interface RunRecorderOptions {
  /** The run's id in the store. */
  runId: number;
  /** The store (for series ids). */
  store: Store;
  /** The batch writer (for rows). */
  writer: BatchWriter;
  /** The alert engine (threshold rules). */
  alerts: AlertEngine;
  /** The anomaly detector, when the recipe enables it. */
  anomaly?: AnomalyDetector;
  /** The observer. */
  observer: RunObserver;
}

/**
 * A stable key for a series within a run.
 *
 * @example
 * ```ts
 * import { seriesKey } from "./run_recorder.ts";
 * console.log(seriesKey({ plugin: "dns", target: "a", interface: "", server: "s", metric: "m" })); // dns|a||s|m
 * ```
 */
export function seriesKey(label: Omit<SeriesLabel, "primary" | "unit">): string {
  return [label.plugin, label.target, label.interface, label.server, label.metric].join("|");
}

/**
 * Records a run; its {@linkcode RunRecorder.sink} is what the driver writes to.
 *
 * @example
 * ```ts ignore
 * const recorder = new RunRecorder({ runId, store, writer, alerts, observer });
 * await driveProbe(job, recorder.sink, options);
 * ```
 */
export class RunRecorder {
  /** Events recorded, by kind. */
  readonly eventCounts: Record<string, number> = {};
  /** Results of bounded tests, in order. */
  readonly tests: RunSummary["tests"] = [];
  /** The sink for the driver. */
  readonly sink: DriverSink;
  #series = new Map<string, RecordedSeries>();
  #options: RunRecorderOptions;

  /** @param options Where to write and report. */
  constructor(options: RunRecorderOptions) {
    this.#options = options;
    this.sink = {
      sample: (job, sample) => this.#sample(job, sample),
      event: (job, event) => this.#pluginEvent(job, event),
      result: (job, result, startedAt, durationMs) =>
        this.#result(job, result, startedAt, durationMs),
    };
  }

  /** @returns Every series seen so far. */
  series(): RecordedSeries[] {
    return [...this.#series.values()];
  }

  /**
   * Records an event: counted, stored (unless `persist` is false) and shown.
   *
   * @param event The event.
   * @param seriesId The series it concerns, if any.
   * @param persist Whether to store it (store errors cannot be stored).
   */
  emit(event: RunEvent, seriesId?: number, persist = true): void {
    this.eventCounts[event.kind] = (this.eventCounts[event.kind] ?? 0) + 1;
    if (persist) {
      this.#options.writer.addEvent({
        runId: this.#options.runId,
        ts: event.timestamp,
        kind: event.kind,
        severity: event.severity,
        seriesId: seriesId ?? null,
        message: event.message,
        data: event.data ?? null,
      });
    }
    this.#options.observer.onEvent?.(event);
  }

  #seriesFor(job: Job, metric: string, server = job.serverLabel): RecordedSeries {
    const base = {
      plugin: job.plugin.name,
      target: job.target,
      interface: job.interface ?? "",
      server,
      metric,
    };
    const key = seriesKey(base);
    let state = this.#series.get(key);
    if (!state) {
      const info = job.plugin.metrics.find((m) => m.name === metric)!;
      const label: SeriesLabel = {
        ...base,
        unit: info.unit,
        primary: job.plugin.metrics[0]!.name === metric,
      };
      state = {
        id: this.#options.store.seriesId(label),
        label,
        accumulator: new SeriesAccumulator(),
        job,
        reasons: new Map(),
      };
      this.#series.set(key, state);
      this.#seedAnomaly(state);
    }
    return state;
  }

  /**
   * Gives the anomaly detector the series' stored quiet history, so that a restarted run
   * judges against what it learned before instead of starting cold. A store that cannot be
   * read costs the warm start only.
   */
  #seedAnomaly(state: RecordedSeries): void {
    const anomaly = this.#options.anomaly;
    if (anomaly === undefined || !anomaly.watches(state.label)) return;
    const now = Date.now();
    try {
      const history = quietHistory(this.#options.store.db, {
        seriesId: state.id,
        start: now - anomaly.options.baseline_window,
        end: now,
        limit: anomaly.options.baseline_samples,
      });
      const taken = anomaly.seed(state.label, String(state.id), history);
      if (taken > 0) {
        this.emit({
          timestamp: now,
          kind: "anomaly_baseline",
          severity: "info",
          message: `Anomaly baseline of ${state.label.plugin} ${state.label.metric}${
            state.label.target ? ` for ${state.label.target}` : ""
          } starts from ${taken} stored quiet sample(s)`,
          series: state.label,
          data: { samples: taken },
        }, state.id);
      }
    } catch { /* cold start */ }
  }

  #sample(job: Job, sample: Sample): void {
    const state = this.#seriesFor(job, sample.metric, sample.seriesServer);
    state.accumulator.add(sample);
    if (sample.status !== "ok") {
      const reason = sample.reason ?? sample.status;
      state.reasons.set(reason, (state.reasons.get(reason) ?? 0) + 1);
    }
    this.#options.writer.addSample({
      seriesId: state.id,
      ts: Math.round(sample.timestamp),
      value: sample.value,
      status: sample.status,
      seq: sample.seq ?? null,
      reason: sample.reason ?? null,
      runId: this.#options.runId,
      intervalMs: sample.interval ?? null,
    });
    this.#options.observer.onSample?.(state.label, sample);
    for (const transition of this.#options.alerts.observe(state.label, String(state.id), sample)) {
      this.#emitAlert(alertEvent(transition), state);
    }
    const anomaly = this.#options.anomaly;
    if (anomaly !== undefined) {
      for (const transition of anomaly.observe(state.label, String(state.id), sample)) {
        this.#emitAlert(anomalyEvent(transition), state);
      }
    }
  }

  #emitAlert(event: PluginEvent, state: RecordedSeries): void {
    this.emit({
      timestamp: event.timestamp ?? Date.now(),
      kind: event.kind,
      severity: event.severity,
      message: event.message,
      series: state.label,
      ...(event.data !== undefined ? { data: event.data } : {}),
    }, state.id);
  }

  #pluginEvent(job: Job, event: PluginEvent): void {
    const state = event.metric ? this.#seriesFor(job, event.metric) : undefined;
    this.emit({
      timestamp: event.timestamp ?? Date.now(),
      kind: event.kind,
      severity: event.severity,
      message: event.message,
      ...(state ? { series: state.label } : {}),
      ...(event.data !== undefined ? { data: event.data } : {}),
    }, state?.id);
  }

  #result(job: Job, result: TestResult, startedAt: number, durationMs: number): void {
    this.#options.writer.addTestResult({
      runId: this.#options.runId,
      ts: startedAt,
      plugin: job.plugin.name,
      target: job.target,
      interface: job.interface ?? "",
      server: job.serverLabel,
      durationMs,
      status: result.status,
      grade: result.grade ?? null,
      summary: result.summary,
    });
    const where = `${job.serverLabel ? ` via ${job.serverLabel}` : ""}${
      job.interface ? ` on ${job.interface}` : ""
    }`;
    this.tests.push({
      plugin: job.plugin.name,
      target: job.target,
      where,
      status: result.status,
      ...(result.grade !== undefined ? { grade: result.grade } : {}),
      ...(result.headline !== undefined ? { headline: result.headline } : {}),
    });
    this.#options.observer.onTestResult?.({
      plugin: job.plugin.name,
      target: job.target,
      interface: job.interface ?? "",
      server: job.serverLabel,
    }, result);
  }
}
