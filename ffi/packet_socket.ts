/**
 * Packet sockets (`AF_PACKET`, `SOCK_RAW`) through FFI: whole Ethernet frames in and out of one
 * interface, as a user-space bridge or delay line needs them. Needs root (`CAP_NET_RAW`).
 *
 * A socket is opened with protocol 0 (it sees nothing yet), then bound to the interface's index
 * with `ETH_P_ALL`, so that it never sees a frame of another interface. Frames the host itself
 * sends through the interface (including the ones this socket injects) are looped back to
 * packet sockets as `PACKET_OUTGOING`; {@linkcode PacketSocket.open} asks the kernel not to
 * (`PACKET_IGNORE_OUTGOING`) and {@linkcode PacketSocket.receive} skips any that still come.
 *
 * Frames are read whole: turn segmentation and receive offloads off on the interfaces
 * (`ethtool -K <if> tx off sg off tso off gso off gro off`), else the kernel hands over
 * 64 KiB super-frames with unfinished checksums that cannot be sent on as they are.
 *
 * @module
 */
import { realtimeNs } from "./clock.ts";
import { AF, ETH_P, MSG, PACKET, SCM, SO, SOCK, SOL } from "./constants.ts";
import { ERRNO, lastErrno, SocketError } from "./errno.ts";
import { libc } from "./libc.ts";
import {
  decodeSockaddrLl,
  decodeTimespec,
  encodeInt32,
  encodeSockaddrLl,
  MessageHeader,
} from "./structs.ts";

/** Options of {@linkcode PacketSocket.open}. */
export interface PacketSocketOptions {
  /** The interface to read and write frames on, e.g. `"veth0"`. */
  device: string;
  /**
   * Largest frame read whole; longer ones are cut and flagged `truncated`.
   *
   * @default {65536}
   */
  maxFrameSize?: number;
  /**
   * Kernel receive buffer (`SO_RCVBUF`) in bytes; the system default when not set.
   */
  receiveBufferSize?: number;
}

/** A frame read from a {@linkcode PacketSocket}. */
export interface ReceivedFrame {
  /** The whole frame from the destination MAC on (a copy, yours to keep). */
  data: Uint8Array;
  /** `sll_pkttype`: `PACKET.HOST`, `BROADCAST`, `MULTICAST` or `OTHERHOST`. */
  pktType: number;
  /** Ethernet protocol in host order, e.g. `ETH_P.IP`. */
  protocol: number;
  /** Kernel receive time, `CLOCK_REALTIME` nanoseconds (the user-space clock if missing). */
  receivedAt: bigint;
  /** Whether the frame was longer than `maxFrameSize` and was cut. */
  truncated: boolean;
}

/**
 * One interface's frames, read and written whole.
 *
 * @example Echo every frame of veth0 back out (a toy; needs root)
 * ```ts ignore
 * import { PacketSocket } from "./packet_socket.ts";
 * using socket = PacketSocket.open({ device: "veth0" });
 * for (let frame = socket.receive(); frame; frame = socket.receive()) socket.send(frame.data);
 * ```
 */
export class PacketSocket implements Disposable {
  /** The descriptor (non-blocking), for `poll`. */
  readonly fd: number;
  /** The interface name. */
  readonly device: string;
  /** The interface index the socket is bound to. */
  readonly ifindex: number;
  readonly #header: MessageHeader;
  #closed = false;

  private constructor(fd: number, device: string, ifindex: number, maxFrameSize: number) {
    this.fd = fd;
    this.device = device;
    this.ifindex = ifindex;
    this.#header = new MessageHeader({ dataSize: maxFrameSize, controlSize: 128 });
  }

  /**
   * Opens a packet socket bound to one interface, with kernel receive stamps and without the
   * frames the host sends.
   *
   * @param options The interface and buffer sizes.
   * @returns The socket; close it (or `using` it) when done.
   * @throws {SocketError} `ENODEV` for an unknown interface, `EPERM` without `CAP_NET_RAW`.
   */
  static open(options: PacketSocketOptions): PacketSocket {
    const { device } = options;
    const context = { operation: "open a packet socket", device };
    const name = new TextEncoder().encode(`${device}\0`);
    const ifindex = libc().if_nametoindex(name);
    if (ifindex === 0) throw new SocketError(ERRNO.ENODEV, context);
    const fd = libc().socket(AF.PACKET, SOCK.RAW | SOCK.NONBLOCK | SOCK.CLOEXEC, 0);
    if (fd < 0) throw new SocketError(lastErrno(), context);
    try {
      setOption(fd, SOL.PACKET, PACKET.IGNORE_OUTGOING, 1, device);
      setOption(fd, SOL.SOCKET, SO.TIMESTAMPNS, 1, device);
      if (options.receiveBufferSize !== undefined) {
        setOption(fd, SOL.SOCKET, SO.RCVBUF, options.receiveBufferSize, device);
      }
      const address = encodeSockaddrLl({ protocol: ETH_P.ALL, ifindex });
      if (libc().bind(fd, address, address.length) < 0) {
        throw new SocketError(lastErrno(), { operation: "bind a packet socket", device });
      }
    } catch (error) {
      libc().close(fd);
      throw error;
    }
    return new PacketSocket(fd, device, ifindex, options.maxFrameSize ?? 65536);
  }

  /**
   * Reads the next waiting frame without blocking; frames the host sent are skipped.
   *
   * @returns The frame, or `undefined` when none is waiting.
   * @throws {SocketError} When the socket fails (e.g. `ENETDOWN`, `EBADF` after close).
   */
  receive(): ReceivedFrame | undefined {
    const header = this.#header;
    for (;;) {
      const length = Number(libc().recvmsg(this.fd, header.prepare(), MSG.DONTWAIT | MSG.TRUNC));
      if (length < 0) {
        const errno = lastErrno();
        if (errno === ERRNO.EAGAIN || errno === ERRNO.EINTR) return undefined;
        throw new SocketError(errno, { operation: "read a frame", device: this.device });
      }
      const source = decodeSockaddrLl(header.name, header.nameLength);
      const pktType = source?.pktType ?? PACKET.HOST;
      if (pktType === PACKET.OUTGOING) continue;
      let receivedAt: bigint | undefined;
      for (const message of header.controlMessages()) {
        if (message.level === SOL.SOCKET && message.type === SCM.TIMESTAMPNS) {
          receivedAt = decodeTimespec(message.data);
        }
      }
      const kept = Math.min(length, header.data.byteLength);
      return {
        data: header.data.slice(0, kept),
        pktType,
        protocol: source?.protocol ?? 0,
        receivedAt: receivedAt ?? realtimeNs(),
        truncated: length > kept,
      };
    }
  }

  /**
   * Sends a whole frame out of the interface, without blocking.
   *
   * @param frame The frame from the destination MAC on.
   * @returns `true` when the kernel took it, `false` when it had no room (`EAGAIN`, `ENOBUFS`):
   * the frame is dropped, as a full link would.
   * @throws {SocketError} Any other failure, e.g. `EMSGSIZE` for a frame above the MTU,
   * `ENETDOWN` when the interface is down, `ENXIO`/`ENODEV` when it is gone.
   */
  send(frame: Uint8Array): boolean {
    const sent = Number(libc().send(this.fd, frame, BigInt(frame.byteLength), MSG.DONTWAIT));
    if (sent >= 0) return true;
    const errno = lastErrno();
    if (errno === ERRNO.EAGAIN || errno === ERRNO.ENOBUFS) return false;
    throw new SocketError(errno, { operation: "send a frame", device: this.device });
  }

  /** Whether {@linkcode PacketSocket.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket; calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc().close(this.fd);
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

function setOption(fd: number, level: number, name: number, value: number, device: string) {
  if (libc().setsockopt(fd, level, name, encodeInt32(value), 4) < 0) {
    throw new SocketError(lastErrno(), { operation: "set a packet socket option", device });
  }
}
