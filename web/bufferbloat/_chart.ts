/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The latency chart of the browser test (live while it runs, and on the result page): every
 * sample as a dot at its send time, coloured by phase, lost samples as marks on the axis;
 * drawn with Observable Plot into an SVG.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { BROWSER_PHASES, type LatencySample } from "../../bufferbloat/browser_result.ts";

/** Phase colours, readable on dark and light backgrounds. */
const COLORS = ["#8a8f98", "#6cb4ee", "#1f77d4", "#f3b14b", "#e8590c", "#c2255c"];

/** Phase names as people read them. */
export const PHASE_LABELS: Record<(typeof BROWSER_PHASES)[number], string> = {
  baseline: "Idle",
  download_warmup: "Download warm-up",
  download: "Download",
  upload_warmup: "Upload warm-up",
  upload: "Upload",
  bidirectional: "Both ways",
};

/**
 * Draws the chart into `container` (replacing what was there).
 *
 * @param container The element to draw into.
 * @param samples The samples so far.
 *
 * @example
 * ```ts ignore
 * import { drawLatencyChart } from "./_chart.ts";
 * drawLatencyChart(document.querySelector("#chart")!, [{ t: 0, phase: "baseline", rttMs: 20 }]);
 * ```
 */
export function drawLatencyChart(container: HTMLElement, samples: readonly LatencySample[]): void {
  const width = Math.max(280, container.clientWidth || 640);
  const answered = samples.filter((s) => s.rttMs !== null);
  const lost = samples.filter((s) => s.rttMs === null);
  const chart = Plot.plot({
    width,
    height: Math.round(Math.min(320, Math.max(200, width * 0.45))),
    marginLeft: 48,
    style: { background: "transparent", color: "currentColor", fontSize: "12px" },
    x: { label: "seconds", tickFormat: (t: number) => (t / 1000).toFixed(0), nice: true },
    y: { label: "latency (ms)", grid: true, zero: true, nice: true },
    color: {
      domain: BROWSER_PHASES.map((p) => PHASE_LABELS[p]),
      range: COLORS,
      legend: true,
    },
    marks: [
      Plot.ruleY([0]),
      Plot.dot(answered, {
        x: "t",
        y: "rttMs",
        fill: (s: LatencySample) => PHASE_LABELS[s.phase],
        r: 1.8,
        tip: true,
      }),
      Plot.tickX(lost, { x: "t", stroke: "#d00", strokeWidth: 1.5 }),
    ],
  });
  container.replaceChildren(chart);
}
