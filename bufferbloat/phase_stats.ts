/**
 * Latency per phase of a bufferbloat test, and what the load added.
 *
 * Each phase's round trips are summarized (count, lost, min, p25, median, mean, p95, p99, max;
 * percentiles by linear interpolation, `core/stats/percentile.ts`). Lost probes count in `lost`
 * and stay out of the percentiles.
 *
 * **The increase of a loaded phase is its median minus the idle median.** Why the median on
 * both sides:
 *
 * - It is a shift of the whole distribution, the same statistic taken twice, so idle jitter
 *   cancels. LibreQoS subtracts the idle 25th percentile from the loaded mean: on a jittery idle
 *   path (WiFi) that adds the idle spread (median - p25) to every increase, a few ms that turn
 *   an A+ into an A although the load added nothing.
 * - The median ignores the few probes that meet a transient (slow start overshoot, a burst of
 *   cross traffic, a late reply) that pull a mean; the tail is reported anyway as p95 and p99.
 * - Under a cubic load a bloated buffer saws between full and about 70 % of full; the median is
 *   where the queue spends most of its time, which is what the next flow to arrive meets.
 *
 * The LibreQoS figure (loaded mean minus idle p25) is kept beside it, for comparison with that
 * test, and so is the peak (loaded p99 minus the idle median): how deep the queue got. Behind a
 * tail-drop buffer filled by cubic the peak is the buffer's limit, while the median sits lower:
 * the flows back off together at each drop (global synchronization, even with 8 streams) and
 * the queue saws between the limit and about 70 % of it. Measured in the lab (20 Mbit/s, 300 ms
 * buffer, 8 cubic uploads): median +259 ms, p99 +301 ms, irtt's median and limit the same. The
 * grade follows the median (what a flow meets most of the time); the peak tells the buffer's
 * size. The test's increase is the largest of the phase increases.
 *
 * @module
 */
import { LOADED_PHASES, type LoadedPhase } from "../charts/bufferbloat_summary.ts";
import { percentileSorted } from "../core/stats/percentile.ts";

/**
 * The phases of a bufferbloat test: `"idle"` (the baseline) and the loaded ones.
 *
 * @example
 * ```ts
 * import { PHASES } from "./phase_stats.ts";
 * console.log(PHASES.join(" ")); // idle download upload bidirectional
 * ```
 */
export const PHASES = ["idle", ...LOADED_PHASES] as const;

/**
 * One phase: `"idle"`, `"download"`, `"upload"` or `"bidirectional"`.
 *
 * @example
 * ```ts
 * import type { Phase } from "./phase_stats.ts";
 * const phase: Phase = "idle";
 * ```
 */
export type Phase = typeof PHASES[number];

/**
 * Round trips of one phase, in ms. Percentiles and mean are `NaN` without any answered probe.
 *
 * @example
 * ```ts
 * import type { LatencyStats } from "./phase_stats.ts";
 * const idle: LatencyStats = {
 *   count: 4, lost: 0, min: 10, p25: 10.75, median: 11.5, mean: 11.5, p95: 12.85, p99: 12.97, max: 13,
 * };
 * ```
 */
export interface LatencyStats {
  /** Answered probes. */
  count: number;
  /** Probes without an answer in time. */
  lost: number;
  /** Smallest round trip. */
  min: number;
  /** 25th percentile. */
  p25: number;
  /** Median. */
  median: number;
  /** Arithmetic mean. */
  mean: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Largest round trip. */
  max: number;
}

/**
 * A loaded phase's round trips and what the load added.
 *
 * @example
 * ```ts
 * import type { LoadedPhaseStats } from "./phase_stats.ts";
 * const upload: LoadedPhaseStats = {
 *   count: 480, lost: 20, min: 120, p25: 250, median: 290, mean: 280, p95: 300, p99: 301, max: 302,
 *   increaseMs: 289.6, libreqosIncreaseMs: 279.7, peakIncreaseMs: 300.6,
 * };
 * ```
 */
export interface LoadedPhaseStats extends LatencyStats {
  /** The phase's median minus the idle median, ms. */
  increaseMs: number;
  /** LibreQoS's figure: the phase's mean minus the idle 25th percentile, ms. */
  libreqosIncreaseMs: number;
  /** The phase's 99th percentile minus the idle median: how deep the queue got, ms. */
  peakIncreaseMs: number;
}

/**
 * Round trips per phase, ms; `null` for a probe that got no answer in time.
 *
 * @example
 * ```ts
 * import type { PhaseLatencyInput } from "./phase_stats.ts";
 * const input: PhaseLatencyInput = {
 *   idle: [10, 11, null], download: [30], upload: [80, 90], bidirectional: [95],
 * };
 * ```
 */
export type PhaseLatencyInput = Record<Phase, readonly (number | null)[]>;

/**
 * What {@linkcode phaseStats} returns.
 *
 * @example
 * ```ts
 * import type { PhaseStats } from "./phase_stats.ts";
 * type Upload = PhaseStats["loaded"]["upload"];
 * ```
 */
export interface PhaseStats {
  /** The baseline. */
  idle: LatencyStats;
  /** Each loaded phase. */
  loaded: Record<LoadedPhase, LoadedPhaseStats>;
  /** The largest phase increase, ms (`NaN` when no phase has answered probes). */
  increaseMs: number;
  /** The phase with that increase. */
  worstPhase: LoadedPhase;
}

/**
 * Summarizes the round trips of one phase.
 *
 * @param values Round trips in ms, `null` for a lost probe (any order).
 * @returns The statistics; percentiles, mean and extremes are `NaN` when nothing was answered.
 *
 * @example Hand-checked: 10, 11, 12, 13 and one lost
 * ```ts
 * import { latencyStats } from "./phase_stats.ts";
 * const stats = latencyStats([13, null, 10, 12, 11]);
 * // p25: h = 3 * 0.25 = 0.75 -> 10 + 0.75 = 10.75; median: h = 1.5 -> 11.5
 * console.log(stats.count, stats.lost, stats.p25, stats.median, stats.mean); // 4 1 10.75 11.5 11.5
 * ```
 */
export function latencyStats(values: readonly (number | null)[]): LatencyStats {
  const answered: number[] = [];
  let lost = 0;
  for (const value of values) {
    if (value === null) lost++;
    else if (Number.isNaN(value)) throw new RangeError(`Invalid round trip: "${value}"`);
    else answered.push(value);
  }
  answered.sort((a, b) => a - b);
  const count = answered.length;
  let sum = 0;
  for (const value of answered) sum += value;
  return {
    count,
    lost,
    min: count === 0 ? NaN : answered[0]!,
    p25: percentileSorted(answered, 25),
    median: percentileSorted(answered, 50),
    mean: count === 0 ? NaN : sum / count,
    p95: percentileSorted(answered, 95),
    p99: percentileSorted(answered, 99),
    max: count === 0 ? NaN : answered[count - 1]!,
  };
}

/**
 * The statistics of every phase and the increase of each loaded one.
 *
 * @param input Round trips per phase.
 * @returns Idle and loaded statistics, the largest increase and its phase.
 *
 * @example Upload bloat
 * ```ts
 * import { phaseStats } from "./phase_stats.ts";
 * const stats = phaseStats({
 *   idle: [10, 11, 12], download: [14, 15, 16], upload: [110, 111, 112], bidirectional: [90, 100, 110],
 * });
 * console.log(stats.loaded.download.increaseMs, stats.increaseMs, stats.worstPhase); // 4 100 upload
 * ```
 */
export function phaseStats(input: PhaseLatencyInput): PhaseStats {
  const idle = latencyStats(input.idle);
  const loaded = {} as Record<LoadedPhase, LoadedPhaseStats>;
  let worstPhase: LoadedPhase = LOADED_PHASES[0];
  let increaseMs = NaN;
  for (const phase of LOADED_PHASES) {
    const stats = latencyStats(input[phase]);
    const increase = stats.median - idle.median;
    loaded[phase] = {
      ...stats,
      increaseMs: increase,
      libreqosIncreaseMs: stats.mean - idle.p25,
      peakIncreaseMs: stats.p99 - idle.median,
    };
    if (!Number.isNaN(increase) && !(increase <= increaseMs)) {
      increaseMs = increase;
      worstPhase = phase;
    }
  }
  return { idle, loaded, increaseMs, worstPhase };
}
