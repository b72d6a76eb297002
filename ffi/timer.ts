/**
 * Precise sleeps for pacing probes: a `timerfd` on `CLOCK_MONOTONIC`, armed at an absolute
 * deadline and waited on in the shared reactor's poll (`reactor.ts`), so the event loop never
 * blocks and the wait ends when the kernel's high-resolution timer fires.
 *
 * Why not `setTimeout`: Deno's timers tick per millisecond and, as the HTML standard asks, clamp
 * a chain of nested timeouts to 4 ms; `setTimeout(1)` took a median 2.4 ms here (p99 5.9 ms),
 * so a 1 ms schedule on timers misses most of its slots (75-83% in `bench/udp_echo_vs_irtt.ts`,
 * where a slot more than 0.5 ms late is missed). Measured on this machine (2 vCPUs shared with
 * other jobs, kernel 6.18, Deno 2.9.6; a 1 ms absolute grid for 5 s, lateness of the wake-up
 * after the slot's time; a slot later than 0.5 ms counts as missed):
 *
 * | wait                                                     | late median / p90 / p99 (us) | missed    |
 * | -------------------------------------------------------- | ---------------------------- | --------- |
 * | timerfd in a nonblocking poll (this module)              | 63-77 / 99-121 / 278-382     | 1.5-7.7%* |
 * | `clock_nanosleep(TIMER_ABSTIME)` declared `nonblocking`  | 113-130 / 149-154 / 341-395  | 2.0-4.5%* |
 *
 * (*) with a load average of 7 to 11 from other jobs on the 2 cores: the misses are the times
 * the process waited for a CPU (on a quieter machine the timerfd loop missed 1.2%). The timerfd
 * wakes earlier (no timer slack on it) and, unlike a sleeping thread, can be cancelled: an
 * aborted sleep disarms it at once. Blocking the JavaScript thread in `ppoll` for the last
 * 0.3 ms before each slot was also tried: it cut the p90 lateness from 120-160 to 105-145 us but
 * not the misses, and it stalls everything else, so it is not done. Each wake-up costs about
 * 0.17 ms of CPU at 1 ms (0.5 ms at 10 ms: waking idle virtual CPUs is dear here).
 *
 * Each {@linkcode PreciseTimer} keeps its descriptor in the poll for a few milliseconds after it
 * fired ({@linkcode LINGER_MS}), so a pacing loop that arms it again right away does not have to
 * wake the reactor to add it back; when it stays idle it leaves the poll, and nothing of it keeps
 * the process alive.
 *
 * @module
 */
import { CLOCK, POLL, TFD } from "./constants.ts";
import { checked, ERRNO, SocketError } from "./errno.ts";
import { libc } from "./libc.ts";
import { sharedReactor, type Watch } from "./reactor.ts";
import { allocate, decodeTimespec } from "./structs.ts";

/**
 * How long a timer stays in the reactor's poll after it fired, ms, waiting to be armed again.
 *
 * @example Reading the linger time
 * ```ts
 * import { LINGER_MS } from "./timer.ts";
 * console.log(LINGER_MS); // 5
 * ```
 */
export const LINGER_MS = 5;

let clockBuffer: Uint8Array | undefined;

/**
 * `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds: the clock {@linkcode PreciseTimer} deadlines
 * are on (the same clock as `performance.now()`, from another origin).
 *
 * @returns Nanoseconds since an arbitrary point (boot).
 *
 * @example Two reads, in order
 * ```ts
 * import { monotonicNs } from "./timer.ts";
 * const first = monotonicNs();
 * console.log(monotonicNs() >= first); // true
 * ```
 */
export function monotonicNs(): bigint {
  clockBuffer ??= allocate(16);
  libc().clock_gettime(CLOCK.MONOTONIC, clockBuffer);
  return decodeTimespec(clockBuffer);
}

interface PendingSleep {
  resolve: () => void;
  signal: AbortSignal | undefined;
}

/**
 * One `timerfd`: one sleep at a time, to an absolute `CLOCK_MONOTONIC` deadline, woken through
 * the shared reactor (see the module documentation). Use {@linkcode preciseSleep} unless you
 * need a timer of your own.
 *
 * @example Sleep 2 ms, precisely
 * ```ts
 * import { monotonicNs, PreciseTimer } from "./timer.ts";
 * using timer = PreciseTimer.open();
 * const deadline = monotonicNs() + 2_000_000n;
 * await timer.sleepUntil(deadline);
 * console.log(monotonicNs() >= deadline); // true
 * ```
 */
export class PreciseTimer implements Disposable {
  /** The timerfd (for diagnostics). */
  readonly fd: number;
  readonly #watch: Watch;
  readonly #spec = allocate(32);
  readonly #specView = new DataView(this.#spec.buffer);
  readonly #word = allocate(8);
  #pending: PendingSleep | undefined;
  #linger: ReturnType<typeof setTimeout> | undefined;
  /** The signal the abort listener is on: a pacing loop passes the same one every time. */
  #listened: AbortSignal | undefined;
  readonly #onAbort = () => {
    if (this.#pending === undefined || this.#pending.signal !== this.#listened) return;
    this.#disarm();
    this.#settle();
  };
  #settledAt = 0;
  #closed = false;

  private constructor(fd: number) {
    this.fd = fd;
    this.#watch = sharedReactor().watch(fd, () => this.#onReady());
  }

  /**
   * Creates a timer (a non-blocking, close-on-exec `timerfd` on `CLOCK_MONOTONIC`).
   *
   * @returns The timer; close it (or `using` it) when done.
   * @throws {SocketError} When the kernel refuses (`EMFILE`, ...).
   *
   * @example A timer that is not sleeping
   * ```ts
   * import { PreciseTimer } from "./timer.ts";
   * const timer = PreciseTimer.open();
   * console.log(timer.sleeping); // false
   * timer.close();
   * ```
   */
  static open(): PreciseTimer {
    const fd = checked(libc().timerfd_create(CLOCK.MONOTONIC, TFD.NONBLOCK | TFD.CLOEXEC), {
      operation: "create a timer",
    });
    return new PreciseTimer(fd);
  }

  /** Whether a sleep is under way. */
  get sleeping(): boolean {
    return this.#pending !== undefined;
  }

  /** Whether {@linkcode PreciseTimer.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Waits until `CLOCK_MONOTONIC` reaches `deadline` (see {@linkcode monotonicNs}). Resolves at
   * once for a deadline already past, and early when the signal aborts (check
   * `signal.aborted`), like the sleeps of `core/schedule.ts`.
   *
   * @param deadline Nanoseconds on the monotonic clock.
   * @param signal Ends the sleep early.
   * @returns A promise that resolves when the time has come.
   * @throws {Error} (as a rejection) When the timer is already sleeping.
   * @throws {SocketError} (as a rejection) `EBADF` when the timer is closed.
   */
  sleepUntil(deadline: bigint, signal?: AbortSignal): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new SocketError(ERRNO.EBADF, { operation: "sleep on a timer" }));
    }
    if (this.#pending !== undefined) {
      return Promise.reject(new Error("PreciseTimer is already sleeping: one sleep at a time"));
    }
    if (signal?.aborted || deadline <= monotonicNs()) return Promise.resolve();
    try {
      this.#arm(deadline);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal !== this.#listened) this.#listen(signal);
    return new Promise<void>((resolve) => {
      this.#pending = { resolve, signal };
      this.#watch.setEvents(POLL.IN);
    });
  }

  /**
   * Waits `ms` milliseconds from now (rounded up to the nanosecond); see
   * {@linkcode PreciseTimer.sleepUntil}.
   *
   * @param ms How long, ms (0 or less resolves at once).
   * @param signal Ends the sleep early.
   * @returns A promise that resolves when the time has come.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!(ms > 0)) return this.sleepUntil(0n, signal);
    return this.sleepUntil(monotonicNs() + BigInt(Math.ceil(ms * 1e6)), signal);
  }

  /** Ends a sleep under way (it resolves), leaves the poll and closes the descriptor. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelLinger();
    this.#settle();
    this.#listen(undefined);
    this.#watch.close();
    libc().close(this.fd);
  }

  /** Same as {@linkcode PreciseTimer.close} (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #arm(deadline: bigint): void {
    const view = this.#specView;
    view.setBigInt64(0, 0n, true); // it_interval: one shot
    view.setBigInt64(8, 0n, true);
    view.setBigInt64(16, deadline / 1_000_000_000n, true); // it_value: the deadline
    view.setBigInt64(24, deadline % 1_000_000_000n, true);
    checked(libc().timerfd_settime(this.fd, TFD.TIMER_ABSTIME, this.#spec, null), {
      operation: "arm a timer",
    });
  }

  #disarm(): void {
    this.#spec.fill(0);
    libc().timerfd_settime(this.fd, 0, this.#spec, null);
  }

  #onReady(): void {
    // A timerfd is readable once it expired; reading takes the expiry (EAGAIN when a re-arm
    // cleared it after poll reported it: then the sleep under way is not over).
    const expired = Number(libc().read(this.fd, this.#word, 8n)) === 8;
    if (expired && this.#pending !== undefined) this.#settle();
    if (this.#pending === undefined) this.#startLinger();
  }

  /** Moves the abort listener to `signal` (kept between sleeps: adding one per sleep costs). */
  #listen(signal: AbortSignal | undefined): void {
    this.#listened?.removeEventListener("abort", this.#onAbort);
    this.#listened = signal;
    signal?.addEventListener("abort", this.#onAbort);
  }

  #settle(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    pending.resolve();
    this.#settledAt = performance.now();
    if (!this.#closed) this.#startLinger();
  }

  /**
   * Leaves the poll once the timer has been idle for {@linkcode LINGER_MS}. One check runs at a
   * time (not one per sleep): while the timer is in use it finds it sleeping or recently fired.
   */
  #startLinger(delay = LINGER_MS): void {
    if (this.#linger !== undefined || this.#closed) return;
    const linger = setTimeout(() => {
      this.#linger = undefined;
      if (this.#closed || this.#pending !== undefined) return; // the next settle checks again
      const idleFor = performance.now() - this.#settledAt;
      if (idleFor >= LINGER_MS) this.#watch.setEvents(0);
      else this.#startLinger(LINGER_MS - idleFor);
    }, delay);
    Deno.unrefTimer(linger);
    this.#linger = linger;
  }

  #cancelLinger(): void {
    if (this.#linger === undefined) return;
    clearTimeout(this.#linger);
    this.#linger = undefined;
  }
}

const idle: PreciseTimer[] = [];
/** Idle timers kept for the next sleeps; more are closed. */
const IDLE_KEPT = 8;

/**
 * Sleeps `ms` milliseconds on a {@linkcode PreciseTimer} taken from a small pool (the same one
 * again for a loop that sleeps over and over), resolving early when the signal aborts. Fits
 * `ScheduleOptions.sleep` and the `sleep` of `Schedule.slots()` in `core/schedule.ts`.
 *
 * @param ms How long, ms.
 * @param signal Ends the sleep early.
 * @returns A promise that resolves when the time has come or the signal aborted.
 *
 * @example Ten 1 ms sleeps
 * ```ts
 * import { preciseSleep } from "./timer.ts";
 * const started = performance.now();
 * for (let i = 0; i < 10; i++) await preciseSleep(1, AbortSignal.timeout(1000));
 * console.log(performance.now() - started >= 10); // true
 * ```
 */
export async function preciseSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!(ms > 0) || signal?.aborted) return;
  const timer = idle.pop() ?? PreciseTimer.open();
  try {
    await timer.sleep(ms, signal);
  } finally {
    if (idle.length < IDLE_KEPT && !timer.closed) idle.push(timer);
    else timer.close();
  }
}
