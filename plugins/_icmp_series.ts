/**
 * One series of the `icmp` plugin (one target x interface): the socket, the send loop on the
 * schedule, the receive loop, and the samples they produce, in completion order.
 *
 * The socket is opened at the first slot that needs it, bound to the series' interface, and
 * replaced when it cannot be used any more: after `ENODEV` (the interface was removed; a
 * re-created one has a new index, so a fresh socket binds to it) it is closed and a new one is
 * tried at every following slot, so probing resumes by itself. Nothing here throws out of the
 * run for a network or permission problem: each becomes a failed sample with the reason.
 *
 * @module
 */
import type { PluginContext, Sample } from "../core/contract.ts";
import { describeError, ErrorCode } from "../core/errors.ts";
import { ERRNO, SocketError } from "../ffi/errno.ts";
import type {
  EchoRequest,
  EchoSent,
  IcmpMessage,
  IcmpSocketKind,
  IcmpSocketOptions,
} from "../ffi/icmp_socket.ts";
import { formatIpAddress, parseIpAddress } from "../ffi/ip_address.ts";
import { type HostLookup, type IcmpFamily, TargetAddress } from "./_icmp_address.ts";
import { type EchoOutcome, EchoTracker } from "./_icmp_tracker.ts";
import { SampleChannel } from "../core/sample_channel.ts";
import { InterfaceOutage } from "../core/interface_outage.ts";

/**
 * What the plugin needs of an ICMP socket; {@linkcode IcmpSocket} is one, tests pass fakes.
 *
 * @example The real socket fits
 * ```ts
 * import type { EchoSocket } from "./_icmp_series.ts";
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * const open: (options: { family: 4 | 6 }) => EchoSocket = (options) => IcmpSocket.open(options);
 * console.log(typeof open); // function
 * ```
 */
export interface EchoSocket {
  /** `"ping"` or `"raw"`. */
  readonly kind: IcmpSocketKind;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The ICMP identifier of this socket's requests. */
  readonly id: number;
  /** Whether the socket was closed. */
  readonly closed: boolean;
  /** Sends one echo request; rejects with a `SocketError` when the send fails. */
  sendEcho(request: EchoRequest): Promise<EchoSent>;
  /** Replies and ICMP errors for this socket's requests, until the socket is closed. */
  messages(): AsyncIterable<IcmpMessage>;
  /** Closes the socket. */
  close(): void;
}

/**
 * Opens an ICMP socket; `IcmpSocket.open` by default.
 *
 * @example The real opener
 * ```ts
 * import type { OpenEchoSocket } from "./_icmp_series.ts";
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * const open: OpenEchoSocket = (options) => IcmpSocket.open(options);
 * ```
 */
export type OpenEchoSocket = (options: IcmpSocketOptions) => EchoSocket;

/**
 * The plugin options a series uses.
 *
 * @example The plugin's defaults
 * ```ts
 * import type { IcmpSeriesSettings } from "./_icmp_series.ts";
 * const settings: IcmpSeriesSettings = {
 *   payloadSize: 56, ttl: undefined, family: "auto", socket: "auto", reResolveAfter: 3,
 *   recordTtl: true,
 * };
 * ```
 */
export interface IcmpSeriesSettings {
  /** ICMP payload bytes. */
  payloadSize: number;
  /** TTL / hop limit of the requests, or `undefined` for the system default. */
  ttl: number | undefined;
  /** IP version. */
  family: IcmpFamily;
  /** Socket kind. */
  socket: "auto" | IcmpSocketKind;
  /** Consecutive failed probes before a host name is resolved again. */
  reResolveAfter: number;
  /** Whether each reply's TTL is recorded as a `reply_ttl` sample. */
  recordTtl: boolean;
}

/**
 * Sockets and name resolution, replaceable in tests.
 *
 * @example The real ones
 * ```ts
 * import { lookup } from "node:dns/promises";
 * import type { IcmpSeriesDeps } from "./_icmp_series.ts";
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * const deps: IcmpSeriesDeps = {
 *   openSocket: (options) => IcmpSocket.open(options),
 *   lookup: async (host, family) => {
 *     const found = await lookup(host, { family: family ?? 0 });
 *     return { address: found.address, family: found.family === 6 ? 6 : 4 };
 *   },
 * };
 * ```
 */
export interface IcmpSeriesDeps {
  /** Opens a socket. */
  openSocket: OpenEchoSocket;
  /** Resolves host names. */
  lookup: HostLookup;
}

/** ICMP identifiers of the sockets this process has open through the plugin, by family. */
const idsInUse = new Set<string>();
const OPEN_ATTEMPTS = 8;

const INTERFACE_ERRNOS = new Set<number>([ERRNO.ENODEV, ERRNO.ENETUNREACH, ERRNO.ENETDOWN]);

function normalizeAddress(address: string): string {
  try {
    return formatIpAddress(parseIpAddress(address).bytes);
  } catch {
    return address;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(undefined);
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The state of one series while it runs. */
class IcmpSeries {
  readonly #ctx: PluginContext;
  readonly #settings: IcmpSeriesSettings;
  readonly #deps: IcmpSeriesDeps;
  readonly #channel = new SampleChannel();
  readonly #tracker: EchoTracker;
  readonly #target: TargetAddress;
  /** Addresses this series has sent to (normalized): replies from others are not ours. */
  readonly #sentTo = new Set<string>();
  #socket: EchoSocket | undefined;
  #outage: InterfaceOutage;
  #permissionReported = false;
  #lookupFailing = false;
  #lateSeen = false;
  #duplicateSeen = false;

  constructor(ctx: PluginContext, settings: IcmpSeriesSettings, deps: IcmpSeriesDeps) {
    this.#ctx = ctx;
    this.#outage = new InterfaceOutage(ctx, "icmp");
    this.#settings = settings;
    this.#deps = deps;
    this.#tracker = new EchoTracker({
      timeout: ctx.timeout,
      onOutcome: (outcome) => this.#onOutcome(outcome),
    });
    this.#target = new TargetAddress(ctx.target, {
      family: settings.family,
      lookup: deps.lookup,
      reResolveAfter: settings.reResolveAfter,
      onChange: (next, previous) => {
        this.#lookupFailing = false;
        ctx.event({
          kind: "icmp_address",
          metric: "rtt",
          severity: "info",
          message: previous === undefined
            ? `"${ctx.target}" resolves to "${next.address}"`
            : `"${ctx.target}" resolves to "${next.address}" now (was "${previous.address}")`,
          data: { target: ctx.target, address: next.address, previous: previous?.address },
        });
      },
      onLookupError: (message) => {
        if (this.#lookupFailing) return;
        this.#lookupFailing = true;
        ctx.event({
          kind: "icmp_lookup_failed",
          metric: "rtt",
          severity: "warn",
          message: `${message}; still pinging the last address`,
        });
      },
    });
  }

  get channel(): SampleChannel {
    return this.#channel;
  }

  /** Sends one probe per slot until the slots end. */
  async sendLoop(slots: AsyncIterable<{ seq: number }>, signal: AbortSignal): Promise<void> {
    await abortable(this.#target.resolve(), signal);
    for await (const slot of slots) this.#probe(slot.seq);
  }

  /** Closes the socket and stops the timers. */
  close(): void {
    this.#tracker.close();
    this.#closeSocket();
    this.#channel.close();
  }

  #probe(seq: number): void {
    const launchedAt = this.#ctx.now();
    this.#target.tick();
    const target = this.#target.current;
    if (target === undefined) {
      this.#fail(seq, launchedAt, this.#target.problem ?? `"${this.#ctx.target}" has no address`);
      return;
    }
    let socket: EchoSocket;
    try {
      socket = this.#socketFor(target.family);
    } catch (error) {
      this.#openFailed(error, seq, launchedAt);
      return;
    }
    this.#sentTo.add(normalizeAddress(target.address));
    this.#tracker.launch(seq, launchedAt);
    socket.sendEcho({
      address: target.address,
      seq: seq & 0xffff,
      payloadSize: this.#settings.payloadSize,
    }).then(
      (sent) => {
        this.#outage.works();
        this.#tracker.sent(seq, sent.sentAt);
      },
      (error: unknown) => {
        this.#tracker.unsent(seq);
        this.#sendFailed(error, socket, seq, launchedAt);
      },
    );
  }

  #socketFor(family: 4 | 6): EchoSocket {
    const current = this.#socket;
    if (current !== undefined && !current.closed && current.family === family) return current;
    this.#closeSocket();
    const socket = this.#openUnique(family);
    this.#socket = socket;
    idsInUse.add(`${family}:${socket.id}`);
    this.#receive(socket);
    return socket;
  }

  /** Opens a socket whose identifier no other socket of this process uses. */
  #openUnique(family: 4 | 6): EchoSocket {
    const options: IcmpSocketOptions = {
      family,
      kind: this.#settings.socket,
      ...(this.#ctx.interface !== undefined ? { device: this.#ctx.interface } : {}),
      ...(this.#settings.ttl !== undefined ? { ttl: this.#settings.ttl } : {}),
    };
    for (let attempt = 1;; attempt++) {
      const socket = this.#deps.openSocket(options);
      // A raw socket sees every echo reply on the host: two of ours must not share an id.
      if (!idsInUse.has(`${family}:${socket.id}`) || attempt === OPEN_ATTEMPTS) return socket;
      socket.close();
    }
  }

  #closeSocket(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#socket = undefined;
    idsInUse.delete(`${socket.family}:${socket.id}`);
    socket.close();
  }

  #receive(socket: EchoSocket): void {
    (async () => {
      for await (const message of socket.messages()) {
        if (message.kind === "reply") {
          if (!this.#sentTo.has(normalizeAddress(message.from))) continue;
          this.#tracker.reply(message.seq, message.receivedAt, message.ttl);
        } else {
          const from = message.from === undefined ? "" : ` from ${message.from}`;
          this.#tracker.error(message.seq, `${message.reason}${from}`);
        }
      }
    })().catch((error: unknown) => {
      if (!socket.closed) this.#channel.fail(error);
    });
  }

  #onOutcome(outcome: EchoOutcome): void {
    const base = { timestamp: outcome.sentAt, seq: outcome.seq };
    switch (outcome.kind) {
      case "reply":
        this.#target.succeeded();
        this.#channel.push({ ...base, metric: "rtt", value: outcome.rtt, status: "ok" });
        if (this.#settings.recordTtl && outcome.ttl !== undefined) {
          this.#channel.push({ ...base, metric: "reply_ttl", value: outcome.ttl, status: "ok" });
        }
        return;
      case "lost":
        this.#target.failed();
        this.#channel.push({
          ...base,
          metric: "rtt",
          value: null,
          status: "lost",
          reason: outcome.reason,
        });
        return;
      case "late":
        this.#channel.push({ ...base, metric: "late_rtt", value: outcome.rtt, status: "ok" });
        if (!this.#lateSeen) {
          this.#lateSeen = true;
          this.#ctx.event({
            kind: "icmp_late_reply",
            severity: "info",
            metric: "late_rtt",
            message: `A reply to probe ${outcome.seq} came after ${
              Number(outcome.rtt.toPrecision(3))
            } ms, after it was counted lost; late replies are recorded as late_rtt`,
          });
        }
        return;
      case "duplicate":
        this.#channel.push({ ...base, metric: "duplicate", value: 1, status: "ok" });
        if (!this.#duplicateSeen) {
          this.#duplicateSeen = true;
          this.#ctx.event({
            kind: "icmp_duplicate_reply",
            severity: "info",
            metric: "duplicate",
            message:
              `Probe ${outcome.seq} was answered more than once; duplicates are counted as duplicate`,
          });
        }
        return;
    }
  }

  #fail(seq: number, timestamp: number, reason: string): void {
    this.#channel.push({ timestamp, seq, metric: "rtt", value: null, status: "failed", reason });
  }

  #openFailed(error: unknown, seq: number, launchedAt: number): void {
    if (error instanceof SocketError && error.code === ErrorCode.Permission) {
      const reason = describeError(error);
      if (!this.#permissionReported) {
        this.#permissionReported = true;
        this.#ctx.event({
          kind: "icmp_permission",
          metric: "rtt",
          severity: "critical",
          message: reason,
          data: { errno: error.errnoName },
        });
      }
      this.#fail(seq, launchedAt, reason);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof SocketError && INTERFACE_ERRNOS.has(error.errno)) {
      this.#outage.fails(reason);
    }
    this.#fail(seq, launchedAt, reason);
  }

  #sendFailed(error: unknown, socket: EchoSocket, seq: number, launchedAt: number): void {
    const reason = error instanceof Error ? error.message : String(error);
    const onInterface = error instanceof SocketError && INTERFACE_ERRNOS.has(error.errno) &&
      this.#ctx.interface !== undefined;
    if (onInterface) this.#outage.fails(reason);
    else this.#target.failed();
    // A removed interface leaves the socket bound to an index that is gone: open a new one.
    if (error instanceof SocketError && error.errno === ERRNO.ENODEV && this.#socket === socket) {
      this.#closeSocket();
    }
    this.#fail(seq, launchedAt, reason);
  }
}

/**
 * Runs one series: one socket bound to `ctx.interface`, one echo request per schedule slot,
 * samples yielded as probes complete, until `signal` aborts or the consumer stops.
 *
 * @param ctx The plugin context of the series.
 * @param settings The plugin options it uses.
 * @param deps Socket opener and host lookup.
 * @param signal Stops the series.
 * @returns The samples: `rtt` (ok, lost or failed), `reply_ttl`, `late_rtt`, `duplicate`.
 *
 * @example Three pings of 127.0.0.1 (needs root or ping sockets, and --allow-ffi)
 * ```ts ignore
 * import { runIcmpSeries } from "./_icmp_series.ts";
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * const settings = {
 *   payloadSize: 56, ttl: undefined, family: 4 as const, socket: "auto" as const,
 *   reResolveAfter: 3, recordTtl: false,
 * };
 * const deps = { openSocket: IcmpSocket.open, lookup: () => Promise.reject(new Error("none")) };
 * for await (const sample of runIcmpSeries(ctx, settings, deps, signal)) console.log(sample);
 * ```
 */
export async function* runIcmpSeries(
  ctx: PluginContext,
  settings: IcmpSeriesSettings,
  deps: IcmpSeriesDeps,
  signal: AbortSignal,
): AsyncGenerator<Sample, void, undefined> {
  const series = new IcmpSeries(ctx, settings, deps);
  const stop = new AbortController();
  const forward = () => stop.abort(signal.reason);
  if (signal.aborted) return;
  signal.addEventListener("abort", forward, { once: true });
  series.sendLoop(ctx.schedule.slots(stop.signal), stop.signal).then(
    () => series.channel.close(),
    (error: unknown) => series.channel.fail(error),
  );
  try {
    yield* series.channel.drain();
  } finally {
    signal.removeEventListener("abort", forward);
    stop.abort();
    series.close();
  }
}
