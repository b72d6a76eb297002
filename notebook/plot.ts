/**
 * Observable Plot in a notebook: the Deno kernel has no DOM, so figures are built into a
 * linkedom document and shown with {@linkcode plotFigure}.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { type DisplayBundle, plotFigure } from "./display.ts";

/**
 * The document type `Plot.plot` takes.
 *
 * @example
 * ```ts
 * import { plotDocument, type PlotDocument } from "./plot.ts";
 * const document: PlotDocument = plotDocument();
 * ```
 */
export type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

/**
 * A fresh DOM document (linkedom) for `Plot.plot({ document, ... })`.
 *
 * @returns The document.
 *
 * @example Building a figure by hand
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plotDocument } from "./plot.ts";
 * const svg = Plot.plot({ document: plotDocument(), marks: [Plot.dot([1, 2, 3])] });
 * console.log(svg.tagName.toLowerCase()); // svg
 * ```
 */
export function plotDocument(): PlotDocument {
  const window = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  // linkedom's document implements what Plot uses of the DOM, not the whole lib.dom type.
  return (window as unknown as { document: PlotDocument }).document;
}

/**
 * Draws Plot options into a fresh document and shows the figure: the one-liner for a chart
 * cell, `plot({ marks: [Plot.lineY(rows, { x: "time", y: "p50", stroke: "series" })] })`.
 *
 * @param options Plot options; `document` is filled in.
 * @returns The display bundle of the figure.
 *
 * @example A line as SVG
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plot } from "./plot.ts";
 * const shown = plot({ marks: [Plot.lineY([1, 3, 2])] });
 * console.log(String(shown.data["text/html"]).startsWith("<svg")); // true
 * ```
 */
export function plot(options: Plot.PlotOptions): DisplayBundle {
  return plotFigure(Plot.plot({ ...options, document: plotDocument() }));
}
