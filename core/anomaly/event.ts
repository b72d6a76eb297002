/**
 * An anomaly transition as the event a run records: kind `"alert"` (so reports pair raises,
 * escalations and clears into a severity timeline like threshold alerts), with
 * `data.detector = "anomaly"`, `data.stat = "anomaly"` and the figures behind it.
 *
 * @module
 */
import type { PluginEvent } from "../contract.ts";
import type { AnomalyTransition } from "./detector.ts";

/** `null` for a figure that could not be computed (JSON has no NaN). */
function finite(value: number): number | null {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : null;
}

/**
 * Turns a transition into the event the run records.
 *
 * @param transition A transition from `AnomalyDetector.observe`.
 * @returns The event; `data` holds the series, levels, confidence, the window's figures and
 * the baseline's.
 *
 * @example Recording a raise
 * ```ts
 * import { AnomalyDetector } from "./detector.ts";
 * import { anomalyEvent } from "./event.ts";
 * const detector = new AnomalyDetector({ window: 10_000, min_samples: 20 });
 * const key = {
 *   plugin: "icmp", target: "192.0.2.1", interface: "", server: "", metric: "rtt", unit: "ms",
 *   primary: true,
 * };
 * for (let i = 0; i < 120; i++) {
 *   const value = (i < 100 ? 20 : 80) + (i % 4) * 0.3;
 *   for (const t of detector.observe(key, "7", { timestamp: i * 1000, value, status: "ok" })) {
 *     const event = anomalyEvent(t);
 *     console.log(event.kind, event.severity, event.data?.detector); // alert critical anomaly
 *   }
 * }
 * ```
 */
export function anomalyEvent(transition: AnomalyTransition): PluginEvent {
  const { key, score, baseline } = transition;
  return {
    kind: "alert",
    severity: transition.severity,
    message: transition.message,
    timestamp: transition.timestamp,
    metric: key.metric,
    data: {
      detector: "anomaly",
      stat: "anomaly",
      series: transition.seriesId,
      plugin: key.plugin,
      target: key.target,
      interface: key.interface,
      server: key.server,
      metric: key.metric,
      unit: key.unit,
      from: transition.from,
      to: transition.to,
      reason: transition.reason,
      raised_at: transition.raisedAt,
      confidence: finite(score.confidence),
      peak_confidence: finite(transition.peakConfidence),
      values: {
        samples: score.samples,
        median: finite(score.latency.median),
        latency_z: finite(score.latency.z),
        loss_pct: finite(score.loss.lostPct),
        longest_loss_run: score.loss.longestRun,
        loss_evidence: finite(score.loss.evidence),
        ipdv: finite(score.jitter.ipdv),
        jitter_z: finite(score.jitter.z),
      },
      baseline: {
        samples: baseline.samples,
        median: finite(baseline.median),
        sigma: finite(baseline.sigma),
        loss_pct: finite(baseline.lossRate * 100),
        ipdv: finite(baseline.diffMean),
      },
    },
  };
}
