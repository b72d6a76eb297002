/**
 * How surprising a window's losses are under a baseline loss rate, as evidence in decimal
 * orders of magnitude (`-log10` of a probability): 2 means "a 1 in 100 chance", 6 "1 in a
 * million". Two views, the larger one wins:
 *
 * - count: `P(X >= lost)` for `X ~ Binomial(sent, rate)`, the chance of at least that many
 *   losses among that many probes when each is lost independently at the baseline rate;
 * - burst: `min(1, sent * rate^run)`, a union bound on the chance that a run of `run`
 *   consecutive losses starts somewhere in the window; a short outage among few probes is
 *   caught here even when the count alone is not unusual.
 *
 * @module
 */

/**
 * What {@linkcode lossEvidence} reads of a window.
 *
 * @example Three probes lost in a row out of thirty
 * ```ts
 * import type { LossWindow } from "./loss_evidence.ts";
 * const window: LossWindow = { sent: 30, lost: 3, longestRun: 3 };
 * ```
 */
export interface LossWindow {
  /** Probes that count for loss (answered + lost). */
  sent: number;
  /** Probes lost. */
  lost: number;
  /** The longest run of consecutive lost probes. */
  longestRun: number;
}

/**
 * `-log10 P(X >= k)` for `X ~ Binomial(n, p)`, summed in log space so that tiny tails stay
 * exact enough (no underflow to 0 before about 1e-300).
 *
 * @param n Trials.
 * @param k Successes, at least.
 * @param p Probability of one success, in (0, 1).
 * @returns The evidence, 0 when `k <= 0`.
 *
 * @example Two losses in ten at 1 %
 * ```ts
 * import { binomialTailEvidence } from "./loss_evidence.ts";
 * // P(X >= 2) = 1 - 0.99^10 - 10 * 0.01 * 0.99^9 = 0.004266
 * console.log(binomialTailEvidence(10, 2, 0.01).toFixed(3)); // 2.370
 * ```
 */
export function binomialTailEvidence(n: number, k: number, p: number): number {
  if (k <= 0 || n <= 0) return 0;
  if (k > n) return Infinity;
  const q = 1 - p;
  // log of C(n, k) p^k q^(n-k), then the following terms by their ratio.
  let logTerm = k * Math.log(p) + (n - k) * Math.log(q);
  for (let j = 1; j <= k; j++) logTerm += Math.log((n - k + j) / j);
  let logSum = logTerm;
  for (let i = k; i < n; i++) {
    logTerm += Math.log(((n - i) / (i + 1)) * (p / q));
    if (logTerm < logSum - 40) break; // the rest adds less than 1e-17 of the sum
    logSum = logSum + Math.log1p(Math.exp(logTerm - logSum));
  }
  return Math.max(0, -logSum / Math.LN10);
}

/**
 * The evidence of a window's losses: the larger of the count and the burst view (see the
 * module's notes).
 *
 * @param window Sent, lost and the longest run of losses.
 * @param rate The baseline's per-probe loss rate, in (0, 1).
 * @returns Evidence in decimal orders of magnitude, 0 without losses.
 *
 * @example A burst of four losses against a 0.1 % baseline
 * ```ts
 * import { lossEvidence } from "./loss_evidence.ts";
 * // burst: 30 * 0.001^4 = 3e-11, so 10.5
 * console.log(lossEvidence({ sent: 30, lost: 4, longestRun: 4 }, 0.001).toFixed(1)); // 10.5
 * ```
 */
export function lossEvidence(window: LossWindow, rate: number): number {
  if (window.lost === 0) return 0;
  const count = binomialTailEvidence(window.sent, window.lost, rate);
  const burstProbability = Math.min(1, window.sent * Math.pow(rate, window.longestRun));
  const burst = -Math.log10(burstProbability);
  return Math.max(count, burst);
}
