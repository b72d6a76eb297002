/**
 * Thin, checked wrappers over the libc socket calls every socket class needs: open, options,
 * device binding, timestamps, names, close. Failures throw {@linkcode SocketError}.
 *
 * @module
 */
import { AF, IPPROTO, SO, SOCK, SOF_TIMESTAMPING, SOL } from "./constants.ts";
import { checked, ERRNO, SocketError, type SocketErrorContext } from "./errno.ts";
import { type IpFamily, parseIpAddress } from "./ip_address.ts";
import { libc } from "./libc.ts";
import {
  allocate,
  type DecodedSocketAddress,
  decodeSockaddr,
  encodeInt32,
  encodeSockaddr,
  formatEndpoint,
  SOCKADDR_IN6_SIZE,
} from "./structs.ts";

/** Kernel send stamps on the error queue, numbered by the OPT_ID counter, without payload. */
const SEND_TIMESTAMP_FLAGS = SOF_TIMESTAMPING.TX_SOFTWARE | SOF_TIMESTAMPING.SOFTWARE |
  SOF_TIMESTAMPING.OPT_ID | SOF_TIMESTAMPING.OPT_TSONLY;

/**
 * Opens a non-blocking, close-on-exec socket.
 *
 * @param family 4 or 6.
 * @param type `SOCK.DGRAM`, `SOCK.RAW` or `SOCK.STREAM`.
 * @param protocol E.g. `IPPROTO.ICMP`.
 * @param context What is being done, for the error.
 * @returns The descriptor.
 * @throws {SocketError} When the kernel refuses (`EACCES`, `EPERM`, `EMFILE`, ...).
 *
 * @example A ping socket, where allowed
 * ```ts ignore
 * import { IPPROTO, SOCK } from "./constants.ts";
 * import { openSocket } from "./_socket_calls.ts";
 * const fd = openSocket(4, SOCK.DGRAM, IPPROTO.ICMP, { operation: "open a ping socket" });
 * ```
 */
export function openSocket(
  family: IpFamily,
  type: number,
  protocol: number,
  context: SocketErrorContext,
): number {
  const domain = family === 4 ? AF.INET : AF.INET6;
  return checked(libc().socket(domain, type | SOCK.NONBLOCK | SOCK.CLOEXEC, protocol), context);
}

/**
 * `setsockopt` with an `int` value.
 *
 * @param fd The socket.
 * @param level E.g. `SOL.SOCKET`.
 * @param name E.g. `SO.TIMESTAMPNS`.
 * @param value The value.
 * @param context What is being done, for the error.
 * @throws {SocketError} When the kernel refuses.
 *
 * @example Asking for the TTL of received packets
 * ```ts ignore
 * import { IP, IPPROTO } from "./constants.ts";
 * import { setIntOption } from "./_socket_calls.ts";
 * setIntOption(fd, IPPROTO.IP, IP.RECVTTL, 1, { operation: "ask for the TTL" });
 * ```
 */
export function setIntOption(
  fd: number,
  level: number,
  name: number,
  value: number,
  context: SocketErrorContext,
): void {
  checked(libc().setsockopt(fd, level, name, encodeInt32(value), 4), context);
}

/**
 * `setsockopt` with raw bytes.
 *
 * @param fd The socket.
 * @param level The option level.
 * @param name The option.
 * @param value The bytes (allocated with `allocate` when C keeps a pointer; here it does not).
 * @param context What is being done, for the error.
 * @throws {SocketError} When the kernel refuses.
 *
 * @example Choosing the congestion control
 * ```ts ignore
 * import { IPPROTO, TCP } from "./constants.ts";
 * import { setBytesOption } from "./_socket_calls.ts";
 * const name = new TextEncoder().encode("cubic");
 * setBytesOption(fd, IPPROTO.TCP, TCP.CONGESTION, name, { operation: "set cubic" });
 * ```
 */
export function setBytesOption(
  fd: number,
  level: number,
  name: number,
  value: Uint8Array,
  context: SocketErrorContext,
): void {
  checked(libc().setsockopt(fd, level, name, value, value.byteLength), context);
}

/**
 * `getsockopt` into a buffer.
 *
 * @param fd The socket.
 * @param level The option level.
 * @param name The option.
 * @param size Room for the value.
 * @param context What is being done, for the error.
 * @returns The bytes the kernel wrote.
 * @throws {SocketError} When the kernel refuses.
 *
 * @example Reading the congestion control name
 * ```ts ignore
 * import { IPPROTO, TCP } from "./constants.ts";
 * import { getBytesOption } from "./_socket_calls.ts";
 * const bytes = getBytesOption(fd, IPPROTO.TCP, TCP.CONGESTION, 16, { operation: "read it" });
 * ```
 */
export function getBytesOption(
  fd: number,
  level: number,
  name: number,
  size: number,
  context: SocketErrorContext,
): Uint8Array {
  const value = allocate(size);
  const length = encodeInt32(size);
  checked(libc().getsockopt(fd, level, name, value, length), context);
  return value.subarray(0, new DataView(length.buffer).getInt32(0, true));
}

/**
 * `getsockopt` of an `int` option.
 *
 * @param fd The socket.
 * @param level The option level.
 * @param name The option.
 * @param context What is being done, for the error.
 * @returns The value.
 * @throws {SocketError} When the kernel refuses.
 *
 * @example Reading the receive buffer size
 * ```ts ignore
 * import { SO, SOL } from "./constants.ts";
 * import { getIntOption } from "./_socket_calls.ts";
 * const size = getIntOption(fd, SOL.SOCKET, SO.RCVBUF, { operation: "read SO_RCVBUF" });
 * ```
 */
export function getIntOption(
  fd: number,
  level: number,
  name: number,
  context: SocketErrorContext,
): number {
  const bytes = getBytesOption(fd, level, name, 4, context);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true);
}

/**
 * Binds the socket to an interface by name (`SO_BINDTODEVICE`); the empty string unbinds.
 * The kernel keeps the interface's index, so a re-created interface needs this again.
 *
 * @param fd The socket.
 * @param device The interface name, or `""`.
 * @throws {SocketError} `ENODEV: interface "<name>" does not exist`; `EPERM` when changing an
 * existing binding without `CAP_NET_RAW`.
 *
 * @example Through eth0
 * ```ts ignore
 * import { bindToDevice } from "./_socket_calls.ts";
 * bindToDevice(fd, "eth0");
 * ```
 */
export function bindToDevice(fd: number, device: string): void {
  const name = new TextEncoder().encode(device);
  const value = allocate(name.length + 1);
  value.set(name);
  setBytesOption(fd, SOL.SOCKET, SO.BINDTODEVICE, value, {
    operation: device === "" ? "unbind the socket from its interface" : "bind to an interface",
    device: device === "" ? undefined : device,
  });
}

/**
 * Asks for kernel receive stamps (`SO_TIMESTAMPNS`: an `SCM_TIMESTAMPNS` control message with
 * every datagram, `CLOCK_REALTIME`).
 *
 * @param fd The socket.
 * @throws {SocketError} When the kernel refuses.
 *
 * @example Kernel receive stamps on every datagram
 * ```ts ignore
 * import { enableReceiveTimestamps } from "./_socket_calls.ts";
 * enableReceiveTimestamps(fd);
 * ```
 */
export function enableReceiveTimestamps(fd: number): void {
  setIntOption(fd, SOL.SOCKET, SO.TIMESTAMPNS, 1, { operation: "enable receive timestamps" });
}

/**
 * Asks for kernel send stamps on the error queue (`SO_TIMESTAMPING` with `TX_SOFTWARE`,
 * `SOFTWARE`, `OPT_ID` and `OPT_TSONLY`).
 *
 * @param fd The socket.
 * @returns `false` when the kernel refuses them (the caller falls back to user-space stamps).
 *
 * @example Falling back when refused
 * ```ts ignore
 * import { enableSendTimestamps } from "./_socket_calls.ts";
 * const kernelStamps = enableSendTimestamps(fd);
 * ```
 */
export function enableSendTimestamps(fd: number): boolean {
  try {
    setIntOption(fd, SOL.SOCKET, SO.TIMESTAMPING, SEND_TIMESTAMP_FLAGS, {
      operation: "enable send timestamps",
    });
    return true;
  } catch (error) {
    if (error instanceof SocketError) return false;
    throw error;
  }
}

/**
 * Reads and clears the socket's pending error (`SO_ERROR`).
 *
 * @param fd The socket.
 * @returns The errno, 0 when there is none.
 *
 * @example After a non-blocking connect became writable
 * ```ts ignore
 * import { takeSocketError } from "./_socket_calls.ts";
 * const errno = takeSocketError(fd); // e.g. 111 (ECONNREFUSED)
 * ```
 */
export function takeSocketError(fd: number): number {
  return getIntOption(fd, SOL.SOCKET, SO.ERROR, { operation: "read the socket error" });
}

/**
 * The socket's local address (`getsockname`).
 *
 * @param fd The socket.
 * @returns Address and port (for a ping socket the port is the ICMP identifier).
 * @throws {SocketError} When the kernel refuses.
 *
 * @example The port the kernel chose
 * ```ts ignore
 * import { localAddress } from "./_socket_calls.ts";
 * console.log(localAddress(fd).port);
 * ```
 */
export function localAddress(fd: number): DecodedSocketAddress {
  const bytes = allocate(SOCKADDR_IN6_SIZE);
  const length = encodeInt32(SOCKADDR_IN6_SIZE);
  checked(libc().getsockname(fd, bytes, length), { operation: "read the local address" });
  const decoded = decodeSockaddr(bytes, new DataView(length.buffer).getInt32(0, true));
  if (!decoded) throw new SocketError(ERRNO.EAFNOSUPPORT, { operation: "read the local address" });
  return decoded;
}

/**
 * The interface index of a name (`if_nametoindex`).
 *
 * @param name The interface.
 * @returns The index, 0 when there is no such interface.
 *
 * @example The loopback interface
 * ```ts ignore
 * import { interfaceIndex } from "./_socket_calls.ts";
 * console.log(interfaceIndex("lo")); // 1
 * ```
 */
export function interfaceIndex(name: string): number {
  const bytes = new TextEncoder().encode(name);
  const value = allocate(bytes.length + 1);
  value.set(bytes);
  return libc().if_nametoindex(value);
}

/**
 * Encodes a destination as a sockaddr, resolving an IPv6 zone name (`fe80::1%eth0`) to its
 * interface index.
 *
 * @param address An address literal, maybe with a `%zone`.
 * @param port The port (0 for ICMP).
 * @returns The sockaddr bytes.
 * @throws {SocketError} `ENODEV` when the zone names no interface.
 *
 * @example A link-local destination
 * ```ts ignore
 * import { destinationSockaddr } from "./_socket_calls.ts";
 * const sockaddr = destinationSockaddr("fe80::1%eth0", 0);
 * ```
 */
export function destinationSockaddr(address: string, port: number): Uint8Array {
  const parsed = parseIpAddress(address);
  if (parsed.family === 6 && parsed.zone !== undefined && !/^[0-9]+$/.test(parsed.zone)) {
    const scopeId = interfaceIndex(parsed.zone);
    if (scopeId === 0) {
      throw new SocketError(ERRNO.ENODEV, {
        operation: `send to "${address}"`,
        device: parsed.zone,
      });
    }
    return encodeSockaddr({ address, port, scopeId });
  }
  return encodeSockaddr({ address, port });
}

/**
 * Binds to a local address and port (`bind`).
 *
 * @param fd The socket.
 * @param address The local address literal.
 * @param port The port, 0 for any free one.
 * @throws {SocketError} `EADDRINUSE: address "<address:port>" is already in use`, ...
 *
 * @example Any free port on loopback
 * ```ts ignore
 * import { bindAddress } from "./_socket_calls.ts";
 * bindAddress(fd, "127.0.0.1", 0);
 * ```
 */
export function bindAddress(fd: number, address: string, port: number): void {
  const sockaddr = destinationSockaddr(address, port);
  const endpoint = formatEndpoint({ address, port });
  checked(libc().bind(fd, sockaddr, sockaddr.length), {
    operation: `bind to "${endpoint}"`,
    address: endpoint,
  });
}

/**
 * Closes a descriptor, ignoring errors (it is gone either way).
 *
 * @param fd The descriptor.
 *
 * @example Releasing a descriptor
 * ```ts ignore
 * import { closeFd } from "./_socket_calls.ts";
 * closeFd(fd);
 * ```
 */
export function closeFd(fd: number): void {
  libc().close(fd);
}

/**
 * The unspecified address of a family.
 *
 * @param family 4 or 6.
 * @returns `"0.0.0.0"` or `"::"`.
 *
 * @example The IPv6 wildcard
 * ```ts
 * import { anyAddress } from "./_socket_calls.ts";
 * console.log(anyAddress(6)); // ::
 * ```
 */
export function anyAddress(family: IpFamily): string {
  return family === 4 ? "0.0.0.0" : "::";
}

/**
 * The option level for IP options of a family.
 *
 * @param family 4 or 6.
 * @returns `IPPROTO_IP` or `IPPROTO_IPV6`.
 *
 * @example Levels of IPv4 and IPv6 options
 * ```ts
 * import { ipLevel } from "./_socket_calls.ts";
 * console.log(ipLevel(4), ipLevel(6)); // 0 41
 * ```
 */
export function ipLevel(family: IpFamily): number {
  return family === 4 ? IPPROTO.IP : IPPROTO.IPV6;
}
