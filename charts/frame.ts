/**
 * The frame around every chart, as one standalone SVG document: a title, a subtitle with the
 * period, host and what is shown, a legend drawn with SVG shapes and text (no HTML, so the
 * file stands alone and rasterizes as is), the panels drawn by Observable Plot, and notes.
 * A chart without data gets the same frame with a message where the panels would be.
 *
 * Sizes scale with the picture: fonts are 16 to 34 px at 1920x1080.
 *
 * @module
 */
import type { ScaleOptions } from "@observablehq/plot";
import { INK } from "./colors.ts";
import { newDocument, plotMarkup } from "./_plot.ts";
import type { ChartBody, LegendItem, PanelSize, RampLegend, Rect } from "./types.ts";

/**
 * The font family the charts are set in (Debian's fonts-dejavu-core).
 *
 * @example
 * ```ts
 * import { FONT_FAMILY } from "./frame.ts";
 * console.log(FONT_FAMILY); // DejaVu Sans
 * ```
 */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * What {@linkcode renderFrame} draws.
 *
 * @example
 * ```ts
 * import type { FrameSpec } from "./frame.ts";
 * const spec: FrameSpec = {
 *   width: 1920, height: 1080, title: "Latency over time", subtitle: ["2026-10-18"],
 *   body: { subjects: [], legend: [], notes: [], panels: [] },
 * };
 * ```
 */
export interface FrameSpec {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The title. */
  title: string;
  /** Lines under the title. */
  subtitle: readonly string[];
  /** Legend, panels and notes from the chart module. */
  body: ChartBody;
}

/**
 * A drawn frame.
 *
 * @example
 * ```ts
 * import type { Frame } from "./frame.ts";
 * const frame: Frame = { svg: "<svg/>", plotAreas: [] };
 * ```
 */
export interface Frame {
  /** The SVG document. */
  svg: string;
  /** Inner rectangle of each panel, where its data is drawn. */
  plotAreas: Rect[];
}

/**
 * The font and stroke scale of a picture: 1 at 1920x1080, between 0.5 and 2.
 *
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The scale.
 *
 * @example
 * ```ts
 * import { frameScale } from "./frame.ts";
 * console.log(frameScale(1920, 1080), frameScale(960, 540)); // 1 0.5
 * ```
 */
export function frameScale(width: number, height: number): number {
  return Math.min(2, Math.max(0.5, Math.min(width / 1920, height / 1080)));
}

/**
 * Draws a chart's frame and panels.
 *
 * @param spec Size, title, subtitle, body.
 * @returns The SVG document and where the panels' data is.
 *
 * @example A frame without data
 * ```ts
 * import { renderFrame } from "./frame.ts";
 * const frame = renderFrame({
 *   width: 800, height: 450, title: "Jitter over time", subtitle: ["host box"],
 *   body: { subjects: [], legend: [{ label: "eth0", color: "#4e79a7" }], notes: [], panels: [] },
 * });
 * console.log(frame.svg.includes(">No data for this period</text>"), frame.plotAreas.length); // true 0
 * ```
 */
export function renderFrame(spec: FrameSpec): Frame {
  const { width, height, body } = spec;
  const s = frameScale(width, height);
  const pad = 28 * s;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  let y = pad;
  parts.push(text(pad, y + 34 * s, spec.title, 34 * s, INK.text, "bold"));
  y += 34 * s + 14 * s;
  for (const line of spec.subtitle) {
    parts.push(text(pad, y + 19 * s, line, 19 * s, INK.muted));
    y += 28 * s;
  }
  y += 6 * s;
  const legend = drawLegend(body.legend, pad, y, width - 2 * pad, s);
  parts.push(legend.markup);
  y = legend.bottom;
  if (body.ramp !== undefined) {
    parts.push(drawRamp(body.ramp, pad, y, s));
    y += 40 * s;
  }
  y += 8 * s;
  const notesHeight = body.notes.length > 0 ? body.notes.length * 24 * s + 8 * s : 0;
  body.notes.forEach((note, i) => {
    const baseline = height - pad - notesHeight + 8 * s + (i + 1) * 24 * s - 6 * s;
    parts.push(text(pad, baseline, note, 16 * s, INK.muted));
  });
  const area: Rect = {
    x: pad,
    y,
    width: width - 2 * pad,
    height: Math.max(40 * s, height - pad - notesHeight - y),
  };
  const plotAreas: Rect[] = [];
  if (body.panels.length === 0) {
    parts.push(
      `<rect x="${n(area.x)}" y="${n(area.y)}" width="${n(area.width)}" height="${
        n(area.height)
      }" fill="#fafafa" stroke="#d0d0d0" stroke-width="${n(s)}"/>`,
      text(
        area.x + area.width / 2,
        area.y + area.height / 2,
        body.emptyMessage ?? "No data for this period",
        30 * s,
        INK.muted,
        "normal",
        "middle",
      ),
    );
  } else {
    parts.push(...drawPanels(body, area, s, plotAreas));
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}, sans-serif">` +
    parts.join("") + "</svg>";
  return { svg, plotAreas };
}

/** Lays the panels out in a grid and has Plot draw each. */
function drawPanels(body: ChartBody, area: Rect, s: number, plotAreas: Rect[]): string[] {
  const count = body.panels.length;
  const columns = Math.max(1, Math.min(count, body.columns ?? count));
  const rows = Math.ceil(count / columns);
  const gapX = 36 * s;
  const gapY = 18 * s;
  const captionHeight = body.panels.some((panel) => panel.caption) ? 30 * s : 0;
  const cellHeight = (area.height - (rows - 1) * gapY) / rows;
  const document = newDocument();
  const parts: string[] = [];
  let x = area.x;
  body.panels.forEach((panel, index) => {
    const row = Math.floor(index / columns);
    const rowPanels = body.panels.slice(row * columns, (row + 1) * columns);
    // A short last row keeps the cell widths of full rows.
    const totalWeight = rowPanels.reduce((sum, p) => sum + (p.weight ?? 1), 0) + columns -
      rowPanels.length;
    const cellWidth = (area.width - (columns - 1) * gapX) * (panel.weight ?? 1) / totalWeight;
    if (index % columns === 0) x = area.x;
    const top = area.y + row * (cellHeight + gapY);
    if (panel.caption) {
      parts.push(text(x, top + 21 * s, panel.caption, 20 * s, INK.text, "bold"));
    }
    const size: PanelSize = {
      width: Math.round(cellWidth),
      height: Math.max(20, Math.round(cellHeight - captionHeight)),
      scale: s,
    };
    const own = panel.plot(size);
    const options = {
      marginTop: 14 * s,
      marginRight: 24 * s,
      marginBottom: 58 * s,
      marginLeft: 84 * s,
      ...own,
      ...withTicks("x", own.x, size.width / 170),
      ...withTicks("y", own.y, size.height / 80),
      width: size.width,
      height: size.height,
      document,
      style: {
        fontFamily: FONT_FAMILY,
        fontSize: `${Math.round(16 * s)}px`,
        color: INK.text,
        ...(typeof own.style === "object" && own.style !== null ? own.style : {}),
      },
    };
    const y = top + captionHeight;
    parts.push(plotMarkup(options, Number(n(x)), Number(n(y))));
    const margin = (value: number | undefined) => value ?? 0;
    plotAreas.push({
      x: x + margin(options.marginLeft),
      y: y + margin(options.marginTop),
      width: size.width - margin(options.marginLeft) - margin(options.marginRight),
      height: size.height - margin(options.marginTop) - margin(options.marginBottom),
    });
    x += cellWidth + gapX;
  });
  return parts;
}

/**
 * A quantitative scale without a tick count gets one fitting its length (Plot's own default
 * crowds the axis at these font sizes); band and time scales keep theirs.
 */
function withTicks(
  name: "x" | "y",
  scale: ScaleOptions | undefined,
  count: number,
): Record<string, ScaleOptions> {
  if (scale === undefined || scale.ticks !== undefined || scale.type !== undefined) return {};
  const domain = scale.domain;
  if (Array.isArray(domain) && typeof domain[0] !== "number") return {};
  return { [name]: { ...scale, ticks: Math.max(3, Math.round(count)) } };
}

/** Legend entries left to right, wrapping to new rows. */
function drawLegend(
  items: readonly LegendItem[],
  left: number,
  top: number,
  maxWidth: number,
  s: number,
): { markup: string; bottom: number } {
  if (items.length === 0) return { markup: "", bottom: top };
  const rowHeight = 30 * s;
  const keyWidth = 32 * s;
  const parts: string[] = [];
  let x = left;
  let row = 0;
  for (const item of items) {
    const itemWidth = keyWidth + 8 * s + textWidth(item.label, 18 * s) + 30 * s;
    if (x > left && x + itemWidth > left + maxWidth) {
      row++;
      x = left;
    }
    const middle = top + row * rowHeight + rowHeight / 2;
    parts.push(legendKey(item, x, middle, keyWidth, s));
    parts.push(text(x + keyWidth + 8 * s, middle + 6.5 * s, item.label, 18 * s, INK.text));
    x += itemWidth;
  }
  return { markup: parts.join(""), bottom: top + (row + 1) * rowHeight };
}

function legendKey(item: LegendItem, x: number, middle: number, width: number, s: number) {
  const line = (strokeWidth: number, dash?: string) =>
    `<line x1="${n(x)}" y1="${n(middle)}" x2="${n(x + width)}" y2="${n(middle)}" stroke="${
      attr(item.color)
    }" stroke-width="${n(strokeWidth * s)}"${
      dash ? ` stroke-dasharray="${dash.split(",").map((d) => n(Number(d) * s)).join(",")}"` : ""
    }/>`;
  switch (item.mark ?? "swatch") {
    case "line":
      return line(4);
    case "dashed":
      return line(2, "8,5");
    case "dotted":
      return line(2, "2,4");
    case "band":
      return `<rect x="${n(x)}" y="${n(middle - 8 * s)}" width="${n(width)}" height="${
        n(16 * s)
      }" fill="${attr(item.color)}" fill-opacity="0.25"/>`;
    default:
      return `<rect x="${n(x + width / 2 - 8 * s)}" y="${n(middle - 8 * s)}" width="${
        n(16 * s)
      }" height="${n(16 * s)}" rx="${n(2 * s)}" fill="${attr(item.color)}"/>`;
  }
}

/** A label, a horizontal gradient bar and its end values. */
function drawRamp(ramp: RampLegend, left: number, top: number, s: number): string {
  const labelWidth = textWidth(ramp.label, 18 * s);
  const barX = left + labelWidth + 16 * s;
  const barWidth = 360 * s;
  const middle = top + 18 * s;
  const stops = ramp.colors.map((color, i) =>
    `<stop offset="${n(i / Math.max(1, ramp.colors.length - 1))}" stop-color="${attr(color)}"/>`
  ).join("");
  return `<defs><linearGradient id="ramp" x1="0" y1="0" x2="1" y2="0">${stops}</linearGradient>` +
    `</defs>` + text(left, middle + 6.5 * s, ramp.label, 18 * s, INK.text) +
    `<rect x="${n(barX)}" y="${n(middle - 9 * s)}" width="${n(barWidth)}" height="${
      n(18 * s)
    }" fill="url(#ramp)" stroke="#999999" stroke-width="${n(0.5 * s)}"/>` +
    text(barX, middle + 28 * s, formatRampValue(ramp.min), 15 * s, INK.muted) +
    text(
      barX + barWidth,
      middle + 28 * s,
      formatRampValue(ramp.max),
      15 * s,
      INK.muted,
      "normal",
      "end",
    );
}

function formatRampValue(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** One `<text>` element. */
function text(
  x: number,
  y: number,
  content: string,
  size: number,
  color: string,
  weight: "normal" | "bold" = "normal",
  anchor: "start" | "middle" | "end" = "start",
): string {
  return `<text x="${n(x)}" y="${n(y)}" font-size="${n(size)}" fill="${attr(color)}"` +
    (weight === "bold" ? ` font-weight="bold"` : "") +
    (anchor === "start" ? "" : ` text-anchor="${anchor}"`) + `>${escapeXml(content)}</text>`;
}

/**
 * Roughly how wide a text is in DejaVu Sans (advance widths by kind of character), to lay
 * out legends.
 *
 * @param content The text.
 * @param size The font size in pixels.
 * @returns The width in pixels, slightly over rather than under.
 *
 * @example
 * ```ts
 * import { textWidth } from "./frame.ts";
 * console.log(Math.round(textWidth("wlan0", 18))); // 59
 * ```
 */
export function textWidth(content: string, size: number): number {
  let ems = 0;
  for (const char of content) {
    if (" .,:;|!'".includes(char)) ems += 0.32;
    else if ("ijlft()[]".includes(char)) ems += 0.4;
    else if ("mwMW%@–—".includes(char)) ems += 0.98;
    else if (/[0-9]/.test(char)) ems += 0.64;
    else if (/[A-Z]/.test(char)) ems += 0.72;
    else ems += 0.62;
  }
  return ems * size;
}

/**
 * Escapes text for SVG content and attributes.
 *
 * @param content Any text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./frame.ts";
 * console.log(escapeXml('a < b & "c"')); // a &lt; b &amp; &quot;c&quot;
 * ```
 */
export function escapeXml(content: string): string {
  return content.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function attr(value: string): string {
  return escapeXml(value);
}

/** A coordinate with at most two decimals. */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}
