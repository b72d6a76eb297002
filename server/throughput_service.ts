/**
 * The TCP throughput service: the server end of the CLI's throughput and bufferbloat tests.
 *
 * Each connection is one stream. The client sends a HELLO (`protocol/throughput_wire.ts`)
 * authorized by its open UDP echo session; {@linkcode ThroughputAdmission} checks it. A
 * stranger (no session, a wrong proof, a replayed HELLO) and a client over its limits get the
 * connection closed without a single byte sent (the kernel's TCP handshake is all they ever
 * see). An admitted client gets a GRANT, then:
 *
 * - download: the server writes incompressible bytes (one random 256 KiB buffer, reused) as
 *   fast as the connection takes them for the granted duration, then closes;
 * - upload: the server reads and drops what comes until the client closes, or the granted
 *   duration plus `grace` is over, then closes.
 *
 * Every stream is bounded in time: a timer closes the connection at the granted duration plus
 * `grace` whatever the client does (a client that stops reading cannot hold a download open).
 * Bytes are charged to the client's hourly allowance as they move; a client that runs out has
 * its streams closed. Connections that do not deliver a whole HELLO within `helloTimeout` are
 * closed; so is every connection beyond `connectionsPerSecond` per client address, or beyond
 * `maxPendingHandshakes` handshakes in progress.
 *
 * Congestion control: a download's HELLO may name the algorithm the server should send with
 * (the sender's algorithm is what shapes a queue); it is set on that stream's socket before the
 * GRANT, which tells the client whether the kernel took it (`protocol/throughput_wire.ts`).
 *
 * I/O: the FFI sockets of `ffi/tcp_listener.ts` (so that each accepted connection's options can
 * be set: `Deno.listen` gives no descriptor), read and written without blocking through the
 * shared reactor, on reused 256 KiB buffers (`bench/throughput_vs_iperf3.ts` compares it with
 * iperf3 on loopback).
 *
 * @module
 */
import type { SocketAddress } from "../ffi/structs.ts";
import { TcpListener } from "../ffi/tcp_listener.ts";
import type { TcpSocket } from "../ffi/tcp_socket.ts";
import { HELLO_SIZE, StreamDirection } from "../protocol/throughput_wire.ts";
import {
  type AdmissionStats,
  type AuthorizeSession,
  type HelloRefusal,
  ThroughputAdmission,
} from "./throughput_admission.ts";
import {
  ThroughputLimiter,
  type ThroughputLimiterStats,
  type ThroughputLimits,
} from "./throughput_limits.ts";
import { RateLimiter } from "./rate_limit.ts";

/** Options of {@linkcode startThroughputService}. */
export interface ThroughputServiceOptions {
  /** Finds the keys of a live UDP echo session (see {@linkcode AuthorizeSession}). */
  authorize: AuthorizeSession;
  /**
   * Where to listen (TCP); port 0 picks a free port. `"::"` also takes IPv4 on Linux.
   *
   * @default {[{ address: "127.0.0.1", port: 0 }]}
   */
  listen?: readonly SocketAddress[];
  /** Caps (see `THROUGHPUT_LIMIT_DEFAULTS`); ignored when `limiter` is given. */
  limits?: Partial<ThroughputLimits>;
  /**
   * The limiter to count streams and bytes with; pass the one the HTTP endpoints use so that a
   * client's streams count once.
   *
   * @default {a new ThroughputLimiter(limits)}
   */
  limiter?: ThroughputLimiter;
  /**
   * How long a client has to send its whole HELLO after connecting, ms.
   *
   * @default {5000}
   */
  helloTimeout?: number;
  /**
   * How long past the granted duration an upload is read, and any stream is left open, ms.
   *
   * @default {2000}
   */
  grace?: number;
  /**
   * New connections per second accepted from one client address (with a burst of twice as
   * many); beyond it connections are closed at once.
   *
   * @default {20}
   */
  connectionsPerSecond?: number;
  /**
   * Connections still in their handshake at once, all clients together.
   *
   * @default {256}
   */
  maxPendingHandshakes?: number;
  /**
   * Bytes per read and write.
   *
   * @default {262144}
   */
  bufferSize?: number;
  /** Called when a stream is granted or ends, or a connection is refused (for logs). */
  onEvent?: (event: ThroughputEvent) => void;
}

/** Something the service did, for logs. */
export type ThroughputEvent =
  | {
    kind: "granted";
    client: string;
    sessionId: string;
    direction: "download" | "upload";
    index: number;
    count: number;
    duration: number;
  }
  | {
    kind: "ended";
    client: string;
    sessionId: string;
    direction: "download" | "upload";
    index: number;
    bytes: number;
    ms: number;
    reason: "done" | "client_closed" | "deadline" | "bytes_per_hour" | "error" | "shutdown";
  }
  | { kind: "refused"; client: string; reason: HelloRefusal | ConnectionRefusal };

/** Why a connection was closed before its HELLO was read. */
export type ConnectionRefusal = "rate_limited" | "overloaded" | "hello_timeout" | "short_hello";

/** What a running service has seen. */
export interface ThroughputServiceStats {
  /** Connections accepted. */
  connections: number;
  /** Connections closed before their HELLO was read, by reason. */
  dropped: Record<ConnectionRefusal, number>;
  /** The handshake's counters. */
  admission: AdmissionStats;
  /** Streams and bytes per client (shared with the HTTP endpoints when they share it). */
  limiter: ThroughputLimiterStats;
  /** Streams open now, per direction. */
  active: { download: number; upload: number };
  /** Bytes sent (downloads) and received (uploads) by this service. */
  bytes: { sent: number; received: number };
}

/** A running throughput service. */
export interface ThroughputService {
  /** Where it listens (with the ports picked). */
  readonly addresses: SocketAddress[];
  /** The limiter it charges. */
  readonly limiter: ThroughputLimiter;
  /**
   * What it has seen.
   *
   * @returns A copy of the counters.
   */
  stats(): ThroughputServiceStats;
  /** Stops listening and closes every stream. */
  close(): Promise<void>;
}

/**
 * Starts the TCP throughput service (see the module documentation).
 *
 * @param options The session lookup, where to listen, limits.
 * @returns The running service.
 * @throws {SocketError} `EADDRINUSE` when a port is taken (and other listen errors).
 *
 * @example Strangers get nothing
 * ```ts
 * import { startThroughputService } from "./throughput_service.ts";
 * const service = await startThroughputService({ authorize: () => undefined });
 * const { port } = service.addresses[0]!;
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 * await conn.write(new Uint8Array(68)); // not a HELLO
 * console.log(await conn.read(new Uint8Array(64))); // null: closed without a byte
 * conn.close();
 * await service.close();
 * ```
 */
export async function startThroughputService(
  options: ThroughputServiceOptions,
): Promise<ThroughputService> {
  const limiter = options.limiter ?? new ThroughputLimiter(options.limits ?? {});
  const admission = new ThroughputAdmission({ authorize: options.authorize, limiter });
  const helloTimeout = options.helloTimeout ?? 5_000;
  const grace = options.grace ?? 2_000;
  const perSecond = options.connectionsPerSecond ?? 20;
  const connectionLimiter = new RateLimiter({ rate: perSecond, burst: perSecond * 2 });
  const maxPending = options.maxPendingHandshakes ?? 256;
  const bufferSize = options.bufferSize ?? 262_144;
  const payload = randomPayload(bufferSize);
  const emit = options.onEvent ?? (() => {});
  const listeners: TcpListener[] = [];
  try {
    for (const { address, port } of options.listen ?? [{ address: "127.0.0.1", port: 0 }]) {
      listeners.push(TcpListener.listen({ address, port, readBufferSize: bufferSize }));
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    throw error;
  }
  const open = new Set<TcpSocket>();
  const tasks = new Set<Promise<void>>();
  const dropped: Record<ConnectionRefusal, number> = {
    rate_limited: 0,
    overloaded: 0,
    hello_timeout: 0,
    short_hello: 0,
  };
  const active = { download: 0, upload: 0 };
  const bytes = { sent: 0, received: 0 };
  let connections = 0;
  let pending = 0;
  let closing = false;

  const closeQuietly = (conn: TcpSocket) => {
    open.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  };

  async function readHello(conn: TcpSocket): Promise<Uint8Array | ConnectionRefusal> {
    const hello = new Uint8Array(HELLO_SIZE);
    let got = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeQuietly(conn);
    }, helloTimeout);
    try {
      while (got < HELLO_SIZE) {
        const n = await conn.read(hello.subarray(got));
        if (n === null) return "short_hello";
        got += n;
      }
      return hello;
    } catch {
      return timedOut ? "hello_timeout" : "short_hello";
    } finally {
      clearTimeout(timer);
    }
  }

  async function handle(conn: TcpSocket): Promise<void> {
    const client = conn.remoteAddress.address;
    connections++;
    if (!connectionLimiter.take(client, performance.now())) {
      dropped.rate_limited++;
      emit({ kind: "refused", client, reason: "rate_limited" });
      return closeQuietly(conn);
    }
    if (pending >= maxPending) {
      dropped.overloaded++;
      emit({ kind: "refused", client, reason: "overloaded" });
      return closeQuietly(conn);
    }
    pending++;
    let admitted;
    try {
      const hello = await readHello(conn);
      if (typeof hello === "string") {
        dropped[hello]++;
        emit({ kind: "refused", client, reason: hello });
        return closeQuietly(conn);
      }
      admitted = await admission.admit(hello, client, conn);
    } finally {
      pending--;
    }
    if (!admitted.ok) {
      emit({ kind: "refused", client, reason: admitted.reason });
      return closeQuietly(conn);
    }
    const { ticket, hello, duration } = admitted;
    const direction = hello.direction === StreamDirection.Download ? "download" : "upload";
    const sessionId = admitted.sessionId.toString(16).padStart(16, "0");
    if (closing) {
      ticket.close();
      return closeQuietly(conn);
    }
    emit({
      kind: "granted",
      client,
      sessionId,
      direction,
      index: hello.index,
      count: hello.count,
      duration,
    });
    active[direction]++;
    const started = performance.now();
    const end = started + duration;
    let reason: Extract<ThroughputEvent, { kind: "ended" }>["reason"] = "done";
    let deadlineHit = false;
    const deadline = setTimeout(() => {
      deadlineHit = true;
      closeQuietly(conn);
    }, duration + grace);
    let moved = 0;
    try {
      await conn.writeAll(admitted.grant);
      if (direction === "download") {
        while (performance.now() < end) {
          const n = await conn.write(payload);
          moved += n;
          bytes.sent += n;
          if (!ticket.charge(n)) {
            reason = "bytes_per_hour";
            break;
          }
        }
      } else {
        const buffer = new Uint8Array(bufferSize);
        for (;;) {
          const n = await conn.read(buffer);
          if (n === null) break;
          moved += n;
          bytes.received += n;
          if (!ticket.charge(n)) {
            reason = "bytes_per_hour";
            break;
          }
        }
      }
    } catch {
      reason = closing ? "shutdown" : deadlineHit ? "deadline" : "client_closed";
    } finally {
      clearTimeout(deadline);
      ticket.close();
      active[direction]--;
      closeQuietly(conn);
    }
    emit({
      kind: "ended",
      client,
      sessionId,
      direction,
      index: hello.index,
      bytes: moved,
      ms: Math.round(performance.now() - started),
      reason,
    });
  }

  async function acceptLoop(listener: TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        if (closing) {
          closeQuietly(conn);
          continue;
        }
        open.add(conn);
        const task = handle(conn).catch(() => closeQuietly(conn)).finally(() => tasks.delete(task));
        tasks.add(task);
      }
    } catch {
      // The listener was closed.
    }
  }

  const loops = listeners.map(acceptLoop);
  const addresses = listeners.map((listener) => ({ ...listener.address }));
  await Promise.resolve();
  return {
    addresses,
    limiter,
    stats: () => ({
      connections,
      dropped: { ...dropped },
      admission: admission.stats(),
      limiter: limiter.stats(),
      active: { ...active },
      bytes: { ...bytes },
    }),
    async close() {
      if (closing) return;
      closing = true;
      for (const listener of listeners) {
        try {
          listener.close();
        } catch { /* already closed */ }
      }
      for (const conn of [...open]) closeQuietly(conn);
      await Promise.all(loops);
      await Promise.all([...tasks]);
    },
  };
}

/** Incompressible bytes: a random buffer (random values are drawn 64 KiB at a time). */
function randomPayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(payload.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return payload;
}
