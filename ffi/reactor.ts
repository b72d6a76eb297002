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
  /** Unregisters the descriptor (it does not close it). */
  close(): void;
}

class ReactorWatch implements Watch {
  events = 0;
  closed = false;

  constructor(
    readonly fd: number,
    readonly handler: ReadinessHandler,
    readonly reactor: Reactor,
    readonly onChange: (watch: ReactorWatch, before: number) => void,
  ) {}

  setEvents(events: number): void {
    if (this.closed || events === this.events) return;
    const before = this.events;
    this.events = events;
    this.onChange(this, before);
  }

  close(): void {
    if (this.closed) return;
    this.setEvents(0);
    this.closed = true;
    this.onChange(this, 0);
  }
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
    const watch = new ReactorWatch(fd, handler, this, (w, before) => this.#changed(w, before));
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
      if (this.#polling && (polled === undefined || (after & ~polled) !== 0)) this.#wake();
      this.#start();
    } else if (this.#active === 0 && this.#polling) {
      this.#wake();
    }
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
      const polled = [...this.#watches].filter((watch) => watch.events !== 0);
      const requests: PollRequest[] = [{ fd: this.#eventfd, events: POLL.IN }];
      for (const watch of polled) requests.push({ fd: watch.fd, events: watch.events });
      const pollfds = encodePollfds(requests);
      this.#pollSet = new Map(polled.map((watch) => [watch, watch.events]));
      this.#polling = true;
      this.#wakeSent = false;
      this.#stats.polls++;
      let ready: number;
      try {
        ready = await libc().poll(pollfds, BigInt(requests.length), -1);
      } finally {
        this.#polling = false;
      }
      if (readRevents(pollfds, 0) !== 0) libc().read(this.#eventfd, this.#word, 8n);
      this.#pollSet = undefined;
      if (ready > 0) this.#dispatch(polled, pollfds);
      // errno is meaningless after a nonblocking call: back off rather than spin on a failure.
      if (ready < 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
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
