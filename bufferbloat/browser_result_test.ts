import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { analyzeBrowserTest, type BrowserPhase, type LatencySample } from "./browser_result.ts";

function run(plan: [BrowserPhase, number[]][]): LatencySample[] {
  const samples: LatencySample[] = [];
  for (const [phase, rtts] of plan) {
    for (const rtt of rtts) samples.push({ t: samples.length * 100, phase, rttMs: rtt });
  }
  return samples;
}

Deno.test("analyzeBrowserTest(): increase is the phase mean minus the baseline's p25", () => {
  // Baseline 10, 20, 30, 40: p25 = 17.5 (linear interpolation), median 25.
  const result = analyzeBrowserTest(run([
    ["baseline", [10, 20, 30, 40]],
    ["download_warmup", [500]], // shown, not graded
    ["download", [20, 25]], // mean 22.5: +5 -> A
    ["upload", [117.5]], // +100 -> C
    ["bidirectional", [17]], // below the p25: +(-0.5) -> A+
  ]));
  assertEquals(result.phases.baseline.p25Ms, 17.5);
  assertEquals(result.phases.baseline.medianMs, 25);
  assertEquals(result.phases.download.increaseMs, 5);
  assertEquals(result.phases.download.grade, "A");
  assertEquals(result.phases.upload.increaseMs, 100);
  assertEquals(result.phases.upload.grade, "C");
  assertEquals(result.phases.bidirectional.increaseMs, -0.5);
  assertEquals(result.phases.bidirectional.grade, "A+");
  assertEquals(result.phases.download_warmup.grade, null);
  assertEquals(result.phases.download_warmup.increaseMs, 482.5);
  assertEquals(result.baselineGrade, "A+");
  // Mean of A (5), C (3), A+ (6) = 4.67 -> A; the worse of that and A+ is A.
  assertEquals(result.totalGrade, "A");
  assertEquals(result.worstPhase, "upload");
});

Deno.test("analyzeBrowserTest(): a slow idle line caps the total grade", () => {
  const result = analyzeBrowserTest(run([
    ["baseline", [160, 160, 160]], // baseline grade D (150 ms and above, below 175)
    ["download", [161]],
    ["upload", [161]],
    ["bidirectional", [161]],
  ]));
  assertEquals(result.baselineGrade, "D");
  assertEquals(result.totalGrade, "D");
  assertOk(result.verdict.includes("slow even when idle"), result.verdict);
});

Deno.test("analyzeBrowserTest(): lost samples count in their phase and in no mean", () => {
  const samples = run([["baseline", [20, 20]], ["upload", [300]]]);
  samples.push({ t: 9_000, phase: "upload", rttMs: null });
  const result = analyzeBrowserTest(samples, { upload: { uploadMbps: 18.9 } });
  assertEquals(result.phases.upload.sent, 2);
  assertEquals(result.phases.upload.lost, 1);
  assertEquals(result.phases.upload.meanMs, 300);
  assertEquals(result.phases.upload.goodput, { uploadMbps: 18.9 });
  assertEquals(result.phases.download.sent, 0);
  assertEquals(result.phases.download.grade, null);
  assertEquals(result.worstPhase, "upload");
  assertEquals(result.phases.upload.grade, "D");
  assertOk(result.verdict.includes("bufferbloat while uploading"), result.verdict);
});

Deno.test("analyzeBrowserTest(): without answers there is no grade, and the verdict says so", () => {
  const result = analyzeBrowserTest([{ t: 0, phase: "baseline", rttMs: null }]);
  assertEquals([result.totalGrade, result.baselineGrade, result.worstPhase], [null, null, null]);
  assertOk(result.verdict.startsWith("Not enough"));
});
