/**
 * What a bufferbloat test stores in `test_results.summary`, as the charts read it: idle
 * latency, loaded latency per phase, the increase, responsiveness (RPM) and which direction
 * queues. Keys are snake_case, as stored JSON.
 *
 * @module
 */

/**
 * The grades a bufferbloat test gives, best first.
 *
 * @example
 * ```ts
 * import { BUFFERBLOAT_GRADES } from "./bufferbloat_summary.ts";
 * console.log(BUFFERBLOAT_GRADES.join(" ")); // A+ A B C D F
 * ```
 */
export const BUFFERBLOAT_GRADES = ["A+", "A", "B", "C", "D", "F"] as const;

/**
 * The phases of a bufferbloat test that load the link.
 *
 * @example
 * ```ts
 * import { LOADED_PHASES } from "./bufferbloat_summary.ts";
 * console.log(LOADED_PHASES.length); // 3
 * ```
 */
export const LOADED_PHASES = ["download", "upload", "bidirectional"] as const;

/**
 * One loaded phase: `"download"`, `"upload"` or `"bidirectional"`.
 *
 * @example
 * ```ts
 * import type { LoadedPhase } from "./bufferbloat_summary.ts";
 * const phase: LoadedPhase = "upload";
 * ```
 */
export type LoadedPhase = typeof LOADED_PHASES[number];

/**
 * Latency during one loaded phase, in ms.
 *
 * @example
 * ```ts
 * import type { PhaseLatency } from "./bufferbloat_summary.ts";
 * const upload: PhaseLatency = { median: 95, p95: 160 };
 * ```
 */
export interface PhaseLatency {
  /** Median round trip under load. */
  median: number;
  /** 95th percentile round trip under load. */
  p95: number;
  /** 99th percentile round trip under load (tests from the `bufferbloat` plugin). */
  p99?: number | null;
  /** Median minus the idle median (tests from the `bufferbloat` plugin). */
  increase_ms?: number | null;
}

/**
 * The summary of one bufferbloat test.
 *
 * @example A test with upload bufferbloat
 * ```ts
 * import type { BufferbloatSummary } from "./bufferbloat_summary.ts";
 * const summary: BufferbloatSummary = {
 *   idle_latency_ms: { p25: 14.6, median: 15.1 },
 *   loaded_latency_ms: {
 *     download: { median: 24, p95: 38 },
 *     upload: { median: 95, p95: 160 },
 *     bidirectional: { median: 102, p95: 171 },
 *   },
 *   increase_ms: 86.9,
 *   rpm: 588,
 *   queue: "upload",
 * };
 * ```
 */
export interface BufferbloatSummary {
  /** Round trips before loading the link. */
  idle_latency_ms: { p25: number; median: number };
  /** Round trips during each loaded phase. */
  loaded_latency_ms: Record<LoadedPhase, PhaseLatency>;
  /** Largest loaded median minus the idle median. */
  increase_ms: number;
  /**
   * Responsiveness under load, round trips per minute: per the IETF responsiveness draft,
   * `60000 / ((TM(foreign) + TM(self)) / 2)` for the least responsive phase
   * (`bufferbloat/rpm.ts`); older summaries stored `60000 / loaded median`.
   */
  rpm: number;
  /** How far to trust `rpm`: `"Low"`, `"Medium"` or `"High"` (`bufferbloat` plugin). */
  rpm_confidence?: "Low" | "Medium" | "High";
  /** Which direction's queue grows: `"download"`, `"upload"`, `"both"` or `"none"`. */
  queue: "download" | "upload" | "both" | "none";
}

/**
 * Reads a stored summary, or `undefined` when it lacks a figure the charts need (a failed
 * test, another plugin's summary).
 *
 * @param summary The stored JSON.
 * @returns The summary, typed.
 *
 * @example
 * ```ts
 * import { readBufferbloatSummary } from "./bufferbloat_summary.ts";
 * console.log(readBufferbloatSummary({ error: "server unreachable" })); // undefined
 * ```
 */
export function readBufferbloatSummary(
  summary: Record<string, unknown>,
): BufferbloatSummary | undefined {
  const idle = summary.idle_latency_ms as Record<string, unknown> | undefined;
  const loaded = summary.loaded_latency_ms as Record<string, Record<string, unknown>> | undefined;
  if (typeof idle?.median !== "number" || typeof loaded !== "object" || loaded === null) {
    return undefined;
  }
  for (const phase of LOADED_PHASES) {
    if (typeof loaded[phase]?.median !== "number" || typeof loaded[phase]?.p95 !== "number") {
      return undefined;
    }
  }
  return summary as unknown as BufferbloatSummary;
}
