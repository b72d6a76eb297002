import assert from "node:assert/strict";
import { severityTimelineSvg } from "./timeline_svg.ts";

const HOUR = 3_600_000;
const episode = { message: "m", open: false };

Deno.test("severityTimelineSvg() draws one lane per subject and a bar per episode, inside the period", () => {
  const svg = severityTimelineSvg(
    [
      { ...episode, subject: "a", severity: "warn", start: -HOUR, end: 2 * HOUR },
      { ...episode, subject: "b", severity: "critical", start: 12 * HOUR, end: 12 * HOUR },
      { ...episode, subject: "b", severity: "warn", start: 20 * HOUR, end: 30 * HOUR, open: true },
    ],
    ["a", "b"],
    { start: 0, end: 24 * HOUR },
    { width: 1000 },
  );
  const bars = [
    ...svg.matchAll(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="(#[0-9a-f]+)"><title>([^<]*)</g,
    ),
  ]
    .map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      width: Number(m[3]),
      color: m[4],
      title: m[5],
    }));
  assert.equal(bars.length, 3);
  const left = bars[0]!.x;
  const right = Math.max(...bars.map((b) => b.x + b.width));
  // Clamped to the period: the first bar starts at the left edge, the open one ends at the right.
  assert.ok(Math.abs(bars[2]!.x + bars[2]!.width - right) < 0.01);
  assert.ok(Math.abs(bars[0]!.width - (right - left) / 12) < 0.5, "two hours of 24");
  assert.equal(bars[1]!.width, 2, "an instant is 2 px wide");
  assert.ok(bars[1]!.y > bars[0]!.y, "lane b below lane a");
  assert.deepEqual(bars.map((b) => b.color), ["#e69a1c", "#d7301f", "#e69a1c"]);
  assert.match(bars[2]!.title!, /still open/);
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1000" height="\d+" viewBox="0 0 1000 \d+"/,
  );
});

Deno.test("severityTimelineSvg() says so when there are no alerts", () => {
  const svg = severityTimelineSvg([], [], { start: 0, end: HOUR });
  assert.ok(svg.includes(">No alerts in this period</text>"));
  assert.doesNotMatch(svg, /<title>/);
});
