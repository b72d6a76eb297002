/**
 * The severity timeline: one lane per alerting subject, a bar per alert episode coloured by
 * severity, over the report's period. Plain SVG (text in `currentColor`, so it follows the
 * page's light or dark colours inline, and is black on the white of a PNG), with a tooltip
 * per bar.
 *
 * @module
 */
import { escapeXml, FONT_FAMILY, textWidth } from "../charts/frame.ts";
import { formatTick, formatUtc } from "../charts/time_axis.ts";
import type { AlertEpisode } from "./alerts.ts";

/**
 * Colours of the severities, shared by the timeline and the badges.
 *
 * @example The critical colour
 * ```ts
 * import { SEVERITY_COLORS } from "./timeline_svg.ts";
 * console.log(SEVERITY_COLORS.critical); // #d7301f
 * ```
 */
export const SEVERITY_COLORS = {
  critical: "#d7301f",
  warn: "#e69a1c",
  info: "#5b8cc4",
  clear: "#4d9a59",
} as const;

/**
 * Options for {@linkcode severityTimelineSvg}.
 *
 * @example A wide timeline
 * ```ts
 * import type { TimelineOptions } from "./timeline_svg.ts";
 * const options: TimelineOptions = { width: 1920, laneHeight: 32 };
 * ```
 */
export interface TimelineOptions {
  /**
   * Width in pixels.
   *
   * @default {960}
   */
  width?: number;
  /**
   * Height of one lane in pixels.
   *
   * @default {24}
   */
  laneHeight?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TICK_STEPS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

const n = (value: number) => String(Math.round(value * 100) / 100);

/**
 * Draws the timeline.
 *
 * @param episodes Alert episodes (see `alerts.ts`).
 * @param subjects Lanes, top to bottom.
 * @param period The period shown.
 * @param options Size.
 * @returns A standalone SVG document with a `viewBox`, so it scales.
 *
 * @example One warning over an hour
 * ```ts
 * import { severityTimelineSvg } from "./timeline_svg.ts";
 * const svg = severityTimelineSvg(
 *   [{ subject: "icmp vienna @wlan0 p95", severity: "warn", start: 3_600_000, end: 7_200_000, open: false, message: "p95 high" }],
 *   ["icmp vienna @wlan0 p95"],
 *   { start: 0, end: 86_400_000 },
 * );
 * console.log(svg.includes('fill="#e69a1c"'), svg.includes(">icmp vienna @wlan0 p95</text>")); // true true
 * ```
 */
export function severityTimelineSvg(
  episodes: readonly AlertEpisode[],
  subjects: readonly string[],
  period: { start: number; end: number },
  options: TimelineOptions = {},
): string {
  const { width = 960, laneHeight = 24 } = options;
  const font = Math.max(11, Math.round(laneHeight * 0.5));
  const legendHeight = font * 2;
  const axisHeight = font * 2.2;
  const lanes = Math.max(1, subjects.length);
  const height = Math.round(legendHeight + lanes * laneHeight + axisHeight);
  const labelWidth = Math.min(
    width * 0.4,
    Math.max(60, ...subjects.map((s) => textWidth(s, font))) + font,
  );
  const left = labelWidth;
  const right = width - font * 2.5;
  const top = legendHeight;
  const span = period.end - period.start;
  const x = (ms: number) =>
    left +
    (Math.min(period.end, Math.max(period.start, ms)) - period.start) / span * (right - left);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}, sans-serif" ` +
    `font-size="${font}" fill="currentColor" role="img" aria-label="Severity timeline">`,
  ];
  let legendX = left;
  const keys = [["critical", SEVERITY_COLORS.critical], ["warn", SEVERITY_COLORS.warn]] as const;
  for (const [name, color] of keys) {
    parts.push(
      `<rect x="${n(legendX)}" y="${
        n(font * 0.4)
      }" width="${font}" height="${font}" fill="${color}"/>`,
      `<text x="${n(legendX + font * 1.4)}" y="${n(font * 1.3)}">${name}</text>`,
    );
    legendX += font * 2 + textWidth(name, font) + font;
  }
  // Grid and time axis.
  const step = TICK_STEPS.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / DAY) * DAY;
  for (let tick = Math.ceil(period.start / step) * step; tick <= period.end; tick += step) {
    const tx = x(tick);
    parts.push(
      `<line x1="${n(tx)}" x2="${n(tx)}" y1="${n(top)}" y2="${n(top + lanes * laneHeight)}" ` +
        `stroke="currentColor" stroke-opacity="0.2"/>`,
      `<text x="${n(tx)}" y="${n(top + lanes * laneHeight + font * 1.5)}" text-anchor="middle">${
        escapeXml(formatTick(tick, span))
      }</text>`,
    );
  }
  if (subjects.length === 0) {
    parts.push(
      `<text x="${n((left + right) / 2)}" y="${n(top + laneHeight * 0.65)}" text-anchor="middle">` +
        "No alerts in this period</text>",
    );
  }
  subjects.forEach((subject, lane) => {
    const y = top + lane * laneHeight;
    parts.push(
      `<line x1="${n(left)}" x2="${n(right)}" y1="${n(y + laneHeight)}" y2="${
        n(y + laneHeight)
      }" ` +
        `stroke="currentColor" stroke-opacity="0.12"/>`,
      `<text x="${n(left - font * 0.5)}" y="${n(y + laneHeight * 0.65)}" text-anchor="end">${
        escapeXml(subject)
      }</text>`,
    );
  });
  for (const episode of episodes) {
    const lane = subjects.indexOf(episode.subject);
    if (lane < 0) continue;
    const x0 = x(episode.start);
    const w = Math.max(2, x(episode.end) - x0);
    const color = SEVERITY_COLORS[episode.severity];
    const when = `${formatUtc(episode.start)} – ${
      episode.open ? "still open" : formatUtc(episode.end)
    }`;
    parts.push(
      `<rect x="${n(x0)}" y="${n(top + lane * laneHeight + laneHeight * 0.18)}" width="${n(w)}" ` +
        `height="${n(laneHeight * 0.64)}" fill="${color}"><title>${
          escapeXml(`${episode.severity} ${when} UTC: ${episode.message}`)
        }</title></rect>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}
