import assert from "node:assert/strict";
import type { StoredTestResult } from "../store/mod.ts";
import { summarizeBufferbloat } from "./bufferbloat.ts";

const DAY = 86_400_000;

function test(id: number, ts: number, grade: string, increase: number): StoredTestResult {
  return {
    id,
    runId: 1,
    ts,
    plugin: "bufferbloat",
    target: "",
    interface: "",
    server: "vienna",
    durationMs: 30_000,
    status: "ok",
    grade,
    summary: {
      idle_latency_ms: { p25: 14, median: 15 },
      loaded_latency_ms: {
        download: { median: 20, p95: 30 },
        upload: { median: 15 + increase, p95: 40 + increase },
        bidirectional: { median: 15 + increase, p95: 40 + increase },
      },
      increase_ms: increase,
      rpm: 500,
      queue: "upload",
    },
  };
}

Deno.test("summarizeBufferbloat() counts grades, finds the worst and groups by day", () => {
  const failed: StoredTestResult = {
    ...test(4, DAY + 10, "A", 0),
    status: "failed",
    grade: null,
    summary: { error: "timeout" },
  };
  const section = summarizeBufferbloat([
    test(1, 0, "B", 40),
    test(2, 3_600_000, "D", 250),
    test(3, DAY, "B", 50),
    failed,
  ]);
  assert.equal(section.gradeCounts.B, 2);
  assert.equal(section.gradeCounts.D, 1);
  assert.equal(section.gradeCounts["A+"], 0);
  assert.equal(section.failed, 1);
  assert.equal(section.worstGrade, "D");
  assert.equal(section.typicalGrade, "B");
  assert.equal(section.latestGrade, "B");
  assert.equal(section.medianIncreaseMs, 50);
  assert.deepEqual(section.days.map((d) => [d.day, d.tests, d.worstGrade, d.medianIncreaseMs]), [
    ["1970-01-01", 2, "D", 145],
    ["1970-01-02", 1, "B", 50],
  ]);
  assert.equal(section.tests[3]!.grade, null);
  assert.deepEqual(section.tests[0]!.loadedMs, { download: 20, upload: 55, bidirectional: 55 });
  assert.match(
    section.sentence,
    /^3 bufferbloat tests \(Vienna\): mostly grade B, worst D, latest B; .*; 1 failed$/,
  );
});
