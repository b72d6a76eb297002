/**
 * The echo server's logic without sockets: one datagram in, at most one datagram out. The
 * service (`udp_echo_server.ts`) feeds it what the socket receives; tests and the fuzzer call it
 * directly.
 *
 * What it does with a datagram, in order (each refusal is silent and counted in
 * {@linkcode EchoStats.dropped}):
 *
 * 1. Longer than `maxPacketSize`, or cut by the socket: `oversized`.
 * 2. The clear header (magic, version, type, the length its type allows, ids): else
 *    `malformed` (or `oversized` when only the length is too long). These checks cost a few
 *    comparisons and need no state, so they come before any rate limit.
 * 3. Rate limits, one token bucket on every path that does more: a packet for a known session
 *    from that session's own address takes a token from the session's bucket (refilled at the
 *    granted interval, with a burst of `sessionBurst`); anything else takes one from its source
 *    IP address's bucket and from the global bucket: `rateLimited`. A session id is 64 random
 *    bits: someone off the path cannot guess one to reach a session's bucket.
 * 4. A knock: wrong key `wrongSecret`, bad body `malformed`, time outside the tolerance
 *    `staleKnock`, nonce seen before `replayedKnock`, nonce table full `knockOverload`. A fresh
 *    knock gets a welcome: a new session, or a refusal when the address or the server already
 *    has the most sessions allowed (the knock proved the secret, so the client may know why).
 *    The same client random again from the same address (the welcome was lost) gets the same
 *    welcome again and no second session. A welcome is shorter than a knock.
 * 5. A session packet: unknown id `unknownSession`, another source address `addressMismatch`,
 *    longer than the granted size `oversized`, counter already seen or too old for the replay
 *    window `replayedEcho`, tag wrong `forged`. A valid request gets a reply of the same length
 *    (so the server never sends more than it receives), with the kernel receive stamp, the send
 *    time and the session's count of distinct requests received. A valid close ends the session.
 * 6. Server-to-client types sent to the server: `malformed`.
 *
 * Sessions end at the client's close, after `idleTimeout` without a valid request (silently),
 * or when their granted duration is over (the server sends a close).
 *
 * @module
 */
import type { SocketAddress } from "../ffi/mod.ts";
import {
  openClose,
  openEcho,
  openKnock,
  sealClose,
  sealEcho,
  sealWelcome,
} from "../protocol/codec.ts";
import { Direction } from "../protocol/codec.ts";
import {
  deriveKnockKey,
  deriveSessionKeys,
  secretBytes,
  type SessionKeys,
} from "../protocol/keys.ts";
import { KnockFilter } from "../protocol/knock_filter.ts";
import { ReplayWindow } from "../protocol/replay_window.ts";
import {
  CloseReason,
  EchoFlag,
  KNOCK_SIZE,
  type KnockBody,
  PacketType,
  RANDOM_SIZE,
  readHeader,
  WelcomeStatus,
} from "../protocol/wire.ts";
import { RateLimiter, TokenBucket } from "./rate_limit.ts";

/** Caps on sessions, as irtt's server has them. */
export interface EchoLimits {
  /**
   * Sessions open at once, all clients together.
   *
   * @default {1000}
   */
  maxSessions: number;
  /**
   * Sessions open at once from one IP address.
   *
   * @default {8}
   */
  maxSessionsPerAddress: number;
  /**
   * The shortest interval between a session's requests, ms (clients asking for less get this).
   *
   * @default {10}
   */
  minInterval: number;
  /**
   * The longest datagram accepted, bytes (at least 128, a knock's size).
   *
   * @default {1472}
   */
  maxPacketSize: number;
  /**
   * The longest session, ms; 0 for no limit.
   *
   * @default {86400000}
   */
  maxDuration: number;
  /**
   * A session without a valid request for this long ends, ms.
   *
   * @default {60000}
   */
  idleTimeout: number;
  /**
   * How far a knock's time may be from the server's clock, ms.
   *
   * @default {30000}
   */
  knockTolerance: number;
  /**
   * Requests a session may send in a burst above its interval.
   *
   * @default {32}
   */
  sessionBurst: number;
}

/** Rate limits on traffic outside sessions (knocks, strays). */
export interface EchoRateLimits {
  /**
   * Packets per second from one IP address.
   *
   * @default {20}
   */
  packetsPerSecond: number;
  /**
   * Burst per IP address.
   *
   * @default {20}
   */
  burst: number;
  /**
   * Packets per second from all addresses together.
   *
   * @default {2000}
   */
  globalPacketsPerSecond: number;
  /**
   * IP addresses tracked; the least recently seen is forgotten beyond it.
   *
   * @default {65536}
   */
  maxAddresses: number;
}

/**
 * Default caps.
 *
 * @example
 * ```ts
 * import { ECHO_LIMIT_DEFAULTS } from "./echo_handler.ts";
 * console.log(ECHO_LIMIT_DEFAULTS.minInterval); // 10
 * ```
 */
export const ECHO_LIMIT_DEFAULTS = {
  maxSessions: 1000,
  maxSessionsPerAddress: 8,
  minInterval: 10,
  maxPacketSize: 1472,
  maxDuration: 86_400_000,
  idleTimeout: 60_000,
  knockTolerance: 30_000,
  sessionBurst: 32,
} as const satisfies EchoLimits;

/**
 * Default rate limits.
 *
 * @example
 * ```ts
 * import { ECHO_RATE_LIMIT_DEFAULTS } from "./echo_handler.ts";
 * console.log(ECHO_RATE_LIMIT_DEFAULTS.packetsPerSecond); // 20
 * ```
 */
export const ECHO_RATE_LIMIT_DEFAULTS = {
  packetsPerSecond: 20,
  burst: 20,
  globalPacketsPerSecond: 2000,
  maxAddresses: 65536,
} as const satisfies EchoRateLimits;

/** A datagram the socket received. */
export interface InboundDatagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender. */
  from: SocketAddress;
  /** When it arrived, `CLOCK_REALTIME` ns. */
  receivedAt: bigint;
  /** Whether `receivedAt` is the kernel's stamp. */
  receivedAtSource: "kernel" | "user";
  /** Whether the socket cut it (longer than its buffer). */
  truncated?: boolean;
  /**
   * Which of the server's sockets received it; answers and closes go out through the same one.
   *
   * @default {0}
   */
  via?: number;
}

/** A send time for a reply (see `send_stamp_corrector.ts`). */
export interface ReplySendTime {
  /** The time written into the reply, ns. */
  time: bigint;
  /** The clock reading it came from, ns. */
  raw: bigint;
  /** Whether a learned correction was added. */
  corrected: boolean;
}

/** A datagram to send. */
export interface OutboundDatagram {
  /** The payload. */
  data: Uint8Array;
  /** Where to. */
  to: SocketAddress;
  /** Which socket to send it through (the one the client's packets came in on). */
  via: number;
  /** What it is. */
  kind: "welcome" | "reply" | "close";
  /** For replies: the send time written into it. */
  sendTime?: ReplySendTime;
}

/** Why datagrams were dropped without a word. */
export interface DroppedCounts {
  /** Not a packet of this protocol version, or a field it forbids. */
  malformed: number;
  /** Longer than the server or the session allows, or cut by the socket. */
  oversized: number;
  /** Over a token bucket. */
  rateLimited: number;
  /** A knock sealed with another secret. */
  wrongSecret: number;
  /** A knock whose time is outside the tolerance. */
  staleKnock: number;
  /** A knock whose nonce was seen before. */
  replayedKnock: number;
  /** A knock while the nonce table was full. */
  knockOverload: number;
  /** A session packet for no open session. */
  unknownSession: number;
  /** A session packet from another address than the session's. */
  addressMismatch: number;
  /** A session packet whose tag is wrong. */
  forged: number;
  /** A session packet whose counter was seen before or is too old. */
  replayedEcho: number;
}

/** What the handler has seen and done. */
export interface EchoStats {
  /** Datagrams handled. */
  datagrams: number;
  /** Echo requests answered. */
  replies: number;
  /** Welcomes sent (accepting or refusing). */
  welcomes: number;
  /** Closes sent. */
  closes: number;
  /** Session counts. */
  sessions: {
    /** Open now. */
    active: number;
    /** Opened so far. */
    opened: number;
    /** Refused by a cap. */
    refused: number;
    /** Closed by their client. */
    closedByClient: number;
    /** Ended at their granted duration. */
    expired: number;
    /** Ended after the idle timeout. */
    idle: number;
  };
  /** Silent drops by reason. */
  dropped: DroppedCounts;
}

/** A session opening or ending, for logs. */
export type SessionEvent =
  | {
    kind: "opened";
    sessionId: string;
    client: SocketAddress;
    interval: number;
    packetSize: number;
    duration: number;
  }
  | { kind: "refused"; client: SocketAddress; status: "too_many_sessions" | "server_full" }
  | {
    kind: "closed";
    sessionId: string;
    client: SocketAddress;
    reason: "client" | "duration" | "idle" | "shutdown";
    received: number;
  };

/** A session's keys appearing (it opened) or going away (`keys` absent: it ended). */
export interface SessionKeysChange {
  /** The session id. */
  sessionId: bigint;
  /** The client's IP address. */
  address: string;
  /** The session's keys; absent when the session ended. */
  keys?: SessionKeys;
}

/** Options of {@linkcode EchoHandler}. */
export interface EchoHandlerOptions {
  /** The shared secret. */
  secret: string | Uint8Array;
  /** Caps; defaults in {@linkcode ECHO_LIMIT_DEFAULTS}. */
  limits?: Partial<EchoLimits>;
  /** Rate limits; defaults in {@linkcode ECHO_RATE_LIMIT_DEFAULTS}. */
  rateLimits?: Partial<EchoRateLimits>;
  /**
   * `CLOCK_REALTIME` in ns (knock freshness, welcome time).
   *
   * @default {Date.now() in ns}
   */
  clock?: () => bigint;
  /**
   * The send time of a reply, read right before it is sealed.
   *
   * @default {the uncorrected `clock`}
   */
  sendTime?: () => ReplySendTime;
  /**
   * A monotonic clock in ms (rate limits, timeouts).
   *
   * @default {performance.now}
   */
  monotonic?: () => number;
  /**
   * Fills a buffer with random bytes.
   *
   * @default {crypto.getRandomValues}
   */
  random?: (bytes: Uint8Array) => Uint8Array;
  /** Called when a session opens, is refused or ends. */
  onSessionEvent?: (event: SessionEvent) => void;
  /**
   * Called with a session's id, client IP address and keys when it opens, and without keys
   * when it ends: what the TCP throughput service needs to authorize the session's streams
   * (`session_directory.ts`). Apart from {@linkcode SessionEvent}s because those are logged and
   * keys must never be.
   */
  onSessionKeys?: (change: SessionKeysChange) => void;
  /**
   * Build every echo reply in one buffer reused from call to call (and open requests into
   * another): the `data` of a reply {@linkcode EchoHandler.handle} returns is then valid only
   * until the next call, so send it first. Spares the server's hot path its allocations.
   *
   * @default {false}
   */
  reuseReplyBuffer?: boolean;
}

interface Session {
  id: bigint;
  idText: string;
  client: SocketAddress;
  clientKey: string;
  ip: string;
  via: number;
  keys: SessionKeys;
  clientRandom: Uint8Array;
  welcome: Uint8Array;
  packetSize: number;
  endsAt: number;
  lastSeen: number;
  window: ReplayWindow;
  bucket: TokenBucket;
  sent: number;
  received: number;
}

const emptyDropped = (): DroppedCounts => ({
  malformed: 0,
  oversized: 0,
  rateLimited: 0,
  wrongSecret: 0,
  staleKnock: 0,
  replayedKnock: 0,
  knockOverload: 0,
  unknownSession: 0,
  addressMismatch: 0,
  forged: 0,
  replayedEcho: 0,
});

function sameRandom(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The server's packet logic (see the module documentation).
 *
 * @example A knock with the wrong secret gets nothing, and is counted
 * ```ts
 * import { EchoHandler } from "./echo_handler.ts";
 * import { sealKnock } from "../protocol/codec.ts";
 * import { deriveKnockKey } from "../protocol/keys.ts";
 * const handler = new EchoHandler({ secret: "right" });
 * const knock = sealKnock(deriveKnockKey("wrong"), {
 *   clientTime: BigInt(Date.now()) * 1_000_000n, clientRandom: new Uint8Array(16),
 *   interval: 10_000, packetSize: 100, duration: 0,
 * });
 * const out = handler.handle({
 *   data: knock, from: { address: "127.0.0.1", port: 4000 }, receivedAt: 0n,
 *   receivedAtSource: "user",
 * });
 * console.log(out, handler.stats().dropped.wrongSecret); // undefined 1
 * ```
 */
export class EchoHandler {
  readonly limits: Readonly<EchoLimits>;
  readonly rateLimits: Readonly<EchoRateLimits>;
  readonly #secret: Uint8Array;
  readonly #knockKey: Uint8Array;
  readonly #clock: () => bigint;
  readonly #sendTime: () => ReplySendTime;
  readonly #monotonic: () => number;
  readonly #random: (bytes: Uint8Array) => Uint8Array;
  readonly #onSessionEvent: ((event: SessionEvent) => void) | undefined;
  readonly #onSessionKeys: ((change: SessionKeysChange) => void) | undefined;
  readonly #knocks: KnockFilter;
  readonly #perAddress: RateLimiter;
  readonly #global: TokenBucket;
  readonly #sessions = new Map<bigint, Session>();
  readonly #byIp = new Map<string, Set<Session>>();
  /** With `reuseReplyBuffer`: where replies are sealed and requests opened. */
  readonly #replyBuffer: Uint8Array | undefined;
  readonly #openBuffer: Uint8Array | undefined;
  readonly #stats: EchoStats = {
    datagrams: 0,
    replies: 0,
    welcomes: 0,
    closes: 0,
    sessions: { active: 0, opened: 0, refused: 0, closedByClient: 0, expired: 0, idle: 0 },
    dropped: emptyDropped(),
  };

  /**
   * @param options Secret, limits, clocks.
   * @throws {RangeError} When the secret is empty or a limit is out of range.
   */
  constructor(options: EchoHandlerOptions) {
    this.limits = { ...ECHO_LIMIT_DEFAULTS, ...options.limits };
    this.rateLimits = { ...ECHO_RATE_LIMIT_DEFAULTS, ...options.rateLimits };
    if (this.limits.maxPacketSize < KNOCK_SIZE || this.limits.maxPacketSize > 65507) {
      throw new RangeError(
        `Invalid maxPacketSize "${this.limits.maxPacketSize}": expected ${KNOCK_SIZE} to 65507`,
      );
    }
    if (!(this.limits.minInterval > 0)) {
      throw new RangeError(`Invalid minInterval "${this.limits.minInterval}": expected > 0`);
    }
    this.#secret = secretBytes(options.secret);
    this.#knockKey = deriveKnockKey(this.#secret);
    this.#clock = options.clock ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.#sendTime = options.sendTime ?? (() => {
      const raw = this.#clock();
      return { time: raw, raw, corrected: false };
    });
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#random = options.random ?? ((bytes) => crypto.getRandomValues(bytes));
    this.#onSessionEvent = options.onSessionEvent;
    this.#onSessionKeys = options.onSessionKeys;
    this.#knocks = new KnockFilter({ toleranceMs: this.limits.knockTolerance });
    this.#perAddress = new RateLimiter({
      rate: this.rateLimits.packetsPerSecond,
      burst: this.rateLimits.burst,
      maxKeys: this.rateLimits.maxAddresses,
    });
    this.#global = new TokenBucket({
      rate: this.rateLimits.globalPacketsPerSecond,
      burst: this.rateLimits.globalPacketsPerSecond,
    }, this.#monotonic());
    if (options.reuseReplyBuffer) {
      this.#replyBuffer = new Uint8Array(this.limits.maxPacketSize);
      this.#openBuffer = new Uint8Array(this.limits.maxPacketSize);
    }
  }

  /**
   * A copy of the counters.
   *
   * @returns The stats.
   */
  stats(): EchoStats {
    return structuredClone(this.#stats);
  }

  /**
   * The live counters, not a copy: cheap enough to read after every datagram (the server
   * publishes them to its main thread). Read them; never change or keep them.
   *
   * @returns The counters as they are now.
   */
  get counters(): Readonly<EchoStats> {
    return this.#stats;
  }

  /**
   * Handles one datagram. Never throws: anything unexpected is dropped as malformed.
   *
   * @param inbound What the socket received.
   * @returns The datagram to send back, or `undefined` for silence.
   */
  handle(inbound: InboundDatagram): OutboundDatagram | undefined {
    this.#stats.datagrams++;
    try {
      return this.#handle(inbound);
    } catch {
      this.#stats.dropped.malformed++;
      return undefined;
    }
  }

  /**
   * Ends sessions past their duration (with a close to the client) or idle (silently), and
   * forgets old knock nonces. Call it about once a second.
   *
   * @returns Closes to send.
   */
  expire(): OutboundDatagram[] {
    const now = this.#monotonic();
    const out: OutboundDatagram[] = [];
    for (const session of [...this.#sessions.values()]) {
      if (now >= session.endsAt) {
        out.push(this.#closeMessage(session, CloseReason.DurationReached));
        this.#end(session, "duration");
      } else if (now - session.lastSeen >= this.limits.idleTimeout) {
        this.#end(session, "idle");
      }
    }
    this.#knocks.prune(this.#clock());
    return out;
  }

  /**
   * Ends every session, with a close to each client (at shutdown).
   *
   * @returns Closes to send.
   */
  closeAll(): OutboundDatagram[] {
    const out: OutboundDatagram[] = [];
    for (const session of [...this.#sessions.values()]) {
      out.push(this.#closeMessage(session, CloseReason.ServerShutdown));
      this.#end(session, "shutdown");
    }
    return out;
  }

  #handle(inbound: InboundDatagram): OutboundDatagram | undefined {
    const { data } = inbound;
    const dropped = this.#stats.dropped;
    if (inbound.truncated || data.byteLength > this.limits.maxPacketSize) {
      dropped.oversized++;
      return undefined;
    }
    const header = readHeader(data);
    if (!header.ok) {
      if (header.reason === "too_long") dropped.oversized++;
      else dropped.malformed++;
      return undefined;
    }
    const { type, sessionId, counter } = header.value;
    if (type === PacketType.Welcome || type === PacketType.EchoReply) {
      dropped.malformed++;
      return undefined;
    }
    const now = this.#monotonic();
    const session = type === PacketType.Knock ? undefined : this.#sessions.get(sessionId);
    const fromSession = session !== undefined && session.client.port === inbound.from.port &&
      session.client.address === inbound.from.address;
    if (fromSession) {
      if (!session.bucket.take(now)) {
        dropped.rateLimited++;
        return undefined;
      }
    } else if (
      !this.#perAddress.take(inbound.from.address, now) || !this.#global.take(now)
    ) {
      dropped.rateLimited++;
      return undefined;
    }
    if (type === PacketType.Knock) return this.#knock(inbound);
    if (session === undefined) {
      dropped.unknownSession++;
      return undefined;
    }
    if (!fromSession) {
      dropped.addressMismatch++;
      return undefined;
    }
    if (data.byteLength > session.packetSize) {
      dropped.oversized++;
      return undefined;
    }
    if (!session.window.check(counter)) {
      dropped.replayedEcho++;
      return undefined;
    }
    if (type === PacketType.Close) {
      const opened = openClose(session.keys.clientToServer, data, Direction.ClientToServer);
      if (!opened.ok) return this.#refuseSessionPacket(opened.reason);
      session.window.accept(counter);
      this.#stats.sessions.closedByClient++;
      this.#end(session, "client");
      return undefined;
    }
    const opened = openEcho(
      session.keys.clientToServer,
      data,
      PacketType.EchoRequest,
      this.#openBuffer,
    );
    if (!opened.ok) return this.#refuseSessionPacket(opened.reason);
    session.window.accept(counter);
    session.received++;
    session.lastSeen = now;
    const sendTime = this.#sendTime();
    const reply = sealEcho(session.keys.serverToClient, {
      type: PacketType.EchoReply,
      sessionId: session.id,
      counter: ++session.sent,
      size: data.byteLength,
      body: {
        seq: opened.value.body.seq,
        requestCounter: counter,
        clientSendTime: opened.value.body.clientSendTime,
        serverReceiveTime: inbound.receivedAt,
        serverSendTime: sendTime.time,
        serverReceived: session.received,
        flags: (inbound.receivedAtSource === "kernel" ? EchoFlag.ServerReceiveKernel : 0) |
          (sendTime.corrected ? EchoFlag.ServerSendCorrected : 0),
      },
    }, this.#replyBuffer);
    this.#stats.replies++;
    return { data: reply, to: session.client, via: session.via, kind: "reply", sendTime };
  }

  /** Reports a session event; a failing listener must not disturb the packet path. */
  #emit(event: SessionEvent): void {
    try {
      this.#onSessionEvent?.(event);
    } catch { /* the listener's problem */ }
  }

  /** Reports a session's keys (or their end); a failing listener must not disturb the path. */
  #emitKeys(change: SessionKeysChange): void {
    try {
      this.#onSessionKeys?.(change);
    } catch { /* the listener's problem */ }
  }

  #refuseSessionPacket(reason: string): undefined {
    if (reason === "unauthentic") this.#stats.dropped.forged++;
    else this.#stats.dropped.malformed++;
    return undefined;
  }

  #knock(inbound: InboundDatagram): OutboundDatagram | undefined {
    const dropped = this.#stats.dropped;
    const opened = openKnock(this.#knockKey, inbound.data);
    if (!opened.ok) {
      if (opened.reason === "unauthentic") dropped.wrongSecret++;
      else dropped.malformed++;
      return undefined;
    }
    const { nonce, body } = opened.value;
    const verdict = this.#knocks.check(nonce, body.clientTime, this.#clock());
    if (verdict !== "fresh") {
      if (verdict === "stale") dropped.staleKnock++;
      else if (verdict === "replayed") dropped.replayedKnock++;
      else dropped.knockOverload++;
      return undefined;
    }
    const from = inbound.from;
    const clientKey = `${from.address}|${from.port}`;
    const ipSessions = this.#byIp.get(from.address);
    for (const session of ipSessions ?? []) {
      if (session.clientKey === clientKey && sameRandom(session.clientRandom, body.clientRandom)) {
        this.#stats.welcomes++;
        return { data: session.welcome, to: session.client, via: session.via, kind: "welcome" };
      }
    }
    if ((ipSessions?.size ?? 0) >= this.limits.maxSessionsPerAddress) {
      return this.#refuse(inbound, body, WelcomeStatus.TooManySessions);
    }
    if (this.#sessions.size >= this.limits.maxSessions) {
      return this.#refuse(inbound, body, WelcomeStatus.ServerFull);
    }
    return this.#open(inbound, clientKey, body);
  }

  #refuse(inbound: InboundDatagram, body: KnockBody, status: WelcomeStatus): OutboundDatagram {
    const from = inbound.from;
    this.#stats.sessions.refused++;
    this.#stats.welcomes++;
    this.#emit({
      kind: "refused",
      client: from,
      status: status === WelcomeStatus.TooManySessions ? "too_many_sessions" : "server_full",
    });
    const data = sealWelcome(this.#knockKey, 0n, {
      clientRandom: body.clientRandom,
      serverRandom: new Uint8Array(RANDOM_SIZE),
      serverTime: this.#clock(),
      status,
      interval: 0,
      packetSize: 0,
      duration: 0,
      idleTimeout: 0,
    }, this.#random(new Uint8Array(24)));
    const to = { address: from.address, port: from.port };
    return { data, to, via: inbound.via ?? 0, kind: "welcome" };
  }

  #open(inbound: InboundDatagram, clientKey: string, body: KnockBody): OutboundDatagram {
    const from = inbound.from;
    const limits = this.limits;
    const interval = Math.max(body.interval, Math.ceil(limits.minInterval * 1000));
    const packetSize = Math.min(body.packetSize, limits.maxPacketSize);
    const duration = limits.maxDuration === 0
      ? body.duration
      : body.duration === 0
      ? limits.maxDuration
      : Math.min(body.duration, limits.maxDuration);
    let id = 0n;
    const idBytes = new Uint8Array(8);
    while (id === 0n || this.#sessions.has(id)) {
      id = new DataView(this.#random(idBytes).buffer).getBigUint64(0);
    }
    const serverRandom = this.#random(new Uint8Array(RANDOM_SIZE));
    const keys = deriveSessionKeys(this.#secret, body.clientRandom, serverRandom, id);
    const welcome = sealWelcome(this.#knockKey, id, {
      clientRandom: body.clientRandom,
      serverRandom,
      serverTime: this.#clock(),
      status: WelcomeStatus.Accepted,
      interval,
      packetSize,
      duration,
      idleTimeout: Math.round(limits.idleTimeout),
    }, this.#random(new Uint8Array(24)));
    const now = this.#monotonic();
    const client = { address: from.address, port: from.port };
    const session: Session = {
      id,
      idText: id.toString(16).padStart(16, "0"),
      client,
      clientKey,
      ip: from.address,
      via: inbound.via ?? 0,
      keys,
      clientRandom: body.clientRandom,
      welcome,
      packetSize,
      endsAt: duration === 0 ? Infinity : now + duration,
      lastSeen: now,
      window: new ReplayWindow(1024),
      bucket: new TokenBucket({ rate: 1e6 / interval, burst: limits.sessionBurst }, now),
      sent: 0,
      received: 0,
    };
    this.#sessions.set(id, session);
    this.#stats.sessions.active = this.#sessions.size;
    let ipSessions = this.#byIp.get(from.address);
    if (ipSessions === undefined) this.#byIp.set(from.address, ipSessions = new Set());
    ipSessions.add(session);
    this.#stats.sessions.opened++;
    this.#stats.welcomes++;
    this.#emitKeys({ sessionId: id, address: from.address, keys });
    this.#emit({
      kind: "opened",
      sessionId: session.idText,
      client,
      interval: interval / 1000,
      packetSize,
      duration,
    });
    return { data: welcome, to: client, via: session.via, kind: "welcome" };
  }

  #closeMessage(session: Session, reason: CloseReason): OutboundDatagram {
    this.#stats.closes++;
    const data = sealClose(session.keys.serverToClient, {
      sessionId: session.id,
      counter: ++session.sent,
      direction: Direction.ServerToClient,
      reason,
    });
    return { data, to: session.client, via: session.via, kind: "close" };
  }

  #end(session: Session, reason: "client" | "duration" | "idle" | "shutdown"): void {
    if (!this.#sessions.delete(session.id)) return;
    this.#stats.sessions.active = this.#sessions.size;
    const ipSessions = this.#byIp.get(session.ip);
    ipSessions?.delete(session);
    if (ipSessions?.size === 0) this.#byIp.delete(session.ip);
    if (reason === "duration") this.#stats.sessions.expired++;
    if (reason === "idle") this.#stats.sessions.idle++;
    this.#emitKeys({ sessionId: session.id, address: session.ip });
    this.#emit({
      kind: "closed",
      sessionId: session.idText,
      client: session.client,
      reason,
      received: session.received,
    });
  }
}
