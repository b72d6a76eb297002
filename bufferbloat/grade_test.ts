import { strictEqual, throws } from "node:assert/strict";
import {
  combinedGrade,
  gradeForBaseline,
  gradeForIncrease,
  gradeFromPoints,
  gradePoints,
} from "./grade.ts";

Deno.test("gradeForIncrease() puts each limit in the worse grade", () => {
  const cases: [number, string][] = [
    [-3, "A+"],
    [0, "A+"],
    [4.999, "A+"],
    [5, "A"],
    [29.99, "A"],
    [30, "B"],
    [59.9, "B"],
    [60, "C"],
    [199.9, "C"],
    [200, "D"],
    [399.9, "D"],
    [400, "F"],
    [Infinity, "F"],
  ];
  for (const [ms, grade] of cases) strictEqual(gradeForIncrease(ms), grade, `${ms} ms`);
  throws(() => gradeForIncrease(NaN), RangeError);
});

Deno.test("gradeForBaseline() follows LibreQoS's baseline limits", () => {
  const cases: [number, string][] = [
    [0.4, "A+"],
    [74.9, "A+"],
    [75, "A"],
    [100, "B"],
    [125, "C"],
    [150, "D"],
    [174.9, "D"],
    [175, "F"],
    [600, "F"],
  ];
  for (const [ms, grade] of cases) strictEqual(gradeForBaseline(ms), grade, `${ms} ms`);
  throws(() => gradeForBaseline(NaN), RangeError);
});

Deno.test("gradePoints() and gradeFromPoints() round-trip and round at the halves", () => {
  for (const grade of ["A+", "A", "B", "C", "D", "F"] as const) {
    strictEqual(gradeFromPoints(gradePoints(grade)), grade);
  }
  strictEqual(gradePoints("C"), 3);
  strictEqual(gradeFromPoints(4.5), "A");
  strictEqual(gradeFromPoints(4.4999), "B");
  strictEqual(gradeFromPoints(1.5), "D");
  strictEqual(gradeFromPoints(1.4999), "F");
});

Deno.test("combinedGrade() takes the worse of the baseline and the mean phase grade", () => {
  // A, B, C: (5 + 4 + 3) / 3 = 4 -> B; baseline A+ is better -> B
  strictEqual(combinedGrade("A+", ["A", "B", "C"]), "B");
  // A+, A+, A: (6 + 6 + 5) / 3 = 5.67 -> A+; baseline B is worse -> B
  strictEqual(combinedGrade("B", ["A+", "A+", "A"]), "B");
  // A+, D, D: (6 + 2 + 2) / 3 = 3.33 -> C
  strictEqual(combinedGrade("A+", ["A+", "D", "D"]), "C");
  // F, F, D: (1 + 1 + 2) / 3 = 1.33 -> F
  strictEqual(combinedGrade("A", ["F", "F", "D"]), "F");
  // A+, A: 5.5 -> A+
  strictEqual(combinedGrade("A+", ["A+", "A"]), "A+");
  throws(() => combinedGrade("A", []), RangeError);
});
