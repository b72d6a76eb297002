/**
 * Colours of the charts: a categorical palette for series, a ramp for heatmaps, one colour
 * per bufferbloat grade, and neutral greys for text and keys.
 *
 * @module
 */

/**
 * Series colours, in the order series get them (Tableau 10): distinct hues that stay apart
 * in print and for the common colour-vision deficiencies.
 *
 * @example
 * ```ts
 * import { SERIES_COLORS } from "./colors.ts";
 * console.log(SERIES_COLORS.length); // 10
 * ```
 */
export const SERIES_COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/**
 * Text and key colours.
 *
 * @example
 * ```ts
 * import { INK } from "./colors.ts";
 * console.log(INK.text); // #1a1a1a
 * ```
 */
export const INK = { text: "#1a1a1a", muted: "#555555", faint: "#8a8a8a", key: "#444444" } as const;

/**
 * The heatmap ramp, light (low) to dark red (high): ColorBrewer YlOrRd.
 *
 * @example
 * ```ts
 * import { HEAT_COLORS } from "./colors.ts";
 * console.log(HEAT_COLORS[0]); // #ffffcc
 * ```
 */
export const HEAT_COLORS: readonly string[] = [
  "#ffffcc",
  "#ffeda0",
  "#fed976",
  "#feb24c",
  "#fd8d3c",
  "#fc4e2a",
  "#e31a1c",
  "#bd0026",
  "#800026",
];

/**
 * One colour per bufferbloat grade, green (A+) to red (F).
 *
 * @example
 * ```ts
 * import { GRADE_COLORS } from "./colors.ts";
 * console.log(GRADE_COLORS["F"]); // #b2182b
 * ```
 */
export const GRADE_COLORS: Readonly<Record<string, string>> = {
  "A+": "#1a9850",
  A: "#66bd63",
  B: "#a6d96a",
  C: "#fdae61",
  D: "#f46d43",
  F: "#b2182b",
};

/**
 * Gives each label a colour of {@linkcode SERIES_COLORS}, in order (cycling past ten).
 *
 * @param labels The labels, in legend order.
 * @returns A Plot colour scale: `domain` and `range`.
 *
 * @example
 * ```ts
 * import { seriesColors } from "./colors.ts";
 * console.log(seriesColors(["eth0", "wlan0"]).range); // [ "#4e79a7", "#f28e2b" ]
 * ```
 */
export function seriesColors(labels: readonly string[]): { domain: string[]; range: string[] } {
  return {
    domain: [...labels],
    range: labels.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]!),
  };
}
