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
 * Changing pace: {@linkcode Schedule.setInterval} (adaptive intervals) re-anchors the grid at
 * the last slot delivered, so the next slot comes one new interval after it; sequence numbers
 * go on, and {@linkcode Schedule.intervalAt} tells which interval a slot was sent at.
 *
 * Clock jumps and suspends: after every wait the schedule asks its {@linkcode ClockWatch}. On a
 * gap (a wall-clock step, a suspend, a stall) it re-anchors the grid on the clocks as they are
 * now, the slots that fell into the gap are neither sent nor counted missed, and
 * {@linkcode Schedule.fromBeforeGap} tells the driver which results were in flight across it.
 *
 * @module
 */
import { ClockWatch } from "./clock_watch.ts";

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
  /** Wall clock, injectable for tests. Default: the `clock` watch's, else `Date.now`. */
  now?: () => number;
  /**
   * Monotonic clock in ms, injectable for tests. Default: the `clock` watch's, else
   * `performance.now`.
   */
  monotonic?: () => number;
  /**
   * Watches for wall-clock jumps and suspends (see `clock_watch.ts`); one watch may serve
   * every schedule of a run. Default: a watch of `now` and `monotonic`, without a boot-time
   * clock (so a suspend shows as a wall jump).
   */
  clock?: ClockWatch;
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
  #interval: number;
  #fixedTolerance: number | undefined;
  #now: () => number;
  #monotonic: () => number;
  #sleep: ScheduleSleep;
  #clock: ClockWatch;
  #clockGeneration: number;
  /** The grid: slot k is due at anchor.monotonic + (k - anchor.seq) * interval. */
  #anchor: { seq: number; monotonic: number; wall: number };
  #lastDelivered: { seq: number; monotonic: number; wall: number } | undefined;
  #intervals: { fromSeq: number; interval: number }[];
  #gap: { seq: number; wall: number } | undefined;
  #gaps = 0;
  #next = 0;
  #missed = 0;
  #delivered = 0;

  /** @param options See {@linkcode ScheduleOptions}. */
  constructor(options: ScheduleOptions) {
    if (!(options.interval > 0)) throw new RangeError(`invalid interval: ${options.interval}`);
    const given = options.clock;
    this.#now = options.now ?? (given ? () => given.wall() : Date.now);
    this.#monotonic = options.monotonic ??
      (given ? () => given.monotonic() : () => performance.now());
    this.#sleep = options.sleep ?? timerSleep;
    this.#clock = options.clock ??
      new ClockWatch({ wall: this.#now, monotonic: this.#monotonic, boottime: null });
    this.#clockGeneration = this.#clock.generation;
    this.#interval = options.interval;
    this.#fixedTolerance = options.lateTolerance;
    this.#intervals = [{ fromSeq: 0, interval: options.interval }];
    const wallNow = this.#now();
    this.start = options.start ?? wallNow;
    // Map the wall-clock start onto the monotonic clock once; all later slots are computed
    // on the monotonic clock so wall-clock steps (NTP) cannot bunch or stretch probes.
    this.#anchor = {
      seq: 0,
      monotonic: this.#monotonic() + (this.start - wallNow),
      wall: this.start,
    };
    this.#clock.check();
  }

  /** @returns The interval in effect, ms. */
  get interval(): number {
    return this.#interval;
  }

  /**
   * @returns Lateness beyond which a slot is skipped: as given, else half the interval in
   * effect, at most 1 s.
   */
  get lateTolerance(): number {
    return this.#fixedTolerance ?? Math.min(1000, this.#interval / 2);
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

  /** @returns Clock gaps this schedule re-anchored on. */
  get gaps(): number {
    return this.#gaps;
  }

  /** @returns The clock watch it asks. */
  get clock(): ClockWatch {
    return this.#clock;
  }

  /**
   * Changes the interval from the next slot on: it comes `ms` after the last slot delivered
   * (or, before any, when the next one was due). Slot numbers go on.
   *
   * @param ms The new interval, ms.
   * @throws {RangeError} When `ms` is not above 0.
   */
  setInterval(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`invalid interval: ${ms}`);
    if (ms === this.#interval) return;
    const last = this.#lastDelivered;
    if (last !== undefined && last.seq === this.#next - 1) {
      this.#anchor = { ...last };
    } else {
      // Nothing delivered just before: the next slot keeps its time, the new pace follows it.
      const monotonic = this.#due(this.#next);
      const wall = this.#at(this.#next);
      this.#anchor = { seq: this.#next - 1, monotonic: monotonic - ms, wall: wall - ms };
    }
    this.#interval = ms;
    const fromSeq = this.#next;
    const lastChange = this.#intervals.at(-1)!;
    if (lastChange.fromSeq === fromSeq) lastChange.interval = ms;
    else this.#intervals.push({ fromSeq, interval: ms });
    if (this.#intervals.length > 256) this.#intervals.splice(0, this.#intervals.length - 256);
  }

  /**
   * The interval a slot was (or will be) sent at.
   *
   * @param seq A slot number.
   * @returns Its interval in ms (the oldest known for slots older than the 256 latest changes).
   */
  intervalAt(seq: number): number {
    for (let i = this.#intervals.length - 1; i >= 0; i--) {
      const change = this.#intervals[i]!;
      if (change.fromSeq <= seq) return change.interval;
    }
    return this.#intervals[0]!.interval;
  }

  /**
   * Asks the clock watch for a gap and re-anchors on one (also on a gap another schedule of
   * the same watch found). The driver calls it when results come in; {@linkcode slots} after
   * every wait.
   *
   * @param expected What was waited for, to spot a stall.
   * @returns Whether the schedule re-anchored.
   */
  checkClock(expected?: { since: number; within: number }): boolean {
    this.#clock.check(expected);
    if (this.#clock.generation === this.#clockGeneration) return false;
    this.#clockGeneration = this.#clock.generation;
    const wall = this.#now();
    this.#anchor = { seq: this.#next, monotonic: this.#monotonic(), wall };
    this.#gap = { seq: this.#next, wall };
    this.#gaps++;
    return true;
  }

  /**
   * Whether a result belongs to a probe sent before the latest clock gap (in flight across
   * it): its round trip or loss would be bogus. Call {@linkcode checkClock} first.
   *
   * @param result The slot number, else the wall-clock time it was stamped with.
   * @returns `true` when it should be discarded.
   */
  fromBeforeGap(result: { seq?: number | undefined; timestamp: number }): boolean {
    const gap = this.#gap;
    if (gap === undefined) return false;
    if (result.seq !== undefined) return result.seq < gap.seq;
    return result.timestamp < gap.wall || result.timestamp > this.#now() + 1000;
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
    this.checkClock();
    while (!signal.aborted) {
      const due = this.#due(this.#next);
      const before = this.#monotonic();
      const wait = due - before;
      if (wait > 0) {
        await sleep(wait, signal);
        if (signal.aborted) return;
        this.checkClock({ since: before, within: wait });
        continue; // re-check: timers may fire early
      }
      const late = -wait;
      if (late > this.lateTolerance) {
        const behind = Math.floor(late / this.#interval);
        // Skip every slot whose time has passed beyond tolerance; keep the newest one if it
        // is still within tolerance.
        const lateOfNewest = late - behind * this.#interval;
        const skip = lateOfNewest <= this.lateTolerance ? behind : behind + 1;
        const first = this.#next;
        this.#next += skip;
        this.#missed += skip;
        onMissed?.(skip, first);
        continue;
      }
      const seq = this.#next++;
      this.#delivered++;
      const at = this.#at(seq);
      this.#lastDelivered = { seq, monotonic: due, wall: at };
      yield { seq, at, late };
    }
  }

  #due(seq: number): number {
    return this.#anchor.monotonic + (seq - this.#anchor.seq) * this.#interval;
  }

  #at(seq: number): number {
    return this.#anchor.wall + (seq - this.#anchor.seq) * this.#interval;
  }
}
