import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { escapeXml, frameScale, renderFrame, textWidth } from "./frame.ts";
import type { ChartBody, ChartPanel } from "./types.ts";

const line: ChartPanel = { plot: () => ({ marks: [Plot.lineY([1, 3, 2])] }) };

function body(fields: Partial<ChartBody>): ChartBody {
  return { subjects: [], legend: [], notes: [], panels: [line], ...fields };
}

Deno.test("renderFrame() writes title, subtitle, legend and notes as SVG text", () => {
  const frame = renderFrame({
    width: 1000,
    height: 600,
    title: "Jitter & more",
    subtitle: ["period", "targets: <a>"],
    body: body({
      legend: [{ label: "eth0", color: "#4e79a7" }, {
        label: "p95",
        color: "#444",
        mark: "dashed",
      }],
      notes: ["a note"],
    }),
  });
  assert.match(
    frame.svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1000" height="600"/,
  );
  for (
    const text of ["Jitter &amp; more", "period", "targets: &lt;a&gt;", "eth0", "p95", "a note"]
  ) {
    assert.ok(frame.svg.includes(`>${text}</text>`), text);
  }
  assert.match(frame.svg, /stroke-dasharray="[\d.]+,[\d.]+"/);
  assert.equal((frame.svg.match(/<svg\b/g) ?? []).length, 2, "the frame and one Plot panel");
});

Deno.test("renderFrame() wraps a long legend onto more rows and moves the panels down", () => {
  const legend = Array.from({ length: 30 }, (_, i) => ({ label: `series ${i}`, color: "#000" }));
  const short = renderFrame({ width: 1200, height: 700, title: "t", subtitle: [], body: body({}) });
  const long = renderFrame({
    width: 1200,
    height: 700,
    title: "t",
    subtitle: [],
    body: body({ legend }),
  });
  const rows = new Set(
    [...long.svg.matchAll(/<text x="[\d.]+" y="([\d.]+)"[^>]*>series \d+</g)].map((m) => m[1]),
  );
  assert.ok(rows.size >= 3, `${rows.size} legend rows`);
  // Rows are 30 px at 1920x1080, scaled here by 0.625.
  const shift = long.plotAreas[0]!.y - short.plotAreas[0]!.y;
  assert.ok(Math.abs(shift - rows.size * 30 * 0.625) < 0.01, `moved ${shift} px`);
  assert.ok(long.plotAreas[0]!.height < short.plotAreas[0]!.height);
});

Deno.test("renderFrame() lays panels out in a grid, by weight, inside the picture", () => {
  const frame = renderFrame({
    width: 1600,
    height: 900,
    title: "t",
    subtitle: [],
    body: body({ panels: [{ ...line, weight: 2 }, line, line, line], columns: 2 }),
  });
  const [a, b, c, d] = frame.plotAreas;
  assert.ok(a && b && c && d);
  assert.equal(a.y, b.y);
  assert.ok(c.y > a.y + a.height);
  assert.ok(a.width > 2 * b.width, `${a.width} vs ${b.width}`);
  assert.ok(Math.abs(c.width - d.width) < 1);
  for (const area of frame.plotAreas) {
    assert.ok(area.x >= 0 && area.x + area.width <= 1600 && area.y + area.height <= 900);
  }
});

Deno.test("renderFrame() without panels shows the message where the data would be", () => {
  const frame = renderFrame({
    width: 800,
    height: 450,
    title: "t",
    subtitle: [],
    body: body({ panels: [], emptyMessage: "No throughput measured in this period" }),
  });
  assert.ok(frame.svg.includes(">No throughput measured in this period</text>"));
  assert.deepEqual(frame.plotAreas, []);
  assert.ok(!frame.svg.includes("<svg x="));
});

Deno.test("renderFrame() draws a colour ramp with its label and ends", () => {
  const frame = renderFrame({
    width: 1000,
    height: 600,
    title: "t",
    subtitle: [],
    body: body({
      ramp: { label: "RTT (ms)", colors: ["#ffffcc", "#800026"], min: 1.25, max: 140 },
    }),
  });
  assert.match(
    frame.svg,
    /<linearGradient id="ramp"[^>]*><stop offset="0" stop-color="#ffffcc"\/>/,
  );
  for (const text of ["RTT (ms)", "1.3", "140"]) {
    assert.ok(frame.svg.includes(`>${text}</text>`), text);
  }
});

Deno.test("frameScale() is 1 at 1920x1080 and bounded", () => {
  assert.equal(frameScale(1920, 1080), 1);
  assert.equal(frameScale(3840, 2160), 2);
  assert.equal(frameScale(200, 200), 0.5);
  assert.equal(frameScale(1920, 540), 0.5);
});

Deno.test("textWidth() grows with the text and the size; escapeXml() escapes markup", () => {
  assert.ok(textWidth("WWW", 18) > textWidth("iii", 18));
  assert.equal(textWidth("ab", 36), 2 * textWidth("ab", 18));
  assert.equal(textWidth("", 18), 0);
  assert.equal(escapeXml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});
