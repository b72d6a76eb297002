/**
 * The bufferbane UDP echo service: FFI sockets (kernel receive and send stamps) around the
 * {@linkcode EchoHandler}. It runs in-process (tests, the embedded quickstart server) or under
 * `server/main.ts` (`deno task server`). Needs `--allow-ffi`.
 *
 * Send time of replies: a reply's send time must be inside the sealed reply, so it is a clock
 * reading taken just before sealing, corrected by the lag the kernel's send stamps of earlier
 * replies showed (see `send_stamp_corrector.ts`); `stats().sendStamps` reports what is left.
 * The receive time is the kernel's receive stamp.
 *
 * @module
 */
import { libc, realtimeNs, type SocketAddress, UdpSocket } from "../ffi/mod.ts";
import { SO, SOL } from "../ffi/constants.ts";
import {
  EchoHandler,
  type EchoLimits,
  type EchoRateLimits,
  type EchoStats,
  type OutboundDatagram,
  type SessionEvent,
} from "./echo_handler.ts";
import type { Logger } from "./log.ts";
import { SendStampCorrector, type SendStampStats } from "./send_stamp_corrector.ts";

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
  /** Datagrams dropped because the handler fell behind the socket's queue. */
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
  /** Closes every session (telling clients), then the sockets. */
  close(): Promise<void>;
  /** Same as {@linkcode EchoServer.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

function setReceiveBuffer(socket: UdpSocket, bytes: number): void {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setInt32(0, bytes, true);
  // Best effort: the kernel caps it, and a failure leaves the default.
  libc().setsockopt(socket.fd, SOL.SOCKET, SO.RCVBUF, value, 4);
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
  try {
    return Promise.resolve(start(options));
  } catch (error) {
    return Promise.reject(error);
  }
}

function start(options: EchoServerOptions): EchoServer {
  const logger = options.logger;
  const kernelSendStamps = options.kernelSendStamps ?? true;
  const corrector = new SendStampCorrector({ clock: realtimeNs, correct: kernelSendStamps });
  const handler = new EchoHandler({
    secret: options.secret,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    clock: realtimeNs,
    sendTime: () => corrector.now(),
    onSessionEvent: (event) => logSessionEvent(logger, event),
  });
  const startedAt = new Date();
  const started = performance.now();
  const counters = { sendErrors: 0, icmpErrors: 0 };
  const sockets: UdpSocket[] = [];
  try {
    for (const address of options.listen ?? [{ address: "127.0.0.1", port: 0 }]) {
      const socket = UdpSocket.open({
        bind: { address: address.address, port: address.port },
        sendTimestamps: kernelSendStamps,
        sendStampTimeoutMs: 200,
        maxDatagramSize: handler.limits.maxPacketSize + 1,
        queueLimit: 8192,
      });
      sockets.push(socket);
      setReceiveBuffer(socket, options.receiveBufferBytes ?? 4 * 1024 * 1024);
    }
  } catch (error) {
    for (const socket of sockets) socket.close();
    throw error;
  }

  const send = (out: OutboundDatagram): Promise<void> =>
    (sockets[out.via] ?? sockets[0]!).sendTo(out.data, out.to).then((sent) => {
      if (out.sendTime && sent.sentAtSource === "kernel") {
        corrector.observe(out.sendTime, sent.sentAt);
      }
    }, (error) => {
      counters.sendErrors++;
      logger?.debug("send failed", { to: out.to, error });
    });

  const serve = async (socket: UdpSocket, via: number) => {
    for await (const message of socket.messages()) {
      if (message.kind === "error") {
        counters.icmpErrors++;
        continue;
      }
      const out = handler.handle({ ...message, via });
      if (out) void send(out);
    }
  };
  const loops = sockets.map((socket, via) =>
    serve(socket, via).catch((error) => logger?.error("receive loop failed", { error }))
  );
  const sendAll = (messages: OutboundDatagram[]) => Promise.all(messages.map(send));
  const expiry = setInterval(() => void sendAll(handler.expire()), options.expireEveryMs ?? 1000);
  Deno.unrefTimer(expiry);

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      clearInterval(expiry);
      await sendAll(handler.closeAll());
      for (const socket of sockets) socket.close();
      await Promise.all(loops);
    })();

  const first = sockets[0]!.localAddress;
  return {
    address: first.address,
    port: first.port,
    addresses: sockets.map((socket) => socket.localAddress),
    stats: () => ({
      ...handler.stats(),
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((performance.now() - started) / 100) / 10,
      sendErrors: counters.sendErrors,
      icmpErrors: counters.icmpErrors,
      queueDrops: sockets.reduce((sum, socket) => sum + socket.droppedMessages, 0),
      sendStamps: corrector.stats(),
    }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
