/**
 * The result of a bufferbloat test: one JSON object (stored as the test result's summary, read
 * by the charts and reports through `charts/bufferbloat_summary.ts`) and its printed text.
 *
 * {@linkcode buildBufferbloatSummary} puts the analyses together: latency per phase and the
 * increase (`phase_stats.ts`), the grades (`grade.ts`), the queue's direction
 * (`queue_direction.ts`), responsiveness (`rpm.ts`), goodput, sample counts and notes. Keys are
 * snake_case; figures are ms unless the key says otherwise, rounded to the microsecond; a figure
 * that could not be measured is `null`. The fields the charts read (`idle_latency_ms.p25` and
 * `.median`, `loaded_latency_ms.<phase>.median` and `.p95`, `increase_ms`, `rpm`, `queue`) keep
 * their meaning; the rest is added beside them.
 *
 * @module
 */
import {
  type BufferbloatSummary,
  LOADED_PHASES,
  type LoadedPhase,
} from "../charts/bufferbloat_summary.ts";
import { formatMs } from "../report/format.ts";
import {
  type BufferbloatGrade,
  combinedGrade,
  gradeForBaseline,
  gradeForIncrease,
} from "./grade.ts";
import {
  type LatencyStats,
  type Phase,
  type PhaseLatencyInput,
  phaseStats,
} from "./phase_stats.ts";
import {
  chartQueue,
  type QueueAttribution,
  type QueueDirection,
  queueDirection,
  type QueueDirectionOptions,
  queueFromPhases,
  type QueueInput,
  type QueueShare,
} from "./queue_direction.ts";
import type { Responsiveness, RpmConfidence } from "./rpm.ts";

/**
 * What {@linkcode buildBufferbloatSummary} needs.
 *
 * @example
 * ```ts
 * import type { BufferbloatSummaryInput } from "./summary.ts";
 * const source: BufferbloatSummaryInput["latencySource"] = "udp-echo";
 * ```
 */
export interface BufferbloatSummaryInput {
  /** Round trips of the latency probes per phase, ms (`null` for a lost probe). */
  latency: PhaseLatencyInput;
  /** Which probes `latency` holds. */
  latencySource: "udp-echo" | "icmp";
  /** Raw one-way delays per phase (UDP echo), `undefined` without. */
  oneWay: QueueInput | undefined;
  /** ICMP round trips per phase when ICMP ran beside the UDP echo, `undefined` otherwise. */
  icmp: PhaseLatencyInput | undefined;
  /** Responsiveness of each loaded phase (`rpm.ts`). */
  responsiveness: Record<LoadedPhase, Responsiveness>;
  /** Goodput samples of each loaded phase, Mbit/s, per direction. */
  goodput: Record<LoadedPhase, { download: readonly number[]; upload: readonly number[] }>;
  /** What the test ran with (durations, streams, congestion control...), stored as given. */
  settings: Record<string, unknown>;
  /** Things the reader should know (a probe that was unavailable...). */
  notes: readonly string[];
  /** When each phase's measured window started and ended, wall clock ms. */
  windows?: Record<Phase, { start: number; end: number }>;
  /** Thresholds of the queue's direction. */
  queueOptions?: QueueDirectionOptions;
}

/**
 * Latency of one phase as stored.
 *
 * @example
 * ```ts
 * import type { StoredLatency } from "./summary.ts";
 * const idle: StoredLatency = {
 *   samples: 250, lost: 0, min: 0.3, p25: 0.38, median: 0.42, mean: 0.45, p95: 0.6, p99: 0.9, max: 1.2,
 * };
 * ```
 */
export interface StoredLatency {
  /** Answered probes. */
  samples: number;
  /** Lost probes. */
  lost: number;
  /** Smallest. */
  min: number | null;
  /** 25th percentile. */
  p25: number | null;
  /** Median. */
  median: number | null;
  /** Mean. */
  mean: number | null;
  /** 95th percentile. */
  p95: number | null;
  /** 99th percentile. */
  p99: number | null;
  /** Largest. */
  max: number | null;
}

/**
 * A loaded phase as stored.
 *
 * @example
 * ```ts
 * import type { StoredLoadedLatency } from "./summary.ts";
 * type Grade = StoredLoadedLatency["grade"];
 * ```
 */
export interface StoredLoadedLatency extends StoredLatency {
  /** Median minus the idle median. */
  increase_ms: number | null;
  /** LibreQoS's increase: mean minus the idle 25th percentile. */
  libreqos_increase_ms: number | null;
  /** How deep the queue got: p99 minus the idle median. */
  peak_increase_ms: number | null;
  /** The grade of `increase_ms`, `null` without figures. */
  grade: BufferbloatGrade | null;
}

/**
 * One direction's share of a queue, as stored.
 *
 * @example
 * ```ts
 * import type { StoredQueueShare } from "./summary.ts";
 * const upload: StoredQueueShare = { direction: "upstream", added_up_ms: 290, added_down_ms: 0.1, up_share: 0.9997 };
 * ```
 */
export interface StoredQueueShare {
  /** `"upstream"`, `"downstream"`, `"both"`, `"none"`. */
  direction: QueueDirection;
  /** Delay added upstream. */
  added_up_ms: number | null;
  /** Delay added downstream. */
  added_down_ms: number | null;
  /** Upstream share of the added delay, 0 to 1. */
  up_share: number | null;
}

/**
 * Responsiveness of one loaded phase as stored.
 *
 * @example
 * ```ts
 * import type { StoredResponsiveness } from "./summary.ts";
 * type Confidence = StoredResponsiveness["confidence"];
 * ```
 */
export interface StoredResponsiveness {
  /** Round trips per minute. */
  rpm: number | null;
  /** Poor, Fair, Good or Excellent. */
  rpm_class: string;
  /** Trimmed mean of the foreign probes. */
  foreign_ms: number | null;
  /** Trimmed mean of the self probes. */
  self_ms: number | null;
  /** `60000 / foreign_ms`. */
  foreign_rpm: number | null;
  /** `60000 / self_ms`. */
  self_rpm: number | null;
  /** Foreign probes counted. */
  foreign_probes: number;
  /** Self probes counted. */
  self_probes: number;
  /** `"load"` (TCP round trips of the loaded connections) or `"foreign"` (standing in). */
  self_source: "load" | "foreign";
  /** Whether the RPM was stable at the end. */
  rpm_stable: boolean;
  /** Whether the goodput was stable at the end. */
  goodput_stable: boolean;
  /** Low, Medium or High. */
  confidence: RpmConfidence;
  /** Why the confidence is not High. */
  reasons: string[];
}

/**
 * Goodput of one direction in a phase, Mbit/s.
 *
 * @example
 * ```ts
 * import type { StoredGoodput } from "./summary.ts";
 * const up: StoredGoodput = { samples: 100, median: 19.1, mean: 19 };
 * ```
 */
export interface StoredGoodput {
  /** Goodput samples. */
  samples: number;
  /** Median sample. */
  median: number | null;
  /** Mean sample. */
  mean: number | null;
}

/**
 * What a bufferbloat test stores as its summary: the chart's {@linkcode BufferbloatSummary}
 * and more.
 *
 * @example
 * ```ts
 * import type { BufferbloatResult } from "./summary.ts";
 * const grades: BufferbloatResult["combined_grade"][] = ["A+", "C"];
 * ```
 */
export interface BufferbloatResult extends BufferbloatSummary {
  /** Format version. */
  version: 1;
  /** Idle latency. */
  idle_latency_ms: StoredLatency & { p25: number; median: number };
  /** Latency of each loaded phase. */
  loaded_latency_ms: Record<LoadedPhase, StoredLoadedLatency & { median: number; p95: number }>;
  /** Which statistic `increase_ms` is. */
  increase_statistic: "phase median minus idle median";
  /** The phase with the largest increase. */
  increase_phase: LoadedPhase;
  /** The grade of `increase_ms` (A+ below 5 ms ... F from 400 ms). */
  grade: BufferbloatGrade;
  /** LibreQoS's baseline grade, from the idle median. */
  baseline_grade: BufferbloatGrade;
  /** LibreQoS's combined grade: min(baseline grade, mean of the phase grades). */
  combined_grade: BufferbloatGrade;
  /** The RPM's class. */
  rpm_class: string;
  /** The RPM's confidence. */
  rpm_confidence: RpmConfidence;
  /** The phase `rpm` comes from (the least responsive). */
  rpm_phase: LoadedPhase;
  /** Responsiveness of each loaded phase. */
  responsiveness: Record<LoadedPhase, StoredResponsiveness>;
  /** Where the queue is, overall and per phase. */
  queue_direction: StoredQueueShare & {
    /** `"one-way delays"` (UDP echo) or `"phases"` (inferred). */
    source: QueueAttribution["source"];
    /** Each loaded phase. */
    phases: Record<LoadedPhase, StoredQueueShare>;
  };
  /** Goodput per phase and direction. */
  goodput_mbps: Record<LoadedPhase, { download?: StoredGoodput; upload?: StoredGoodput }>;
  /** Which probes `*_latency_ms` hold. */
  latency_source: "udp-echo" | "icmp";
  /** ICMP round trips per phase when ICMP ran beside the UDP echo, else `null`. */
  icmp_latency_ms: Record<string, StoredLatency & { increase_ms?: number | null }> | null;
  /** What the test ran with. */
  settings: Record<string, unknown>;
  /** When each phase's measured window started and ended, wall clock ms; `null` if unknown. */
  phase_windows: Record<Phase, { start: number; end: number }> | null;
  /** Things the reader should know. */
  notes: string[];
}

function round(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}

function stored(stats: LatencyStats): StoredLatency {
  return {
    samples: stats.count,
    lost: stats.lost,
    min: round(stats.min),
    p25: round(stats.p25),
    median: round(stats.median),
    mean: round(stats.mean),
    p95: round(stats.p95),
    p99: round(stats.p99),
    max: round(stats.max),
  };
}

function storedShare(share: QueueShare): StoredQueueShare {
  return {
    direction: share.direction,
    added_up_ms: round(share.addedUpMs),
    added_down_ms: round(share.addedDownMs),
    up_share: round(share.upShare),
  };
}

function storedGoodput(samples: readonly number[]): StoredGoodput | undefined {
  if (samples.length === 0) return undefined;
  const sorted = samples.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    samples: samples.length,
    median: round(median),
    mean: round(samples.reduce((sum, v) => sum + v, 0) / samples.length),
  };
}

function storedResponsiveness(r: Responsiveness): StoredResponsiveness {
  return {
    rpm: round(r.rpm) === null ? null : Math.round(r.rpm),
    rpm_class: r.rpmClass,
    foreign_ms: round(r.foreignMs),
    self_ms: round(r.selfMs),
    foreign_rpm: round(r.foreignRpm) === null ? null : Math.round(r.foreignRpm),
    self_rpm: round(r.selfRpm) === null ? null : Math.round(r.selfRpm),
    foreign_probes: r.foreignCount,
    self_probes: r.selfCount,
    self_source: r.selfSource,
    rpm_stable: r.rpmStable,
    goodput_stable: r.goodputStable,
    confidence: r.confidence,
    reasons: r.reasons,
  };
}

/**
 * Builds the stored summary of a test. Throws when the test cannot be graded: no idle latency,
 * or a loaded phase without a single answered probe.
 *
 * @param input Latency, one-way delays, ICMP, responsiveness, goodput, settings and notes.
 * @returns The summary.
 * @throws {RangeError} When the idle phase or a loaded phase has no answered probe.
 *
 * @example Upload bloat
 * ```ts
 * import { buildBufferbloatSummary } from "./summary.ts";
 * import { phaseResponsiveness } from "./rpm.ts";
 * const rtt = (ms: number) => Array.from({ length: 100 }, () => ms);
 * const responsiveness = phaseResponsiveness({
 *   start: 0, end: 10_000, foreign: rtt(100).map((v, i) => ({ at: i * 100, value: v })), self: undefined,
 *   goodput: [],
 * });
 * const summary = buildBufferbloatSummary({
 *   latency: { idle: rtt(10), download: rtt(12), upload: rtt(100), bidirectional: rtt(95) },
 *   latencySource: "udp-echo",
 *   oneWay: undefined,
 *   icmp: undefined,
 *   responsiveness: { download: responsiveness, upload: responsiveness, bidirectional: responsiveness },
 *   goodput: {
 *     download: { download: [19], upload: [] }, upload: { download: [], upload: [19] },
 *     bidirectional: { download: [10], upload: [9] },
 *   },
 *   settings: {},
 *   notes: [],
 * });
 * console.log(summary.increase_ms, summary.grade, summary.combined_grade, summary.queue); // 90 C B upload
 * ```
 */
export function buildBufferbloatSummary(input: BufferbloatSummaryInput): BufferbloatResult {
  const stats = phaseStats(input.latency);
  if (stats.idle.count === 0) {
    throw new RangeError("Cannot grade: no latency probe was answered in the idle phase");
  }
  for (const phase of LOADED_PHASES) {
    if (stats.loaded[phase].count === 0) {
      throw new RangeError(`Cannot grade: no latency probe was answered in the ${phase} phase`);
    }
  }
  const phaseGrades = LOADED_PHASES.map((phase) =>
    gradeForIncrease(stats.loaded[phase].increaseMs)
  );
  const grade = gradeForIncrease(stats.increaseMs);
  const baselineGrade = gradeForBaseline(stats.idle.median);
  const increases = Object.fromEntries(
    LOADED_PHASES.map((phase) => [phase, stats.loaded[phase].increaseMs]),
  ) as Record<LoadedPhase, number>;
  const queue = input.oneWay !== undefined && input.oneWay.idle.length > 0
    ? queueDirection(input.oneWay, input.queueOptions)
    : queueFromPhases(increases, input.queueOptions);

  let rpmPhase: LoadedPhase = "bidirectional";
  let lowest = Infinity;
  for (const phase of LOADED_PHASES) {
    const rpm = input.responsiveness[phase].rpm;
    if (rpm < lowest) {
      lowest = rpm;
      rpmPhase = phase;
    }
  }
  const worst = input.responsiveness[rpmPhase];

  let icmp: BufferbloatResult["icmp_latency_ms"] = null;
  if (input.icmp !== undefined) {
    const icmpStats = phaseStats(input.icmp);
    icmp = { idle: stored(icmpStats.idle) };
    for (const phase of LOADED_PHASES) {
      const s = icmpStats.loaded[phase];
      icmp[phase] = { ...stored(s), increase_ms: round(s.increaseMs) };
    }
  }

  const loaded = {} as BufferbloatResult["loaded_latency_ms"];
  for (const [i, phase] of LOADED_PHASES.entries()) {
    const s = stats.loaded[phase];
    loaded[phase] = {
      ...stored(s),
      median: round(s.median)!,
      p95: round(s.p95)!,
      increase_ms: round(s.increaseMs),
      libreqos_increase_ms: round(s.libreqosIncreaseMs),
      peak_increase_ms: round(s.peakIncreaseMs),
      grade: phaseGrades[i]!,
    };
  }
  const goodput = {} as BufferbloatResult["goodput_mbps"];
  for (const phase of LOADED_PHASES) {
    const download = storedGoodput(input.goodput[phase].download);
    const upload = storedGoodput(input.goodput[phase].upload);
    goodput[phase] = { ...(download ? { download } : {}), ...(upload ? { upload } : {}) };
  }
  const idle = stored(stats.idle);
  return {
    version: 1,
    idle_latency_ms: { ...idle, p25: idle.p25!, median: idle.median! },
    loaded_latency_ms: loaded,
    increase_ms: round(stats.increaseMs)!,
    increase_statistic: "phase median minus idle median",
    increase_phase: stats.worstPhase,
    grade,
    baseline_grade: baselineGrade,
    combined_grade: combinedGrade(baselineGrade, phaseGrades),
    rpm: Number.isFinite(worst.rpm) ? Math.round(worst.rpm) : 0,
    rpm_class: worst.rpmClass,
    rpm_confidence: worst.confidence,
    rpm_phase: rpmPhase,
    responsiveness: Object.fromEntries(
      LOADED_PHASES.map((phase) => [phase, storedResponsiveness(input.responsiveness[phase])]),
    ) as Record<LoadedPhase, StoredResponsiveness>,
    queue: chartQueue(queue.direction),
    queue_direction: {
      ...storedShare(queue),
      source: queue.source,
      phases: Object.fromEntries(
        LOADED_PHASES.map((phase) => [phase, storedShare(queue.phases[phase])]),
      ) as Record<LoadedPhase, StoredQueueShare>,
    },
    goodput_mbps: goodput,
    latency_source: input.latencySource,
    icmp_latency_ms: icmp,
    settings: input.settings,
    phase_windows: input.windows ?? null,
    notes: [...input.notes],
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function padStart(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

function ms(value: number | null | undefined): string {
  return formatMs(value ?? null);
}

function signed(value: number | null): string {
  if (value === null) return "–";
  return `${value >= 0 ? "+" : ""}${formatMs(value)}`;
}

function mbit(value: number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function queueText(share: StoredQueueShare): string {
  if (share.direction === "none") return "none";
  const up = share.up_share === null ? "" : ` (${Math.round(share.up_share * 100)}% up)`;
  return `${share.direction}${share.direction === "both" ? up : ""}`;
}

/**
 * The summary as text, one string per line: the grades, a table of the phases (median, p95,
 * p99, increase, grade, goodput, queue), responsiveness, the queue's direction, sample counts
 * and notes.
 *
 * @param result The stored summary.
 * @param title What was tested, e.g. `'bufferbloat against "vienna" on eth0'`.
 * @returns The lines.
 *
 * @example A clean link
 * ```ts
 * import { buildBufferbloatSummary, formatBufferbloatSummary } from "./summary.ts";
 * import { phaseResponsiveness } from "./rpm.ts";
 * const ms = (value: number) => Array.from({ length: 100 }, () => value);
 * const rpm = phaseResponsiveness({
 *   start: 0, end: 10_000, foreign: ms(12).map((value, i) => ({ at: i * 100, value })),
 *   self: undefined, goodput: [],
 * });
 * const result = buildBufferbloatSummary({
 *   latency: { idle: ms(10), download: ms(12), upload: ms(11), bidirectional: ms(12) },
 *   latencySource: "udp-echo", oneWay: undefined, icmp: undefined,
 *   responsiveness: { download: rpm, upload: rpm, bidirectional: rpm },
 *   goodput: {
 *     download: { download: [95], upload: [] }, upload: { download: [], upload: [19] },
 *     bidirectional: { download: [90], upload: [18] },
 *   },
 *   settings: {}, notes: [],
 * });
 * const lines = formatBufferbloatSummary(result, 'bufferbloat against "lab"');
 * console.log(lines[0]);
 * // bufferbloat against "lab": grade A+ (combined A+), +2.0 ms under download load, 5000 RPM (Good, confidence Medium)
 * ```
 */
export function formatBufferbloatSummary(result: BufferbloatResult, title: string): string[] {
  const lines: string[] = [];
  lines.push(
    `${title}: grade ${result.grade} (combined ${result.combined_grade}), ` +
      `${signed(result.increase_ms)} ms under ${result.increase_phase} load, ` +
      `${result.rpm} RPM (${result.rpm_class}, confidence ${result.rpm_confidence})`,
  );
  const header = "  " + pad("phase", 14) +
    ["median", "p95", "p99"].map((h) => padStart(h, 8)).join("") +
    padStart("increase", 10) + "  " + pad("grade", 7) + pad("goodput Mbit/s", 20) + "queue";
  lines.push(header);
  const idle = result.idle_latency_ms;
  lines.push(
    "  " + pad("idle", 14) +
      [idle.median, idle.p95, idle.p99].map((v) => padStart(ms(v), 8)).join(""),
  );
  for (const phase of LOADED_PHASES) {
    const l = result.loaded_latency_ms[phase];
    const g = result.goodput_mbps[phase];
    const goodput = [
      g.download ? `${mbit(g.download.median)} down` : "",
      g.upload ? `${mbit(g.upload.median)} up` : "",
    ].filter(Boolean).join(" / ");
    lines.push(
      "  " + pad(phase, 14) + [l.median, l.p95, l.p99].map((v) => padStart(ms(v), 8)).join("") +
        padStart(signed(l.increase_ms), 10) + "  " + pad(l.grade ?? "–", 7) +
        pad(goodput, 19) + " " + queueText(result.queue_direction.phases[phase]),
    );
  }
  const q = result.queue_direction;
  lines.push(
    `  queue: ${q.direction === "none" ? "none" : q.direction} ` +
      `(the load adds ${signed(q.added_up_ms)} ms upstream, ${signed(q.added_down_ms)} ms ` +
      `downstream; from ${q.source})`,
  );
  const r = result.responsiveness[result.rpm_phase];
  lines.push(
    `  responsiveness: ${result.rpm} RPM in the ${result.rpm_phase} phase ` +
      `(foreign ${ms(r.foreign_ms)} ms x ${r.foreign_probes}, self ${ms(r.self_ms)} ms x ` +
      `${r.self_probes}${r.self_source === "foreign" ? " (stand-in)" : ""}), confidence ` +
      `${r.confidence}${r.reasons.length > 0 ? `: ${r.reasons.join("; ")}` : ""}`,
  );
  const counts = [
    ["idle", idle] as const,
    ...LOADED_PHASES.map((p) => [p, result.loaded_latency_ms[p]] as const),
  ]
    .map(([phase, l]) => `${phase} ${l.samples}${l.lost > 0 ? ` (${l.lost} lost)` : ""}`);
  lines.push(`  ${result.latency_source} samples: ${counts.join(", ")}`);
  if (result.icmp_latency_ms !== null) {
    const icmp = result.icmp_latency_ms;
    const medians = ["idle", ...LOADED_PHASES].map((phase) =>
      `${phase} ${ms(icmp[phase]?.median)}`
    );
    lines.push(`  icmp medians (ms): ${medians.join(", ")}`);
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return lines;
}
