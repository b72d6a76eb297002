import assert from "node:assert/strict";
import { join } from "node:path";
import { decodePng, drawnPixels, pngSize } from "../charts/_testing.ts";
import { CHART_TYPE_IDS } from "../charts/types.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { generateSyntheticStore } from "../synthetic/generate.ts";
import { runCli } from "../tests/support/cli.ts";
import { chartFormat, chartType, pixels } from "./chart.ts";
import { chartTypes } from "./charts.ts";

const PERIOD = ["--start", "2026-10-30T00:00:00Z", "--end", "2026-10-31T00:00:00Z"];

async function withStore(work: (dir: string, db: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_chart_" });
  try {
    const db = join(dir, "store.db");
    generateSyntheticStore(db, { days: 2, intervalMs: 60_000, end: Date.UTC(2026, 9, 31) });
    await work(dir, db);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const invalid = (error: unknown) =>
  error instanceof BufferbaneError && error.code === ErrorCode.InvalidArgument;

Deno.test("chartType(), chartTypes(), chartFormat() and pixels() check their flags", () => {
  assert.equal(chartType("latency_over_time"), "latency_over_time");
  assert.throws(() => chartType("pie"), invalid);
  assert.deepEqual(chartTypes("daily_heatmap,daily_heatmap, jitter_over_time"), [
    "daily_heatmap",
    "jitter_over_time",
  ]);
  assert.deepEqual(chartTypes(undefined), [...CHART_TYPE_IDS]);
  assert.throws(() => chartTypes(" , "), invalid);
  assert.throws(() => chartTypes("daily_heatmap,pie"), invalid);
  assert.equal(chartFormat(undefined, "a/b.png"), "png");
  assert.equal(chartFormat("SVG", "a.png"), "svg");
  assert.equal(chartFormat(undefined), "png");
  assert.throws(() => chartFormat(undefined, "chart.jpg"), invalid);
  assert.throws(() => chartFormat("gif"), invalid);
  assert.equal(pixels(" 800 ", "--width"), 800);
  assert.throws(() => pixels("8e2", "--width"), invalid);
});

Deno.test("chart writes one PNG of the period, 1920x1080 by default", async () => {
  await withStore(async (dir, db) => {
    const output = join(dir, "latency.png");
    const result = await runCli(["chart", "--db", db, ...PERIOD, "--output", output]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), `${output}: latency_over_time, 1920x1080 png`);
    const bytes = await Deno.readFile(output);
    assert.deepEqual(pngSize(bytes), { width: 1920, height: 1080 });
    const png = decodePng(bytes);
    assert.ok(drawnPixels(png, { x: 200, y: 300, width: 1500, height: 500 }).share > 0.01);
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
    assert.deepEqual(names.filter((name) => !name.startsWith("store.db")), ["latency.png"]);
  });
});

Deno.test("chart --type --width --height writes an SVG chosen by the file name", async () => {
  await withStore(async (dir, db) => {
    const output = join(dir, "heat.svg");
    const result = await runCli([
      "chart",
      "--db",
      db,
      ...PERIOD,
      "--type",
      "daily_heatmap",
      "--width",
      "800",
      "--height",
      "450",
      "--interface",
      "wlan0",
      "--output",
      output,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const svg = await Deno.readTextFile(output);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="800" height="450"/);
    assert.ok(svg.includes(">vienna @wlan0</text>"));
    assert.ok(!svg.includes("@eth0"));
  });
});

Deno.test("charts writes every chart type into the output folder", async () => {
  await withStore(async (dir, db) => {
    const folder = join(dir, "diagnosis", "evening");
    const result = await runCli([
      "charts",
      "--db",
      db,
      ...PERIOD,
      "--output-dir",
      folder,
      "--width",
      "960",
      "--height",
      "540",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const files = [...Deno.readDirSync(folder)].map((entry) => entry.name).sort();
    assert.deepEqual(files, CHART_TYPE_IDS.map((type) => `${type}.png`).sort());
    for (const file of files) {
      assert.deepEqual(pngSize(await Deno.readFile(join(folder, file))), {
        width: 960,
        height: 540,
      });
    }
    assert.equal(result.stdout.trim().split("\n").length, 8);
  });
});

Deno.test("charts --types writes only those; a period without data still gives framed files", async () => {
  await withStore(async (dir, db) => {
    const result = await runCli([
      "charts",
      "--db",
      db,
      "--start",
      "2020-01-01T00:00:00Z",
      "--end",
      "2020-01-02T00:00:00Z",
      "--output-dir",
      dir,
      "--types",
      "throughput_over_time,bufferbloat_impact",
      "--format",
      "svg",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /throughput_over_time\.svg: throughput_over_time, 1920x1080 svg, no data/,
    );
    const svg = await Deno.readTextFile(join(dir, "bufferbloat_impact.svg"));
    assert.ok(svg.includes(">No bufferbloat tests completed in this period</text>"));
    assert.ok(!(await Deno.stat(join(dir, "daily_heatmap.svg")).catch(() => undefined)));
  });
});

Deno.test("chart and charts fail with exit code 2 and one line on bad flags", async () => {
  await withStore(async (dir, db) => {
    const cases: [string[], RegExp][] = [
      [["chart", "--output", join(dir, "a.png"), "--type", "pie"], /Unknown chart type "pie"/],
      [["chart", "--output", join(dir, "a.jpg")], /cannot tell the format from the file name/],
      [["chart", "--output", join(dir, "a.png"), "--width", "wide"], /--width "wide"/],
      [["chart", "--output", join(dir, "a.png"), "--width", "50"], /Chart width "50"/],
      [["charts", "--types", "latency,daily_heatmap"], /Unknown chart type "latency"/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli([...args, "--db", db, ...PERIOD]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1);
    }
    assert.ok(!(await Deno.stat(join(dir, "a.png")).catch(() => undefined)));
  });
});
