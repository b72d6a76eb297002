/**
 * Options of the anomaly detector, as a recipe's `[alerts.anomaly]` table writes them
 * (snake_case, durations in milliseconds once parsed), with their documented defaults.
 *
 * @module
 */

/**
 * How the anomaly detector judges a series. Every field has a default in
 * {@linkcode ANOMALY_DEFAULTS}; the recipe may change any of them.
 *
 * @example A more patient detector
 * ```ts
 * import { ANOMALY_DEFAULTS, type AnomalyOptions } from "./options.ts";
 * const options: AnomalyOptions = { ...ANOMALY_DEFAULTS, cooldown: 30 * 60_000 };
 * ```
 */
export interface AnomalyOptions {
  /**
   * Metrics to watch. Empty: every series whose metric is its plugin's primary one and is
   * measured in ms (icmp and udp-echo `rtt`, dns `resolve_time`).
   *
   * @default {[]}
   */
  metrics: string[];
  /**
   * The recent window each evaluation looks at (its median latency, its loss, its jitter), ms.
   * It keeps at least `min_window_samples` samples, however old, so slow probes are judged too.
   *
   * @default {30000}
   */
  window: number;
  /**
   * How far back the baseline reaches: quiet samples older than this (measured back from the
   * newest one) leave it, ms.
   *
   * @default {1800000}
   */
  baseline_window: number;
  /**
   * Most samples the baseline keeps (the oldest leave first); bounds memory and work.
   *
   * @default {2000}
   */
  baseline_samples: number;
  /**
   * Quiet samples the baseline needs before a series is judged at all.
   *
   * @default {30}
   */
  min_samples: number;
  /**
   * Samples (answered or lost) the recent window needs for an evaluation.
   *
   * @default {5}
   */
  min_window_samples: number;
  /**
   * z-score where latency and jitter evidence starts to count (strength 0 at or below it).
   *
   * @default {3}
   */
  z_start: number;
  /**
   * z-score where latency and jitter evidence is full (strength 1 at or above it).
   *
   * @default {8}
   */
  z_full: number;
  /**
   * Loss evidence (`-log10` of the chance of the window's losses under the baseline loss
   * rate) where it starts to count.
   *
   * @default {4}
   */
  loss_evidence_start: number;
  /**
   * Loss evidence where it is full.
   *
   * @default {10}
   */
  loss_evidence_full: number;
  /**
   * Least spread (ms) a z-score divides by, so a loopback series with a 5 µs spread does not
   * alert on a 0.1 ms wiggle.
   *
   * @default {1}
   */
  min_spread_ms: number;
  /**
   * Least spread as a share of the baseline median (0.05: 5 %), for slow paths.
   *
   * @default {0.05}
   */
  min_spread_ratio: number;
  /**
   * Least per-probe loss rate assumed of the baseline, so one lost probe after a loss-free
   * hour is not a certainty of trouble.
   *
   * @default {0.001}
   */
  min_loss_rate: number;
  /**
   * Confidence that raises a warning.
   *
   * @default {0.5}
   */
  warn: number;
  /**
   * Confidence that raises (or escalates to) critical.
   *
   * @default {0.9}
   */
  critical: number;
  /**
   * Confidence below which a raised alert may clear, and below which samples are quiet enough
   * for the baseline.
   *
   * @default {0.2}
   */
  clear: number;
  /**
   * How long the confidence must stay below `clear` before a raised alert clears, ms.
   *
   * @default {30000}
   */
  clear_after: number;
  /**
   * After a clear, how long the same series cannot raise again, ms (one incident, one alert).
   *
   * @default {600000}
   */
  cooldown: number;
  /**
   * After this long raised, a latency level that has stayed stable (loss and jitter as
   * before) is taken as the new normal: the baseline restarts from it and the alert clears, ms.
   *
   * @default {900000}
   */
  adapt_after: number;
  /**
   * Least time between two evaluations of a series, ms (a 50 ms probe is not judged 20 times
   * a second).
   *
   * @default {1000}
   */
  evaluate_every: number;
}

/**
 * The defaults of {@linkcode AnomalyOptions}.
 *
 * @example Reading a default
 * ```ts
 * import { ANOMALY_DEFAULTS } from "./options.ts";
 * console.log(ANOMALY_DEFAULTS.warn, ANOMALY_DEFAULTS.critical); // 0.5 0.9
 * ```
 */
export const ANOMALY_DEFAULTS: Readonly<AnomalyOptions> = Object.freeze({
  metrics: [],
  window: 30_000,
  baseline_window: 30 * 60_000,
  baseline_samples: 2000,
  min_samples: 30,
  min_window_samples: 5,
  z_start: 3,
  z_full: 8,
  loss_evidence_start: 4,
  loss_evidence_full: 10,
  min_spread_ms: 1,
  min_spread_ratio: 0.05,
  min_loss_rate: 0.001,
  warn: 0.5,
  critical: 0.9,
  clear: 0.2,
  clear_after: 30_000,
  cooldown: 10 * 60_000,
  adapt_after: 15 * 60_000,
  evaluate_every: 1_000,
}) as Readonly<AnomalyOptions>;
