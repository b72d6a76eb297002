import assert from "node:assert/strict";
import { renderMarkdown } from "./markdown.ts";
import { buildReportModel } from "./model.ts";
import { syntheticWeek } from "./_testing.ts";

Deno.test("renderMarkdown() has the same sections as the HTML report and links the images relatively", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end });
  const charts = new Map(model.charts.map((type) => [type, `week-${type}.png`]));
  const text = renderMarkdown(model, { charts, timeline: "week severity (1).png" });
  for (
    const heading of [
      "Summary",
      "Interface verdict",
      "Server comparison",
      "Alerts",
      "Charts",
      "Bufferbloat grades",
      "DNS timings",
      "Throughput",
      "Every series",
      "Every event",
      "Run manifest",
    ]
  ) {
    assert.match(text, new RegExp(`^## ${heading}$`, "m"), heading);
  }
  assert.ok(text.includes(`> **${model.interfaces.sentence}**`));
  assert.ok(text.includes(`> **${model.servers.sentence}**`));
  const links = [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.deepEqual(links, [
    "week%20severity%20%281%29.png",
    ...model.charts.map((type) => `week-${type}.png`),
  ]);
  assert.ok(text.includes(`\`${model.manifest.dataSha256}\``));
  // Every table row has as many cells as its header.
  for (const table of text.split(/\n\n/).filter((block) => block.startsWith("| "))) {
    const widths = table.trim().split("\n").map((row) => row.split(/(?<!\\)\|/).length);
    assert.ok(widths.every((w) => w === widths[0]), table.slice(0, 80));
  }
});

Deno.test("renderMarkdown() compact leaves out the DNS, throughput and event sections", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end, preset: "compact" });
  const text = renderMarkdown(model, { charts: new Map() });
  assert.doesNotMatch(text, /^## (DNS timings|Throughput|Every event)$/m);
  assert.match(text, /^## Every series$/m);
  assert.match(text, /The 10 latest of \d+ alerts/);
});

Deno.test("renderMarkdown() escapes table characters in names", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end, preset: "compact" });
  const text = renderMarkdown(
    { ...model, series: model.series.map((s, i) => i === 0 ? { ...s, label: "a|b *c*" } : s) },
    { charts: new Map() },
  );
  assert.ok(text.includes("| a\\|b \\*c\\* |"));
});
