/**
 * A TCP client through FFI, for per-interface throughput: connect through a chosen interface
 * (`SO_BINDTODEVICE`), pick the congestion control (`TCP_CONGESTION`), read and write without
 * blocking the event loop (the shared reactor waits for readiness), and read the kernel
 * receive stamp of the latest data (`SO_TIMESTAMPNS`).
 *
 * @module
 */
import { IPPROTO, MSG, POLL, SCM, SHUT, SOCK, SOL, TCP } from "./constants.ts";
import { checked, ERRNO, lastErrno, SocketError } from "./errno.ts";
import { type IpFamily, parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import { sharedReactor, type Watch } from "./reactor.ts";
import { decodeTimespec, formatEndpoint, MessageHeader, type SocketAddress } from "./structs.ts";
import {
  bindToDevice,
  closeFd,
  destinationSockaddr,
  enableReceiveTimestamps,
  getBytesOption,
  localAddress,
  openSocket,
  setBytesOption,
  setIntOption,
  takeSocketError,
} from "./_socket_calls.ts";

/** Options of {@linkcode TcpSocket.connect}. */
export interface TcpConnectOptions {
  /** Server address literal (resolve names first). */
  address: string;
  /** Server port. */
  port: number;
  /** Interface to connect through (`SO_BINDTODEVICE`). */
  device?: string;
  /** Congestion control algorithm, e.g. `"cubic"` or `"bbr"`; the system default when not set. */
  congestionControl?: string;
  /**
   * Disable Nagle's algorithm (`TCP_NODELAY`).
   *
   * @default {false}
   */
  noDelay?: boolean;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
  /**
   * Size of the internal receive buffer: the most one `read()` returns.
   *
   * @default {262144}
   */
  readBufferSize?: number;
}

interface ReadinessWaiter {
  events: number;
  resolve: () => void;
}

/**
 * A connected TCP socket.
 *
 * @example Download until the server closes
 * ```ts ignore
 * import { TcpSocket } from "./tcp_socket.ts";
 * const socket = await TcpSocket.connect({ address: "127.0.0.1", port: 5201, device: "eth0" });
 * const buffer = new Uint8Array(65536);
 * let total = 0;
 * for (let n = await socket.read(buffer); n !== null; n = await socket.read(buffer)) total += n;
 * socket.close();
 * console.log(`${total} bytes`);
 * ```
 */
export class TcpSocket {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The descriptor (for diagnostics). */
  readonly fd: number;
  /** The server's address and port. */
  readonly remoteAddress: SocketAddress;
  /** The local address and port. */
  readonly localAddress: SocketAddress;
  /** The interface the socket is bound to, if any. */
  readonly device: string | undefined;
  readonly #watch: Watch;
  readonly #header: MessageHeader;
  readonly #waiters: ReadinessWaiter[] = [];
  #closed = false;
  #lastReceivedAt: bigint | undefined;

  private constructor(
    family: IpFamily,
    fd: number,
    remote: SocketAddress,
    device: string | undefined,
    readBufferSize: number,
  ) {
    this.family = family;
    this.fd = fd;
    this.remoteAddress = remote;
    this.device = device;
    const local = localAddress(fd);
    this.localAddress = { address: local.address, port: local.port };
    this.#header = new MessageHeader({ dataSize: readBufferSize, controlSize: 128 });
    this.#watch = sharedReactor().watch(fd, (revents) => this.#onReady(revents));
  }

  /**
   * Connects without blocking: a non-blocking `connect`, then the reactor waits until the
   * socket is writable, then `SO_ERROR` says how it went.
   *
   * @param options Server, device, congestion control, signal.
   * @returns The connected socket.
   * @throws {SocketError} `ECONNREFUSED`, `ETIMEDOUT`, `ENETUNREACH`, `ENODEV`, ...; the
   * signal's reason when aborted.
   *
   * @example
   * ```ts ignore
   * import { TcpSocket } from "./tcp_socket.ts";
   * const socket = await TcpSocket.connect({ address: "::1", port: 8080, congestionControl: "cubic" });
   * await socket.writeAll(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
   * socket.close();
   * ```
   */
  static async connect(options: TcpConnectOptions): Promise<TcpSocket> {
    options.signal?.throwIfAborted();
    const { address, port, device } = options;
    const family = parseIpAddress(address).family;
    const remote = { address, port };
    const endpoint = formatEndpoint(remote);
    const destination = destinationSockaddr(address, port);
    const fd = openSocket(family, SOCK.STREAM, IPPROTO.TCP, { operation: "open a TCP socket" });
    let socket: TcpSocket | undefined;
    try {
      if (device !== undefined) bindToDevice(fd, device);
      if (options.congestionControl !== undefined) {
        setCongestionControl(fd, options.congestionControl);
      }
      if (options.noDelay) {
        setIntOption(fd, IPPROTO.TCP, TCP.NODELAY, 1, { operation: "set TCP_NODELAY" });
      }
      enableReceiveTimestamps(fd);
      const context = { operation: `connect to "${endpoint}"`, device, address: endpoint };
      const result = libc().connect(fd, destination, destination.length);
      const errno = result < 0 ? lastErrno() : 0;
      if (errno !== 0 && errno !== ERRNO.EINPROGRESS) throw new SocketError(errno, context);
      socket = new TcpSocket(family, fd, remote, device, options.readBufferSize ?? 262144);
      if (errno === ERRNO.EINPROGRESS) {
        await socket.#waitFor(POLL.OUT, options.signal);
        const pending = takeSocketError(fd);
        if (pending !== 0) throw new SocketError(pending, context);
      }
      return socket;
    } catch (error) {
      if (socket) socket.close();
      else closeFd(fd);
      throw error;
    }
  }

  /**
   * Wraps a connected, non-blocking TCP descriptor that another part of this layer made (an
   * accepted connection, see `tcp_listener.ts`); the socket owns it from now on.
   *
   * @param fd The descriptor (`SOCK_NONBLOCK`).
   * @param remote The peer's address and port.
   * @param options The internal receive buffer's size (default 262144).
   * @returns The socket.
   *
   * @example
   * ```ts ignore
   * import { TcpSocket } from "./tcp_socket.ts";
   * const socket = TcpSocket.adopt(fd, { address: "127.0.0.1", port: 40000 });
   * ```
   */
  static adopt(
    fd: number,
    remote: SocketAddress,
    options: { readBufferSize?: number } = {},
  ): TcpSocket {
    const family = parseIpAddress(remote.address).family;
    return new TcpSocket(family, fd, remote, undefined, options.readBufferSize ?? 262144);
  }

  /** Whether {@linkcode TcpSocket.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The kernel receive stamp of the latest data read (`CLOCK_REALTIME` ns), when known. */
  get lastReceivedAt(): bigint | undefined {
    return this.#lastReceivedAt;
  }

  /**
   * Reads what has arrived into `buffer`, waiting until something has.
   *
   * @param buffer Where to put the bytes.
   * @returns The number of bytes read, or `null` at end of stream.
   * @throws {SocketError} `ECONNRESET`, `ETIMEDOUT`, `EBADF` (closed), ...
   */
  async read(buffer: Uint8Array): Promise<number | null> {
    if (buffer.byteLength === 0) return 0;
    const header = this.#header;
    for (;;) {
      this.#assertOpen("receive");
      const wanted = Math.min(buffer.byteLength, header.data.byteLength);
      const length = Number(libc().recvmsg(this.fd, header.prepare(wanted), MSG.DONTWAIT));
      if (length > 0) {
        buffer.set(header.data.subarray(0, length));
        for (const control of header.controlMessages()) {
          if (control.level === SOL.SOCKET && control.type === SCM.TIMESTAMPNS) {
            this.#lastReceivedAt = decodeTimespec(control.data);
          }
        }
        return length;
      }
      if (length === 0) return null;
      const errno = lastErrno();
      if (errno !== ERRNO.EAGAIN && errno !== ERRNO.EINTR) throw this.#error(errno, "receive from");
      await this.#waitFor(POLL.IN);
    }
  }

  /**
   * Writes some of `data`, waiting until the socket can take at least one byte.
   *
   * @param data The bytes.
   * @returns How many bytes were written (maybe fewer than `data.length`).
   * @throws {SocketError} `EPIPE`, `ECONNRESET`, `EBADF` (closed), ...
   */
  async write(data: Uint8Array): Promise<number> {
    if (data.byteLength === 0) return 0;
    for (;;) {
      this.#assertOpen("send");
      const flags = MSG.DONTWAIT | MSG.NOSIGNAL;
      const written = Number(libc().send(this.fd, data, BigInt(data.byteLength), flags));
      if (written >= 0) return written;
      const errno = lastErrno();
      if (errno !== ERRNO.EAGAIN && errno !== ERRNO.EINTR) throw this.#error(errno, "send to");
      await this.#waitFor(POLL.OUT);
    }
  }

  /**
   * Writes all of `data`.
   *
   * @param data The bytes.
   * @throws {SocketError} As {@linkcode TcpSocket.write}.
   */
  async writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength) offset += await this.write(data.subarray(offset));
  }

  /**
   * Sets the congestion control algorithm (`TCP_CONGESTION`), e.g. `"cubic"` or `"bbr"`.
   *
   * @param name An algorithm from `/proc/sys/net/ipv4/tcp_available_congestion_control`.
   * @throws {SocketError} `ENOENT` when the kernel does not have it, `EPERM` when it is not in
   * `tcp_allowed_congestion_control` and the process lacks `CAP_NET_ADMIN`.
   */
  setCongestionControl(name: string): void {
    this.#assertOpen(`set TCP congestion control to "${name}"`);
    setCongestionControl(this.fd, name);
  }

  /** The congestion control algorithm in use. */
  get congestionControl(): string {
    this.#assertOpen("read the TCP congestion control");
    const bytes = getBytesOption(this.fd, IPPROTO.TCP, TCP.CONGESTION, 16, {
      operation: "read the TCP congestion control",
    });
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  }

  /** Sends FIN: the server sees end of stream; reading still works. */
  closeWrite(): void {
    this.#assertOpen("shut down the sending side");
    checked(libc().shutdown(this.fd, SHUT.WR), {
      operation: "shut down the sending side",
      device: this.device,
    });
  }

  /** Closes the socket; pending reads and writes reject with `EBADF`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.close();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    closeFd(this.fd);
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new SocketError(ERRNO.EBADF, { operation });
  }

  #error(errno: number, verb: string): SocketError {
    const endpoint = formatEndpoint(this.remoteAddress);
    return new SocketError(errno, {
      operation: `${verb} "${endpoint}"`,
      device: this.device,
      address: endpoint,
    });
  }

  #waitFor(events: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadinessWaiter = { events, resolve };
      if (signal) {
        const onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          this.#updateInterest();
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.resolve = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
      }
      this.#waiters.push(waiter);
      this.#updateInterest();
    });
  }

  #updateInterest(): void {
    let events = 0;
    for (const waiter of this.#waiters) events |= waiter.events;
    this.#watch.setEvents(events);
  }

  #onReady(revents: number): void {
    const always = POLL.ERR | POLL.HUP | POLL.NVAL;
    const ready = this.#waiters.filter((waiter) => (revents & (waiter.events | always)) !== 0);
    for (const waiter of ready) this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
    this.#updateInterest();
    for (const waiter of ready) waiter.resolve();
  }
}

function setCongestionControl(fd: number, name: string): void {
  const bytes = new TextEncoder().encode(name);
  const value = new Uint8Array(new ArrayBuffer(bytes.length));
  value.set(bytes);
  try {
    setBytesOption(fd, IPPROTO.TCP, TCP.CONGESTION, value, {
      operation: `set TCP congestion control to "${name}"`,
    });
  } catch (error) {
    if (error instanceof SocketError && error.errno === ERRNO.ENOENT) {
      throw new SocketError(ERRNO.ENOENT, {
        operation: `set TCP congestion control to "${name}"`,
        detail: "the kernel does not have it",
        hint: "see /proc/sys/net/ipv4/tcp_available_congestion_control",
      }, { cause: error });
    }
    throw error;
  }
}
