/**
 * Whole minutes and hours on the UTC clock, the grid the rollups are kept on.
 *
 * @module
 */

/** One minute in ms: the width of minute rollups. */
export const MINUTE_MS = 60_000;
/** One hour in ms: the width of hour rollups. */
export const HOUR_MS = 3_600_000;

/**
 * The grid point at or before `ts`.
 *
 * @param ts A time in ms (negative times too).
 * @param width The grid width.
 * @returns The largest multiple of `width` not above `ts`.
 */
export function floorTo(ts: number, width: number): number {
  const offset = ts % width;
  return ts - (offset < 0 ? offset + width : offset);
}

/**
 * The grid point at or after `ts`.
 *
 * @param ts A time in ms.
 * @param width The grid width.
 * @returns The smallest multiple of `width` not below `ts`.
 */
export function ceilTo(ts: number, width: number): number {
  const floor = floorTo(ts, width);
  return floor === ts ? ts : floor + width;
}
