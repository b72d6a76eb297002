/**
 * Bufferbloat grades over time for a report: every test of the period with its figures, the
 * grades counted, one row per day, and a sentence.
 *
 * @module
 */
import {
  BUFFERBLOAT_GRADES,
  LOADED_PHASES,
  type LoadedPhase,
  readBufferbloatSummary,
} from "../charts/bufferbloat_summary.ts";
import type { StoredTestResult } from "../store/mod.ts";
import { displayName, formatMs } from "./format.ts";

/**
 * One bufferbloat test as a report shows it.
 *
 * @example A test graded C
 * ```ts
 * import type { BufferbloatTest } from "./bufferbloat.ts";
 * const test: BufferbloatTest = {
 *   ts: 0, server: "vienna", interface: "", status: "ok", grade: "C", idleMs: 15, increaseMs: 87,
 *   loadedMs: { download: 24, upload: 95, bidirectional: 102 }, rpm: 588, queue: "upload",
 * };
 * ```
 */
export interface BufferbloatTest {
  /** When it started. */
  ts: number;
  /** Server tested against, `""` when none. */
  server: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** `"ok"` or `"failed"`. */
  status: StoredTestResult["status"];
  /** Its grade, `null` when it failed or did not grade. */
  grade: string | null;
  /** Idle median round trip, ms. */
  idleMs: number | null;
  /** Largest loaded median minus the idle median, ms. */
  increaseMs: number | null;
  /** Median round trip per loaded phase, ms; `null` without figures. */
  loadedMs: Record<LoadedPhase, number> | null;
  /** Round trips per minute under load. */
  rpm: number | null;
  /** Which queue grows: `"download"`, `"upload"`, `"both"`, `"none"`; `""` unknown. */
  queue: string;
}

/**
 * One day of tests.
 *
 * @example A day with two grades
 * ```ts
 * import type { BufferbloatDay } from "./bufferbloat.ts";
 * const day: BufferbloatDay = { day: "2026-10-25", tests: 24, grades: { B: 10, C: 14 }, medianIncreaseMs: 61, worstGrade: "C" };
 * ```
 */
export interface BufferbloatDay {
  /** The UTC date, `YYYY-MM-DD`. */
  day: string;
  /** Tests that graded. */
  tests: number;
  /** How many got each grade. */
  grades: Record<string, number>;
  /** Median of the tests' increases, ms. */
  medianIncreaseMs: number | null;
  /** The worst grade of the day. */
  worstGrade: string | null;
}

/**
 * The bufferbloat tests of a period.
 *
 * @example No tests
 * ```ts
 * import { summarizeBufferbloat } from "./bufferbloat.ts";
 * console.log(summarizeBufferbloat([]).sentence); // No bufferbloat tests in this period
 * ```
 */
export interface BufferbloatSection {
  /** Every test, by time. */
  tests: BufferbloatTest[];
  /** Graded tests per grade, best grade first (all grades listed). */
  gradeCounts: Record<string, number>;
  /** Tests that failed or had no figures. */
  failed: number;
  /** The grade of the last graded test. */
  latestGrade: string | null;
  /** The worst grade of the period. */
  worstGrade: string | null;
  /** The grade most tests got. */
  typicalGrade: string | null;
  /** Median latency increase under load, ms. */
  medianIncreaseMs: number | null;
  /** The queue most tests saw grow. */
  typicalQueue: string;
  /** One row per UTC day with tests. */
  days: BufferbloatDay[];
  /** One sentence. */
  sentence: string;
}

const DAY_MS = 86_400_000;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function worst(grades: readonly (string | null)[]): string | null {
  let rank = -1;
  for (const grade of grades) {
    rank = Math.max(rank, BUFFERBLOAT_GRADES.indexOf(grade as typeof BUFFERBLOAT_GRADES[number]));
  }
  return rank < 0 ? null : BUFFERBLOAT_GRADES[rank]!;
}

function mostCommon(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
}

/**
 * Summarizes bufferbloat test results (plugin `bufferbloat`, summaries as
 * {@linkcode readBufferbloatSummary} reads them).
 *
 * @param results Test results of the period, by time.
 * @returns The section.
 *
 * @example Two tests on one day
 * ```ts
 * import { summarizeBufferbloat } from "./bufferbloat.ts";
 * const summary = (increase: number) => ({
 *   idle_latency_ms: { p25: 14, median: 15 }, increase_ms: increase, rpm: 600, queue: "upload",
 *   loaded_latency_ms: { download: { median: 20, p95: 25 }, upload: { median: 15 + increase, p95: 30 + increase }, bidirectional: { median: 15 + increase, p95: 30 + increase } },
 * });
 * const base = { runId: 1, plugin: "bufferbloat", target: "", interface: "", server: "vienna", durationMs: 30_000, status: "ok" as const };
 * const section = summarizeBufferbloat([
 *   { ...base, id: 1, ts: 0, grade: "B", summary: summary(40) },
 *   { ...base, id: 2, ts: 3_600_000, grade: "C", summary: summary(90) },
 * ]);
 * console.log(section.sentence);
 * // 2 bufferbloat tests (Vienna): mostly grade B, worst C, latest C; latency rises by 65 ms under load (median), the upload queue grows
 * ```
 */
export function summarizeBufferbloat(results: readonly StoredTestResult[]): BufferbloatSection {
  const tests = results.map((result): BufferbloatTest => {
    const summary = result.status === "ok" ? readBufferbloatSummary(result.summary) : undefined;
    const loadedMs = summary === undefined ? null : Object.fromEntries(
      LOADED_PHASES.map((phase) => [phase, summary.loaded_latency_ms[phase].median]),
    ) as Record<LoadedPhase, number>;
    return {
      ts: result.ts,
      server: result.server,
      interface: result.interface,
      status: result.status,
      grade: summary === undefined ? null : result.grade,
      idleMs: summary?.idle_latency_ms.median ?? null,
      increaseMs: typeof summary?.increase_ms === "number" ? summary.increase_ms : null,
      loadedMs,
      rpm: typeof summary?.rpm === "number" ? summary.rpm : null,
      queue: typeof summary?.queue === "string" ? summary.queue : "",
    };
  });
  const graded = tests.filter((t) => t.grade !== null);
  const gradeCounts: Record<string, number> = Object.fromEntries(
    BUFFERBLOAT_GRADES.map((grade) => [grade, 0]),
  );
  for (const test of graded) gradeCounts[test.grade!] = (gradeCounts[test.grade!] ?? 0) + 1;
  const byDay = new Map<number, BufferbloatTest[]>();
  for (const test of graded) {
    const day = Math.floor(test.ts / DAY_MS) * DAY_MS;
    byDay.set(day, [...byDay.get(day) ?? [], test]);
  }
  const days = [...byDay].map(([day, list]): BufferbloatDay => {
    const grades: Record<string, number> = {};
    for (const test of list) grades[test.grade!] = (grades[test.grade!] ?? 0) + 1;
    return {
      day: new Date(day).toISOString().slice(0, 10),
      tests: list.length,
      grades,
      medianIncreaseMs: median(list.flatMap((t) => t.increaseMs ?? [])),
      worstGrade: worst(list.map((t) => t.grade)),
    };
  });
  const section = {
    tests,
    gradeCounts,
    failed: tests.length - graded.length,
    latestGrade: graded.at(-1)?.grade ?? null,
    worstGrade: worst(graded.map((t) => t.grade)),
    typicalGrade: mostCommon(graded.map((t) => t.grade!)),
    medianIncreaseMs: median(graded.flatMap((t) => t.increaseMs ?? [])),
    typicalQueue: mostCommon(graded.map((t) => t.queue).filter(Boolean)) ?? "",
    days,
  };
  return { ...section, sentence: bufferbloatSentence(section, graded) };
}

function bufferbloatSentence(
  section: Omit<BufferbloatSection, "sentence">,
  graded: readonly BufferbloatTest[],
): string {
  if (section.tests.length === 0) return "No bufferbloat tests in this period";
  if (graded.length === 0) {
    return `${section.tests.length} bufferbloat test(s), none completed with figures`;
  }
  const servers = [...new Set(graded.map((t) => t.server).filter(Boolean))].map(displayName);
  const queue = section.typicalQueue === "none" || section.typicalQueue === ""
    ? ""
    : section.typicalQueue === "both"
    ? ", both queues grow"
    : `, the ${section.typicalQueue} queue grows`;
  return `${graded.length} bufferbloat test${graded.length === 1 ? "" : "s"}` +
    (servers.length > 0 ? ` (${servers.join(", ")})` : "") +
    `: mostly grade ${section.typicalGrade}, worst ${section.worstGrade}, latest ${section.latestGrade}; ` +
    `latency rises by ${formatMs(section.medianIncreaseMs)} ms under load (median)${queue}` +
    (section.failed > 0 ? `; ${section.failed} failed` : "");
}
