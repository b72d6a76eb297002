/**
 * Chart benchmark: render time of every chart type (1920x1080 PNG) over 24 hours and over 30
 * days of one-second data of 8 series (2 ICMP targets, 2 UDP echo servers with 3 metrics
 * each, plus the hourly throughput and bufferbloat tests), from synthetic stores written to
 * a temporary folder. Generation (writing samples, then rolling them up) is timed apart.
 * Goals: under 1.5 s per chart for 24 h, under 3 s for 30 days. Prints figures; asserts
 * nothing.
 *
 * Run: `deno run -A bench/charts.ts [--days-only 1]` (30 days need about 1.5 GB of disk and a
 * few minutes to generate)
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderChart } from "../charts/render.ts";
import { CHART_TYPE_IDS } from "../charts/types.ts";
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";

const END = Date.UTC(2026, 9, 31);
const CASES = [
  { days: 1, goalSeconds: 1.5 },
  { days: 30, goalSeconds: 3 },
] as const;

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

const { values } = parseArgs({ args: Deno.args, options: { "days-only": { type: "string" } } });
const only = values["days-only"] === undefined ? undefined : Number(values["days-only"]);
const dir = await Deno.makeTempDir({ prefix: "bufferbane_bench_charts_" });
try {
  for (const { days, goalSeconds } of CASES.filter((c) => only === undefined || c.days === only)) {
    const path = join(dir, `${days}d.db`);
    const store = Store.open(path);
    let started = performance.now();
    const summary = writeSyntheticData(store, {
      days,
      intervalMs: 1000,
      end: END,
      targets: ["vienna"],
      dns: false,
      rollups: false,
    });
    const writeSeconds = seconds(started);
    started = performance.now();
    const rolled = store.refreshRollups();
    const rollupSeconds = seconds(started);
    console.log(
      `charts ${days} d: generated ${summary.samples} samples in ${summary.series} series: ` +
        `written in ${writeSeconds.toFixed(1)} s (${
          Math.round(summary.samples / writeSeconds / 1000)
        }k/s), rolled up in ${rollupSeconds.toFixed(1)} s (${
          Math.round(rolled.rowsRead / rollupSeconds / 1000)
        }k rows/s, ${rolled.minutes} minutes, ${rolled.hours} hours)`,
    );
    store.close();
    const reader = Store.open(path, { readOnly: true });
    // Warm-up: loads Plot, linkedom and resvg once, as the command line does.
    await renderChart("throughput_over_time", reader, { start: END - 3_600_000, end: END });
    let total = 0;
    for (const type of CHART_TYPE_IDS) {
      started = performance.now();
      const chart = await renderChart(type, reader, { start: summary.start, end: summary.end });
      const took = seconds(started);
      total += took;
      console.log(
        `charts ${days} d: ${type.padEnd(22)} ${took.toFixed(3)} s (goal < ${goalSeconds} s` +
          `${took < goalSeconds ? "" : ", MISSED"}; ${chart.bytes.length} bytes, ${
            chart.bucketMs / 1000
          } s buckets)`,
      );
    }
    console.log(`charts ${days} d: all 8 types in ${total.toFixed(2)} s`);
    reader.close();
    await Deno.remove(path);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
