/**
 * Anomaly alerts: a per-series quiet baseline, latency z-score, loss bursts and jitter
 * volatility fused into one confidence, with hysteresis and cooldown so that one incident is
 * one alert. Enabled by a recipe's `[alerts.anomaly]` table.
 *
 * @example Watching a series
 * ```ts
 * import { AnomalyDetector } from "./mod.ts";
 * const detector = new AnomalyDetector();
 * console.log(detector.watches({ metric: "rtt", unit: "ms", primary: true })); // true
 * ```
 *
 * @module
 */
export {
  type ActiveAnomaly,
  AnomalyDetector,
  type AnomalyLevel,
  type AnomalyReason,
  type AnomalySeriesKey,
  type AnomalyTransition,
} from "./detector.ts";
export { anomalyEvent } from "./event.ts";
export { ANOMALY_DEFAULTS, type AnomalyOptions } from "./options.ts";
export {
  type AnomalyScore,
  MIN_JITTER_DIFFERENCES,
  scoreWindow,
  type WindowEntry,
} from "./score.ts";
export { type BaselineEntry, type BaselineStats, QuietBaseline } from "./baseline.ts";
export { fuseConfidence, ramp, SIGNAL_WEIGHTS, type SignalStrengths } from "./confidence.ts";
export { binomialTailEvidence, lossEvidence, type LossWindow } from "./loss_evidence.ts";
export { MAD_TO_SIGMA, median, medianAbsoluteDeviation } from "./robust.ts";
