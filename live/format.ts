/**
 * Number and table formatting shared by the live views and summaries.
 *
 * @module
 */

/**
 * Formats a measurement compactly: 3 significant figures below 100, whole numbers above;
 * `-` for missing values.
 *
 * @param value The number, or `null`/`undefined` for none.
 * @returns Text such as `"0.412"`, `"12.3"`, `"254"` or `"-"`.
 *
 * @example
 * ```ts
 * import { formatValue } from "./format.ts";
 * console.log(formatValue(12.345), formatValue(null)); // 12.3 -
 * ```
 */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toString();
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/**
 * Formats a percentage with one decimal, `-` when missing.
 *
 * @example
 * ```ts
 * import { formatPercent } from "./format.ts";
 * console.log(formatPercent(2.345)); // 2.3%
 * ```
 */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(1)}%`;
}

/**
 * Lays out rows as aligned columns; the first row is the header. Numbers-looking cells are
 * right-aligned.
 *
 * @param rows Cells, header first.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { formatTable } from "./format.ts";
 * console.log(formatTable([["target", "avg"], ["a", "1.00"]]).join("\n"));
 * ```
 */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  const numeric = /^[-+]?\d+(\.\d+)?(%| ms)?$|^-$/;
  return rows.map((row) =>
    row.map((cell, i) => {
      const width = widths[i]!;
      return i > 0 && numeric.test(cell) ? cell.padStart(width) : cell.padEnd(width);
    }).join("  ").trimEnd()
  );
}

/**
 * Names a series for humans: target, then interface and server when set.
 *
 * @example
 * ```ts
 * import { seriesName } from "./format.ts";
 * console.log(seriesName({ target: "example.com", interface: "eth0", server: "" })); // example.com @eth0
 * ```
 */
export function seriesName(
  series: { target: string; interface: string; server: string },
): string {
  let name = series.target || "-";
  if (series.interface) name += ` @${series.interface}`;
  if (series.server) name += ` via ${series.server}`;
  return name;
}
