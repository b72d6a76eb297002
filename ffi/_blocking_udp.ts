/**
 * A UDP socket in blocking mode for a thread that does nothing but serve it (the echo server's
 * worker): it is read with `recvmmsg` (see `_message_batch.ts`), which sleeps in the kernel
 * until a datagram comes, at most `receiveTimeoutMs` (`SO_RCVTIMEO`), without a poll or a
 * thread hop per wake-up. Sends use `MSG_DONTWAIT`, so a full send buffer fails the send
 * (`EAGAIN`) instead of stalling the thread.
 *
 * Another thread stops a blocked receive with {@linkcode wakeBlockingUdp} (`shutdown(SHUT_RD)`:
 * the call returns at once, and every later receive too), then closes the descriptor with
 * {@linkcode closeBlockingUdp} once the serving thread is done with it.
 *
 * Options set: `IP_RECVERR` (ICMP errors on the error queue), `SO_TIMESTAMPNS` (kernel receive
 * stamps), optionally `SO_TIMESTAMPING` send stamps, `SO_RCVBUF`. {@linkcode blockingUdpDrops}
 * reads how many datagrams the socket dropped (`SO_MEMINFO`).
 *
 * @module
 */
import { FCNTL, IP, IPPROTO, IPV6, MSG, SHUT, SO, SOCK, SOL } from "./constants.ts";
import { checked } from "./errno.ts";
import { type IpFamily, parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import { allocate, encodeInt32, type SocketAddress } from "./structs.ts";
import {
  bindAddress,
  closeFd,
  destinationSockaddr,
  enableReceiveTimestamps,
  enableSendTimestamps,
  ipLevel,
  localAddress,
  openSocket,
  setIntOption,
} from "./_socket_calls.ts";

/** `SO_RCVTIMEO` (`struct timeval`). */
const SO_RCVTIMEO = 20;
/** `SO_MEMINFO`: `u32[SK_MEMINFO_VARS]`, the drop count at index `SK_MEMINFO_DROPS` (8). */
const SO_MEMINFO = 55;
const SK_MEMINFO_VARS = 9;
const SK_MEMINFO_DROPS = 8;

/** Options of {@linkcode openBlockingUdp}. */
export interface BlockingUdpOptions {
  /** Local address literal (`"::"` also takes IPv4 on Linux). */
  address: string;
  /**
   * Local port, 0 for any free one.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Ask for kernel send stamps on the error queue.
   *
   * @default {false}
   */
  sendTimestamps?: boolean;
  /**
   * `SO_RCVBUF` in bytes, best effort (the kernel caps it at `net.core.rmem_max`); the
   * system default when not set.
   */
  receiveBufferBytes?: number;
  /**
   * The longest a receive blocks before it returns `EAGAIN`, ms.
   *
   * @default {250}
   */
  receiveTimeoutMs?: number;
}

/** An open blocking UDP socket. */
export interface BlockingUdp {
  /** The descriptor. */
  fd: number;
  /** 4 or 6. */
  family: IpFamily;
  /** The bound address and port. */
  localAddress: SocketAddress;
  /** Whether kernel send stamps are on (the kernel may refuse them). */
  sendTimestamps: boolean;
}

/**
 * Opens and binds a blocking UDP socket with kernel stamps (see the module documentation).
 *
 * @param options Address, port, stamps, buffer, timeout.
 * @returns The socket.
 * @throws {SocketError} `EADDRINUSE`, `EADDRNOTAVAIL`, ... when it cannot be opened or bound.
 *
 * @example A socket on a free loopback port
 * ```ts ignore
 * import { closeBlockingUdp, openBlockingUdp } from "./_blocking_udp.ts";
 * const socket = openBlockingUdp({ address: "127.0.0.1" });
 * console.log(socket.localAddress.port > 0); // true
 * closeBlockingUdp(socket.fd);
 * ```
 */
export function openBlockingUdp(options: BlockingUdpOptions): BlockingUdp {
  const family = parseIpAddress(options.address).family;
  const fd = openSocket(family, SOCK.DGRAM, IPPROTO.UDP, { operation: "open a UDP socket" });
  try {
    setIntOption(fd, ipLevel(family), family === 4 ? IP.RECVERR : IPV6.RECVERR, 1, {
      operation: "enable ICMP error reports",
    });
    enableReceiveTimestamps(fd);
    const sendTimestamps = (options.sendTimestamps ?? false) && enableSendTimestamps(fd);
    if (options.receiveBufferBytes !== undefined) {
      // Best effort: the kernel caps it, and a failure leaves the default.
      libc().setsockopt(fd, SOL.SOCKET, SO.RCVBUF, encodeInt32(options.receiveBufferBytes), 4);
    }
    const timeoutMs = options.receiveTimeoutMs ?? 250;
    const timeval = allocate(16);
    const view = new DataView(timeval.buffer);
    view.setBigInt64(0, BigInt(Math.floor(timeoutMs / 1000)), true);
    view.setBigInt64(8, BigInt(Math.round((timeoutMs % 1000) * 1000)), true);
    checked(libc().setsockopt(fd, SOL.SOCKET, SO_RCVTIMEO, timeval, 16), {
      operation: "set the receive timeout",
    });
    bindAddress(fd, options.address, options.port ?? 0);
    const flags = checked(libc().fcntl(fd, FCNTL.F_GETFL, 0), { operation: "read fd flags" });
    checked(libc().fcntl(fd, FCNTL.F_SETFL, flags & ~FCNTL.O_NONBLOCK), {
      operation: "make the socket blocking",
    });
    const local = localAddress(fd);
    return {
      fd,
      family,
      localAddress: { address: local.address, port: local.port },
      sendTimestamps,
    };
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/**
 * Sends one datagram without blocking.
 *
 * @param fd The socket.
 * @param data The payload.
 * @param length Bytes of `data` to send.
 * @param destination A sockaddr from {@linkcode blockingUdpDestination}.
 * @returns Bytes sent, or -1 with `errno` set (`lastErrno()`: `EAGAIN`, `ENETUNREACH`, ...).
 *
 * @example One byte to the discard port
 * ```ts ignore
 * import { blockingUdpDestination, sendBlockingUdp } from "./_blocking_udp.ts";
 * const to = blockingUdpDestination({ address: "127.0.0.1", port: 9 });
 * sendBlockingUdp(fd, new Uint8Array([1]), 1, to);
 * ```
 */
export function sendBlockingUdp(
  fd: number,
  data: Uint8Array,
  length: number,
  destination: Uint8Array,
): number {
  return Number(
    libc().sendto(fd, data, BigInt(length), MSG.DONTWAIT, destination, destination.byteLength),
  );
}

/**
 * The sockaddr of a destination, for {@linkcode sendBlockingUdp}.
 *
 * @param to Address and port.
 * @returns The sockaddr bytes (keep and reuse them).
 * @throws {SocketError} `ENODEV` for a zone that names no interface.
 *
 * @example A sockaddr_in is 16 bytes
 * ```ts
 * import { blockingUdpDestination } from "./_blocking_udp.ts";
 * console.log(blockingUdpDestination({ address: "127.0.0.1", port: 9 }).length); // 16
 * ```
 */
export function blockingUdpDestination(to: SocketAddress): Uint8Array {
  return destinationSockaddr(to.address, to.port);
}

/**
 * How many datagrams the socket dropped so far (its receive buffer was full), from
 * `SO_MEMINFO`.
 *
 * @param fd The socket.
 * @returns The count, or -1 when the kernel does not tell.
 *
 * @example Nothing dropped yet
 * ```ts ignore
 * import { blockingUdpDrops } from "./_blocking_udp.ts";
 * console.log(blockingUdpDrops(fd)); // 0
 * ```
 */
export function blockingUdpDrops(fd: number): number {
  const value = allocate(SK_MEMINFO_VARS * 4);
  const length = encodeInt32(value.byteLength);
  if (libc().getsockopt(fd, SOL.SOCKET, SO_MEMINFO, value, length) !== 0) return -1;
  if (new DataView(length.buffer).getInt32(0, true) < value.byteLength) return -1;
  return new DataView(value.buffer).getUint32(SK_MEMINFO_DROPS * 4, true);
}

/**
 * Makes a receive blocked on the socket (in any thread) return at once, and every later one.
 *
 * @param fd The socket.
 *
 * @example Stopping a worker blocked on the socket
 * ```ts ignore
 * import { wakeBlockingUdp } from "./_blocking_udp.ts";
 * wakeBlockingUdp(fd);
 * ```
 */
export function wakeBlockingUdp(fd: number): void {
  // On an unconnected UDP socket this fails with ENOTCONN, yet marks the socket shut for
  // reading and wakes the sleepers, which is all that is wanted.
  libc().shutdown(fd, SHUT.RD);
}

/**
 * Closes the socket (once no thread uses it any more).
 *
 * @param fd The socket.
 *
 * @example Closing after the worker is done
 * ```ts ignore
 * import { closeBlockingUdp } from "./_blocking_udp.ts";
 * closeBlockingUdp(fd);
 * ```
 */
export function closeBlockingUdp(fd: number): void {
  closeFd(fd);
}
