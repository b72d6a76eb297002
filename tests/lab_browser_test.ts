/**
 * The browser bufferbloat test in the namespace lab: Chromium runs inside `bb-client` against
 * the lab server's web pages in `bb-server` (`[http] web = true`), so its load and its latency
 * probes cross the router's bottleneck:
 *
 * - `bloated` (20 Mbit/s both ways, a 300 ms buffer, cubic): the grade is D or F, and the
 *   saved result blames a loaded phase by hundreds of milliseconds;
 * - `managed` (a 10 ms buffer): A or A+.
 *
 * Needs root and Chromium (skipped visibly otherwise). About a minute per scenario.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { chromium } from "./support/browser.ts";
import { checkLab, type RunningLab, withLab } from "../lab/with_lab.ts";
import type { BrowserTestClientOutput } from "./support/browser_test_client.ts";

const lab = await checkLab();
const skip = !lab.available ? lab.reason : !chromium.available ? chromium.reason : undefined;
const named = (name: string) => skip === undefined ? name : `${name} (skipped: ${skip})`;
const ROOT = new URL("../", import.meta.url).pathname;
const QUICK = "?baseline=3&warmup=2&saturation=6&bidirectional=6";

async function browserTest(running: RunningLab): Promise<BrowserTestClientOutput> {
  const run = await running.exec(running.topology.namespaces.client, [
    ...["timeout", "-s", "KILL", "150"],
    ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`],
    ...[
      `${ROOT}tests/support/browser_test_client.ts`,
      JSON.stringify({ url: running.echoServer.httpUrl, query: QUICK }),
    ],
  ]);
  assertEquals(run.code, 0, `the browser client exited with ${run.code}: ${run.stderr}`);
  const output = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as BrowserTestClientOutput;
  assertEquals(output.errors, []);
  return output;
}

type Phases = Record<
  string,
  {
    increaseMs: number | null;
    grade: string | null;
    goodput?: { downloadMbps?: number; uploadMbps?: number };
  }
>;

function describe(phases: Phases): string {
  return ["download", "upload", "bidirectional"].map((p) => {
    const f = phases[p]!;
    const g = [f.goodput?.downloadMbps, f.goodput?.uploadMbps].map((v) => v?.toFixed(1) ?? "-");
    return `${p} +${Math.round(f.increaseMs ?? NaN)} ms (${f.grade}, ${g.join("/")} Mbit/s)`;
  }).join(", ");
}

Deno.test({
  name: named("browser test in the lab: bloated grades D or F"),
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLab("bloated", async (running) => {
      const output = await browserTest(running);
      const phases = output.result.phases as Phases;
      console.log(
        `bloated in Chromium: ${output.grade}; ${describe(phases)}; ${output.verdict}`,
      );
      assertOk(["D", "F"].includes(output.grade), `grade ${output.grade}: ${output.verdict}`);
      assertEquals(output.result.totalGrade, output.grade, "the page shows the server's grade");
      const worst = phases[output.result.worstPhase as string]!;
      assertOk(worst.increaseMs! > 150, `worst increase ${worst.increaseMs} ms`);
    });
  },
});

Deno.test({
  name: named("browser test in the lab: managed grades A or A+"),
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withLab("managed", async (running) => {
      const output = await browserTest(running);
      const phases = output.result.phases as Phases;
      console.log(
        `managed in Chromium: ${output.grade}; ${describe(phases)}`,
      );
      assertOk(["A", "A+"].includes(output.grade), `grade ${output.grade}: ${output.verdict}`);
    });
  },
});
