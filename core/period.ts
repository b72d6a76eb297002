/**
 * Periods on the command line: `--last 24h`, or `--start`/`--end` as dates and times.
 *
 * @module
 */
import { parseDuration } from "./duration.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";

/** A time range in ms since the epoch, end exclusive. */
export interface Period {
  /** First millisecond included. */
  start: number;
  /** First millisecond after the period. */
  end: number;
}

/** Options for {@linkcode parsePeriod}. */
export interface PeriodOptions {
  /** A duration back from now, e.g. `"24h"`. */
  last?: string;
  /** Start time (see {@linkcode parseTime}). */
  start?: string;
  /** End time (see {@linkcode parseTime}). Default: now. */
  end?: string;
  /** Used when neither `last` nor `start` is given. Default: `"24h"`. */
  defaultLast?: string;
  /** The clock. Default: `Date.now`. */
  now?: () => number;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;

/**
 * Parses a point in time: `"2026-10-18 18:00"` or `"2026-10-18"` (local time), an ISO 8601
 * time with a zone (`"2026-10-18T16:00:00Z"`), `"now"`, or a duration ago (`"2h"` = two hours
 * ago).
 *
 * @param text The time.
 * @param now The clock. Default: `Date.now`.
 * @returns Milliseconds since the epoch.
 * @throws {BufferbaneError} `INVALID_TIME`.
 *
 * @example
 * ```ts
 * import { parseTime } from "./period.ts";
 * console.log(parseTime("2026-10-18T16:00:00Z")); // 1792339200000
 * ```
 */
export function parseTime(text: string, now: () => number = Date.now): number {
  const trimmed = text.trim();
  if (trimmed === "now") return now();
  const local = LOCAL.exec(trimmed);
  if (local) {
    const [, y, mo, d, h = "0", mi = "0", s = "0", ms = "0"] = local;
    const date = new Date(+y!, +mo! - 1, +d!, +h, +mi, +s, +ms.padEnd(3, "0"));
    if (date.getMonth() === +mo! - 1 && date.getDate() === +d!) return date.getTime();
  } else if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms;
  } else if (/^\d+(\.\d+)?(ms|s|m|h|d|w)/.test(trimmed)) {
    try {
      return now() - parseDuration(trimmed);
    } catch { /* fall through to the error below */ }
  }
  throw new BufferbaneError(ErrorCode.InvalidTime, `Invalid time "${text}"`, {
    hint:
      'use "YYYY-MM-DD HH:MM" (local), an ISO time with a zone, "now" or a duration ago like "2h"',
  });
}

/**
 * Resolves `--last` or `--start`/`--end` into a period.
 *
 * @param options The flags as given.
 * @returns The period.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when both `last` and `start` are given or the
 * period is empty; `INVALID_TIME` / `INVALID_DURATION` for bad values.
 *
 * @example
 * ```ts
 * import { parsePeriod } from "./period.ts";
 * const period = parsePeriod({ last: "1h", now: () => 7_200_000 });
 * console.log(period); // { start: 3600000, end: 7200000 }
 * ```
 */
export function parsePeriod(options: PeriodOptions): Period {
  const now = options.now ?? Date.now;
  if (options.last !== undefined && options.start !== undefined) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, "Give either --last or --start, not both");
  }
  const end = options.end !== undefined ? parseTime(options.end, now) : now();
  const start = options.start !== undefined
    ? parseTime(options.start, now)
    : end - parseDuration(options.last ?? options.defaultLast ?? "24h");
  if (!(start < end)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Empty period: start ${new Date(start).toISOString()} is not before end ${
        new Date(end).toISOString()
      }`,
    );
  }
  return { start, end };
}
