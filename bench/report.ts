/**
 * Report benchmark: the whole report of 7 days of one-second data of 8 probe series (an ICMP
 * target over eth0 and wlan0, 2 UDP echo servers with 3 metrics each), plus the hourly
 * throughput samples, bufferbloat tests and alerts, from a synthetic store written to a
 * temporary folder.
 * Generation (writing samples, then rolling them up) is timed apart. Then, each from the open
 * store to the file on disk: the model alone, HTML (full and compact), Markdown with its PNGs,
 * and PDF through headless Chromium when it is installed. Prints figures; asserts nothing.
 *
 * Run: `deno run -A bench/report.ts [--days 7]` (7 days need about 400 MB of disk)
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";
import { buildReportModel } from "../report/model.ts";
import { findChromium } from "../report/pdf.ts";
import { type ReportFormat, writeReport } from "../report/write.ts";
import type { ReportPreset } from "../report/preset.ts";

const END = Date.UTC(2026, 9, 31);
const DAY = 86_400_000;

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

const { values } = parseArgs({ args: Deno.args, options: { days: { type: "string" } } });
const days = Number(values.days ?? 7);
const dir = await Deno.makeTempDir({ prefix: "bufferbane_bench_report_" });
try {
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
  store.refreshRollups();
  const rollupSeconds = seconds(started);
  store.close();
  console.log(
    `report ${days} d: generated ${summary.samples} samples in ${summary.series} series, ` +
      `${summary.testResults} tests, ${summary.events} events: written in ${
        writeSeconds.toFixed(1)
      } s, rolled up in ${rollupSeconds.toFixed(1)} s`,
  );
  const reader = Store.open(path, { readOnly: true });
  const period = { start: END - days * DAY, end: END };
  started = performance.now();
  const model = buildReportModel(reader, period);
  console.log(`report ${days} d: model only          ${seconds(started).toFixed(2)} s`);
  console.log(`report ${days} d: ${model.interfaces.sentence}`);
  console.log(`report ${days} d: ${model.servers.sentence}`);
  const chromium = findChromium();
  const cases: [ReportFormat, ReportPreset][] = [
    ["html", "full"],
    ["html", "compact"],
    ["md", "full"],
    ...(chromium === undefined
      ? []
      : [["pdf", "full"], ["pdf", "compact"]] as [ReportFormat, ReportPreset][]),
  ];
  for (const [format, preset] of cases) {
    started = performance.now();
    const written = await writeReport(reader, {
      ...period,
      format,
      preset,
      output: join(dir, format === "md" ? `md-${preset}` : `report-${preset}.${format}`),
    });
    const took = seconds(started);
    const size = (written.bytes / 1024 / 1024).toFixed(2);
    console.log(
      `report ${days} d: ${format.padEnd(4)} ${preset.padEnd(7)}  ${took.toFixed(2)} s ` +
        `(${size} MiB${written.files.length > 1 ? ` + ${written.files.length - 1} images` : ""})`,
    );
  }
  if (chromium === undefined) console.log(`report ${days} d: pdf skipped: no Chromium installed`);
  reader.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
