/**
 * Watches the clocks for jumps and suspends, so a long run neither stores bogus round trips
 * or losses across them nor stamps samples on a clock that moved under it.
 *
 * Three clocks are compared between two readings:
 *
 * - wall (`Date.now`): what samples are stamped with; NTP or a person may step it;
 * - monotonic (`performance.now`, Linux `CLOCK_MONOTONIC`): never steps, but stops while the
 *   system is suspended;
 * - boot time (Linux `CLOCK_BOOTTIME`, through FFI): monotonic plus suspended time.
 *
 * Between two readings the wall clock should advance as the monotonic one does (NTP slews by
 * at most 0.5 ms/s). A **suspend** shows as boot time running ahead of monotonic time; a
 * **wall jump** as the wall clock running ahead of (or behind) both; a **stall** as the
 * monotonic clock advancing far more than the caller expected (the process was stopped, or a
 * system without a boot-time clock counted the suspend). Any of them is a {@linkcode ClockGap}.
 * The schedule re-anchors on it and the driver discards probes that were in flight across it
 * (see `core/schedule.ts` and `core/driver.ts`).
 *
 * Every clock is injectable, so tests simulate a jump or a suspend deterministically.
 *
 * @module
 */

/** What a gap was. */
export type ClockGapKind = "suspend" | "wall_jump" | "stall";

/**
 * A jump or suspend found by {@linkcode ClockWatch.check}.
 *
 * @example A 10-minute suspend
 * ```ts
 * import type { ClockGap } from "./clock_watch.ts";
 * const gap: ClockGap = {
 *   kind: "suspend", gapMs: 600_000, wallDeltaMs: 601_000, monotonicDeltaMs: 1_000,
 *   boottimeDeltaMs: 601_000, lastWall: 1_700_000_000_000, wall: 1_700_000_601_000,
 * };
 * ```
 */
export interface ClockGap {
  /** Suspend, wall-clock step or stall. */
  kind: ClockGapKind;
  /**
   * How much time the gap hides, ms: suspended time, the wall clock's step (negative when it
   * went back) or the stall beyond what was expected.
   */
  gapMs: number;
  /** Wall-clock change between the two readings, ms. */
  wallDeltaMs: number;
  /** Monotonic change between the two readings, ms. */
  monotonicDeltaMs: number;
  /** Boot-time change between the two readings, ms; `null` without a boot-time clock. */
  boottimeDeltaMs: number | null;
  /** Wall clock at the reading before the gap, ms since the epoch. */
  lastWall: number;
  /** Wall clock when the gap was found, ms since the epoch. */
  wall: number;
}

/**
 * Options for {@linkcode ClockWatch}.
 *
 * @example Clocks a test drives by hand
 * ```ts
 * import type { ClockWatchOptions } from "./clock_watch.ts";
 * let wall = 0, mono = 0;
 * const options: ClockWatchOptions = { wall: () => wall, monotonic: () => mono, boottime: null };
 * ```
 */
export interface ClockWatchOptions {
  /**
   * The wall clock, ms since the epoch.
   *
   * @default {Date.now}
   */
  wall?: () => number;
  /**
   * The monotonic clock, ms.
   *
   * @default {performance.now}
   */
  monotonic?: () => number;
  /**
   * The boot-time clock, ms; `null` for none (a suspend then shows as a wall jump).
   *
   * @default {null}
   */
  boottime?: (() => number) | null;
  /**
   * Disagreement between the clocks (ms) beyond which a reading is a jump or a suspend.
   *
   * @default {1000}
   */
  tolerance?: number;
  /**
   * How much longer than expected (ms) the monotonic clock may advance across one wait before
   * it is a stall.
   *
   * @default {30_000}
   */
  stallTolerance?: number;
}

/**
 * An expectation passed to {@linkcode ClockWatch.check}: the caller waited `within` ms from
 * monotonic time `since`.
 *
 * @example A one-second sleep that started at monotonic time 5000
 * ```ts
 * import type { ClockExpectation } from "./clock_watch.ts";
 * const expectation: ClockExpectation = { since: 5000, within: 1000 };
 * ```
 */
export interface ClockExpectation {
  /** Monotonic time the wait started, ms. */
  since: number;
  /** How long it was meant to last, ms. */
  within: number;
}

/** Most gaps kept in {@linkcode ClockWatch.gaps}. */
const KEPT_GAPS = 16;

/**
 * Compares the clocks at each {@linkcode check} and reports gaps. One watch serves a whole
 * run: whoever checks first finds the gap, every schedule sees it through
 * {@linkcode generation}.
 *
 * @example A wall clock stepped forward by an hour
 * ```ts
 * import { ClockWatch } from "./clock_watch.ts";
 * let wall = 1_700_000_000_000, mono = 0;
 * const watch = new ClockWatch({ wall: () => wall, monotonic: () => mono });
 * watch.check();
 * wall += 1000 + 3_600_000;
 * mono += 1000;
 * console.log(watch.check()?.kind, watch.generation); // wall_jump 1
 * ```
 */
export class ClockWatch {
  readonly #wall: () => number;
  readonly #monotonic: () => number;
  readonly #boottime: (() => number) | null;
  readonly #tolerance: number;
  readonly #stallTolerance: number;
  #last: { wall: number; monotonic: number; boottime: number | null } | undefined;
  #generation = 0;
  #gaps: ClockGap[] = [];
  #listeners: ((gap: ClockGap) => void)[] = [];

  /** @param options Clocks and tolerances. */
  constructor(options: ClockWatchOptions = {}) {
    this.#wall = options.wall ?? Date.now;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#boottime = options.boottime ?? null;
    this.#tolerance = options.tolerance ?? 1000;
    this.#stallTolerance = options.stallTolerance ?? 30_000;
    if (!(this.#tolerance > 0) || !(this.#stallTolerance > 0)) {
      throw new RangeError(
        `Clock tolerances must be above 0: got ${this.#tolerance} and ${this.#stallTolerance}`,
      );
    }
  }

  /** @returns How many gaps were found so far; it changes when one is. */
  get generation(): number {
    return this.#generation;
  }

  /** @returns The latest gaps found, oldest first (at most 16). */
  get gaps(): readonly ClockGap[] {
    return this.#gaps;
  }

  /** @returns The wall clock it reads. */
  wall(): number {
    return this.#wall();
  }

  /** @returns The monotonic clock it reads. */
  monotonic(): number {
    return this.#monotonic();
  }

  /**
   * Calls `listener` with every gap found from now on.
   *
   * @param listener Receives the gap; errors it throws are ignored.
   */
  onGap(listener: (gap: ClockGap) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Reads the clocks and compares them with the previous reading.
   *
   * @param expected What the caller waited for, to spot a stall.
   * @returns The gap found, if any.
   */
  check(expected?: ClockExpectation): ClockGap | undefined {
    const now = {
      wall: this.#wall(),
      monotonic: this.#monotonic(),
      boottime: this.#boottime?.() ?? null,
    };
    const last = this.#last;
    this.#last = now;
    if (last === undefined) return undefined;
    const wallDeltaMs = now.wall - last.wall;
    const monotonicDeltaMs = now.monotonic - last.monotonic;
    const boottimeDeltaMs = now.boottime !== null && last.boottime !== null
      ? now.boottime - last.boottime
      : null;
    let kind: ClockGapKind | undefined;
    let gapMs = 0;
    const suspended = boottimeDeltaMs === null ? 0 : boottimeDeltaMs - monotonicDeltaMs;
    const skew = wallDeltaMs - monotonicDeltaMs;
    if (suspended > this.#tolerance) {
      kind = "suspend";
      gapMs = suspended;
    } else if (Math.abs(skew) > this.#tolerance) {
      kind = "wall_jump";
      gapMs = skew;
    } else if (expected !== undefined) {
      const over = now.monotonic - expected.since - expected.within;
      if (over > this.#stallTolerance) {
        kind = "stall";
        gapMs = over;
      }
    }
    if (kind === undefined) return undefined;
    const gap: ClockGap = {
      kind,
      gapMs,
      wallDeltaMs,
      monotonicDeltaMs,
      boottimeDeltaMs,
      lastWall: last.wall,
      wall: now.wall,
    };
    this.#generation++;
    this.#gaps.push(gap);
    if (this.#gaps.length > KEPT_GAPS) this.#gaps.shift();
    for (const listener of this.#listeners) {
      try {
        listener(gap);
      } catch {
        // A listener's failure must not stop the others or the caller's probing.
      }
    }
    return gap;
  }
}

/**
 * The boot-time clock of this system when it can be read (Linux, with FFI allowed), else
 * `null`.
 *
 * @returns A function reading `CLOCK_BOOTTIME` in ms, or `null`.
 *
 * @example Using it when available
 * ```ts
 * import { ClockWatch, systemBoottime } from "./clock_watch.ts";
 * const watch = new ClockWatch({ boottime: await systemBoottime() });
 * console.log(watch.check()); // undefined
 * ```
 */
export async function systemBoottime(): Promise<(() => number) | null> {
  if (Deno.build.os !== "linux") return null;
  try {
    if ((await Deno.permissions.query({ name: "ffi" })).state !== "granted") return null;
    const { boottimeMs } = await import("../ffi/clock.ts");
    boottimeMs();
    return boottimeMs;
  } catch {
    return null;
  }
}
