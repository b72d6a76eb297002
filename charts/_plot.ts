/**
 * Observable Plot on the server: a linkedom document for Plot to build into, and a Plot
 * figure as SVG markup to nest in the frame.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** The document type Plot takes (the DOM's, which Deno's type library leaves out). */
export type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

/**
 * A fresh DOM document (linkedom) for {@linkcode Plot.plot}.
 *
 * @returns The document.
 */
export function newDocument(): PlotDocument {
  const window = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  // linkedom's document implements what Plot uses of the DOM, not the whole lib.dom type.
  return (window as unknown as { document: PlotDocument }).document;
}

/**
 * Renders Plot options to an `<svg>` element's markup, placed at `x`, `y` in its parent.
 *
 * @param options Plot options, including `document`.
 * @param x Left edge in the parent.
 * @param y Top edge in the parent.
 * @returns The markup.
 * @throws {TypeError} When Plot made something other than an SVG (a legend or a caption
 * wraps the plot in an HTML figure, which has no place in an SVG file).
 */
export function plotMarkup(options: Plot.PlotOptions, x: number, y: number): string {
  const element = Plot.plot(options);
  if (element.tagName.toLowerCase() !== "svg") {
    throw new TypeError(`Plot made a "${element.tagName}" element: expected "svg"`);
  }
  element.setAttribute("x", String(x));
  element.setAttribute("y", String(y));
  return element.outerHTML;
}
