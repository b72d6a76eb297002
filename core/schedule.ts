/**
 * The absolute probe schedule: probe k is due at `start + k * interval`. Lateness never shifts
 * later probes (no drift), and a slot that can no longer be sent on time is skipped and counted
 * instead of being sent in a burst (never bunched).
 *
 * Late but sent: a slot is still delivered while it is at most `lateTolerance` late (by default
 * half the interval, at most 1 s: 0.5 ms at a 1 ms interval, 5 ms at 10 ms) and reports how late
 * it was; later than that it is skipped and counted in {@linkcode Schedule.missed}. With a
 * tolerance under the interval, two deliveries are never closer than `interval - lateTolerance`.
 *
 * How the schedule waits is pluggable: by default on timers ({@linkcode timerSleep}), which
 * tick per millisecond and are fine down to about 10 ms; a plugin that paces faster passes a
 * precise sleep to {@linkcode Schedule.slots} (the udp-echo plugin uses a `timerfd`, see
 * `ffi/timer.ts`).
 *
 * @module
 */

/** Options for {@linkcode Schedule}. */
export interface ScheduleOptions {
  /** Wall-clock start in ms since the epoch. Default: now. */
  start?: number;
  /** Interval between probes in ms. Required, > 0. */
  interval: number;
  /**
   * How late a slot may still be sent, in ms. A slot later than this is skipped and counted
   * in {@linkcode Schedule.missed}. Keep it under the interval, or a late slot and the next
   * one go out nearly together. Default: half the interval, at most 1 s.
   */
  lateTolerance?: number;
  /** Wall clock, injectable for tests. Default: `Date.now`. */
  now?: () => number;
  /** Monotonic clock in ms, injectable for tests. Default: `performance.now`. */
  monotonic?: () => number;
  /**
   * Sleeps `ms` milliseconds (resolving early when the signal aborts); injectable for tests.
   * Default: {@linkcode timerSleep}.
   */
  sleep?: ScheduleSleep;
}

/**
 * Waits `ms` milliseconds, or until `signal` aborts, then resolves (never rejects). The schedule
 * checks the clock again afterwards, so a sleep that ends early only costs another sleep.
 *
 * @example A sleep that counts its calls
 * ```ts
 * import { type ScheduleSleep, timerSleep } from "./schedule.ts";
 * let calls = 0;
 * const counted: ScheduleSleep = (ms, signal) => {
 *   calls++;
 *   return timerSleep(ms, signal);
 * };
 * await counted(1, AbortSignal.timeout(1000));
 * console.log(calls); // 1
 * ```
 */
export type ScheduleSleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * Options of {@linkcode Schedule.slots}.
 *
 * @example Three slots 2 ms apart, waited for on a given sleep
 * ```ts
 * import { Schedule, timerSleep } from "./schedule.ts";
 * const schedule = new Schedule({ interval: 2 });
 * const controller = new AbortController();
 * let slots = 0;
 * for await (const _ of schedule.slots(controller.signal, undefined, { sleep: timerSleep })) {
 *   if (++slots === 3) break;
 * }
 * console.log(slots); // 3
 * ```
 */
export interface SlotsOptions {
  /**
   * How this iteration waits for the next slot (e.g. `preciseSleep` from `ffi/timer.ts`).
   *
   * @default {the schedule's `sleep` option, else timerSleep}
   */
  sleep?: ScheduleSleep;
}

/** One slot of the schedule. */
export interface Slot {
  /** The slot number k (0-based), also the probe's sequence number. */
  seq: number;
  /** Planned wall-clock time of the slot, ms since the epoch. */
  at: number;
  /** How late the slot is being delivered, in ms (>= 0). */
  late: number;
}

/**
 * The default sleep of a {@linkcode Schedule}: `setTimeout`, resolving early on abort. Deno's
 * timers tick per millisecond and clamp nested timeouts to 4 ms, so pacing with it below about
 * 10 ms misses slots.
 *
 * @param ms How long, ms.
 * @param signal Ends the sleep early.
 * @returns A promise that resolves when the timer fires or the signal aborts.
 *
 * @example Five milliseconds on a timer
 * ```ts
 * import { timerSleep } from "./schedule.ts";
 * await timerSleep(5, AbortSignal.timeout(1000));
 * ```
 */
export function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * An absolute schedule shared by everything that probes one series; it survives plugin
 * restarts, so a restarted plugin resumes at the next slot and the gap is counted as missed.
 *
 * @example Three slots 10 ms apart
 * ```ts
 * import { Schedule } from "./schedule.ts";
 * const schedule = new Schedule({ interval: 10 });
 * const seqs: number[] = [];
 * for await (const slot of schedule.slots(AbortSignal.timeout(1000))) {
 *   seqs.push(slot.seq);
 *   if (seqs.length === 3) break;
 * }
 * console.log(seqs); // [0, 1, 2]
 * ```
 */
export class Schedule {
  /** Wall-clock start, ms since the epoch. */
  readonly start: number;
  /** Interval in ms. */
  readonly interval: number;
  /** Lateness beyond which a slot is skipped. */
  readonly lateTolerance: number;
  #monotonicStart: number;
  #monotonic: () => number;
  #sleep: ScheduleSleep;
  #next = 0;
  #missed = 0;
  #delivered = 0;

  /** @param options See {@linkcode ScheduleOptions}. */
  constructor(options: ScheduleOptions) {
    if (!(options.interval > 0)) throw new RangeError(`invalid interval: ${options.interval}`);
    const now = options.now ?? Date.now;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#sleep = options.sleep ?? timerSleep;
    this.interval = options.interval;
    this.lateTolerance = options.lateTolerance ?? Math.min(1000, options.interval / 2);
    const wallNow = now();
    this.start = options.start ?? wallNow;
    // Map the wall-clock start onto the monotonic clock once; all later slots are computed
    // on the monotonic clock so wall-clock steps (NTP) cannot bunch or stretch probes.
    this.#monotonicStart = this.#monotonic() + (this.start - wallNow);
  }

  /** Slots skipped because they could not be sent on time. */
  get missed(): number {
    return this.#missed;
  }

  /** Slots delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** The next slot number that will be delivered or skipped. */
  get nextSeq(): number {
    return this.#next;
  }

  /**
   * Yields slots at their planned times until `signal` aborts. Slots that are too late are
   * skipped and counted; the iterator then waits for the next slot in the future.
   *
   * @param signal Stops the iteration.
   * @param onMissed Called with the number of slots skipped at once, when that happens.
   * @param options How to wait (see {@linkcode SlotsOptions}).
   */
  async *slots(
    signal: AbortSignal,
    onMissed?: (count: number, firstSeq: number) => void,
    options: SlotsOptions = {},
  ): AsyncGenerator<Slot> {
    const sleep = options.sleep ?? this.#sleep;
    while (!signal.aborted) {
      const due = this.#monotonicStart + this.#next * this.interval;
      const wait = due - this.#monotonic();
      if (wait > 0) {
        await sleep(wait, signal);
        if (signal.aborted) return;
        continue; // re-check: timers may fire early
      }
      const late = -wait;
      if (late > this.lateTolerance) {
        const behind = Math.floor(late / this.interval);
        // Skip every slot whose time has passed beyond tolerance; keep the newest one if it
        // is still within tolerance.
        const lateOfNewest = late - behind * this.interval;
        const skip = lateOfNewest <= this.lateTolerance ? behind : behind + 1;
        const first = this.#next;
        this.#next += skip;
        this.#missed += skip;
        onMissed?.(skip, first);
        continue;
      }
      const seq = this.#next++;
      this.#delivered++;
      yield { seq, at: this.start + seq * this.interval, late };
    }
  }
}
