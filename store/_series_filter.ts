/**
 * Turns a {@linkcode SeriesFilter} into a SQL condition over the `series` table.
 *
 * @module
 */
import type { SeriesFilter } from "./types.ts";

const FILTER_COLUMNS = ["plugin", "target", "interface", "server", "metric"] as const;

/**
 * Builds `WHERE ...` (or `""`) and its parameters.
 *
 * @param filter Exact matches; fields left out match everything.
 * @param seriesIds When given, only these ids.
 * @returns The clause and its parameters, in order.
 */
export function seriesWhere(
  filter: SeriesFilter = {},
  seriesIds?: readonly number[],
): { where: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  for (const column of FILTER_COLUMNS) {
    const value = filter[column];
    if (value === undefined) continue;
    conditions.push(`"${column}" = ?`);
    params.push(value);
  }
  if (seriesIds !== undefined) {
    const ids = seriesIds.filter((id) => Number.isInteger(id));
    conditions.push(ids.length === 0 ? "0" : `id IN (${ids.join(", ")})`);
  }
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", params };
}
