/**
 * Fusing the signals of the anomaly detector into one confidence in [0, 1].
 *
 * Each signal first becomes a strength in [0, 1] by a linear ramp between where its evidence
 * starts to count and where it is full ({@linkcode ramp}). The strengths are then combined
 * by a weighted noisy-OR, the usual way to join independent pieces of evidence:
 *
 * ```text
 * confidence = 1 - (1 - w_latency * s_latency) * (1 - w_loss * s_loss) * (1 - w_jitter * s_jitter)
 * ```
 *
 * with the weights of {@linkcode SIGNAL_WEIGHTS}: latency 1, loss 1, jitter 0.7. So a full
 * latency shift or a full loss burst alone reaches 1 (critical), jitter volatility alone tops
 * out at 0.7 (a warning), and two half-strength signals together (0.75) say more than either.
 *
 * @module
 */

/**
 * The weight of each signal in the noisy-OR.
 *
 * @example Reading a weight
 * ```ts
 * import { SIGNAL_WEIGHTS } from "./confidence.ts";
 * console.log(SIGNAL_WEIGHTS.jitter); // 0.7
 * ```
 */
export const SIGNAL_WEIGHTS = Object.freeze({ latency: 1, loss: 1, jitter: 0.7 });

/**
 * A linear ramp: 0 at or below `start`, 1 at or above `full`, linear between.
 *
 * @param value The evidence (a z-score, a loss evidence).
 * @param start Where it starts to count.
 * @param full Where it is full; above `start`.
 * @returns The strength in [0, 1] (0 for `NaN`).
 *
 * @example A z-score of 5.5 on a 3..8 ramp
 * ```ts
 * import { ramp } from "./confidence.ts";
 * console.log(ramp(5.5, 3, 8), ramp(2, 3, 8), ramp(9, 3, 8)); // 0.5 0 1
 * ```
 */
export function ramp(value: number, start: number, full: number): number {
  if (!(value > start)) return 0;
  if (value >= full) return 1;
  return (value - start) / (full - start);
}

/**
 * Signal strengths, each in [0, 1].
 *
 * @example A latency shift alone
 * ```ts
 * import type { SignalStrengths } from "./confidence.ts";
 * const strengths: SignalStrengths = { latency: 0.8, loss: 0, jitter: 0 };
 * ```
 */
export interface SignalStrengths {
  /** From the latency z-score. */
  latency: number;
  /** From the loss evidence. */
  loss: number;
  /** From the jitter z-score. */
  jitter: number;
}

/**
 * The weighted noisy-OR of the strengths (see the module's notes).
 *
 * @param strengths Each signal's strength.
 * @returns The confidence in [0, 1].
 *
 * @example Two half-strength signals
 * ```ts
 * import { fuseConfidence } from "./confidence.ts";
 * console.log(fuseConfidence({ latency: 0.5, loss: 0.5, jitter: 0 })); // 0.75
 * console.log(fuseConfidence({ latency: 0, loss: 0, jitter: 1 })); // 0.7
 * ```
 */
export function fuseConfidence(strengths: SignalStrengths): number {
  let none = 1;
  for (const name of ["latency", "loss", "jitter"] as const) {
    const strength = Math.min(1, Math.max(0, strengths[name]));
    none *= 1 - SIGNAL_WEIGHTS[name] * strength;
  }
  return Math.min(1, Math.max(0, 1 - none));
}
