/**
 * Waiting on descriptors until a nanosecond deadline, for a loop that must wake at a precise
 * time as well as on input, such as the lab's delay relay releasing frames.
 *
 * {@linkcode blockingWait} calls `ppoll` on the JavaScript thread: it blocks the event loop
 * until a descriptor is ready or the deadline passes. That is what makes it precise, and what
 * makes it fit only for a process that does nothing else: timers, promises and signal
 * listeners wait until it returns. Everything else should wait through the shared `Reactor`
 * (`reactor.ts`), which never blocks.
 *
 * Measured on this machine (2 vCPUs, kernel 6.18, Deno 2.9; 300 waits of 3 ms, lateness after
 * the deadline, median / p90 / p99):
 *
 * | wait                                                  | lateness (us)      |
 * | ----------------------------------------------------- | ------------------ |
 * | `ppoll` declared `nonblocking` (worker thread)        | 151-165 / 221-641 / 2700-3700 |
 * | `ppoll` on the JavaScript thread, default timer slack | 95-101 / 122-130 / 1760-2690 |
 * | same, timer slack 1 ns ({@linkcode setTimerSlack})    | 47-48 / 72-74 / 198-1790 |
 *
 * @module
 */
import { libc } from "./libc.ts";
import { encodePollfds, encodeTimespec, type PollRequest, readRevents } from "./structs.ts";

/** `prctl` option that sets the calling thread's timer slack. */
const PR_SET_TIMERSLACK = 29;

/**
 * Sets how late the kernel may wake this thread's timed waits (`prctl(PR_SET_TIMERSLACK)`);
 * ordinary processes get 50 us.
 *
 * @param ns The slack in nanoseconds (at least 1; 0 restores the default).
 * @returns `true` when the kernel accepted it.
 *
 * @example Wake as close to the deadline as the kernel can
 * ```ts ignore
 * import { setTimerSlack } from "./wait.ts";
 * setTimerSlack(1);
 * ```
 */
export function setTimerSlack(ns: number): boolean {
  return libc().prctl(PR_SET_TIMERSLACK, BigInt(ns), 0n, 0n, 0n) === 0;
}

/**
 * Blocks the JavaScript thread until a descriptor has one of its events or the timeout passes
 * (see the module documentation for why and when).
 *
 * @param requests Descriptors and the `POLL*` events wanted.
 * @param timeoutNs How long to wait at most, in nanoseconds.
 * @returns The `revents` of each request, in order (all 0 after a timeout or an interrupt).
 *
 * @example Wait up to 2 ms for input on a socket
 * ```ts ignore
 * import { POLL } from "./constants.ts";
 * import { blockingWait } from "./wait.ts";
 * const [revents] = blockingWait([{ fd, events: POLL.IN }], 2_000_000n);
 * if (revents! & POLL.IN) drain(fd);
 * ```
 */
export function blockingWait(requests: readonly PollRequest[], timeoutNs: bigint): number[] {
  const pollfds = encodePollfds(requests);
  const ready = libc().ppoll(pollfds, BigInt(requests.length), encodeTimespec(timeoutNs), null);
  if (ready <= 0) return requests.map(() => 0);
  return requests.map((_, index) => readRevents(pollfds, index));
}
