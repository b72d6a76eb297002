/**
 * Scoring one recent window of a series against its quiet baseline: the latency z-score, the
 * loss evidence, the jitter z-score, each one's strength, and the fused confidence.
 *
 * - Latency: `z = (median(window) - baseline median) / spread`, where `spread` is the
 *   baseline's robust sigma (1.4826 x MAD) but at least `min_spread_ms` and
 *   `min_spread_ratio x baseline median`. Only a rise counts (a faster path is no incident).
 *   The spread is that of one probe, not of a window's median, which makes the score
 *   deliberately conservative: a window must sit several single-probe spreads above normal.
 * - Loss: {@linkcode lossEvidence} of the window's losses (count and longest run) under the
 *   baseline's loss rate, at least `min_loss_rate`.
 * - Jitter volatility: `z = (IPDV(window) - baseline IPDV) / spread`, IPDV being the mean
 *   absolute difference of adjacent answered values, `spread` the robust sigma of the
 *   baseline's differences with the same floors as latency. It needs at least
 *   {@linkcode MIN_JITTER_DIFFERENCES} differences in the window: over fewer, one slow answer
 *   (a DNS cache miss) would make the mean, and so the jitter, jump.
 *
 * Strengths come from ramps (`z_start`..`z_full`, `loss_evidence_start`..`loss_evidence_full`)
 * and are fused by the weighted noisy-OR of `confidence.ts`.
 *
 * @module
 */
import type { BaselineStats } from "./baseline.ts";
import { fuseConfidence, ramp } from "./confidence.ts";
import { lossEvidence } from "./loss_evidence.ts";
import type { AnomalyOptions } from "./options.ts";
import { median } from "./robust.ts";

/**
 * Fewest differences of adjacent answers the jitter signal needs in a window.
 *
 * @example
 * ```ts
 * import { MIN_JITTER_DIFFERENCES } from "./score.ts";
 * console.log(MIN_JITTER_DIFFERENCES); // 10
 * ```
 */
export const MIN_JITTER_DIFFERENCES = 10;

/**
 * One sample of the recent window: its time and value (`null` when lost).
 *
 * @example A lost probe
 * ```ts
 * import type { WindowEntry } from "./score.ts";
 * const entry: WindowEntry = { timestamp: 5000, value: null };
 * ```
 */
export interface WindowEntry {
  /** When the probe was sent, ms. */
  timestamp: number;
  /** Its value, `null` when lost. */
  value: number | null;
}

/**
 * What a window scored, with the figures behind it (they go into alert events and webhooks).
 *
 * @example Reading a score
 * ```ts ignore
 * if (score.confidence >= 0.5) console.log(score.latency.z, score.loss.lostPct);
 * ```
 */
export interface AnomalyScore {
  /** Fused confidence in [0, 1]. */
  confidence: number;
  /** Samples in the window (answered + lost). */
  samples: number;
  /** Latency signal. */
  latency: {
    /** Median of the window's answered values (`NaN` with fewer than 3). */
    median: number;
    /** The baseline's median. */
    baselineMedian: number;
    /** The spread the z-score divides by. */
    spread: number;
    /** z-score (0 when it cannot be computed or is negative). */
    z: number;
    /** Strength in [0, 1]. */
    strength: number;
  };
  /** Loss signal. */
  loss: {
    /** Lost share of the window, %. */
    lostPct: number;
    /** The baseline's loss rate used (with its floor), %. */
    baselinePct: number;
    /** Longest run of consecutive losses in the window. */
    longestRun: number;
    /** Evidence, decimal orders of magnitude. */
    evidence: number;
    /** Strength in [0, 1]. */
    strength: number;
  };
  /** Jitter volatility signal. */
  jitter: {
    /** IPDV of the window (`NaN` with fewer than {@linkcode MIN_JITTER_DIFFERENCES}). */
    ipdv: number;
    /** The baseline's IPDV. */
    baselineIpdv: number;
    /** The spread the z-score divides by. */
    spread: number;
    /** z-score (0 when it cannot be computed or is negative). */
    z: number;
    /** Strength in [0, 1]. */
    strength: number;
  };
}

/** The option fields {@linkcode scoreWindow} reads. */
export type ScoreOptions = Pick<
  AnomalyOptions,
  | "z_start"
  | "z_full"
  | "loss_evidence_start"
  | "loss_evidence_full"
  | "min_spread_ms"
  | "min_spread_ratio"
  | "min_loss_rate"
>;

/**
 * Scores a window against a baseline (see the module's notes for the formulas).
 *
 * @param window The window's samples in time order.
 * @param baseline The baseline's figures.
 * @param options Ramps and floors.
 * @returns The score.
 *
 * @example A window 40 ms above a steady 20 ms baseline
 * ```ts
 * import { scoreWindow } from "./score.ts";
 * import { ANOMALY_DEFAULTS } from "./options.ts";
 * const baseline = {
 *   samples: 600, answered: 600, lost: 0, median: 20, sigma: 0.5, lossRate: 0, diffMean: 0.5,
 *   diffSigma: 0.4,
 * };
 * const window = Array.from({ length: 10 }, (_, i) => ({ timestamp: i, value: 60 + (i % 2) * 0.5 }));
 * const score = scoreWindow(window, baseline, ANOMALY_DEFAULTS);
 * // spread = max(0.5, 1, 0.05 * 20) = 1, so z = 40.25
 * console.log(score.latency.z, score.confidence); // 40.25 1
 * ```
 */
export function scoreWindow(
  window: readonly WindowEntry[],
  baseline: BaselineStats,
  options: ScoreOptions,
): AnomalyScore {
  const values: number[] = [];
  const diffs: number[] = [];
  let lost = 0;
  let run = 0;
  let longestRun = 0;
  let previous: number | null = null;
  for (const entry of window) {
    if (entry.value === null) {
      lost++;
      run++;
      longestRun = Math.max(longestRun, run);
      previous = null;
      continue;
    }
    run = 0;
    values.push(entry.value);
    if (previous !== null) diffs.push(Math.abs(entry.value - previous));
    previous = entry.value;
  }
  const samples = values.length + lost;
  const floor = Math.max(options.min_spread_ms, options.min_spread_ratio * baseline.median);

  const windowMedian = values.length >= 3 ? median(values) : NaN;
  const latencySpread = Math.max(baseline.sigma, floor);
  const latencyZ = positiveZ(windowMedian, baseline.median, latencySpread);

  const rate = Math.min(0.5, Math.max(options.min_loss_rate, baseline.lossRate));
  const evidence = samples === 0 ? 0 : lossEvidence({ sent: samples, lost, longestRun }, rate);

  let diffSum = 0;
  for (const diff of diffs) diffSum += diff;
  const ipdv = diffs.length >= MIN_JITTER_DIFFERENCES ? diffSum / diffs.length : NaN;
  const jitterSpread = Math.max(baseline.diffSigma, floor);
  const jitterZ = positiveZ(ipdv, baseline.diffMean, jitterSpread);

  const strengths = {
    latency: ramp(latencyZ, options.z_start, options.z_full),
    loss: ramp(evidence, options.loss_evidence_start, options.loss_evidence_full),
    jitter: ramp(jitterZ, options.z_start, options.z_full),
  };
  return {
    confidence: fuseConfidence(strengths),
    samples,
    latency: {
      median: windowMedian,
      baselineMedian: baseline.median,
      spread: latencySpread,
      z: latencyZ,
      strength: strengths.latency,
    },
    loss: {
      lostPct: samples === 0 ? 0 : (lost / samples) * 100,
      baselinePct: rate * 100,
      longestRun,
      evidence,
      strength: strengths.loss,
    },
    jitter: {
      ipdv,
      baselineIpdv: baseline.diffMean,
      spread: jitterSpread,
      z: jitterZ,
      strength: strengths.jitter,
    },
  };
}

/** `(value - center) / spread` when all are finite and it is positive, else 0. */
function positiveZ(value: number, center: number, spread: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(center) || !(spread > 0)) return 0;
  return Math.max(0, (value - center) / spread);
}
