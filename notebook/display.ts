/**
 * Jupyter display bundles: objects the Deno kernel shows as rich output when a cell returns
 * them (or passes them to `Deno.jupyter.display`). A Plot figure becomes HTML/SVG, a plotly
 * figure carries its own MIME type for JupyterLab plus an HTML fallback that draws it in the
 * classic notebook and in `nbconvert` HTML with no network, and rows become an HTML table.
 *
 * @module
 */

/**
 * The symbol the Deno Jupyter kernel looks for on a cell's value:
 * `Symbol.for("Jupyter.display")`.
 *
 * @example
 * ```ts
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * console.log(JUPYTER_DISPLAY === Symbol.for("Jupyter.display")); // true
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/**
 * A MIME bundle: MIME type to content, e.g. `{ "text/html": "<b>hi</b>" }`.
 *
 * @example
 * ```ts
 * import type { MimeBundle } from "./display.ts";
 * const bundle: MimeBundle = { "text/plain": "hi", "text/html": "<b>hi</b>" };
 * ```
 */
export type MimeBundle = Record<string, unknown>;

/**
 * What a cell returns to show rich output: the kernel calls the method under
 * {@linkcode JUPYTER_DISPLAY}; `data` holds the same bundle for code.
 *
 * @example Showing a bundle
 * ```ts
 * import { displayBundle } from "./display.ts";
 * const shown = displayBundle({ "text/html": "<b>hi</b>" });
 * console.log(shown.data["text/html"]); // <b>hi</b>
 * ```
 */
export interface DisplayBundle {
  /** The MIME bundle shown. */
  readonly data: MimeBundle;
  /** Called by the Deno Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle;
}

/**
 * Wraps a MIME bundle so that the Deno Jupyter kernel shows it.
 *
 * @param data MIME type to content.
 * @returns The display bundle.
 *
 * @example Markdown output
 * ```ts
 * import { displayBundle, JUPYTER_DISPLAY } from "./display.ts";
 * console.log(displayBundle({ "text/markdown": "**bold**" })[JUPYTER_DISPLAY]()); // { "text/markdown": "**bold**" }
 * ```
 */
export function displayBundle(data: MimeBundle): DisplayBundle {
  return { data, [JUPYTER_DISPLAY]: () => data };
}

/**
 * The part of a DOM element {@linkcode plotFigure} uses: what `Plot.plot` returns (an `<svg>`,
 * or a `<figure>` when it has a legend or a caption).
 *
 * @example A stand-in element
 * ```ts
 * import type { FigureElement } from "./display.ts";
 * const element: FigureElement = { tagName: "svg", outerHTML: "<svg></svg>", setAttribute() {} };
 * ```
 */
export interface FigureElement {
  /** `svg` or `figure`. */
  tagName: string;
  /** The markup. */
  outerHTML: string;
  /** Sets an attribute (used to add the SVG namespace). */
  setAttribute(name: string, value: string): void;
}

/**
 * Shows an Observable Plot figure: an `<svg>` as HTML and as `image/svg+xml` (with its
 * namespace, so it stands alone), a `<figure>` (legend, caption) as HTML.
 *
 * @param element What `Plot.plot` returned.
 * @returns The display bundle.
 *
 * @example A bare SVG
 * ```ts
 * import { plotFigure } from "./display.ts";
 * const attributes: string[] = [];
 * const svg = {
 *   tagName: "svg",
 *   get outerHTML() { return `<svg${attributes.join("")}></svg>`; },
 *   setAttribute(name: string, value: string) { attributes.push(` ${name}="${value}"`); },
 * };
 * const shown = plotFigure(svg);
 * console.log(shown.data["image/svg+xml"]); // <svg xmlns="http://www.w3.org/2000/svg"></svg>
 * ```
 */
export function plotFigure(element: FigureElement): DisplayBundle {
  if (element.tagName.toLowerCase() !== "svg") {
    return displayBundle({ "text/html": element.outerHTML, "text/plain": "[Plot figure]" });
  }
  element.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const svg = element.outerHTML;
  return displayBundle({ "text/html": svg, "image/svg+xml": svg, "text/plain": "[Plot figure]" });
}

/**
 * A plotly figure: traces, layout and config as plotly.js takes them.
 *
 * @example A line
 * ```ts
 * import type { PlotlySpec } from "./display.ts";
 * const spec: PlotlySpec = { data: [{ type: "scatter", x: [1, 2], y: [15, 17] }], layout: { title: { text: "RTT" } } };
 * ```
 */
export interface PlotlySpec {
  /** Traces. */
  data: Record<string, unknown>[];
  /**
   * Layout.
   *
   * @default {{}}
   */
  layout?: Record<string, unknown>;
  /**
   * Config.
   *
   * @default {{ responsive: true }}
   */
  config?: Record<string, unknown>;
}

/**
 * Options for {@linkcode plotlyFigure}.
 *
 * @example Inline plotly.js into every figure
 * ```ts
 * import type { PlotlyFigureOptions } from "./display.ts";
 * const options: PlotlyFigureOptions = { inline: "always" };
 * ```
 */
export interface PlotlyFigureOptions {
  /**
   * When the HTML fallback carries plotly.js (4.6 MiB): `"once"` in the first figure of the
   * kernel session (later figures use it from the page), `"always"` in every figure (each
   * output stands alone), `"never"` (the page must load plotly.js itself).
   *
   * @default {"once"}
   */
  inline?: "once" | "always" | "never";
  /**
   * Height of the HTML fallback's plot area in pixels.
   *
   * @default {420}
   */
  height?: number;
}

let plotlyInlined = false;
let figureCount = 0;

/**
 * Shows a plotly figure: `application/vnd.plotly.v1+json` (drawn by JupyterLab) and a
 * `text/html` fallback that draws it with plotly.js in the classic notebook and in HTML made
 * by `nbconvert`, with no network (plotly.js is inlined, see `inline`). plotly.js is read
 * from the `plotly.js-dist-min` package on first use.
 *
 * @param spec Traces, layout, config.
 * @param options When to inline plotly.js, height.
 * @returns The display bundle.
 *
 * @example A figure without plotly.js inlined
 * ```ts
 * import { plotlyFigure } from "./display.ts";
 * const shown = await plotlyFigure({ data: [{ type: "bar", x: ["a"], y: [1] }] }, { inline: "never" });
 * console.log(Object.keys(shown.data)); // [ "application/vnd.plotly.v1+json", "text/html", "text/plain" ]
 * console.log(String(shown.data["text/html"]).includes("Plotly.newPlot")); // true
 * ```
 */
export async function plotlyFigure(
  spec: PlotlySpec,
  options: PlotlyFigureOptions = {},
): Promise<DisplayBundle> {
  const { inline = "once", height = 420 } = options;
  const figure = {
    data: spec.data,
    layout: spec.layout ?? {},
    config: spec.config ?? { responsive: true },
  };
  const carry = inline === "always" || (inline === "once" && !plotlyInlined);
  const library = carry ? await plotlyLibraryScript() : "";
  if (carry) plotlyInlined = true;
  const id = `bufferbane-plotly-${Date.now().toString(36)}-${++figureCount}`;
  const draw = `<script>(function () {
  var figure = ${scriptJson(figure)};
  function draw() { window.Plotly.newPlot(${
    JSON.stringify(id)
  }, figure.data, figure.layout, figure.config); }
  if (window.Plotly) draw(); else window.addEventListener("load", draw);
})();</script>`;
  const html = `<div id="${id}" style="width:100%;height:${height}px"></div>${library}${draw}`;
  return displayBundle({
    "application/vnd.plotly.v1+json": figure,
    "text/html": html,
    "text/plain": `[plotly figure: ${spec.data.length} trace(s)]`,
  });
}

/**
 * plotly.js in a script tag that defines `window.Plotly` even where RequireJS is loaded (the
 * classic notebook), where plotly's UMD wrapper would register an AMD module instead. Every
 * character outside ASCII is written as a `\uXXXX` escape (the same inside strings and
 * regular expressions): the Deno kernel signs messages holding plotly's raw characters
 * wrongly, and Jupyter then drops them ("Invalid Signature").
 */
async function plotlyLibraryScript(): Promise<string> {
  const module = await import("plotly.js-dist-min/plotly.min.js", { with: { type: "text" } });
  const source = module.default.replaceAll("</script", "<\\/script")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `<script>(function () { var define = undefined, module = undefined, exports = undefined;
${source}
}).call(window);</script>`;
}

/** JSON safe inside a script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/**
 * Options for {@linkcode htmlTable}.
 *
 * @example Two columns, two digits
 * ```ts
 * import type { HtmlTableOptions } from "./display.ts";
 * const options: HtmlTableOptions = { columns: ["series", "p50"], digits: 2 };
 * ```
 */
export interface HtmlTableOptions {
  /**
   * Columns to show, in order.
   *
   * @default {the keys of the first row}
   */
  columns?: readonly string[];
  /**
   * Most rows shown; a last line says how many were left out.
   *
   * @default {50}
   */
  maxRows?: number;
  /**
   * Digits after the decimal point for numbers that are not whole.
   *
   * @default {2}
   */
  digits?: number;
}

/**
 * Shows rows of plain objects as an HTML table (and as text for plain outputs). Dates are
 * written as ISO 8601 in UTC, fractional numbers rounded, `null` and `undefined` left empty.
 *
 * @param rows The rows.
 * @param options Columns, most rows, digits.
 * @returns The display bundle.
 *
 * @example A small table
 * ```ts
 * import { htmlTable } from "./display.ts";
 * const shown = htmlTable([{ series: "a <b>", p50: 12.345 }, { series: "c", p50: null }]);
 * console.log(shown.data["text/html"]);
 * // <table><thead><tr><th>series</th><th>p50</th></tr></thead><tbody><tr><td>a &lt;b&gt;</td><td>12.35</td></tr><tr><td>c</td><td></td></tr></tbody></table>
 * ```
 */
export function htmlTable(
  rows: readonly Record<string, unknown>[],
  options: HtmlTableOptions = {},
): DisplayBundle {
  const { maxRows = 50, digits = 2 } = options;
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const shown = rows.slice(0, maxRows);
  const cell = (value: unknown) => formatCell(value, digits);
  const head = `<thead><tr>${
    columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
  }</tr></thead>`;
  const body = shown.map((row) =>
    `<tr>${columns.map((c) => `<td>${escapeHtml(cell(row[c]))}</td>`).join("")}</tr>`
  ).join("");
  const more = rows.length > shown.length
    ? `<p>${rows.length - shown.length} more row(s) not shown</p>`
    : "";
  const text = [
    columns.join("\t"),
    ...shown.map((row) => columns.map((c) => cell(row[c])).join("\t")),
  ]
    .join("\n");
  return displayBundle({
    "text/html": `<table>${head}<tbody>${body}</tbody></table>${more}`,
    "text/plain": text,
  });
}

function formatCell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * Options for {@linkcode displayNow}.
 *
 * @example Wait half a second
 * ```ts
 * import type { DisplayNowOptions } from "./display.ts";
 * const options: DisplayNowOptions = { settleMs: 500 };
 * ```
 */
export interface DisplayNowOptions {
  /**
   * How long to wait after sending, in milliseconds.
   *
   * @default {200 ms plus 1 ms per 5 kB of the bundle}
   */
  settleMs?: number;
}

/**
 * Shows a bundle at once (`Deno.jupyter.display`) and waits for the kernel to send it before
 * the cell ends. For large outputs (a plotly figure with plotly.js inlined is ~5 MB): the
 * Deno kernel may send a large cell result after reporting the cell done, and `nbconvert
 * --execute` then loses it; a bundle shown this way arrives in time.
 *
 * @param bundle What to show.
 * @param options How long to wait.
 * @returns When the bundle is sent.
 * @throws {Error} Outside the Deno Jupyter kernel (`Deno.jupyter` is only available there).
 *
 * @example The last line of a plotly cell
 * ```ts ignore
 * import { displayNow, plotlyFigure } from "./display.ts";
 * await displayNow(await plotlyFigure({ data: [{ type: "bar", x: ["a"], y: [1] }] }));
 * ```
 */
export async function displayNow(
  bundle: DisplayBundle,
  options: DisplayNowOptions = {},
): Promise<void> {
  const { jupyter } = Deno as unknown as {
    jupyter: { display(data: MimeBundle, options: { raw: true }): Promise<void> };
  };
  await jupyter.display(bundle.data, { raw: true });
  const size = Object.values(bundle.data).reduce<number>(
    (sum, value) => sum + (typeof value === "string" ? value.length : JSON.stringify(value).length),
    0,
  );
  const settleMs = options.settleMs ?? 200 + Math.ceil(size / 5000);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
}
