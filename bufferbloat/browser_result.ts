/**
 * The browser bufferbloat test's analysis (the page at `/` of the server's web app, see
 * `web/`), kept here so that the page, the server and the tests grade alike: latency samples
 * taken every 100 ms through all the phases become per-phase figures, the increase of each
 * loaded phase, its grade and the total grade, as LibreQoS's test computes them:
 *
 * - phases: `baseline`, `download_warmup`, `download`, `upload_warmup`, `upload`,
 *   `bidirectional` (the warm-ups are shown, not graded);
 * - increase of a loaded phase = its mean latency minus the baseline's 25th percentile;
 * - phase grade from the increase (A+ < 5 ms, A < 30, B < 60, C < 200, D < 400, F);
 * - total grade = the worse of the baseline grade (from the baseline's median) and the mean of
 *   the phase grades (`grade.ts`).
 *
 * A sample that got no answer within its timeout counts as lost in its phase (and in no mean).
 *
 * @module
 */
import { percentile } from "../core/stats/percentile.ts";
import {
  type BufferbloatGrade,
  combinedGrade,
  gradeForBaseline,
  gradeForIncrease,
} from "./grade.ts";

/**
 * The phases of a browser test, in order.
 *
 * @example
 * ```ts
 * import { BROWSER_PHASES } from "./browser_result.ts";
 * console.log(BROWSER_PHASES.length); // 6
 * ```
 */
export const BROWSER_PHASES = [
  "baseline",
  "download_warmup",
  "download",
  "upload_warmup",
  "upload",
  "bidirectional",
] as const;

/** One of {@linkcode BROWSER_PHASES}. */
export type BrowserPhase = typeof BROWSER_PHASES[number];

/**
 * The loaded phases that are graded.
 *
 * @example
 * ```ts
 * import { GRADED_PHASES } from "./browser_result.ts";
 * console.log(GRADED_PHASES.join(" ")); // download upload bidirectional
 * ```
 */
export const GRADED_PHASES = ["download", "upload", "bidirectional"] as const;

/** One of {@linkcode GRADED_PHASES}. */
export type GradedPhase = typeof GRADED_PHASES[number];

/**
 * One latency sample: when it was sent (ms since the test started), its phase, and its round
 * trip (`null` when it got no answer in time).
 *
 * @example
 * ```ts
 * import type { LatencySample } from "./browser_result.ts";
 * const sample: LatencySample = { t: 5_100, phase: "download_warmup", rttMs: 23.4 };
 * ```
 */
export interface LatencySample {
  /** Send time, ms since the test started. */
  t: number;
  /** The phase it was sent in. */
  phase: BrowserPhase;
  /** Round trip, ms; `null` when lost. */
  rttMs: number | null;
}

/**
 * Goodput of one phase, Mbit/s (mean over the phase), when it loads that direction.
 *
 * @example
 * ```ts
 * import type { PhaseGoodput } from "./browser_result.ts";
 * const goodput: PhaseGoodput = { downloadMbps: 94.1 };
 * ```
 */
export interface PhaseGoodput {
  /** Download goodput, Mbit/s. */
  downloadMbps?: number;
  /** Upload goodput, Mbit/s. */
  uploadMbps?: number;
}

/**
 * Figures of one phase.
 *
 * @example
 * ```ts
 * import type { PhaseFigures } from "./browser_result.ts";
 * type Mean = PhaseFigures["meanMs"];
 * ```
 */
export interface PhaseFigures {
  /** Samples sent in the phase. */
  sent: number;
  /** Samples without an answer. */
  lost: number;
  /** Mean round trip of the answered samples, ms (`null` without any). */
  meanMs: number | null;
  /** Median, ms. */
  medianMs: number | null;
  /** 25th percentile, ms. */
  p25Ms: number | null;
  /** 95th percentile, ms. */
  p95Ms: number | null;
  /** Mean minus the baseline's 25th percentile, ms (loaded phases). */
  increaseMs: number | null;
  /** The grade of the increase (graded phases). */
  grade: BufferbloatGrade | null;
  /** Goodput, when the phase loads. */
  goodput?: PhaseGoodput;
}

/**
 * A browser test's result, as the page shows it and the server stores it.
 *
 * @example
 * ```ts
 * import type { BrowserResult } from "./browser_result.ts";
 * type Total = BrowserResult["totalGrade"];
 * ```
 */
export interface BrowserResult {
  /** Format version. */
  version: 1;
  /** Each phase's figures. */
  phases: Record<BrowserPhase, PhaseFigures>;
  /** The baseline's grade (from its median). */
  baselineGrade: BufferbloatGrade | null;
  /** The worse of the baseline grade and the mean of the phase grades. */
  totalGrade: BufferbloatGrade | null;
  /** The graded phase with the largest increase. */
  worstPhase: GradedPhase | null;
  /** One sentence that says what the test found. */
  verdict: string;
}

function figures(
  samples: readonly LatencySample[],
  phase: BrowserPhase,
  baselineP25: number | null,
  goodput: PhaseGoodput | undefined,
): PhaseFigures {
  const own = samples.filter((s) => s.phase === phase);
  const rtts = own.flatMap((s) => s.rttMs === null ? [] : [s.rttMs]);
  const has = rtts.length > 0;
  const mean = has ? rtts.reduce((sum, v) => sum + v, 0) / rtts.length : null;
  const loaded = phase !== "baseline";
  const increase = loaded && mean !== null && baselineP25 !== null ? mean - baselineP25 : null;
  const graded = (GRADED_PHASES as readonly string[]).includes(phase);
  return {
    sent: own.length,
    lost: own.length - rtts.length,
    meanMs: mean,
    medianMs: has ? percentile(rtts, 50) : null,
    p25Ms: has ? percentile(rtts, 25) : null,
    p95Ms: has ? percentile(rtts, 95) : null,
    increaseMs: increase,
    grade: graded && increase !== null ? gradeForIncrease(Math.max(0, increase)) : null,
    ...(goodput ? { goodput } : {}),
  };
}

const PHASE_WORDS: Record<GradedPhase, string> = {
  download: "downloading",
  upload: "uploading",
  bidirectional: "downloading and uploading at once",
};

/**
 * Analyses a browser test's latency samples (see the module documentation).
 *
 * @param samples Every latency sample of the test.
 * @param goodput Goodput per phase, when measured.
 * @returns The result.
 *
 * @example A connection that bloats on upload
 * ```ts
 * import { analyzeBrowserTest, type LatencySample } from "./browser_result.ts";
 * const samples: LatencySample[] = [];
 * const add = (phase: LatencySample["phase"], rtt: number) =>
 *   samples.push({ t: samples.length * 100, phase, rttMs: rtt });
 * for (let i = 0; i < 50; i++) add("baseline", 20);
 * for (let i = 0; i < 50; i++) add("download", 24);
 * for (let i = 0; i < 50; i++) add("upload", 270);
 * for (let i = 0; i < 50; i++) add("bidirectional", 230);
 * const result = analyzeBrowserTest(samples);
 * console.log(result.phases.upload.grade, result.totalGrade, result.worstPhase); // D C upload
 * ```
 */
export function analyzeBrowserTest(
  samples: readonly LatencySample[],
  goodput: Partial<Record<BrowserPhase, PhaseGoodput>> = {},
): BrowserResult {
  const baselineRtts = samples.flatMap((s) =>
    s.phase === "baseline" && s.rttMs !== null ? [s.rttMs] : []
  );
  const baselineP25 = baselineRtts.length > 0 ? percentile(baselineRtts, 25) : null;
  const phases = Object.fromEntries(
    BROWSER_PHASES.map((phase) => [phase, figures(samples, phase, baselineP25, goodput[phase])]),
  ) as Record<BrowserPhase, PhaseFigures>;
  const baselineMedian = phases.baseline.medianMs;
  const baselineGrade = baselineMedian === null ? null : gradeForBaseline(baselineMedian);
  const grades = GRADED_PHASES.flatMap((phase) => phases[phase].grade ?? []);
  const totalGrade = baselineGrade !== null && grades.length > 0
    ? combinedGrade(baselineGrade, grades)
    : null;
  let worstPhase: GradedPhase | null = null;
  for (const phase of GRADED_PHASES) {
    const increase = phases[phase].increaseMs;
    if (increase === null) continue;
    if (worstPhase === null || increase > phases[worstPhase].increaseMs!) worstPhase = phase;
  }
  return {
    version: 1,
    phases,
    baselineGrade,
    totalGrade,
    worstPhase,
    verdict: verdictOf(phases, baselineGrade, totalGrade, worstPhase),
  };
}

function verdictOf(
  phases: Record<BrowserPhase, PhaseFigures>,
  baselineGrade: BufferbloatGrade | null,
  totalGrade: BufferbloatGrade | null,
  worstPhase: GradedPhase | null,
): string {
  if (totalGrade === null || worstPhase === null || baselineGrade === null) {
    return "Not enough latency samples were answered to grade this connection.";
  }
  const worst = phases[worstPhase];
  const increase = Math.max(0, worst.increaseMs!);
  const ms = increase < 10 ? increase.toFixed(1) : Math.round(increase).toString();
  const idle = Math.round(phases.baseline.medianMs!);
  if (["A+", "A"].includes(totalGrade)) {
    return `Grade ${totalGrade}: latency stays low under load (at most +${ms} ms while ` +
      `${PHASE_WORDS[worstPhase]}; ${idle} ms idle).`;
  }
  if (gradeOrder(baselineGrade) > gradeOrder(worst.grade!)) {
    return `Grade ${totalGrade}: the connection is slow even when idle (${idle} ms), ` +
      `though load adds at most +${ms} ms.`;
  }
  return `Grade ${totalGrade}: bufferbloat while ${PHASE_WORDS[worstPhase]}: latency rises by ` +
    `${ms} ms (from ${idle} ms idle). A router with smart queue management (fq_codel or cake) ` +
    `would keep it low.`;
}

/** 0 for A+ up to 5 for F. */
function gradeOrder(grade: BufferbloatGrade): number {
  return ["A+", "A", "B", "C", "D", "F"].indexOf(grade);
}
