/**
 * The series filter flags shared by `export` and `stats`.
 *
 * @module
 */
import type { SeriesFilter } from "../store/mod.ts";

/** `--plugin --target --interface --server --metric`. */
export interface SeriesFilterFlags {
  /** Plugin id. */
  plugin?: string;
  /** Target. */
  target?: string;
  /** Interface (`""` for the default route). */
  interface?: string;
  /** Server. */
  server?: string;
  /** Metric. */
  metric?: string;
}

/**
 * Keeps the flags that were given.
 *
 * @example
 * ```ts
 * import { seriesFilter } from "./series_filter.ts";
 * console.log(seriesFilter({ plugin: "dns" })); // { plugin: "dns" }
 * ```
 */
export function seriesFilter(flags: SeriesFilterFlags): SeriesFilter {
  const filter: SeriesFilter = {};
  for (const key of ["plugin", "target", "interface", "server", "metric"] as const) {
    const value = flags[key];
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}
