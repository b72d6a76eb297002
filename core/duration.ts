/**
 * Durations as people write them in recipes and on the command line: `250ms`, `1s`, `5m`,
 * `1h`, `7d`, and combinations such as `1h30m`.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(us|ms|s|m|h|d|w)/y;

/**
 * Parses a duration into milliseconds.
 *
 * @param text A duration such as `"250ms"`, `"1s"`, `"5m"`, `"1h30m"` or `"7d"`.
 * @returns The duration in milliseconds (may be fractional for `us`).
 * @throws {BufferbaneError} `INVALID_DURATION` when the text is not a duration.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * console.log(parseDuration("1m30s")); // 90000
 * ```
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  let total = 0;
  let index = 0;
  PART.lastIndex = 0;
  while (index < trimmed.length) {
    PART.lastIndex = index;
    const match = PART.exec(trimmed);
    if (!match) break;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    index = PART.lastIndex;
  }
  if (trimmed.length === 0 || index !== trimmed.length) {
    throw new BufferbaneError(ErrorCode.InvalidDuration, `invalid duration "${text}"`, {
      hint: "use a number and a unit: 250ms, 1s, 5m, 1h, 7d",
    });
  }
  return total;
}

/**
 * Tells whether a text parses as a duration, without throwing.
 *
 * @param text The candidate.
 * @returns `true` when {@linkcode parseDuration} accepts it.
 *
 * @example
 * ```ts
 * import { isDuration } from "./duration.ts";
 * console.log(isDuration("1x")); // false
 * ```
 */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats milliseconds compactly, the inverse of {@linkcode parseDuration} for whole units.
 *
 * @param ms Milliseconds.
 * @returns A text such as `"1h30m"`, `"250ms"` or `"0s"`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./duration.ts";
 * console.log(formatDuration(5_400_000)); // 1h30m
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  let rest = Math.round(ms);
  let out = "";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0) out += rest % 1000 === 0 ? `${rest / 1000}s` : `${rest / 1000}s`;
  return out;
}
