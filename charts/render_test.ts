import assert from "node:assert/strict";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { Store } from "../store/mod.ts";
import { decodePng, drawnPixels, pngSize, syntheticStore, TEST_END } from "./_testing.ts";
import { renderChart, svgToPng } from "./render.ts";
import { CHART_TYPES, type ChartType } from "./types.ts";

const DAY = 86_400_000;
const START = TEST_END - DAY;

/** Legend texts each chart must show for the synthetic data (a few, not all). */
const LEGEND_TEXTS: Record<ChartType, string[]> = {
  latency_over_time: ["vienna @wlan0", "gateway @eth0", "udp-echo via frankfurt", "p95", "p99"],
  jitter_over_time: ["vienna @wlan0 (", "1.1.1.1 @eth0 ("],
  packet_loss_over_time: ["vienna @wlan0 (", "udp-echo via vienna ("],
  throughput_over_time: ["throughput via vienna download (", "throughput via vienna upload ("],
  latency_distribution: ["vienna @eth0 (median ", "vienna @wlan0 (median "],
  connection_comparison: ["eth0", "wlan0", "default route", "Packet loss (%)"],
  daily_heatmap: ["Average round trip (ms)", "vienna @wlan0", "Hour of day (UTC)"],
  bufferbloat_impact: ["vienna: latest grade ", "Idle vs loaded latency", "Grades"],
};

/** Every `<text>` content of an SVG, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((match) =>
    match[1]!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&")
  );
}

for (const { id, title } of CHART_TYPES) {
  Deno.test(`renderChart() draws ${id} as a standalone SVG with title, period, host and legend`, async () => {
    const chart = await renderChart(id, syntheticStore(), {
      start: START,
      end: TEST_END,
      format: "svg",
    });
    assert.equal(chart.format, "svg");
    assert.equal(chart.empty, false);
    const svg = new TextDecoder().decode(chart.bytes);
    assert.equal(svg, chart.svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1920" height="1080"/);
    assert.doesNotMatch(svg, /<(figure|div|span|html)\b/);
    const all = texts(svg);
    assert.ok(all.includes(title), `title "${title}"`);
    assert.ok(all.some((t) => t.startsWith("2026-10-30 00:00 – 2026-10-31 00:00 UTC (1d)")));
    assert.ok(all.some((t) => t.includes("host synthetic-host")));
    assert.ok(all.some((t) => /^(targets|servers): /.test(t)), "what is shown");
    for (const wanted of LEGEND_TEXTS[id]) {
      assert.ok(all.some((t) => t.includes(wanted)), `legend text "${wanted}" in ${id}`);
    }
  });

  Deno.test(`renderChart() draws ${id} as a PNG of the asked size with data in the plot area`, async () => {
    const chart = await renderChart(id, syntheticStore(), {
      start: START,
      end: TEST_END,
      width: 1280,
      height: 720,
    });
    assert.equal(chart.format, "png");
    assert.deepEqual(pngSize(chart.bytes), { width: 1280, height: 720 });
    const png = decodePng(chart.bytes);
    assert.ok(chart.plotAreas.length >= 1);
    let total = 0;
    for (const area of chart.plotAreas) {
      assert.ok(area.x >= 0 && area.y > 0 && area.x + area.width <= 1280, JSON.stringify(area));
      assert.ok(area.y + area.height <= 720 && area.width > 100 && area.height > 100);
      const drawn = drawnPixels(png, area);
      assert.ok(drawn.share > 0.005, `${id}: ${(drawn.share * 100).toFixed(2)} % coloured`);
      total += drawn.colors;
    }
    assert.ok(total >= 3, `${id}: ${total} colours`);
    // Outside the plot areas, the top-left corner is plain background.
    assert.equal(drawnPixels(png, { x: 0, y: 0, width: 10, height: 10 }).share, 0);
  });
}

Deno.test("renderChart() makes 1920x1080 PNGs by default, the same bytes every time", async () => {
  const options = { start: START, end: TEST_END };
  const first = await renderChart("connection_comparison", syntheticStore(), options);
  const second = await renderChart("connection_comparison", syntheticStore(), options);
  assert.deepEqual(pngSize(first.bytes), { width: 1920, height: 1080 });
  assert.deepEqual(first.bytes, second.bytes);
});

Deno.test("renderChart() of a period without data draws the frame and says so", async () => {
  const store = Store.open(":memory:");
  for (const { id } of CHART_TYPES) {
    const chart = await renderChart(id, store, {
      start: START,
      end: TEST_END,
      width: 640,
      height: 360,
      host: "box",
    });
    assert.equal(chart.empty, true, id);
    assert.deepEqual(chart.plotAreas, []);
    assert.deepEqual(pngSize(chart.bytes), { width: 640, height: 360 });
    const all = texts(chart.svg);
    assert.ok(all.some((t) => /^No .* in this period$/.test(t)), `${id}: ${all}`);
    assert.ok(all.includes("no targets in this period"));
  }
  store.close();
});

Deno.test("renderChart() shows only the series the filter keeps", async () => {
  const chart = await renderChart("latency_over_time", syntheticStore(), {
    start: START,
    end: TEST_END,
    format: "svg",
    filter: { interface: "wlan0" },
  });
  const all = texts(chart.svg);
  assert.ok(all.includes("vienna @wlan0"));
  assert.ok(!all.some((t) => t.includes("@eth0") || t.includes("udp-echo")));
  assert.ok(all.includes("targets: 1.1.1.1, gateway, vienna · interfaces: wlan0"));
});

Deno.test("renderChart() widens buckets when probes are far apart, and says which", async () => {
  const fourHours = { start: TEST_END - 4 * 3_600_000, end: TEST_END, format: "svg" as const };
  const chart = await renderChart("latency_over_time", syntheticStore(), fourHours);
  // 4 h would get 30 s buckets; probes 30 s apart need 5 min for 10 samples a bucket.
  assert.equal(chart.bucketMs, 300_000);
  assert.ok(texts(chart.svg).some((t) => t.startsWith("Per 5m bucket")));
});

Deno.test("renderChart() rejects an unknown type, an empty period and sizes out of range", async () => {
  const store = syntheticStore();
  const invalid = (error: unknown) =>
    error instanceof BufferbaneError && error.code === ErrorCode.InvalidArgument;
  await assert.rejects(
    () => renderChart("pie" as ChartType, store, { start: START, end: TEST_END }),
    invalid,
  );
  await assert.rejects(
    () => renderChart("daily_heatmap", store, { start: TEST_END, end: TEST_END }),
    invalid,
  );
  for (const size of [{ width: 100 }, { height: 20_000 }, { width: 1280.5 }]) {
    await assert.rejects(
      () => renderChart("daily_heatmap", store, { start: START, end: TEST_END, ...size }),
      invalid,
    );
  }
  await assert.rejects(
    () =>
      renderChart("daily_heatmap", store, {
        start: START,
        end: TEST_END,
        fontFiles: ["/no/such/font.ttf"],
      }),
    (error) => invalid(error) && /Font file "\/no\/such\/font\.ttf"/.test((error as Error).message),
  );
});

Deno.test("svgToPng() draws text with the DejaVu fonts only", async () => {
  const svg = (content: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="40" ` +
    `font-family="No Such Family" font-size="30">${content}</text></svg>`;
  const png = decodePng(await svgToPng(svg("Hello")));
  let dark = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i]! < 100) dark++;
  assert.ok(dark > 200, `${dark} dark pixels: text drawn with the default family`);
  const blank = decodePng(await svgToPng(svg("")));
  assert.ok(blank.rgba.every((value) => value === 255));
});
