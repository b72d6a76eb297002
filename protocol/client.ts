/**
 * The client side of a bufferbane echo session, over an FFI UDP socket (bound to an interface
 * when asked) with kernel send and receive stamps. Needs `--allow-ffi` (and `--allow-net` to
 * resolve a host name).
 *
 * {@linkcode openSession} knocks (the knock carries the session request), waits for the welcome,
 * and returns an {@linkcode EchoSession}. Sending and receiving are decoupled so that a caller
 * can pace requests on its own absolute schedule with many in flight: {@linkcode EchoSession.send}
 * sends one request at once and resolves with its kernel send stamp;
 * {@linkcode EchoSession.events} (or {@linkcode EchoSession.receive}) yields each reply with all
 * four stamps, matched to its request by the request's packet counter.
 *
 * Fast sessions (an interval of {@linkcode POLL_HOLD_MAX_INTERVAL_MS} or less) read their socket
 * right after each request (`UdpSocket.setPollHold`): the request's kernel send stamp and the
 * replies that came since are taken then, without a round of the reactor's poll per datagram
 * (at 1 ms: 1.0 poll per request instead of 2.3-2.9, about a third less CPU). A reply is then
 * handed over up to three intervals after it came, or at the next request; its kernel stamps,
 * hence its round-trip time, are unaffected.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import {
  formatEndpoint,
  type IpFamily,
  ipFamily,
  realtimeNs,
  type SendStamp,
  type SocketAddress,
  UdpSocket,
} from "../ffi/mod.ts";
import {
  Direction,
  openClose,
  openEcho,
  openWelcome,
  sealClose,
  sealEcho,
  sealKnock,
} from "./codec.ts";
import { deriveKnockKey, deriveSessionKeys, secretBytes, type SessionKeys } from "./keys.ts";
import { ReplayWindow } from "./replay_window.ts";
import {
  CloseReason,
  ECHO_MIN_SIZE,
  EchoFlag,
  MAX_COUNTER,
  MAX_PACKET_SIZE,
  PacketType,
  RANDOM_SIZE,
  readHeader,
  WelcomeStatus,
} from "./wire.ts";

/**
 * Sessions at this interval or faster, ms, read their socket after each request instead of
 * through the reactor's poll (see the module documentation).
 *
 * @example Reading the limit
 * ```ts
 * import { POLL_HOLD_MAX_INTERVAL_MS } from "./client.ts";
 * console.log(POLL_HOLD_MAX_INTERVAL_MS); // 5
 * ```
 */
export const POLL_HOLD_MAX_INTERVAL_MS = 5;

/** Options of {@linkcode openSession}. */
export interface OpenSessionOptions {
  /** The server: an IP address or a host name. */
  host: string;
  /**
   * The server's UDP port.
   *
   * @default {9876}
   */
  port?: number;
  /** The server's shared secret. */
  secret: string | Uint8Array;
  /** Interface to send and receive through (`SO_BINDTODEVICE`). */
  device?: string;
  /**
   * DSCP of the knocks and requests: 0 to 63 or a name such as `"EF"`, `"AF41"`, `"CS1"` (set on
   * the socket with `IP_TOS` / `IPV6_TCLASS`, see `ffi/dscp.ts`). The server's replies carry
   * whatever the server marks them with.
   *
   * @default {undefined (not set: the system default, 0)}
   */
  dscp?: number | string;
  /**
   * IP version, when `host` is a name (a literal address decides by itself).
   *
   * @default {4, then 6 when the name has no IPv4 address}
   */
  family?: IpFamily;
  /**
   * The interval the caller plans to send at, ms; the server may grant a longer one (see
   * {@linkcode SessionParameters.interval}). Send no faster than the granted interval on
   * average: beyond a short burst the server drops requests silently, which looks like loss on
   * the way up.
   *
   * @default {1000}
   */
  interval?: number;
  /**
   * The largest packet the caller will send, bytes; the server may grant less.
   *
   * @default {1472}
   */
  packetSize?: number;
  /**
   * How long the session should last, ms; 0 for as long as the server allows.
   *
   * @default {0}
   */
  duration?: number;
  /**
   * How long to wait for the welcome after each knock, ms.
   *
   * @default {1000}
   */
  handshakeTimeout?: number;
  /**
   * Knocks sent before giving up.
   *
   * @default {3}
   */
  attempts?: number;
  /**
   * How long a request is remembered to match its reply, ms; later replies are dropped (and
   * counted as `unmatched`).
   *
   * @default {60000}
   */
  replyHorizon?: number;
  /** Aborts the handshake. */
  signal?: AbortSignal;
}

/** What the server granted. */
export interface SessionParameters {
  /**
   * Send no faster than this on average, ms: the server gives each session a token bucket
   * refilled at this interval (with a burst of 32 requests by default) and drops what exceeds
   * it, silently.
   */
  interval: number;
  /** The largest packet accepted, bytes. */
  packetSize: number;
  /** How long the session lasts, ms; 0 for no limit. */
  duration: number;
  /** The session ends after this long without a request, ms. */
  idleTimeout: number;
}

/** Options of {@linkcode EchoSession.send}. */
export interface EchoSendOptions {
  /**
   * Packet size in bytes (the reply has the same size).
   *
   * @default {ECHO_MIN_SIZE (92)}
   */
  size?: number;
}

/** A request that left. */
export interface EchoSent extends SendStamp {
  /** The caller's sequence number. */
  seq: number;
  /** The request's packet counter (1, 2, ...). */
  counter: number;
  /** Packet size in bytes. */
  size: number;
}

/** A reply, with the four stamps of its round trip. */
export interface EchoReply {
  /** Discriminant. */
  kind: "reply";
  /** The request's sequence number. */
  seq: number;
  /** Packet size in bytes (request and reply alike). */
  size: number;
  /** When the request left: the kernel's send stamp, `CLOCK_REALTIME` ns (client clock). */
  clientSentAt: bigint;
  /** `"kernel"`, or `"user"` when no kernel stamp came. */
  clientSentAtSource: "kernel" | "user";
  /** When the server received the request, ns (server clock). */
  serverReceivedAt: bigint;
  /** `"kernel"` when the server took it from the kernel's receive stamp. */
  serverReceivedAtSource: "kernel" | "user";
  /** When the server sent the reply, ns (server clock). */
  serverSentAt: bigint;
  /** Whether the server corrected its send time with kernel send stamps. */
  serverSentAtCorrected: boolean;
  /** When the reply arrived: the kernel's receive stamp, ns (client clock). */
  clientReceivedAt: bigint;
  /** `"kernel"`, or `"user"` when no kernel stamp came. */
  clientReceivedAtSource: "kernel" | "user";
  /** Distinct requests of this session the server had received, this one included. */
  serverReceived: number;
  /** Requests this session had sent up to and including this one. */
  sent: number;
  /** Distinct replies received so far, this one included. */
  replies: number;
}

/** The server ended the session. */
export interface EchoSessionClosed {
  /** Discriminant. */
  kind: "closed";
  /** Why. */
  reason: "duration" | "shutdown";
}

/** An ICMP error about the requests (port unreachable, no route, ...). */
export interface EchoUnreachable {
  /** Discriminant. */
  kind: "unreachable";
  /** E.g. `"destination unreachable: port unreachable (connection refused)"`. */
  reason: string;
  /** E.g. `"ECONNREFUSED"`. */
  errnoName: string;
  /** When it arrived, ns. */
  receivedAt: bigint;
}

/** What {@linkcode EchoSession.receive} gives. */
export type EchoEvent = EchoReply | EchoSessionClosed | EchoUnreachable;

/** What a session has counted. */
export interface EchoSessionStats {
  /** Requests sent. */
  sent: number;
  /** Distinct replies received. */
  replies: number;
  /** Replies dropped as copies of one already received (same packet counter). */
  duplicates: number;
  /** Replies for requests no longer remembered (older than `replyHorizon`). */
  unmatched: number;
  /** Datagrams from the server's address that failed authentication or checks. */
  invalid: number;
  /** Datagrams from other addresses. */
  strays: number;
}

interface Pending {
  seq: number;
  size: number;
  index: number;
  at: number;
  stamp: Promise<SendStamp>;
}

interface Handshake {
  sessionId: bigint;
  keys: SessionKeys;
  parameters: SessionParameters;
}

async function resolveServer(
  host: string,
  port: number,
  family: IpFamily | undefined,
): Promise<SocketAddress> {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (ipFamily(literal) !== undefined) return { address: literal, port };
  const kinds: ("A" | "AAAA")[] = family === 6 ? ["AAAA"] : family === 4 ? ["A"] : ["A", "AAAA"];
  let cause: unknown;
  for (const kind of kinds) {
    try {
      const [address] = await Deno.resolveDns(host, kind);
      if (address !== undefined) return { address, port };
    } catch (error) {
      cause = error;
    }
  }
  throw new BufferbaneError(ErrorCode.Server, `Cannot resolve server "${host}"`, { cause });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

function sameEndpoint(a: SocketAddress, b: SocketAddress): boolean {
  return a.port === b.port && a.address === b.address;
}

function timeoutError(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof DOMException &&
    signal.reason.name === "TimeoutError";
}

async function handshake(
  socket: UdpSocket,
  server: SocketAddress,
  options: OpenSessionOptions,
): Promise<Handshake> {
  const secret = secretBytes(options.secret);
  const knockKey = deriveKnockKey(secret);
  const clientRandom = crypto.getRandomValues(new Uint8Array(RANDOM_SIZE));
  const interval = Math.max(1, Math.round((options.interval ?? 1000) * 1000));
  const packetSize = options.packetSize ?? 1472;
  if (!Number.isInteger(packetSize) || packetSize < ECHO_MIN_SIZE || packetSize > MAX_PACKET_SIZE) {
    throw new RangeError(
      `Invalid packetSize "${packetSize}": expected ${ECHO_MIN_SIZE} to ${MAX_PACKET_SIZE}`,
    );
  }
  const attempts = options.attempts ?? 3;
  const target = formatEndpoint(server);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const knock = sealKnock(knockKey, {
      clientTime: realtimeNs(),
      clientRandom,
      interval,
      packetSize,
      duration: Math.round(options.duration ?? 0),
    });
    await socket.sendTo(knock, server);
    const timeout = AbortSignal.timeout(options.handshakeTimeout ?? 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    while (true) {
      let message;
      try {
        message = await socket.receive(signal);
      } catch (error) {
        if (timeoutError(timeout) && !options.signal?.aborted) break;
        throw error;
      }
      if (message.kind === "error") {
        throw new BufferbaneError(
          ErrorCode.Server,
          `Server "${target}" is unreachable: ${message.reason}`,
          { hint: "check the host, the port and that the server runs" },
        );
      }
      if (!sameEndpoint(message.from, server)) continue;
      const welcome = openWelcome(knockKey, message.data);
      if (!welcome.ok || !sameBytes(welcome.value.body.clientRandom, clientRandom)) continue;
      const body = welcome.value.body;
      if (body.status !== WelcomeStatus.Accepted) {
        throw new BufferbaneError(
          ErrorCode.Server,
          `Server "${target}" refused the session: ${
            body.status === WelcomeStatus.TooManySessions
              ? "too many sessions from this address"
              : "server full"
          }`,
          { hint: "close other sessions to this server, or try again later" },
        );
      }
      const sessionId = welcome.value.sessionId;
      return {
        sessionId,
        keys: deriveSessionKeys(secret, clientRandom, body.serverRandom, sessionId),
        parameters: {
          interval: body.interval / 1000,
          packetSize: body.packetSize,
          duration: body.duration,
          idleTimeout: body.idleTimeout,
        },
      };
    }
  }
  throw new BufferbaneError(
    ErrorCode.Server,
    `No answer from server "${target}" after ${attempts} knocks`,
    {
      hint: "check the secret, the port, the firewall, and that this clock is within 30 s " +
        "of the server's (the server stays silent to invalid knocks)",
    },
  );
}

/**
 * Opens a session with a bufferbane echo server.
 *
 * @param options Server, secret, device and what to ask for.
 * @returns The open session.
 * @throws {BufferbaneError} `SERVER` when the server does not answer, refuses, is unreachable
 * or cannot be resolved.
 * @throws {SocketError} When the socket cannot be opened or bound to the device.
 * @throws {DscpError} When `dscp` is not 0 to 63 or a known name.
 *
 * @example Ten requests at 10 ms, replies read as they come
 * ```ts ignore
 * import { openSession } from "./client.ts";
 * await using session = await openSession({ host: "127.0.0.1", port: 9876, secret: "s3cret", interval: 10 });
 * const replies = (async () => {
 *   for await (const event of session.events(AbortSignal.timeout(2000))) {
 *     if (event.kind === "reply") console.log(event.seq, event.clientReceivedAt - event.clientSentAt);
 *     if (event.kind === "reply" && event.seq === 9) return;
 *   }
 * })();
 * for (let seq = 0; seq < 10; seq++) {
 *   await session.send(seq, { size: 172 });
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 * }
 * await replies;
 * ```
 */
export async function openSession(options: OpenSessionOptions): Promise<EchoSession> {
  const server = await resolveServer(options.host, options.port ?? 9876, options.family);
  const socket = UdpSocket.open({
    family: ipFamily(server.address) ?? 4,
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.dscp !== undefined ? { dscp: options.dscp } : {}),
  });
  try {
    const opened = await handshake(socket, server, options);
    const interval = Math.max(options.interval ?? 1000, opened.parameters.interval);
    if (interval <= POLL_HOLD_MAX_INTERVAL_MS) socket.setPollHold(Math.max(2, 3 * interval));
    return new EchoSession(socket, server, opened, options.replyHorizon ?? 60_000);
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * An open echo session. Create it with {@linkcode openSession}.
 *
 * @example One echo, the sequential way
 * ```ts ignore
 * import { openSession } from "./client.ts";
 * await using session = await openSession({ host: "127.0.0.1", secret: "s3cret" });
 * const reply = await session.echo(0, { timeout: 1000 });
 * if (reply) console.log(Number(reply.clientReceivedAt - reply.clientSentAt) / 1e6, "ms");
 * ```
 */
export class EchoSession {
  /** The session id the server chose. */
  readonly sessionId: bigint;
  /** What the server granted. */
  readonly parameters: SessionParameters;
  /** The server's address and port. */
  readonly server: SocketAddress;
  readonly #socket: UdpSocket;
  readonly #keys: SessionKeys;
  readonly #window = new ReplayWindow(1024);
  readonly #pending = new Map<number, Pending>();
  readonly #horizon: number;
  readonly #stats: EchoSessionStats = {
    sent: 0,
    replies: 0,
    duplicates: 0,
    unmatched: 0,
    invalid: 0,
    strays: 0,
  };
  #counter = 0;
  #ended: EchoSessionClosed["reason"] | "closed" | undefined;

  /** @internal Use {@linkcode openSession}. */
  constructor(socket: UdpSocket, server: SocketAddress, opened: Handshake, horizon: number) {
    this.#socket = socket;
    this.server = server;
    this.sessionId = opened.sessionId;
    this.parameters = opened.parameters;
    this.#keys = opened.keys;
    this.#horizon = horizon;
  }

  /** The local address and port. */
  get localAddress(): SocketAddress {
    return this.#socket.localAddress;
  }

  /**
   * The session's keys, for what the session authorizes besides echoes: the TCP throughput
   * streams derive their HELLO key from them (`protocol/throughput_keys.ts`). Never send or log
   * them.
   */
  get keys(): SessionKeys {
    return this.#keys;
  }

  /**
   * The DSCP the requests carry, as read back from the socket (0 when none was asked for).
   *
   * @throws {SocketError} `EBADF` once the session is closed.
   */
  get dscp(): number {
    return this.#socket.dscp;
  }

  /** Whether the session ended (closed here, or by the server). */
  get closed(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * Counters since the session opened.
   *
   * @returns A copy of the counters.
   */
  stats(): EchoSessionStats {
    return { ...this.#stats };
  }

  /**
   * Sends one echo request now. The system call happens before this returns.
   *
   * @param seq The caller's sequence number (0 to 2^53 - 1), returned in the reply.
   * @param options Packet size.
   * @returns The request's counter and its kernel send stamp (when the kernel gives it).
   * @throws {RangeError} (synchronously) When `seq` or `size` is out of range (`size` above the
   * granted `packetSize`).
   * @throws {BufferbaneError} (synchronously) `SERVER` when the session has ended.
   * @throws {SocketError} (as a rejection) When the send fails (`ENETUNREACH`, ...).
   */
  send(seq: number, options: EchoSendOptions = {}): Promise<EchoSent> {
    const size = options.size ?? ECHO_MIN_SIZE;
    if (!Number.isInteger(size) || size < ECHO_MIN_SIZE || size > this.parameters.packetSize) {
      throw new RangeError(
        `Invalid size "${size}": expected ${ECHO_MIN_SIZE} to ${this.parameters.packetSize}`,
      );
    }
    this.#assertOpen();
    if (this.#counter >= MAX_COUNTER) {
      throw new BufferbaneError(ErrorCode.Server, "Session counter exhausted: open a new session");
    }
    const counter = this.#counter + 1;
    const packet = sealEcho(this.#keys.clientToServer, {
      type: PacketType.EchoRequest,
      sessionId: this.sessionId,
      counter,
      size,
      body: {
        seq,
        requestCounter: 0,
        clientSendTime: realtimeNs(),
        serverReceiveTime: 0n,
        serverSendTime: 0n,
        serverReceived: 0,
        flags: 0,
      },
    });
    this.#counter = counter;
    const stamp = this.#socket.sendTo(packet, this.server);
    stamp.catch(() => {}); // a failed send rejects the caller's promise; the reply never comes
    this.#forgetOld();
    this.#pending.set(counter, {
      seq,
      size,
      index: this.#stats.sent++,
      at: performance.now(),
      stamp,
    });
    return stamp.then((sent) => ({
      seq,
      counter,
      size,
      sentAt: sent.sentAt,
      sentAtSource: sent.sentAtSource,
    }));
  }

  /**
   * The next reply, server close or ICMP error. Datagrams that are not valid for this session
   * are dropped and counted. Use one reader at a time.
   *
   * @param signal Aborts the wait.
   * @returns The event.
   * @throws {SocketError} `EBADF` once the session is closed; the signal's reason on abort.
   */
  async receive(signal?: AbortSignal): Promise<EchoEvent> {
    while (true) {
      const message = await this.#socket.receive(signal);
      if (message.kind === "error") {
        return {
          kind: "unreachable",
          reason: message.reason,
          errnoName: message.errnoName,
          receivedAt: message.receivedAt,
        };
      }
      if (!sameEndpoint(message.from, this.server)) {
        this.#stats.strays++;
        continue;
      }
      const event = await this.#decode(message.data, message.receivedAt, message.receivedAtSource);
      if (event) return event;
    }
  }

  /**
   * Events as they come, until the session is closed here or the signal aborts. The server's
   * close is yielded, then the iteration ends.
   *
   * @param signal Stops the iteration.
   * @returns An async iterator of events.
   */
  async *events(signal?: AbortSignal): AsyncGenerator<EchoEvent, void, undefined> {
    while (this.#ended === undefined) {
      let event: EchoEvent;
      try {
        event = await this.receive(signal);
      } catch (error) {
        if (this.#ended !== undefined || signal?.aborted) return;
        throw error;
      }
      yield event;
      if (event.kind === "closed") return;
    }
  }

  /**
   * Sends one request and waits for its reply (replies to other requests are dropped): for
   * sequential use. Do not mix with {@linkcode EchoSession.events}.
   *
   * @param seq The sequence number.
   * @param options Size and how long to wait, ms (default 1000).
   * @returns The reply, or `undefined` when none came in time.
   */
  async echo(
    seq: number,
    options: EchoSendOptions & { timeout?: number } = {},
  ): Promise<EchoReply | undefined> {
    const sent = await this.send(seq, options);
    const signal = AbortSignal.timeout(options.timeout ?? 1000);
    try {
      while (true) {
        const event = await this.receive(signal);
        if (event.kind === "reply" && event.seq === seq && event.clientSentAt === sent.sentAt) {
          return event;
        }
        if (event.kind === "closed") return undefined;
      }
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
  }

  /**
   * Tells the server the session is over (unless it ended it) and closes the socket.
   */
  async close(): Promise<void> {
    if (this.#socket.closed) return;
    if (this.#ended === undefined && this.#counter < MAX_COUNTER) {
      const packet = sealClose(this.#keys.clientToServer, {
        sessionId: this.sessionId,
        counter: ++this.#counter,
        direction: Direction.ClientToServer,
        reason: CloseReason.ClientDone,
      });
      await this.#socket.sendTo(packet, this.server).catch(() => {});
    }
    this.#ended ??= "closed";
    this.#socket.close();
  }

  /** Same as {@linkcode EchoSession.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#ended !== undefined) {
      throw new BufferbaneError(
        ErrorCode.Server,
        this.#ended === "closed"
          ? "Session is closed"
          : `Session was ended by the server: ${this.#ended}`,
        { hint: "open a new session" },
      );
    }
  }

  #forgetOld(): void {
    const horizon = performance.now() - this.#horizon;
    for (const [counter, pending] of this.#pending) {
      if (pending.at >= horizon && this.#pending.size < 1_000_000) break;
      this.#pending.delete(counter);
    }
  }

  async #decode(
    data: Uint8Array,
    receivedAt: bigint,
    receivedAtSource: "kernel" | "user",
  ): Promise<EchoEvent | undefined> {
    const header = readHeader(data);
    if (!header.ok || header.value.sessionId !== this.sessionId) {
      this.#stats.invalid++;
      return undefined;
    }
    const { type, counter } = header.value;
    // A late copy of the welcome (a knock was retried, or the network doubled it): harmless.
    if (type === PacketType.Welcome) return undefined;
    if (!this.#window.check(counter)) {
      this.#stats.duplicates++;
      return undefined;
    }
    if (type === PacketType.Close) {
      const opened = openClose(this.#keys.serverToClient, data, Direction.ServerToClient);
      if (!opened.ok) {
        this.#stats.invalid++;
        return undefined;
      }
      this.#window.accept(counter);
      const reason = opened.value.body.reason === CloseReason.DurationReached
        ? "duration"
        : "shutdown";
      this.#ended = reason;
      return { kind: "closed", reason };
    }
    const opened = openEcho(this.#keys.serverToClient, data, PacketType.EchoReply);
    if (!opened.ok) {
      this.#stats.invalid++;
      return undefined;
    }
    this.#window.accept(counter);
    const body = opened.value.body;
    const pending = this.#pending.get(body.requestCounter);
    if (pending === undefined || pending.seq !== body.seq) {
      this.#stats.unmatched++;
      return undefined;
    }
    this.#pending.delete(body.requestCounter);
    const replies = ++this.#stats.replies;
    const stamp = await pending.stamp.catch(() => undefined);
    if (stamp === undefined) {
      this.#stats.unmatched++;
      return undefined;
    }
    return {
      kind: "reply",
      seq: body.seq,
      size: opened.value.size,
      clientSentAt: stamp.sentAt,
      clientSentAtSource: stamp.sentAtSource,
      serverReceivedAt: body.serverReceiveTime,
      serverReceivedAtSource: body.flags & EchoFlag.ServerReceiveKernel ? "kernel" : "user",
      serverSentAt: body.serverSendTime,
      serverSentAtCorrected: (body.flags & EchoFlag.ServerSendCorrected) !== 0,
      clientReceivedAt: receivedAt,
      clientReceivedAtSource: receivedAtSource,
      serverReceived: body.serverReceived,
      sent: pending.index + 1,
      replies,
    };
  }
}
