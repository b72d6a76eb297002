/**
 * CLI start-time benchmark: wall time of `deno run -A mod.ts plugins` (the listing a user runs
 * first), compared with an empty `deno run` of the same runtime, over repeated runs. Prints
 * figures; asserts nothing. Goal: median under 300 ms.
 *
 * Run: `deno run -A bench/cli_start.ts [runs]`
 *
 * @module
 */
import { percentile } from "../core/stats.ts";

const RUNS = Number(Deno.args[0] ?? 15);
const GOAL_MS = 300;
const mod = new URL("../mod.ts", import.meta.url).pathname;

async function time(args: string[]): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
    .output();
  const elapsed = performance.now() - started;
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return elapsed;
}

const empty = await Deno.makeTempFile({ suffix: ".ts" });
await time(["run", "-A", mod, "plugins"]); // warm the module cache
await time(["run", "-A", empty]);
const plugins: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < RUNS; i++) {
  plugins.push(await time(["run", "-A", mod, "plugins"]));
  baseline.push(await time(["run", "-A", empty]));
}
await Deno.remove(empty);

const median = percentile(plugins, 50);
const base = percentile(baseline, 50);
console.log(
  `cli start: 'plugins' median ${median.toFixed(0)} ms, p95 ${
    percentile(plugins, 95).toFixed(0)
  } ms over ${RUNS} runs (goal < ${GOAL_MS} ms: ${median < GOAL_MS ? "met" : "NOT met"})`,
);
console.log(
  `cli start: empty 'deno run' median ${base.toFixed(0)} ms; bufferbane adds ${
    (median - base).toFixed(0)
  } ms (${(median / base).toFixed(1)}x)`,
);
