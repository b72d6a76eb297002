/**
 * How reports write numbers: milliseconds, percentages, ratios and names in sentences, the
 * same way in HTML, Markdown and PDF.
 *
 * @module
 */

/**
 * Milliseconds as a report says them: whole from 10 ms up, one decimal below (two under
 * 0.1 ms), no unit.
 *
 * @param value Milliseconds.
 * @returns The text, `"–"` for `null`.
 *
 * @example Milliseconds at three sizes
 * ```ts
 * import { formatMs } from "./format.ts";
 * console.log(formatMs(13.04), formatMs(8.46), formatMs(0.042), formatMs(null)); // 13 8.5 0.04 –
 * ```
 */
export function formatMs(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  const size = Math.abs(value);
  if (size >= 10) return value.toFixed(0);
  if (size >= 0.1 || size === 0) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * A percentage with its sign: one decimal, two below 0.1 %.
 *
 * @param value Percent.
 * @returns The text, `"–"` for `null`.
 *
 * @example Percentages
 * ```ts
 * import { formatPct } from "./format.ts";
 * console.log(formatPct(2.34), formatPct(0.08), formatPct(0)); // 2.3% 0.08% 0.0%
 * ```
 */
export function formatPct(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  const size = Math.abs(value);
  return `${size > 0 && size < 0.1 ? value.toFixed(2) : value.toFixed(1)}%`;
}

/**
 * How many times one figure is another, for sentences: `3x`, `2.5x`, `12x`.
 *
 * @param worse The larger figure.
 * @param better The smaller figure.
 * @returns The text; `"many times"` when the smaller one is 0.
 *
 * @example Ratios
 * ```ts
 * import { formatRatio } from "./format.ts";
 * console.log(formatRatio(0.6, 0.2), formatRatio(2.5, 1), formatRatio(1, 0)); // 3x 2.5x many times
 * ```
 */
export function formatRatio(worse: number, better: number): string {
  if (!(better > 0)) return "many times";
  const ratio = worse / better;
  return `${
    ratio >= 10 || Math.abs(ratio - Math.round(ratio)) < 0.05 ? ratio.toFixed(0) : ratio.toFixed(1)
  }x`;
}

/**
 * A name as it starts a sentence or stands for a place: plain lowercase words get a capital
 * (`frankfurt` → `Frankfurt`); addresses, host names and masked tokens stay as they are.
 *
 * @param name A server or target name.
 * @returns The name to print.
 *
 * @example Names in sentences
 * ```ts
 * import { displayName } from "./format.ts";
 * console.log(displayName("frankfurt"), displayName("addr-2"), displayName("fra.example.net"));
 * // Frankfurt addr-2 fra.example.net
 * ```
 */
export function displayName(name: string): string {
  return /^[a-z]+$/.test(name) ? name[0]!.toUpperCase() + name.slice(1) : name;
}
