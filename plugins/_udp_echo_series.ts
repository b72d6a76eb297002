/**
 * One series of the `udp-echo` plugin (one server x interface): the echo session, failover
 * between servers, the send loop on the schedule, the receive loop, and the samples they
 * produce, in completion order.
 *
 * Sending never waits for replies: each slot sends its request at once and any number are in
 * flight. A periodic sweep turns requests without a reply into lost samples once their timeout
 * (plus a short grace) has passed, and gives each its direction as soon as a reply to a later
 * request tells (see `_udp_echo_loss.ts`). Nothing here throws out of the run for a network,
 * server or interface problem: each becomes a failed or lost sample with the reason.
 *
 * @module
 */
import type { PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import type { ScheduleSleep } from "../core/schedule.ts";
import { describeError } from "../core/errors.ts";
import { ERRNO, SocketError } from "../ffi/errno.ts";
import type {
  EchoEvent,
  EchoReply,
  EchoSendOptions,
  EchoSent,
  EchoSessionStats,
  OpenSessionOptions,
  SessionParameters,
} from "../protocol/client.ts";
import { ClockOffsetTracker, oneWayDelays, roundTripMs } from "../protocol/clock_offset.ts";
import { SequenceTracker } from "../protocol/sequence_tracker.ts";
import { LossDirections } from "./_udp_echo_loss.ts";
import { SampleChannel } from "../core/sample_channel.ts";
import { InterfaceOutage } from "../core/interface_outage.ts";

/**
 * What the plugin needs of an echo session; `EchoSession` from `protocol/client.ts` is one,
 * tests may pass fakes.
 *
 * @example The real session fits
 * ```ts
 * import type { EchoSessionLike } from "./_udp_echo_series.ts";
 * import type { EchoSession } from "../protocol/client.ts";
 * const fits = (session: EchoSession): EchoSessionLike => session;
 * console.log(typeof fits); // function
 * ```
 */
export interface EchoSessionLike {
  /** What the server granted. */
  readonly parameters: SessionParameters;
  /** Whether the session ended. */
  readonly closed: boolean;
  /** Sends one request now; throws synchronously when the session ended. */
  send(seq: number, options?: EchoSendOptions): Promise<EchoSent>;
  /** Replies, the server's close and ICMP errors, until the session is closed. */
  events(signal?: AbortSignal): AsyncIterable<EchoEvent>;
  /** Counters since the session opened. */
  stats(): EchoSessionStats;
  /** Ends the session. */
  close(): Promise<void>;
}

/**
 * Opens an echo session; `openSession` from `protocol/client.ts` by default.
 *
 * @example The real opener
 * ```ts
 * import type { OpenEchoSession } from "./_udp_echo_series.ts";
 * import { openSession } from "../protocol/client.ts";
 * const open: OpenEchoSession = openSession;
 * console.log(typeof open); // function
 * ```
 */
export type OpenEchoSession = (options: OpenSessionOptions) => Promise<EchoSessionLike>;

/**
 * The plugin options a series uses, in milliseconds and bytes.
 *
 * @example The plugin's defaults
 * ```ts
 * import type { UdpEchoSeriesSettings } from "./_udp_echo_series.ts";
 * const settings: UdpEchoSeriesSettings = {
 *   packetSize: 92, failover: [], failoverAfter: 5000, offsetWindow: 60000,
 * };
 * ```
 */
export interface UdpEchoSeriesSettings {
  /** Bytes per request and reply. */
  packetSize: number;
  /** Names of the servers to fail over to, in order, after the series' own server. */
  failover: readonly string[];
  /** How long a server may stay silent before the next one is tried, ms. */
  failoverAfter: number;
  /** Window of round trips the clock offset is estimated from, ms. */
  offsetWindow: number;
  /** DSCP of the requests, 0 to 63; not set when `undefined`. */
  dscp?: number | undefined;
  /** How the send loop waits for its slots; the schedule's own sleep when not given. */
  sleep?: ScheduleSleep | undefined;
}

/** How often a session that could not be opened is tried again, ms. */
const OPEN_RETRY_MS = 1_000;
/** The clock offset is re-estimated on every reply until this many, then at most once a second. */
const OFFSET_WARMUP = 20;
const OFFSET_EVERY_MS = 1_000;
/**
 * Round trips the clock offset is estimated from, at most: at short intervals only every n-th
 * reply is kept, spread over the whole window. Sorting 20,000 of them took 10-29 ms here, which
 * at 1 ms cost 10-29 send slots every second; 1,000 take well under a millisecond.
 */
const OFFSET_MAX_SAMPLES = 1_000;
/** Lost probes remembered, to recognise a late reply. */
const LOST_REMEMBERED = 4_096;
const INTERFACE_ERRNOS = new Set<number>([ERRNO.ENODEV, ERRNO.ENETUNREACH, ERRNO.ENETDOWN]);

/** A request in flight, or lost and waiting to learn which way. */
interface Probe {
  seq: number;
  /** Send index in its session. */
  index: number;
  /** `performance.now()` at send. */
  launchedAt: number;
  /** Wall clock at send, ms. */
  wallAt: number;
  /** Kernel send stamp, ms since the epoch, once known. */
  sentAt: number | undefined;
  /** `performance.now()` when it was counted lost (its direction may still be unknown). */
  lostAt: number | undefined;
}

/** One open session and what is measured on it. */
class SessionState {
  readonly server: ServerInfo;
  readonly session: EchoSessionLike;
  readonly openedAt = performance.now();
  readonly size: number;
  readonly offsets: ClockOffsetTracker;
  /** Every how many replies one goes to `offsets`. */
  readonly offsetStride: number;
  offsetReplies = 0;
  readonly arrivals = new SequenceTracker({ window: 4096 });
  readonly directions = new LossDirections();
  /** In flight or lost without a direction yet, by seq, in send order. */
  readonly probes = new Map<number, Probe>();
  /** Lost probes already recorded, by seq, for late replies. */
  readonly lost = new Set<number>();
  readonly stop = new AbortController();
  lastReplyAt = 0;
  sendIndex = 0;
  lastSlotAt = -Infinity;
  offsetMs: number | undefined;
  estimates = 0;
  lastEstimateAt = 0;
  previous: { seq: number; up: number; down: number } | undefined;
  duplicates = 0;

  constructor(
    server: ServerInfo,
    session: EchoSessionLike,
    size: number,
    offsets: ClockOffsetTracker,
    offsetStride: number,
  ) {
    this.server = server;
    this.session = session;
    this.size = size;
    this.offsets = offsets;
    this.offsetStride = offsetStride;
  }
}

/** The state of one series while it runs. */
class UdpEchoSeries {
  readonly channel = new SampleChannel();
  readonly #ctx: PluginContext;
  readonly #settings: UdpEchoSeriesSettings;
  readonly #open: OpenEchoSession;
  readonly #chain: ServerInfo[] = [];
  readonly #stop = new AbortController();
  readonly #sweepTimer: ReturnType<typeof setInterval>;
  readonly #grace: number;
  #current = 0;
  #state: SessionState | undefined;
  #opening: Promise<void> | undefined;
  #nextOpenAt = 0;
  #openProblem: string | undefined;
  #outage: InterfaceOutage;
  #reported = new Set<string>();

  constructor(ctx: PluginContext, settings: UdpEchoSeriesSettings, open: OpenEchoSession) {
    this.#ctx = ctx;
    this.#outage = new InterfaceOutage(ctx, "udp_echo");
    this.#settings = settings;
    this.#open = open;
    if (ctx.server !== undefined) this.#chain.push(ctx.server);
    for (const name of settings.failover) {
      const server = ctx.servers.get(name);
      if (server === undefined) {
        this.#once(`unknown:${name}`, {
          kind: "udp_echo_unknown_server",
          severity: "warn",
          message: `Failover server "${name}" is not declared in [[servers]]: skipped`,
        });
      } else if (!this.#chain.some((known) => known.name === server.name)) {
        this.#chain.push(server);
      }
    }
    this.#grace = Math.min(200, Math.max(20, ctx.timeout / 10));
    const every = Math.max(5, Math.min(100, ctx.timeout / 4));
    this.#sweepTimer = setInterval(() => this.#sweep(), every);
  }

  /** Opens the first session, then sends one probe per slot until the slots end. */
  async sendLoop(slots: AsyncIterable<{ seq: number; at: number }>): Promise<void> {
    if (this.#chain.length > 0) {
      this.#ensureOpen();
      await this.#opening;
    }
    for await (const slot of slots) this.#probe(slot.seq, slot.at);
  }

  /** Ends the session and the timers. */
  close(): void {
    this.#stop.abort();
    clearInterval(this.#sweepTimer);
    const state = this.#state;
    this.#state = undefined;
    if (state) this.#closeState(state);
    this.channel.close();
  }

  #probe(seq: number, at: number): void {
    const server = this.#chain[this.#current];
    if (server === undefined) {
      this.#once("no-server", {
        kind: "udp_echo_no_server",
        severity: "critical",
        message: 'udp-echo needs a server: name one with servers = ["..."] in the probe entry',
      });
      this.#fail(seq, "No server to probe: add servers to the probe entry");
      return;
    }
    const now = performance.now();
    let state = this.#state;
    if (state && now - Math.max(state.lastReplyAt, state.openedAt) > this.#settings.failoverAfter) {
      this.#serverSilent(state);
      state = undefined;
    }
    if (state === undefined) {
      this.#ensureOpen();
      this.#fail(seq, this.#openProblem ?? `Connecting to server "${server.name}"`);
      return;
    }
    const granted = state.session.parameters.interval;
    if (granted > this.#ctx.interval && at - state.lastSlotAt < granted) return;
    state.lastSlotAt = at;
    const wallAt = this.#ctx.now();
    let sending: Promise<EchoSent>;
    try {
      sending = state.session.send(seq, { size: state.size });
    } catch (error) {
      this.#fail(seq, describeError(error), wallAt);
      if (state.session.closed) this.#drop(state, "the session ended");
      return;
    }
    const probe: Probe = {
      seq,
      index: state.sendIndex++,
      launchedAt: now,
      wallAt,
      sentAt: undefined,
      lostAt: undefined,
    };
    state.probes.set(seq, probe);
    sending.then(
      (sent) => {
        probe.sentAt = Number(sent.sentAt) / 1e6;
        this.#outage.works();
      },
      (error: unknown) => {
        state.probes.delete(seq);
        state.directions.unsent(probe.index);
        this.#sendFailed(error, state, seq, wallAt);
      },
    );
  }

  #ensureOpen(): void {
    if (this.#opening !== undefined || this.#stop.signal.aborted) return;
    if (performance.now() < this.#nextOpenAt) return;
    const server = this.#chain[this.#current];
    if (server === undefined) return;
    const problem = unusable(server);
    if (problem !== undefined) {
      this.#openFailed(server, problem, undefined);
      return;
    }
    const options: OpenSessionOptions = {
      host: server.host,
      port: server.port,
      secret: server.secret!,
      interval: this.#ctx.interval,
      packetSize: this.#settings.packetSize,
      handshakeTimeout: Math.min(1_000, this.#ctx.timeout),
      signal: this.#stop.signal,
      ...(this.#ctx.interface !== undefined ? { device: this.#ctx.interface } : {}),
      ...(this.#settings.dscp !== undefined ? { dscp: this.#settings.dscp } : {}),
    };
    this.#opening = this.#open(options).then(
      (session) => {
        this.#opening = undefined;
        if (this.#stop.signal.aborted) {
          session.close().catch(() => {});
          return;
        }
        this.#install(server, session);
      },
      (error: unknown) => {
        this.#opening = undefined;
        if (this.#stop.signal.aborted) return;
        this.#openFailed(server, describeError(error), error);
      },
    );
  }

  #install(server: ServerInfo, session: EchoSessionLike): void {
    this.#openProblem = undefined;
    this.#outage.works();
    const size = Math.min(this.#settings.packetSize, session.parameters.packetSize);
    if (size < this.#settings.packetSize) {
      this.#once(`size:${server.name}`, {
        kind: "udp_echo_capped",
        severity: "warn",
        message: `Server "${server.name}" allows packets of ${size} bytes at most: sending ${size}`,
        data: { server: server.name, packetSize: size },
      });
    }
    if (session.parameters.interval > this.#ctx.interval) {
      this.#once(`interval:${server.name}`, {
        kind: "udp_echo_capped",
        severity: "warn",
        message:
          `Server "${server.name}" allows one probe every ${session.parameters.interval} ms: ` +
          `slots in between are left out`,
        data: { server: server.name, interval: session.parameters.interval },
      });
    }
    const window = this.#settings.offsetWindow;
    const perWindow = Math.max(100, Math.ceil(window / this.#ctx.interval));
    const offsetStride = Math.ceil(perWindow / OFFSET_MAX_SAMPLES);
    const offsets = new ClockOffsetTracker({
      windowMs: window,
      maxSamples: Math.ceil(perWindow / offsetStride),
    });
    const state = new SessionState(server, session, size, offsets, offsetStride);
    this.#state = state;
    this.#receive(state);
  }

  #openFailed(server: ServerInfo, reason: string, error: unknown): void {
    this.#openProblem = reason;
    this.#nextOpenAt = performance.now() + OPEN_RETRY_MS;
    if (error instanceof SocketError && INTERFACE_ERRNOS.has(error.errno)) {
      this.#outage.fails(reason);
    }
    if (this.#chain.length > 1) this.#advance(server, reason);
  }

  /** The current server stopped answering: the next one (or the same one again) is opened. */
  #serverSilent(state: SessionState): void {
    const seconds = Number((this.#settings.failoverAfter / 1000).toPrecision(3));
    const reason = `Server "${state.server.name}" did not answer for ${seconds} s`;
    this.#drop(state, reason);
    this.#openProblem = reason;
    if (this.#chain.length > 1) this.#advance(state.server, reason);
    else {
      this.#ctx.event({
        kind: "udp_echo_reconnect",
        severity: "warn",
        metric: "rtt",
        message: `${reason}: opening a new session`,
        data: { server: state.server.name },
      });
    }
  }

  #advance(from: ServerInfo, reason: string): void {
    this.#current = (this.#current + 1) % this.#chain.length;
    const to = this.#chain[this.#current]!;
    this.#nextOpenAt = 0;
    this.#ctx.event({
      kind: "udp_echo_failover",
      severity: "warn",
      metric: "rtt",
      message: `${reason}: switching to server "${to.name}"`,
      data: { from: from.name, to: to.name, primary: this.#chain[0]!.name, reason },
    });
  }

  /** Ends a session: what is still in flight is recorded lost. */
  #drop(state: SessionState, why: string): void {
    if (this.#state === state) this.#state = undefined;
    for (const probe of state.probes.values()) {
      this.#lost(probe, `timeout (${why})`);
    }
    state.probes.clear();
    this.#closeState(state);
  }

  #closeState(state: SessionState): void {
    state.stop.abort();
    state.session.close().catch(() => {});
  }

  #receive(state: SessionState): void {
    (async () => {
      for await (const event of state.session.events(state.stop.signal)) {
        if (this.#state !== state) return;
        if (event.kind === "reply") this.#onReply(state, event);
        else if (event.kind === "closed") {
          this.#ctx.event({
            kind: "udp_echo_session_closed",
            severity: "info",
            metric: "rtt",
            message: `Server "${state.server.name}" ended the session (${event.reason}): ` +
              `opening a new one`,
            data: { server: state.server.name, reason: event.reason },
          });
          this.#drop(state, `server ended the session: ${event.reason}`);
          return;
        } else {
          this.#once(`unreachable:${state.server.name}:${event.errnoName}`, {
            kind: "udp_echo_unreachable",
            severity: "warn",
            metric: "rtt",
            message: `Server "${state.server.name}" is unreachable: ${event.reason}`,
            data: { server: state.server.name, errno: event.errnoName },
          });
        }
      }
    })().catch((error: unknown) => {
      if (this.#state !== state) return;
      this.#ctx.log.warn(`udp-echo receive failed: ${describeError(error)}`);
      this.#drop(state, describeError(error));
    });
  }

  #onReply(state: SessionState, reply: EchoReply): void {
    state.lastReplyAt = performance.now();
    const index = reply.sent - 1;
    state.directions.reply(index, reply.serverReceived);
    const probe = state.probes.get(reply.seq);
    const countedLost = probe === undefined
      ? state.lost.has(reply.seq)
      : probe.lostAt !== undefined;
    if (probe === undefined && !countedLost) return; // not one of this session's open probes
    const base = { timestamp: Number(reply.clientSentAt) / 1e6, seq: reply.seq };
    const rtt = roundTripMs(reply);
    const late = countedLost ||
      Number(reply.clientReceivedAt - reply.clientSentAt) / 1e6 > this.#ctx.timeout;
    const arrival = state.arrivals.observe(reply.seq, { late });
    state.probes.delete(reply.seq);
    if (late) {
      state.lost.delete(reply.seq);
      state.directions.forget(index);
      if (!countedLost && probe) this.#lost(probe, "timeout", base.timestamp);
      this.channel.push({ ...base, metric: "late_rtt", value: rtt, status: "ok" });
      this.#once("late", {
        kind: "udp_echo_late_reply",
        severity: "info",
        metric: "late_rtt",
        message: `A reply to probe ${reply.seq} came after ${
          Number(rtt.toPrecision(3))
        } ms, after it was counted lost; late replies are recorded as late_rtt`,
      });
      return;
    }
    this.channel.push({ ...base, metric: "rtt", value: rtt, status: "ok" });
    if (state.offsetReplies++ % state.offsetStride === 0 || state.estimates < OFFSET_WARMUP) {
      state.offsets.add(reply);
    }
    const now = performance.now();
    if (state.estimates < OFFSET_WARMUP || now - state.lastEstimateAt >= OFFSET_EVERY_MS) {
      state.offsetMs = state.offsets.estimate()?.offsetMs;
      state.estimates++;
      state.lastEstimateAt = now;
    }
    if (state.offsetMs !== undefined) {
      const delays = oneWayDelays(reply, state.offsetMs);
      this.channel.push({ ...base, metric: "owd_up", value: delays.upMs, status: "ok" });
      this.channel.push({ ...base, metric: "owd_down", value: delays.downMs, status: "ok" });
    }
    const up = Number(reply.serverReceivedAt - reply.clientSentAt) / 1e6;
    const down = Number(reply.clientReceivedAt - reply.serverSentAt) / 1e6;
    const previous = state.previous;
    if (previous === undefined || reply.seq > previous.seq) {
      if (previous !== undefined) {
        const ipdvUp = Math.abs(up - previous.up);
        const ipdvDown = Math.abs(down - previous.down);
        this.channel.push({ ...base, metric: "ipdv_up", value: ipdvUp, status: "ok" });
        this.channel.push({ ...base, metric: "ipdv_down", value: ipdvDown, status: "ok" });
      }
      state.previous = { seq: reply.seq, up, down };
    }
    if (arrival === "reordered") {
      this.channel.push({ ...base, metric: "reordered", value: 1, status: "ok" });
    }
  }

  /** Counts lost probes, gives them their direction, and records duplicates. */
  #sweep(): void {
    const state = this.#state;
    if (state === undefined) return;
    const now = performance.now();
    const deadline = this.#ctx.timeout + this.#grace;
    for (const probe of state.probes.values()) {
      if (probe.lostAt === undefined) {
        if (now - probe.launchedAt <= deadline) break; // later ones were sent later
        probe.lostAt = now;
      }
      const direction = state.directions.direction(probe.index);
      if (direction !== undefined) {
        this.#lost(probe, direction === "up" ? "lost upstream" : "lost downstream");
      } else if (now - probe.lostAt > this.#ctx.timeout) {
        this.#lost(probe, "timeout");
      } else continue;
      state.probes.delete(probe.seq);
      state.lost.add(probe.seq);
      if (state.lost.size > LOST_REMEMBERED) {
        state.lost.delete(state.lost.values().next().value!);
      }
    }
    const duplicates = state.session.stats().duplicates;
    for (; state.duplicates < duplicates; state.duplicates++) {
      this.channel.push({
        timestamp: this.#ctx.now(),
        metric: "duplicate",
        value: 1,
        status: "ok",
      });
    }
  }

  #lost(probe: Probe, reason: string, timestamp = probe.sentAt ?? probe.wallAt): void {
    this.channel.push({
      timestamp,
      seq: probe.seq,
      metric: "rtt",
      value: null,
      status: "lost",
      reason,
    });
  }

  #fail(seq: number, reason: string, timestamp = this.#ctx.now()): void {
    this.channel.push({ timestamp, seq, metric: "rtt", value: null, status: "failed", reason });
  }

  #sendFailed(error: unknown, state: SessionState, seq: number, wallAt: number): void {
    const reason = describeError(error);
    if (error instanceof SocketError && INTERFACE_ERRNOS.has(error.errno)) {
      this.#outage.fails(reason);
      // A removed interface leaves the socket bound to an index that is gone: open a new one.
      if (error.errno === ERRNO.ENODEV && this.#state === state) {
        this.#drop(state, reason);
        this.#openProblem = reason;
        this.#nextOpenAt = performance.now() + OPEN_RETRY_MS;
      }
    }
    this.#fail(seq, reason, wallAt);
  }

  #once(key: string, event: Parameters<PluginContext["event"]>[0]): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#ctx.event(event);
  }
}

/** Why a server cannot be probed at all, if it cannot. */
function unusable(server: ServerInfo): string | undefined {
  if (!(server.port > 0)) {
    return `Server "${server.name}" offers no UDP echo service (port "${server.port}")`;
  }
  if (!server.secret) {
    return `Server "${server.name}" has no secret: set secret in its [[servers]] entry`;
  }
  return undefined;
}

/**
 * Runs one series: a session with the series' server (failing over to the others in
 * `settings.failover`), one request per schedule slot, samples yielded as they complete,
 * until `signal` aborts or the consumer stops.
 *
 * @param ctx The plugin context of the series.
 * @param settings The plugin options it uses.
 * @param open Opens sessions.
 * @param signal Stops the series.
 * @returns The samples: `rtt` (ok, lost or failed), `owd_up`, `owd_down`, `ipdv_up`,
 * `ipdv_down`, `late_rtt`, `duplicate`, `reordered`.
 *
 * @example Ten probes against a server (needs --allow-ffi and a running server)
 * ```ts ignore
 * import { runUdpEchoSeries } from "./_udp_echo_series.ts";
 * import { openSession } from "../protocol/client.ts";
 * const settings = { packetSize: 92, failover: [], failoverAfter: 5000, offsetWindow: 60000 };
 * for await (const sample of runUdpEchoSeries(ctx, settings, openSession, signal)) {
 *   console.log(sample.metric, sample.value);
 * }
 * ```
 */
export async function* runUdpEchoSeries(
  ctx: PluginContext,
  settings: UdpEchoSeriesSettings,
  open: OpenEchoSession,
  signal: AbortSignal,
): AsyncGenerator<Sample, void, undefined> {
  if (signal.aborted) return;
  const series = new UdpEchoSeries(ctx, settings, open);
  const stop = new AbortController();
  const forward = () => stop.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  const pacing = settings.sleep !== undefined ? { sleep: settings.sleep } : {};
  series.sendLoop(ctx.schedule.slots(stop.signal, undefined, pacing)).then(
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
