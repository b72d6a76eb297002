/**
 * The bufferbane UDP echo service: FFI sockets (kernel receive and send stamps) around the
 * {@linkcode EchoHandler}. It runs in-process (tests, the embedded quickstart server) or under
 * `server/main.ts` (`deno task server`). Needs `--allow-ffi`, and read access to its own code
 * (the worker loads `_echo_worker.ts`; a local checkout needs `--allow-read` for it).
 *
 * The sockets are opened and bound here (so that a taken port fails the start), then served
 * by a worker thread (`_echo_worker.ts`, `_echo_loop.ts`) that sleeps in a blocking
 * `recvmmsg` between datagrams: no poll, no promise and no thread hop per datagram, and the
 * event loop of the caller stays free. Counters come back through shared memory, so
 * {@linkcode EchoServer.stats} stays synchronous; session events come back as messages.
 *
 * Send time of replies: a reply's send time must be inside the sealed reply, so it is a clock
 * reading taken just before sealing, corrected by the lag the kernel's send stamps of earlier
 * replies showed (see `send_stamp_corrector.ts`); `stats().sendStamps` reports what is left.
 * The receive time is the kernel's receive stamp.
 *
 * @module
 */
import type { SocketAddress } from "../ffi/mod.ts";
import {
  type BlockingUdp,
  closeBlockingUdp,
  openBlockingUdp,
  wakeBlockingUdp,
} from "../ffi/_blocking_udp.ts";
import {
  ECHO_LIMIT_DEFAULTS,
  EchoHandler,
  type EchoLimits,
  type EchoRateLimits,
  type EchoStats,
  type SessionEvent,
  type SessionKeysChange,
} from "./echo_handler.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { SessionDirectory } from "./session_directory.ts";
import type { Logger } from "./log.ts";
import type { SendStampStats } from "./send_stamp_corrector.ts";
import { StatsBoard } from "./_stats_board.ts";
import type { EchoWorkerInit } from "./_echo_worker.ts";

/** Options of {@linkcode startEchoServer}. */
export interface EchoServerOptions {
  /** The shared secret clients must know. */
  secret: string | Uint8Array;
  /**
   * Addresses to listen on; port 0 picks a free port. `"::"` also takes IPv4 on Linux.
   *
   * @default {[{ address: "127.0.0.1", port: 0 }]}
   */
  listen?: readonly SocketAddress[];
  /** Caps (see `ECHO_LIMIT_DEFAULTS`). */
  limits?: Partial<EchoLimits>;
  /** Rate limits outside sessions (see `ECHO_RATE_LIMIT_DEFAULTS`). */
  rateLimits?: Partial<EchoRateLimits>;
  /**
   * Ask the kernel for send stamps and use them to correct reply send times.
   *
   * @default {true}
   */
  kernelSendStamps?: boolean;
  /**
   * Socket receive buffer (`SO_RCVBUF`), bytes; the kernel caps it at `net.core.rmem_max`.
   *
   * @default {4194304}
   */
  receiveBufferBytes?: number;
  /**
   * How often sessions are checked for their end, ms.
   *
   * @default {1000}
   */
  expireEveryMs?: number;
  /** Where session events and errors are logged; nothing is logged without one. */
  logger?: Logger;
}

/** What a running server has seen. */
export interface EchoServerStats extends EchoStats {
  /** When it started (ISO 8601). */
  startedAt: string;
  /** Seconds since the start. */
  uptimeSeconds: number;
  /** Sends the kernel refused. */
  sendErrors: number;
  /** ICMP errors about replies (a client that went away). */
  icmpErrors: number;
  /** Datagrams the sockets dropped with a full receive buffer (the kernel's count). */
  queueDrops: number;
  /** How far reply send times were from the kernel's send stamps. */
  sendStamps: SendStampStats;
}

/** A running echo server. */
export interface EchoServer {
  /** The first listening address. */
  readonly address: string;
  /** The first listening port. */
  readonly port: number;
  /** Every listening address. */
  readonly addresses: readonly SocketAddress[];
  /** Counters since the start. */
  stats(): EchoServerStats;
  /**
   * The keys of a live session whose client is `address` (an `AuthorizeSession` for the TCP
   * throughput service, `server/throughput_services.ts`); `undefined` for an unknown or ended
   * session, or another client.
   */
  readonly sessionKeys: (sessionId: bigint, address: string) => SessionKeys | undefined;
  /** Closes every session (telling clients), then the sockets. */
  close(): Promise<void>;
  /** Same as {@linkcode EchoServer.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

function logSessionEvent(logger: Logger | undefined, event: SessionEvent): void {
  if (!logger) return;
  const { kind, ...fields } = event;
  logger.info(`session ${kind}`, fields);
}

/**
 * Starts the echo service on loopback or public addresses.
 *
 * @param options Secret, addresses, limits.
 * @returns The running server.
 * @throws {SocketError} When an address cannot be bound (`EADDRINUSE`, `EADDRNOTAVAIL`).
 * @throws {RangeError} When the secret is empty or a limit is out of range.
 *
 * @example A loopback server on a free port
 * ```ts ignore
 * import { startEchoServer } from "./udp_echo_server.ts";
 * await using server = await startEchoServer({ secret: "s3cret" });
 * console.log(server.port > 0, server.stats().sessions.active); // true 0
 * ```
 */
export function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  return start(options);
}

/** How long a close waits for the worker to finish its goodbyes before stopping it, ms. */
const CLOSE_TIMEOUT_MS = 5000;

type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "event"; event: SessionEvent }
  | ({ type: "sessionKeys" } & SessionKeysChange)
  | { type: "sendError"; to: SocketAddress; errno: number }
  | { type: "closed" };

async function start(options: EchoServerOptions): Promise<EchoServer> {
  const logger = options.logger;
  const kernelSendStamps = options.kernelSendStamps ?? true;
  // Checks the secret and the limits here, where a RangeError reaches the caller.
  new EchoHandler({
    secret: options.secret,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  const sockets: BlockingUdp[] = [];
  try {
    for (const address of options.listen ?? [{ address: "127.0.0.1", port: 0 }]) {
      sockets.push(openBlockingUdp({
        address: address.address,
        port: address.port,
        sendTimestamps: kernelSendStamps,
        receiveBufferBytes: options.receiveBufferBytes ?? 4 * 1024 * 1024,
      }));
    }
  } catch (error) {
    for (const socket of sockets) closeBlockingUdp(socket.fd);
    throw error;
  }

  const directory = new SessionDirectory(
    options.limits?.maxSessions ?? ECHO_LIMIT_DEFAULTS.maxSessions,
  );
  const board = new StatsBoard();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL("./_echo_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const ready = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<void>();
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    switch (message.type) {
      case "ready":
        ready.resolve();
        break;
      case "failed":
        ready.reject(new Error(`The echo worker failed to start: ${message.message}`));
        break;
      case "event":
        logSessionEvent(logger, message.event);
        break;
      case "sessionKeys":
        if (message.keys) directory.add(message.sessionId, message.address, message.keys);
        else directory.remove(message.sessionId);
        break;
      case "sendError":
        logger?.debug("send failed", { to: message.to, errno: message.errno });
        break;
      case "closed":
        closed.resolve();
        break;
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    logger?.error("echo worker failed", { error: event.message });
    ready.reject(new Error(`The echo worker failed: ${event.message}`));
    closed.resolve();
  };
  const init: EchoWorkerInit = {
    secret: options.secret,
    ...(options.limits ? { limits: { ...options.limits } } : {}),
    ...(options.rateLimits ? { rateLimits: { ...options.rateLimits } } : {}),
    sockets: sockets.map((socket) => ({ fd: socket.fd, sendTimestamps: socket.sendTimestamps })),
    correctSendTimes: kernelSendStamps,
    expireEveryMs: options.expireEveryMs ?? 1000,
    board: board.buffer,
    stop: stop.buffer as SharedArrayBuffer,
  };
  worker.postMessage(init);

  const release = () => {
    worker.terminate();
    for (const socket of sockets) closeBlockingUdp(socket.fd);
  };
  try {
    await ready.promise;
  } catch (error) {
    release();
    throw error;
  }

  const startedAt = new Date();
  const started = performance.now();
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      Atomics.store(stop, 0, 1);
      for (const socket of sockets) wakeBlockingUdp(socket.fd);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed.promise,
        new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)),
      ]);
      clearTimeout(timer);
      release();
      directory.clear();
    })();

  const first = sockets[0]!.localAddress;
  return {
    address: first.address,
    port: first.port,
    addresses: sockets.map((socket) => socket.localAddress),
    stats: () => ({
      ...board.read(),
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((performance.now() - started) / 100) / 10,
    }),
    sessionKeys: (sessionId, address) => directory.authorize(sessionId, address),
    close,
    [Symbol.asyncDispose]: close,
  };
}
