import assert from "node:assert/strict";
import { CHART_TYPE_IDS } from "../charts/types.ts";
import { renderHtml } from "./html.ts";
import { buildReportModel, type ReportModel } from "./model.ts";
import { plotlyFigures } from "./plotly_figures.ts";
import { syntheticWeek } from "./_testing.ts";

const PLOTLY = "window.Plotly = {};";

function weekModel(preset: "compact" | "full" = "full"): ReportModel {
  const { store, start, end } = syntheticWeek();
  return buildReportModel(store, { start, end, preset, now: () => end });
}

function figuresOf(html: string): unknown[] {
  const json = /<script type="application\/json" id="report-figures">([\s\S]*?)<\/script>/.exec(
    html,
  );
  assert.ok(json, "figure data");
  return JSON.parse(json[1]!);
}

Deno.test("renderHtml() makes one self-contained page: nothing loaded from elsewhere", async () => {
  const html = await renderHtml(weekModel(), { plotlySource: PLOTLY });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.doesNotMatch(html, /<script[^>]+\bsrc=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//i);
  assert.doesNotMatch(html, /url\((https?:)?\/\//i);
  assert.ok(html.includes(`<script>${PLOTLY}</script>`), "plotly inlined");
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /@media \(prefers-color-scheme:dark\)/);
  assert.match(html, /id="theme-toggle"/);
});

Deno.test("renderHtml() full: every chart type, grades over time and DNS timings as interactive figures", async () => {
  const model = weekModel();
  const html = await renderHtml(model, { plotlySource: PLOTLY });
  const figures = figuresOf(html);
  const ids = plotlyFigures(model).map((f) => f.id);
  assert.deepEqual(ids, [...CHART_TYPE_IDS, "bufferbloat_grades", "dns_timings"]);
  assert.equal(figures.length, ids.length);
  const slots = [...html.matchAll(/data-figure="(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(slots.sort((a, b) => a - b), ids.map((_, i) => i));
  for (
    const id of [
      "summary",
      "interfaces",
      "servers",
      "alerts",
      "charts",
      "bufferbloat",
      "dns",
      "throughput",
      "series",
      "events",
      "manifest",
    ]
  ) {
    assert.ok(html.includes(`<section id="${id}">`), `section ${id}`);
  }
  assert.ok(html.includes(model.interfaces.sentence));
  assert.ok(html.includes(model.servers.sentence));
  assert.ok(html.includes(model.manifest.dataSha256));
  assert.match(
    html,
    /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*aria-label="Severity timeline"/,
  );
  assert.match(html, /class="badge"[^>]*>\d+ critical</);
});

Deno.test("renderHtml() compact: three charts, no DNS, throughput or event sections", async () => {
  const html = await renderHtml(weekModel("compact"), { plotlySource: PLOTLY });
  const ids = (figuresOf(html) as { id: string }[]).map((f) => f.id);
  assert.deepEqual(ids, [
    "latency_over_time",
    "connection_comparison",
    "bufferbloat_impact",
    "bufferbloat_grades",
  ]);
  for (const id of ["dns", "throughput", "events"]) {
    assert.ok(!html.includes(`<section id="${id}">`), id);
  }
  assert.ok(html.includes('<section id="manifest">'));
});

Deno.test("renderHtml() keeps text that looks like markup inert, in tables and in figure data", async () => {
  const model = weekModel("compact");
  const evil = "</script><script>alert(1)</script>";
  const tampered: ReportModel = {
    ...model,
    series: model.series.map((s, i) => i === 0 ? { ...s, label: evil } : s),
    buckets: model.buckets.map((b, i) => i === 0 ? { ...b, label: evil } : b),
  };
  const html = await renderHtml(tampered, { plotlySource: "var a = '</script>'; // <!-- x" });
  assert.equal(html.split("</script>").length - 1, 3, "only the three script elements close");
  assert.ok(!html.includes("<!--"));
  assert.ok(html.includes("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  const labels = (figuresOf(html) as { data: { name?: string }[] }[])[0]!.data.map((t) => t.name);
  assert.ok(labels.includes(evil), "the label survives in the data");
});

Deno.test("renderHtml() print variant: static charts as images, no script", async () => {
  const model = weekModel("compact");
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10"></svg>';
  const html = await renderHtml(model, { staticCharts: new Map([["latency_over_time", svg]]) });
  assert.doesNotMatch(html, /<script/);
  assert.doesNotMatch(html, /id="theme-toggle"/);
  const images = [...html.matchAll(/<img src="data:image\/svg\+xml;base64,([^"]+)"/g)];
  assert.equal(images.length, 1);
  assert.equal(atob(images[0]![1]!), svg);
  assert.match(html, /@media print/);
});

Deno.test("plotlyFigures() legends: one entry per group, the p95 lines start hidden", () => {
  const figures = plotlyFigures(weekModel("compact"));
  const latency = figures.find((f) => f.id === "latency_over_time")!;
  assert.equal(latency.layout.showlegend, false);
  assert.equal(latency.legend.length, 16);
  assert.deepEqual(latency.legend.filter((e) => e.hidden).length, 8);
  assert.ok(latency.legend.every((e) => /^#[0-9a-f]{6}$/.test(e.color)));
  const comparison = figures.find((f) => f.id === "connection_comparison")!;
  assert.deepEqual(
    comparison.legend.map((e) => e.group),
    ["", "eth0", "wlan0"].map((g) => g || "default route"),
  );
  assert.equal(comparison.data.length, 9);
});
