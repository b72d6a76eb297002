/**
 * A TCP listener through FFI: accepted connections are {@linkcode TcpSocket}s, so the server
 * can set per-connection options that `Deno.listen` cannot reach (the congestion control a
 * throughput client asks for, `TCP_INFO`). Accepting waits on the shared reactor, never
 * blocking the event loop.
 *
 * @module
 */
import { IPPROTO, POLL, SHUT, SO, SOCK, SOL } from "./constants.ts";
import { checked, ERRNO, lastErrno, SocketError } from "./errno.ts";
import { parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import { sharedReactor, type Watch } from "./reactor.ts";
import {
  allocate,
  decodeSockaddr,
  encodeInt32,
  formatEndpoint,
  type SocketAddress,
} from "./structs.ts";
import { bindAddress, closeFd, localAddress, openSocket, setIntOption } from "./_socket_calls.ts";
import { TcpSocket } from "./tcp_socket.ts";

/** Options of {@linkcode TcpListener.listen}. */
export interface TcpListenOptions {
  /**
   * Local address literal; `"::"` also takes IPv4 connections on Linux (unless
   * `net.ipv6.bindv6only` is set).
   *
   * @default {"127.0.0.1"}
   */
  address?: string;
  /**
   * Port; 0 picks a free one.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Connections the kernel queues before they are accepted.
   *
   * @default {511}
   */
  backlog?: number;
  /**
   * Size of each accepted socket's internal receive buffer: the most one `read()` returns.
   *
   * @default {262144}
   */
  readBufferSize?: number;
}

/** Room for a sockaddr_in6. */
const SOCKADDR_ROOM = 28;
/** Connections accepted in one go before the event loop gets a turn. */
const ACCEPT_BATCH = 64;

/**
 * A listening TCP socket; iterate it (or call `accept`) for connections.
 *
 * @example Echo one line back on loopback
 * ```ts
 * import { TcpListener } from "./tcp_listener.ts";
 * const listener = TcpListener.listen({ address: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("hi\n"));
 * const buffer = new Uint8Array(16);
 * const n = await server!.read(buffer);
 * console.log(new TextDecoder().decode(buffer.subarray(0, n!))); // hi
 * server!.close();
 * client.close();
 * listener.close();
 * ```
 */
export class TcpListener implements AsyncIterable<TcpSocket> {
  /** Where it listens (with the port the kernel picked). */
  readonly address: SocketAddress;
  /** The descriptor (for diagnostics). */
  readonly fd: number;
  readonly #watch: Watch;
  readonly #readBufferSize: number;
  readonly #ready: TcpSocket[] = [];
  readonly #waiting: (() => void)[] = [];
  #closed = false;

  private constructor(fd: number, readBufferSize: number) {
    this.fd = fd;
    const local = localAddress(fd);
    this.address = { address: local.address, port: local.port };
    this.#readBufferSize = readBufferSize;
    this.#watch = sharedReactor().watch(fd, (revents) => this.#onReady(revents));
  }

  /**
   * Opens, binds and listens.
   *
   * @param options Address, port, backlog.
   * @returns The listener.
   * @throws {SocketError} `EADDRINUSE`, `EACCES` (a port below 1024 without the right), ...
   */
  static listen(options: TcpListenOptions = {}): TcpListener {
    const address = options.address ?? "127.0.0.1";
    const port = options.port ?? 0;
    const family = parseIpAddress(address).family;
    const endpoint = formatEndpoint({ address, port });
    const fd = openSocket(family, SOCK.STREAM, IPPROTO.TCP, {
      operation: `open a TCP socket to listen on "${endpoint}"`,
    });
    try {
      setIntOption(fd, SOL.SOCKET, SO.REUSEADDR, 1, { operation: "set SO_REUSEADDR" });
      bindAddress(fd, address, port);
      checked(libc().listen(fd, options.backlog ?? 511), {
        operation: `listen on "${endpoint}"`,
        address: endpoint,
      });
      return new TcpListener(fd, options.readBufferSize ?? 262144);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  }

  /** Whether {@linkcode TcpListener.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next connection, waiting for one.
   *
   * @returns The connected socket, or `null` once the listener is closed.
   * @throws {SocketError} When accepting fails for a reason other than a connection that went
   * away before it was accepted (those are skipped).
   */
  async accept(): Promise<TcpSocket | null> {
    for (;;) {
      if (this.#ready.length > 0) return this.#ready.shift()!;
      if (this.#closed) return null;
      const starved = this.#acceptPending();
      if (this.#ready.length > 0) continue;
      if (this.#closed) return null;
      if (starved) {
        // Out of descriptors or memory: the kernel keeps the connection queued; try again in a
        // moment rather than spin on a socket that stays readable.
        await new Promise((resolve) => setTimeout(resolve, STARVED_RETRY_MS));
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        this.#watch.setEvents(POLL.IN);
      });
    }
  }

  /** Connections as they come, until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<TcpSocket> {
    for (;;) {
      const socket = await this.accept();
      if (socket === null) return;
      yield socket;
    }
  }

  /**
   * Stops listening; a pending `accept` returns `null`. Queued connections are closed. The port
   * is free again at once: the socket is shut down before it is closed, since the reactor's
   * poll thread may hold it open until its poll returns.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc().shutdown(this.fd, SHUT.RDWR);
    this.#watch.close();
    for (const socket of this.#ready.splice(0)) socket.close();
    closeFd(this.fd);
    this.#wakeUp();
  }

  /** Closes the listener (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Accepts what the kernel has queued (at most a batch), without waiting.
   *
   * @returns Whether accepting stopped for want of descriptors or memory.
   */
  #acceptPending(): boolean {
    const sockaddr = allocate(SOCKADDR_ROOM);
    for (let i = 0; i < ACCEPT_BATCH && !this.#closed; i++) {
      const length = encodeInt32(SOCKADDR_ROOM);
      const fd = libc().accept4(this.fd, sockaddr, length, SOCK.NONBLOCK | SOCK.CLOEXEC);
      if (fd < 0) {
        const errno = lastErrno();
        if (errno === ERRNO.EAGAIN || errno === ERRNO.EINTR) return false;
        if (STARVED.has(errno)) return true;
        // The peer gave up before it was accepted: skip it.
        if (GONE.has(errno)) continue;
        throw new SocketError(errno, { operation: `accept on "${formatEndpoint(this.address)}"` });
      }
      const peer = decodeSockaddr(sockaddr, new DataView(length.buffer).getInt32(0, true));
      if (!peer) {
        closeFd(fd);
        continue;
      }
      this.#ready.push(
        TcpSocket.adopt(fd, { address: peer.address, port: peer.port }, {
          readBufferSize: this.#readBufferSize,
        }),
      );
    }
    return false;
  }

  #onReady(_revents: number): void {
    this.#watch.setEvents(0);
    this.#wakeUp();
  }

  #wakeUp(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

/** `accept` errors of one connection that went away (or a firewall refused) before it was taken. */
const GONE = new Set<number>([ERRNO.ECONNABORTED, ERRNO.EPROTO, ERRNO.EPERM]);
/** `accept` errors that pass: out of descriptors or memory for a moment. */
const STARVED = new Set<number>([ERRNO.EMFILE, ERRNO.ENFILE, ERRNO.ENOBUFS, ERRNO.ENOMEM]);
/** How long to wait before accepting again when starved, ms. */
const STARVED_RETRY_MS = 100;
