/**
 * Kernel timestamps are `CLOCK_REALTIME` nanoseconds as `bigint`; this module reads that clock
 * from user space (for fallbacks) and turns nanoseconds into milliseconds.
 *
 * @module
 */
import { CLOCK } from "./constants.ts";
import { libc } from "./libc.ts";
import { allocate, decodeTimespec } from "./structs.ts";

let timespec: Uint8Array | undefined;

/**
 * `clock_gettime(CLOCK_REALTIME)` in nanoseconds: the clock kernel socket timestamps use.
 *
 * @returns Nanoseconds since the Unix epoch.
 *
 * @example Close to Date.now()
 * ```ts ignore
 * import { realtimeNs } from "./clock.ts";
 * const now = realtimeNs();
 * console.log(Math.abs(Number(now / 1_000_000n) - Date.now()) < 1000); // true
 * ```
 */
export function realtimeNs(): bigint {
  timespec ??= allocate(16);
  libc().clock_gettime(CLOCK.REALTIME, timespec);
  return decodeTimespec(timespec);
}

/**
 * `clock_gettime(CLOCK_BOOTTIME)` in milliseconds: a monotonic clock that keeps counting while
 * the system is suspended (`CLOCK_MONOTONIC`, behind `performance.now()`, stops). The gap
 * between the two tells a suspend from a wall-clock step (see `core/clock_watch.ts`).
 *
 * @returns Milliseconds since boot, suspended time included.
 *
 * @example Never behind the monotonic clock's pace
 * ```ts ignore
 * import { boottimeMs } from "./clock.ts";
 * const a = boottimeMs();
 * console.log(boottimeMs() >= a); // true
 * ```
 */
export function boottimeMs(): number {
  timespec ??= allocate(16);
  libc().clock_gettime(CLOCK.BOOTTIME, timespec);
  return nsToMs(decodeTimespec(timespec));
}

/**
 * Nanoseconds to milliseconds as a float (exact to the nanosecond for durations; epoch
 * times keep microsecond precision).
 *
 * @param ns Nanoseconds.
 * @returns Milliseconds.
 *
 * @example One and a half milliseconds
 * ```ts
 * import { nsToMs } from "./clock.ts";
 * console.log(nsToMs(1_500_000n)); // 1.5
 * ```
 */
export function nsToMs(ns: bigint): number {
  const limit = 9_007_199_254_740_991n;
  if (ns <= limit && ns >= -limit) return Number(ns) / 1e6;
  return Number(ns / 1_000n) / 1e3;
}

/**
 * The time between two nanosecond stamps in milliseconds, e.g. a round-trip time from a
 * kernel send stamp to a kernel receive stamp.
 *
 * @param start The earlier stamp, in nanoseconds.
 * @param end The later stamp, in nanoseconds.
 * @returns `end - start` in milliseconds.
 *
 * @example A round trip of 42 microseconds
 * ```ts
 * import { elapsedMs } from "./clock.ts";
 * console.log(elapsedMs(1_700_000_000_000_000_000n, 1_700_000_000_000_042_000n)); // 0.042
 * ```
 */
export function elapsedMs(start: bigint, end: bigint): number {
  return nsToMs(end - start);
}
