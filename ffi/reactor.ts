/**
 * One reactor waits on every socket without blocking the event loop.
 *
 * How: at most ONE `poll` is outstanding at a time, declared `nonblocking` so it runs on a
 * worker thread; its set holds every descriptor that currently wants something plus an
 * `eventfd`. Writing to the eventfd wakes the poll when the set must change (a descriptor
 * starts wanting events, or nothing is wanted any more). When poll returns, each ready
 * descriptor's handler runs synchronously and drains at most {@linkcode DRAIN_BUDGET} packets
 * with `recvmsg(MSG_DONTWAIT)` (poll is level-triggered: what is left wakes the next poll at
 * once), then the next poll starts. Awaiting the poll's completion is itself a turn of the
 * event loop, so timers and other I/O run between rounds even at saturation; an extra
 * `setTimeout(0)` between rounds was measured and dropped (Deno's timers tick per
 * millisecond: it cut throughput to 9.4k probes/s without improving the timer lag).
 *
 * After a round that dispatched, the next poll set is chosen one `setImmediate` later (about
 * 17 us here), once the promises the handlers resolved have run: a reader that got its datagram
 * asks for the next one a few promise steps later, and a poll started before that would have to
 * be woken at once through the eventfd to add it back. With the udp-echo plugin at a 1 ms
 * interval this took the eventfd wake-ups from 0.94 to 0 per probe and the polls from 3.4 to
 * 2.3-2.8 per probe (a timer, a send stamp and a reply each end a poll); at saturation
 * (`bench/ffi_reactor.ts`, ICMP with 32 in flight, runs alternated with the reactor without it
 * and without reusing an unchanged poll set) 15.0k-16.4k probes/s at 32 replies per poll
 * instead of 11.8k-13.4k at 5-7, and a lower timer lag (p99 8.7-12 ms instead of 24-30 ms).
 *
 * A descriptor can be held out of the poll ({@linkcode Watch.hold}) while its owner reads it by
 * itself: a UDP socket that sends every millisecond reads its send stamp and its replies right
 * after each send (`UdpSocket.setPollHold`), so that only its pacing timer ends a poll. With
 * that, the udp-echo plugin at 1 ms went from 2.3-2.9 polls to 1.0 poll per probe and its
 * client's CPU time from about 0.54 to 0.26-0.40 ms per probe; each nonblocking `poll` costs the
 * JavaScript thread about 50 us here (starting it on a worker thread and being woken by it).
 *
 * When no descriptor wants anything, no poll is pending and nothing of the reactor keeps the
 * process alive: a script that closes its sockets exits on its own. Sockets ask for events
 * only while someone waits (a pending `receive()`, a send stamp not yet read).
 *
 * Poll or SIGIO? Measured on this machine (2 vCPUs shared with other jobs, kernel 6.18,
 * Deno 2.9.6; loopback, one raw ICMP socket, 32 requests in flight, 3 s per run, 4 to 6 runs;
 * lag = extra delay of a chain of 1 ms `setTimeout` timers while probing, against an idle
 * baseline of 1.1 to 1.8 ms median):
 *
 * | wake-up                                      | probes/s   | timer lag median | lag p99    |
 * | -------------------------------------------- | ---------- | ---------------- | ---------- |
 * | nonblocking poll + eventfd, minimal loop     | 50k to 63k | 0.13 to 0.74 ms  | 0.8-24 ms  |
 * | O_ASYNC + SIGIO listener, same minimal loop  | 26k to 33k | 6.5 to 19 ms     | 105-144 ms |
 * | full `IcmpSocket` on this reactor (stamps)   | 14k to 31k | 0.39 to 0.90 ms  | 7-33 ms    |
 *
 * (minimal loops: `bench/ffi_sigio.ts`; full stack with kernel send and receive stamps, no
 * loss: `bench/ffi_reactor.ts`.) SIGIO needs no thread, but it is process-wide and coalesced,
 * and its listener starved the timers at saturation; poll was about twice as fast and kept
 * timers on time, so this reactor polls.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { EFD, POLL } from "./constants.ts";
import { checked } from "./errno.ts";
import { libc } from "./libc.ts";
import { allocate, encodePollfds, type PollRequest, readRevents } from "./structs.ts";

/**
 * How many packets a handler should drain per wake-up before yielding.
 *
 * @example Handlers drain at most 64 packets per wake-up
 * ```ts
 * import { DRAIN_BUDGET } from "./reactor.ts";
 * console.log(DRAIN_BUDGET); // 64
 * ```
 */
export const DRAIN_BUDGET = 64;

/**
 * Called synchronously after `poll` reported the descriptor ready.
 *
 * @param revents The `POLL*` bits poll returned (`POLLERR` and `POLLHUP` come unasked).
 */
export type ReadinessHandler = (revents: number) => void;

/** A descriptor registered with a {@linkcode Reactor}. */
export interface Watch {
  /** The descriptor. */
  readonly fd: number;
  /** The `POLL*` bits wanted now; 0 means the descriptor is left out of the poll. */
  readonly events: number;
  /** Whether {@linkcode Watch.close} was called. */
  readonly closed: boolean;
  /**
   * Changes the wanted events. Use `POLL.ERR` alone to wait for the error queue only (for
   * send timestamps); 0 to stop waiting, which lets the process exit when nothing else waits.
   */
  setEvents(events: number): void;
  /**
   * Leaves the descriptor out of the poll for `ms` from now although events are wanted, for a
   * descriptor its owner reads by itself often enough (a socket drained right after each of its
   * frequent sends): it then costs no poll round, and its traffic wakes no poll thread. A later
   * call extends the hold; once it runs out, the descriptor is polled again (the poll under way
   * is woken to add it). `0` ends a hold now.
   */
  hold(ms: number): void;
  /** Unregisters the descriptor (it does not close it). */
  close(): void;
}

class ReactorWatch implements Watch {
  events = 0;
  closed = false;
  /** `performance.now()` until which the descriptor is left out of the poll. */
  heldUntil = 0;
  releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly fd: number,
    readonly handler: ReadinessHandler,
    readonly reactor: Reactor,
    readonly onChange: (watch: ReactorWatch, before: number) => void,
    readonly onHold: (watch: ReactorWatch) => void,
  ) {}

  get held(): boolean {
    return this.heldUntil > performance.now();
  }

  setEvents(events: number): void {
    if (this.closed || events === this.events) return;
    const before = this.events;
    this.events = events;
    this.onChange(this, before);
  }

  hold(ms: number): void {
    if (this.closed) return;
    const until = ms > 0 ? performance.now() + ms : 0;
    if (ms > 0 && until <= this.heldUntil) return;
    this.heldUntil = until;
    this.onHold(this);
  }

  close(): void {
    if (this.closed) return;
    this.setEvents(0);
    this.closed = true;
    if (this.releaseTimer !== undefined) clearTimeout(this.releaseTimer);
    this.onChange(this, 0);
  }
}

/** One poll set: the watches in it (after the eventfd) and their `pollfd` array. */
interface PollPlan {
  polled: ReactorWatch[];
  pollfds: Uint8Array;
  count: bigint;
  events: Map<ReactorWatch, number>;
}

/** Counters describing what a {@linkcode Reactor} did, for tests and benchmarks. */
export interface ReactorStats {
  /** Calls of `poll` so far. */
  polls: number;
  /** Wake-ups sent through the eventfd. */
  wakes: number;
  /** Handler calls. */
  dispatches: number;
}

/**
 * Waits on registered descriptors with one outstanding nonblocking `poll` (see the module
 * documentation). Use {@linkcode sharedReactor} rather than creating more than one.
 *
 * @example Waiting for a socket to become readable
 * ```ts ignore
 * import { POLL } from "./constants.ts";
 * import { sharedReactor } from "./reactor.ts";
 * const watch = sharedReactor().watch(fd, (revents) => {
 *   if (revents & POLL.IN) drain(fd);
 * });
 * watch.setEvents(POLL.IN);
 * // later
 * watch.close();
 * ```
 */
export class Reactor {
  readonly #watches = new Set<ReactorWatch>();
  #active = 0;
  #running = false;
  #polling = false;
  #wakeSent = false;
  #pollSet: Map<ReactorWatch, number> | undefined;
  #plan: PollPlan | undefined;
  #eventfd = -1;
  readonly #word = allocate(8);
  readonly #stats: ReactorStats = { polls: 0, wakes: 0, dispatches: 0 };

  /**
   * Registers a descriptor. It is not polled until {@linkcode Watch.setEvents} asks for events.
   *
   * @param fd The descriptor.
   * @param handler Called with `revents` each time poll reports the descriptor.
   * @param events The events wanted from the start.
   * @returns The registration.
   */
  watch(fd: number, handler: ReadinessHandler, events = 0): Watch {
    const watch = new ReactorWatch(
      fd,
      handler,
      this,
      (w, before) => this.#changed(w, before),
      (w) => this.#held(w),
    );
    this.#watches.add(watch);
    watch.setEvents(events);
    return watch;
  }

  /** Whether a `poll` call is outstanding now (it keeps the process alive). */
  get polling(): boolean {
    return this.#polling;
  }

  /** How many registered descriptors want events now. */
  get activeCount(): number {
    return this.#active;
  }

  /** A copy of the counters. */
  get stats(): ReactorStats {
    return { ...this.#stats };
  }

  #changed(watch: ReactorWatch, before: number): void {
    this.#replan(watch);
    if (watch.closed) {
      this.#watches.delete(watch);
      if (this.#pollSet?.has(watch)) this.#wake();
      return;
    }
    const after = watch.events;
    if (before === 0 && after !== 0) this.#active++;
    if (before !== 0 && after === 0) this.#active--;
    if (after !== 0) {
      const polled = this.#pollSet?.get(watch);
      const missing = polled === undefined || (after & ~polled) !== 0;
      if (this.#polling && missing && !watch.held) this.#wake();
      this.#start();
    } else if (this.#active === 0 && this.#polling) {
      this.#wake();
    }
  }

  /** A hold began, grew or ended: the next poll set follows it, and its end is watched. */
  #held(watch: ReactorWatch): void {
    this.#replan(watch);
    if (!watch.held) {
      if (watch.releaseTimer !== undefined) clearTimeout(watch.releaseTimer);
      watch.releaseTimer = undefined;
      this.#release(watch);
      return;
    }
    if (watch.releaseTimer !== undefined) return; // it re-arms itself while the hold grows
    const check = () => {
      watch.releaseTimer = undefined;
      if (watch.closed) return;
      const left = watch.heldUntil - performance.now();
      if (left > 0) {
        watch.releaseTimer = setTimeout(check, left);
        Deno.unrefTimer(watch.releaseTimer);
      } else {
        this.#release(watch);
      }
    };
    watch.releaseTimer = setTimeout(check, watch.heldUntil - performance.now());
    Deno.unrefTimer(watch.releaseTimer);
  }

  /** Puts a watch whose hold ended back into the poll (waking the poll under way for it). */
  #release(watch: ReactorWatch): void {
    this.#replan(watch);
    if (watch.events === 0 || watch.closed) return;
    if (this.#polling && !this.#pollSet?.has(watch)) this.#wake();
    this.#start();
  }

  /** Drops the poll set when `watch` is no longer in it as it should be (in, out, events). */
  #replan(watch: ReactorWatch): void {
    const plan = this.#plan;
    if (plan === undefined) return;
    const wanted = watch.closed || watch.held ? 0 : watch.events;
    if ((plan.events.get(watch) ?? 0) !== wanted) this.#plan = undefined;
  }

  #start(): void {
    if (this.#running) return;
    this.#running = true;
    queueMicrotask(() => {
      this.#loop().catch((error) => reportError(error)).finally(() => {
        this.#running = false;
        if (this.#active > 0) this.#start();
      });
    });
  }

  #wake(): void {
    if (!this.#polling || this.#wakeSent) return;
    this.#wakeSent = true;
    this.#stats.wakes++;
    new DataView(this.#word.buffer).setBigUint64(0, 1n, true);
    libc().write(this.#eventfd, this.#word, 8n);
  }

  async #loop(): Promise<void> {
    if (this.#eventfd < 0) {
      this.#eventfd = checked(libc().eventfd(0, EFD.NONBLOCK | EFD.CLOEXEC), {
        operation: "create the reactor's eventfd",
      });
    }
    while (this.#active > 0) {
      // The same set as last round unless a watch changed since (then it is built again).
      const plan = this.#plan ??= this.#makePlan();
      const { polled, pollfds } = plan;
      this.#pollSet = plan.events;
      this.#polling = true;
      this.#wakeSent = false;
      this.#stats.polls++;
      let ready: number;
      try {
        ready = await libc().poll(pollfds, plan.count, -1);
      } finally {
        this.#polling = false;
      }
      if (readRevents(pollfds, 0) !== 0) libc().read(this.#eventfd, this.#word, 8n);
      this.#pollSet = undefined;
      if (ready > 0) {
        this.#dispatch(polled, pollfds);
        // Let what the handlers resolved run to its end before choosing the next poll set: a
        // reader that got its message asks for the next one a few promise steps later; polled
        // without it, the reactor would have to wake the poll again at once to add it back.
        await nextMacrotask();
      }
      // errno is meaningless after a nonblocking call: back off rather than spin on a failure.
      if (ready < 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  #makePlan(): PollPlan {
    const polled = [...this.#watches].filter((watch) => watch.events !== 0 && !watch.held);
    const requests: PollRequest[] = [{ fd: this.#eventfd, events: POLL.IN }];
    for (const watch of polled) requests.push({ fd: watch.fd, events: watch.events });
    return {
      polled,
      pollfds: encodePollfds(requests),
      count: BigInt(requests.length),
      events: new Map(polled.map((watch) => [watch, watch.events])),
    };
  }

  #dispatch(polled: ReactorWatch[], pollfds: Uint8Array): void {
    polled.forEach((watch, i) => {
      const revents = readRevents(pollfds, i + 1);
      if (revents === 0 || watch.closed) return;
      this.#stats.dispatches++;
      try {
        watch.handler(revents);
      } catch (error) {
        reportError(error);
      }
      if (revents & POLL.NVAL) watch.setEvents(0);
    });
  }
}

/** Resolves after the microtasks queued so far (and those they queue) have run. */
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let shared: Reactor | undefined;

/**
 * The process-wide reactor every socket of this layer uses.
 *
 * @returns The same {@linkcode Reactor} on every call (created on the first).
 *
 * @example One reactor, idle until a socket waits
 * ```ts
 * import { sharedReactor } from "./reactor.ts";
 * console.log(sharedReactor() === sharedReactor(), sharedReactor().polling); // true false
 * ```
 */
export function sharedReactor(): Reactor {
  shared ??= new Reactor();
  return shared;
}
