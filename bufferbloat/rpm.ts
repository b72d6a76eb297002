/**
 * Responsiveness in round trips per minute (RPM), after the IETF draft "Responsiveness under
 * Working Conditions" (draft-ietf-ippm-responsiveness), with a confidence from the draft's
 * stability criteria and the sample counts.
 *
 * **The formula.** With TM the trimmed mean at the 95th percentile (the lowest 95 % of the
 * values, their mean; TMP = 95 %), foreign probes `f` and self probes `s` in ms:
 *
 * ```text
 * RPM = 60000 / ((TM(f) + TM(s)) / 2)
 * ```
 *
 * that is 60000 over the mean of the two trimmed means, the draft's weighting (half foreign,
 * half self; the draft splits the foreign half evenly between TCP, TLS and HTTP times). That is
 * what Cloudflare's mach (`60000 / (1/6 (tcp_f + tls_f + http_f) + 1/2 http_s)`) and
 * goresponsiveness compute. Averaging the two RPMs instead, `(60000 / TM(f) + 60000 / TM(s)) / 2`,
 * gives a different figure whenever the two disagree (10 ms and 100 ms: 3300 RPM instead of
 * 1091), dominated by the faster kind; {@linkcode Responsiveness} reports both kinds' own RPM so
 * that either can be derived.
 *
 * **What we measure as foreign and self probes.** The draft's foreign probe is a new connection
 * to the server (TCP handshake, TLS handshake, an HTTP GET: one round trip each) outside the
 * load; its self probe is an HTTP/2 request on a load-generating connection, so it also waits
 * behind that connection's own data. Our transports:
 *
 * - foreign: the latency probes that run beside the load, each one round trip of a flow of its
 *   own through the same queues (encrypted UDP echo; ICMP echo when the echo service is
 *   unavailable). That is what a new connection's handshake meets.
 * - self: the round trip the kernel measures on the load-generating TCP connections themselves,
 *   read from `TCP_INFO` with every goodput sample (each stream's reading in each 100 ms sample
 *   is one self probe): on uploads the sender's smoothed RTT (`tcpi_rtt`), on downloads the
 *   receiver's estimate from echoed timestamps (`tcpi_rcv_rtt`). Both include the bottleneck
 *   queue the load builds, as the draft's self probe does, but not the sender's own socket
 *   buffer. In the lab's bloated scenario they agreed with the foreign probes within 2 %
 *   (upload 259.6 vs 261.1 ms, download 261.0 vs 266.4 ms; `tests/lab_bufferbloat_test.ts`).
 *   When the engine reports none (the HTTP engine), the foreign probes stand in for the self
 *   probes (RPM = 60000 / TM(f)) and the confidence is at most Medium.
 *
 * **Stability and confidence.** The phase is cut into intervals of ID (1 s). At each interval
 * the moving averages over the last MAD (4) intervals are taken: the goodput (mean of the
 * goodput samples) and the RPM (of the probes sent in them). A series is stable at an interval
 * when the population standard deviation of its last MAD moving averages is below SDT (5 %) of
 * the current one (the draft's saturation test, as Cloudflare's mach applies it). The reported
 * RPM is over the whole phase (every probe of the measured window, trimmed as above); the
 * stability only grades the confidence:
 *
 * | confidence | when                                                                          |
 * | ---------- | ----------------------------------------------------------------------------- |
 * | High       | RPM and goodput both stable at the phase's last interval, at least 100 probes |
 * |            | of each kind, and real self probes                                            |
 * | Low        | fewer than 10 probes of a kind, fewer than MAD intervals, or the RPM never    |
 * |            | stable                                                                        |
 * | Medium     | otherwise                                                                     |
 *
 * Classes (the draft's and Apple's): Poor below 300 RPM (200 ms), Fair below 1000 (60 ms), Good
 * below 6000 (10 ms), Excellent from 6000.
 *
 * @module
 */

/**
 * The draft's parameters we use.
 *
 * @example
 * ```ts
 * import { RPM_PARAMETERS } from "./rpm.ts";
 * console.log(RPM_PARAMETERS.movingAverageDistance, RPM_PARAMETERS.trimmedMeanPercent); // 4 95
 * ```
 */
export const RPM_PARAMETERS = {
  /** MAD: intervals in a moving average, and moving averages in a stability check. */
  movingAverageDistance: 4,
  /** ID: interval duration, ms. */
  intervalMs: 1_000,
  /** TMP: the trimmed mean keeps the lowest this many percent. */
  trimmedMeanPercent: 95,
  /** SDT: stable when the standard deviation is below this share of the current value. */
  stdDevTolerance: 0.05,
} as const;

/**
 * Parameters of {@linkcode phaseResponsiveness}; see {@linkcode RPM_PARAMETERS}.
 *
 * @example
 * ```ts
 * import type { RpmParameters } from "./rpm.ts";
 * const quick: RpmParameters = { intervalMs: 250 };
 * ```
 */
export interface RpmParameters {
  /**
   * MAD.
   *
   * @default {4}
   */
  movingAverageDistance?: number;
  /**
   * ID, ms.
   *
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * TMP, percent.
   *
   * @default {95}
   */
  trimmedMeanPercent?: number;
  /**
   * SDT, a share.
   *
   * @default {0.05}
   */
  stdDevTolerance?: number;
}

/**
 * The smallest round trip a probe counts with, ms: 1 us. On loopback a UDP echo's round trip,
 * less the server's own time, can come out a few tens of microseconds below zero (loopback
 * delivers inside the server's `sendmsg`, so the server's send time trails the client's receive
 * stamp); RPM needs positive times.
 *
 * @example
 * ```ts
 * import { RPM_FLOOR_MS, rpmFromProbes } from "./rpm.ts";
 * console.log(RPM_FLOOR_MS, rpmFromProbes([-0.04], [0]).rpm); // 0.001 60000000
 * ```
 */
export const RPM_FLOOR_MS = 0.001;

/** Probes of each kind needed for High confidence. */
const HIGH_CONFIDENCE_PROBES = 100;
/** Fewer probes of a kind than this give Low confidence. */
const LOW_CONFIDENCE_PROBES = 10;

/**
 * The trimmed mean: the mean of the lowest `percent` % of the values (at least one value is
 * kept: `max(1, floor(n * percent / 100))`).
 *
 * @param values Values in any order.
 * @param percent The share kept, 0 to 100.
 * @returns The mean of the kept values, `NaN` without values.
 * @throws {RangeError} When `percent` is not in (0, 100].
 *
 * @example Twenty values 1..20: the largest is left out
 * ```ts
 * import { trimmedMean } from "./rpm.ts";
 * const values = Array.from({ length: 20 }, (_, i) => i + 1);
 * console.log(trimmedMean(values, 95)); // 10 (mean of 1..19)
 * ```
 */
export function trimmedMean(values: readonly number[], percent: number = 95): number {
  if (!(percent > 0 && percent <= 100)) {
    throw new RangeError(`Invalid trimmed mean percentage: "${percent}"`);
  }
  if (values.length === 0) return NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const kept = Math.max(1, Math.floor(sorted.length * percent / 100));
  let sum = 0;
  for (let i = 0; i < kept; i++) sum += sorted[i]!;
  return sum / kept;
}

/**
 * RPM from foreign and self probe times.
 *
 * @example
 * ```ts
 * import type { RpmFigures } from "./rpm.ts";
 * const figures: RpmFigures = { rpm: 1000, foreignMs: 50, selfMs: 70, foreignRpm: 1200, selfRpm: 857 };
 * ```
 */
export interface RpmFigures {
  /** `60000 / ((foreignMs + selfMs) / 2)`, `NaN` without probes of both kinds. */
  rpm: number;
  /** Trimmed mean of the foreign probes, ms. */
  foreignMs: number;
  /** Trimmed mean of the self probes, ms. */
  selfMs: number;
  /** `60000 / foreignMs`. */
  foreignRpm: number;
  /** `60000 / selfMs`. */
  selfRpm: number;
}

/**
 * Computes RPM from probe times (see the module documentation for the formula). Times below
 * {@linkcode RPM_FLOOR_MS} count as that.
 *
 * @param foreignMs Foreign probe round trips, ms.
 * @param selfMs Self probe round trips, ms.
 * @param percent TMP.
 * @returns The figures.
 *
 * @example 50 ms foreign and 70 ms self: 60000 / 60 = 1000 RPM
 * ```ts
 * import { rpmFromProbes } from "./rpm.ts";
 * console.log(rpmFromProbes([50], [70]).rpm); // 1000
 * ```
 */
export function rpmFromProbes(
  foreignMs: readonly number[],
  selfMs: readonly number[],
  percent: number = RPM_PARAMETERS.trimmedMeanPercent,
): RpmFigures {
  const floor = (values: readonly number[]) => values.map((v) => Math.max(v, RPM_FLOOR_MS));
  const foreign = trimmedMean(floor(foreignMs), percent);
  const self = trimmedMean(floor(selfMs), percent);
  return {
    rpm: 60_000 / ((foreign + self) / 2),
    foreignMs: foreign,
    selfMs: self,
    foreignRpm: 60_000 / foreign,
    selfRpm: 60_000 / self,
  };
}

/**
 * The class of an RPM: `"Poor"` below 300, `"Fair"` below 1000, `"Good"` below 6000,
 * `"Excellent"` from 6000.
 *
 * @param rpm Round trips per minute.
 * @returns The class.
 *
 * @example
 * ```ts
 * import { rpmClass } from "./rpm.ts";
 * console.log(rpmClass(200), rpmClass(300), rpmClass(5999), rpmClass(6000)); // Poor Fair Good Excellent
 * ```
 */
export function rpmClass(rpm: number): "Poor" | "Fair" | "Good" | "Excellent" {
  if (!(rpm >= 300)) return "Poor";
  if (rpm < 1000) return "Fair";
  if (rpm < 6000) return "Good";
  return "Excellent";
}

/**
 * A value measured at a time (wall clock, ms).
 *
 * @example
 * ```ts
 * import type { TimedValue } from "./rpm.ts";
 * const probe: TimedValue = { at: 1_700_000_000_000, value: 42 };
 * ```
 */
export interface TimedValue {
  /** When, ms. */
  at: number;
  /** The value (ms for probes, Mbit/s for goodput). */
  value: number;
}

/**
 * One loaded phase, as {@linkcode phaseResponsiveness} reads it.
 *
 * @example
 * ```ts
 * import type { ResponsivenessInput } from "./rpm.ts";
 * const input: ResponsivenessInput = {
 *   start: 0, end: 10_000, foreign: [{ at: 100, value: 40 }], self: undefined, goodput: [],
 * };
 * ```
 */
export interface ResponsivenessInput {
  /** Start of the measured window, ms. */
  start: number;
  /** End of the measured window, ms. */
  end: number;
  /** Foreign probes (round trips of the latency probes), by send time. */
  foreign: readonly TimedValue[];
  /** Self probes (round trips on the loaded connections); `undefined` when there are none. */
  self: readonly TimedValue[] | undefined;
  /** Goodput samples of the load, Mbit/s, by time (both directions added when both load). */
  goodput: readonly TimedValue[];
}

/**
 * `"Low"`, `"Medium"` or `"High"`.
 *
 * @example
 * ```ts
 * import type { RpmConfidence } from "./rpm.ts";
 * const confidence: RpmConfidence = "Medium";
 * ```
 */
export type RpmConfidence = "Low" | "Medium" | "High";

/**
 * Responsiveness of one loaded phase.
 *
 * @example
 * ```ts
 * import type { Responsiveness } from "./rpm.ts";
 * type Confidence = Responsiveness["confidence"];
 * ```
 */
export interface Responsiveness extends RpmFigures {
  /** The class of `rpm`. */
  rpmClass: ReturnType<typeof rpmClass>;
  /** Foreign probes in the window. */
  foreignCount: number;
  /** Self probes in the window (the foreign ones when they stand in). */
  selfCount: number;
  /** `"load"` for real self probes, `"foreign"` when the foreign probes stand in. */
  selfSource: "load" | "foreign";
  /** Whole intervals in the window. */
  intervals: number;
  /** Whether the RPM met the stability criterion at the last interval. */
  rpmStable: boolean;
  /** The first interval (0-based) where the RPM was stable, `null` if never. */
  rpmStableFrom: number | null;
  /** Whether the goodput met the stability criterion at the last interval. */
  goodputStable: boolean;
  /** How far to trust `rpm`. */
  confidence: RpmConfidence;
  /** Why the confidence is not High. */
  reasons: string[];
}

function populationStdDev(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

/** Whether the last `mad` values are all finite and spread less than `sdt` of the last one. */
function stableAt(series: readonly number[], i: number, mad: number, sdt: number): boolean {
  if (i < mad - 1) return false;
  const last = series.slice(i - mad + 1, i + 1);
  if (!last.every(Number.isFinite)) return false;
  return populationStdDev(last) < sdt * series[i]!;
}

function within(values: readonly TimedValue[], from: number, to: number): number[] {
  return values.filter((v) => v.at >= from && v.at < to).map((v) => v.value);
}

/**
 * The responsiveness of one loaded phase, with its stability and confidence (see the module
 * documentation).
 *
 * @param input The window, probes and goodput.
 * @param parameters MAD, ID, TMP, SDT.
 * @returns RPM, counts, stability and confidence.
 *
 * @example Steady probes and goodput over 10 s: High confidence
 * ```ts
 * import { phaseResponsiveness } from "./rpm.ts";
 * const every = (ms: number, value: number) =>
 *   Array.from({ length: 10_000 / ms }, (_, i) => ({ at: i * ms, value }));
 * const result = phaseResponsiveness({
 *   start: 0, end: 10_000, foreign: every(50, 40), self: every(50, 80), goodput: every(100, 19),
 * });
 * console.log(result.rpm, result.confidence); // 1000 High
 * ```
 */
export function phaseResponsiveness(
  input: ResponsivenessInput,
  parameters: RpmParameters = {},
): Responsiveness {
  const mad = parameters.movingAverageDistance ?? RPM_PARAMETERS.movingAverageDistance;
  const id = parameters.intervalMs ?? RPM_PARAMETERS.intervalMs;
  const tmp = parameters.trimmedMeanPercent ?? RPM_PARAMETERS.trimmedMeanPercent;
  const sdt = parameters.stdDevTolerance ?? RPM_PARAMETERS.stdDevTolerance;
  const selfSource = input.self === undefined ? "foreign" : "load";
  const self = input.self ?? input.foreign;
  const foreign = within(input.foreign, input.start, input.end);
  const selfValues = within(self, input.start, input.end);
  const figures = rpmFromProbes(foreign, selfValues, tmp);

  const intervals = Math.max(0, Math.floor((input.end - input.start) / id));
  const movingRpm: number[] = [];
  const movingGoodput: number[] = [];
  for (let i = 0; i < intervals; i++) {
    const from = input.start + Math.max(0, i - mad + 1) * id;
    const to = input.start + (i + 1) * id;
    movingRpm.push(rpmFromProbes(within(input.foreign, from, to), within(self, from, to), tmp).rpm);
    const goodput = within(input.goodput, from, to);
    movingGoodput.push(
      goodput.length === 0 ? NaN : goodput.reduce((sum, v) => sum + v, 0) / goodput.length,
    );
  }
  let rpmStableFrom: number | null = null;
  for (let i = 0; i < intervals && rpmStableFrom === null; i++) {
    if (stableAt(movingRpm, i, mad, sdt)) rpmStableFrom = i;
  }
  const last = intervals - 1;
  const rpmStable = stableAt(movingRpm, last, mad, sdt);
  const goodputStable = stableAt(movingGoodput, last, mad, sdt);

  const low: string[] = [];
  if (foreign.length < LOW_CONFIDENCE_PROBES) low.push(`${foreign.length} foreign probes`);
  if (selfValues.length < LOW_CONFIDENCE_PROBES && selfSource === "load") {
    low.push(`${selfValues.length} self probes`);
  }
  if (intervals < mad) low.push(`${intervals} intervals of ${id} ms, fewer than ${mad}`);
  if (rpmStableFrom === null) low.push("the RPM never met the stability criterion");
  const medium: string[] = [];
  if (selfSource === "foreign") medium.push("no self probes: the foreign probes stand in");
  if (rpmStableFrom !== null && !rpmStable) medium.push("the RPM was not stable at the end");
  if (!goodputStable) medium.push("the goodput was not stable at the end");
  if (foreign.length < HIGH_CONFIDENCE_PROBES) medium.push(`${foreign.length} foreign probes`);
  if (selfSource === "load" && selfValues.length < HIGH_CONFIDENCE_PROBES) {
    medium.push(`${selfValues.length} self probes`);
  }
  const confidence: RpmConfidence = low.length > 0 ? "Low" : medium.length > 0 ? "Medium" : "High";
  return {
    ...figures,
    rpmClass: rpmClass(figures.rpm),
    foreignCount: foreign.length,
    selfCount: selfValues.length,
    selfSource,
    intervals,
    rpmStable,
    rpmStableFrom,
    goodputStable,
    confidence,
    reasons: [...new Set([...low, ...medium])],
  };
}
