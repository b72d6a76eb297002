/**
 * Bufferbloat grades: A+ to F from the latency a load adds (the DSLReports scale that Waveform
 * and the LibreQoS test use), and LibreQoS's combined grade, which also weighs the idle latency
 * itself.
 *
 * | grade | added latency    | idle latency (LibreQoS baseline grade) |
 * | ----- | ---------------- | -------------------------------------- |
 * | A+    | below 5 ms       | below 75 ms                            |
 * | A     | below 30 ms      | below 100 ms                           |
 * | B     | below 60 ms      | below 125 ms                           |
 * | C     | below 200 ms     | below 150 ms                           |
 * | D     | below 400 ms     | below 175 ms                           |
 * | F     | 400 ms and above | 175 ms and above                       |
 *
 * Combined grade (LibreQoS `calculateTotalGradeFromLatency`): the phase grades are averaged as
 * numbers (A+ = 6, A = 5, B = 4, C = 3, D = 2, F = 1), the mean turned back into a letter
 * (A+ from 5.5, A from 4.5, B from 3.5, C from 2.5, D from 1.5, else F), and the worse of that
 * and the baseline grade is the combined grade.
 *
 * @module
 */
import { BUFFERBLOAT_GRADES } from "../charts/bufferbloat_summary.ts";

/**
 * A grade, best first: `"A+"`, `"A"`, `"B"`, `"C"`, `"D"`, `"F"`.
 *
 * @example
 * ```ts
 * import type { BufferbloatGrade } from "./grade.ts";
 * const grade: BufferbloatGrade = "B";
 * ```
 */
export type BufferbloatGrade = typeof BUFFERBLOAT_GRADES[number];

/**
 * Upper bounds (exclusive) of the added latency for each grade but F, in ms.
 *
 * @example
 * ```ts
 * import { INCREASE_GRADE_LIMITS } from "./grade.ts";
 * console.log(INCREASE_GRADE_LIMITS.map((l) => `${l.grade}<${l.below}`).join(" "));
 * // A+<5 A<30 B<60 C<200 D<400
 * ```
 */
export const INCREASE_GRADE_LIMITS: readonly { grade: BufferbloatGrade; below: number }[] = [
  { grade: "A+", below: 5 },
  { grade: "A", below: 30 },
  { grade: "B", below: 60 },
  { grade: "C", below: 200 },
  { grade: "D", below: 400 },
];

/**
 * Upper bounds (exclusive) of the idle latency for each baseline grade but F, in ms (LibreQoS's
 * `latencyGradeThresholds.json`).
 *
 * @example
 * ```ts
 * import { BASELINE_GRADE_LIMITS } from "./grade.ts";
 * console.log(BASELINE_GRADE_LIMITS[0]); // { grade: "A+", below: 75 }
 * ```
 */
export const BASELINE_GRADE_LIMITS: readonly { grade: BufferbloatGrade; below: number }[] = [
  { grade: "A+", below: 75 },
  { grade: "A", below: 100 },
  { grade: "B", below: 125 },
  { grade: "C", below: 150 },
  { grade: "D", below: 175 },
];

function gradeBelow(
  value: number,
  limits: readonly { grade: BufferbloatGrade; below: number }[],
  what: string,
): BufferbloatGrade {
  if (Number.isNaN(value)) throw new RangeError(`Invalid ${what}: "${value}"`);
  for (const limit of limits) if (value < limit.below) return limit.grade;
  return "F";
}

/**
 * The grade for the latency a load adds: A+ below 5 ms, A below 30, B below 60, C below 200,
 * D below 400, F from 400. A negative increase (the loaded latency came out lower) is A+.
 *
 * @param increaseMs Added latency, ms.
 * @returns The grade.
 * @throws {RangeError} When `increaseMs` is `NaN`.
 *
 * @example The limits are exclusive
 * ```ts
 * import { gradeForIncrease } from "./grade.ts";
 * console.log(gradeForIncrease(4.9), gradeForIncrease(5), gradeForIncrease(399), gradeForIncrease(400));
 * // A+ A D F
 * ```
 */
export function gradeForIncrease(increaseMs: number): BufferbloatGrade {
  return gradeBelow(increaseMs, INCREASE_GRADE_LIMITS, "latency increase");
}

/**
 * LibreQoS's baseline grade, from the idle latency itself: A+ below 75 ms, A below 100, B below
 * 125, C below 150, D below 175, F from 175.
 *
 * @param idleMs Idle latency, ms.
 * @returns The grade.
 * @throws {RangeError} When `idleMs` is `NaN`.
 *
 * @example A satellite link grades F before any load
 * ```ts
 * import { gradeForBaseline } from "./grade.ts";
 * console.log(gradeForBaseline(14), gradeForBaseline(600)); // A+ F
 * ```
 */
export function gradeForBaseline(idleMs: number): BufferbloatGrade {
  return gradeBelow(idleMs, BASELINE_GRADE_LIMITS, "idle latency");
}

/**
 * A grade as a number: A+ = 6, A = 5, B = 4, C = 3, D = 2, F = 1.
 *
 * @param grade The grade.
 * @returns Its number.
 *
 * @example
 * ```ts
 * import { gradePoints } from "./grade.ts";
 * console.log(gradePoints("A+"), gradePoints("F")); // 6 1
 * ```
 */
export function gradePoints(grade: BufferbloatGrade): number {
  return BUFFERBLOAT_GRADES.length - BUFFERBLOAT_GRADES.indexOf(grade);
}

/**
 * The grade of an average of grade points: A+ from 5.5, A from 4.5, B from 3.5, C from 2.5,
 * D from 1.5, else F.
 *
 * @param points The average, 1 to 6.
 * @returns The grade.
 *
 * @example
 * ```ts
 * import { gradeFromPoints } from "./grade.ts";
 * console.log(gradeFromPoints(5.5), gradeFromPoints(5.49), gradeFromPoints(1)); // A+ A F
 * ```
 */
export function gradeFromPoints(points: number): BufferbloatGrade {
  for (let i = 0; i < BUFFERBLOAT_GRADES.length - 1; i++) {
    if (points >= BUFFERBLOAT_GRADES.length - i - 0.5) return BUFFERBLOAT_GRADES[i]!;
  }
  return "F";
}

/**
 * LibreQoS's combined grade: the worse of the baseline grade and the mean of the phase grades
 * (as points, see {@linkcode gradePoints} and {@linkcode gradeFromPoints}).
 *
 * @param baseline The baseline grade ({@linkcode gradeForBaseline}).
 * @param phases The grades of the loaded phases (at least one).
 * @returns The combined grade.
 * @throws {RangeError} Without phase grades.
 *
 * @example Download A+, upload D, both D: points (6 + 2 + 2) / 3 = 3.33, a C
 * ```ts
 * import { combinedGrade } from "./grade.ts";
 * console.log(combinedGrade("A+", ["A+", "D", "D"])); // C
 * console.log(combinedGrade("D", ["A+", "A+", "A+"])); // D
 * ```
 */
export function combinedGrade(
  baseline: BufferbloatGrade,
  phases: readonly BufferbloatGrade[],
): BufferbloatGrade {
  if (phases.length === 0) throw new RangeError("Invalid phase grades: expected at least one");
  const mean = phases.reduce((sum, grade) => sum + gradePoints(grade), 0) / phases.length;
  const fromPhases = gradeFromPoints(mean);
  return gradePoints(fromPhases) < gradePoints(baseline) ? fromPhases : baseline;
}
