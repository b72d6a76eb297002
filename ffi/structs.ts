/**
 * Codecs for the C structs the socket layer passes to libc (Linux x86_64, little endian):
 *
 * ```text
 * sockaddr_in   (16 B)  0 family u16 | 2 port u16 BE | 4 addr[4] | 8 zero[8]
 * sockaddr_in6  (28 B)  0 family u16 | 2 port u16 BE | 4 flowinfo u32 | 8 addr[16] | 24 scope_id u32
 * sockaddr_ll   (20 B)  0 family u16 | 2 protocol u16 BE | 4 ifindex i32 | 8 hatype u16
 *                       10 pkttype u8 | 11 halen u8 | 12 addr[8]
 * pollfd        (8 B)   0 fd i32 | 4 events i16 | 6 revents i16
 * iovec         (16 B)  0 base ptr | 8 len u64
 * msghdr        (56 B)  0 name ptr | 8 namelen u32 | 16 iov ptr | 24 iovlen u64
 *                       32 control ptr | 40 controllen u64 | 48 flags i32
 * cmsghdr       (16 B + data)  0 len u64 | 8 level i32 | 12 type i32 | 16 data...
 *                       (the next one starts at len rounded up to 8)
 * timespec      (16 B)  0 sec i64 | 8 nsec i64
 * sock_extended_err (16 B, then the offender's sockaddr)
 *                       0 errno u32 | 4 origin u8 | 5 type u8 | 6 code u8 | 7 pad u8
 *                       8 info u32 | 12 data u32 | 16 offender sockaddr
 * ```
 *
 * Buffers handed to C are allocated with {@linkcode allocate} so that their memory never moves.
 *
 * @module
 */
import { AF } from "./constants.ts";
import { formatIpAddress, type IpFamily, parseIpAddress } from "./ip_address.ts";

/**
 * Size of `struct sockaddr_in`.
 *
 * @example The length to pass with an IPv4 address
 * ```ts
 * import { SOCKADDR_IN_SIZE } from "./structs.ts";
 * console.log(SOCKADDR_IN_SIZE); // 16
 * ```
 */
export const SOCKADDR_IN_SIZE = 16;

/**
 * Size of `struct sockaddr_in6`, also enough room for any address this layer receives.
 *
 * @example The length to pass with an IPv6 address
 * ```ts
 * import { SOCKADDR_IN6_SIZE } from "./structs.ts";
 * console.log(SOCKADDR_IN6_SIZE); // 28
 * ```
 */
export const SOCKADDR_IN6_SIZE = 28;

const MSGHDR_SIZE = 56;
const POLLFD_SIZE = 8;
const CMSGHDR_SIZE = 16;

/**
 * A zeroed byte buffer whose memory stays put while C uses it: it always has its own
 * `ArrayBuffer` (V8 may keep small typed arrays inside its heap, where the garbage collector
 * moves them).
 *
 * @param size Length in bytes.
 * @returns A new zeroed buffer.
 *
 * @example A buffer for a sockaddr_in
 * ```ts
 * import { allocate } from "./structs.ts";
 * console.log(allocate(16).byteLength); // 16
 * ```
 */
export function allocate(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}

/**
 * A 4-byte native `int`, as `setsockopt` expects for integer options.
 *
 * @param value The integer.
 * @returns A 4-byte buffer.
 *
 * @example The value 1 for a boolean option
 * ```ts
 * import { encodeInt32 } from "./structs.ts";
 * console.log(encodeInt32(1)); // Uint8Array(4) [ 1, 0, 0, 0 ]
 * ```
 */
export function encodeInt32(value: number): Uint8Array {
  const bytes = allocate(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

/** An IP address and port. */
export interface SocketAddress {
  /** Address literal, e.g. `"127.0.0.1"` or `"::1"` (no brackets). */
  address: string;
  /** Port, 0 to 65535 (for ping sockets: the ICMP identifier). */
  port: number;
  /**
   * IPv6 scope id (interface index) for link-local addresses.
   *
   * @default {0}
   */
  scopeId?: number;
}

/** A decoded socket address, with its family. */
export interface DecodedSocketAddress extends SocketAddress {
  /** 4 or 6. */
  family: IpFamily;
}

/**
 * An address and port as text: `127.0.0.1:53`, `[::1]:53`.
 *
 * @param endpoint Address and port.
 * @returns The text.
 *
 * @example IPv6 is bracketed
 * ```ts
 * import { formatEndpoint } from "./structs.ts";
 * console.log(formatEndpoint({ address: "::1", port: 53 })); // [::1]:53
 * ```
 */
export function formatEndpoint(endpoint: SocketAddress): string {
  return endpoint.address.includes(":")
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

/**
 * Encodes a `sockaddr_in` or `sockaddr_in6` for an address literal. A numeric `%zone` in the
 * text is used as the scope id unless `scopeId` is given.
 *
 * @param socketAddress Address and port.
 * @returns 16 bytes for IPv4, 28 for IPv6.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for text that is not an address literal.
 * @throws {RangeError} For a port outside 0..65535 or a zone name without a `scopeId`.
 *
 * @example A sockaddr_in for 127.0.0.1 port 53
 * ```ts
 * import { encodeSockaddr } from "./structs.ts";
 * const bytes = encodeSockaddr({ address: "127.0.0.1", port: 53 });
 * console.log(bytes.length, bytes[0], bytes[3], bytes[4]); // 16 2 53 127
 * ```
 */
export function encodeSockaddr(socketAddress: SocketAddress): Uint8Array {
  const { port } = socketAddress;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port ${port}: expected 0 to 65535`);
  }
  const parsed = parseIpAddress(socketAddress.address);
  if (parsed.family === 4) {
    const bytes = allocate(SOCKADDR_IN_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, AF.INET, true);
    view.setUint16(2, port, false);
    bytes.set(parsed.bytes, 4);
    return bytes;
  }
  let scopeId = socketAddress.scopeId;
  if (scopeId === undefined && parsed.zone !== undefined) {
    if (!/^[0-9]+$/.test(parsed.zone)) {
      throw new RangeError(`Zone "${parsed.zone}" needs a scopeId: resolve the interface index`);
    }
    scopeId = Number(parsed.zone);
  }
  const bytes = allocate(SOCKADDR_IN6_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF.INET6, true);
  view.setUint16(2, port, false);
  bytes.set(parsed.bytes, 8);
  view.setUint32(24, scopeId ?? 0, true);
  return bytes;
}

/**
 * Decodes a `sockaddr_in` or `sockaddr_in6`.
 *
 * @param bytes The buffer holding the struct.
 * @param length How many bytes the kernel filled in (`socklen_t`).
 * @returns The address, or `undefined` for another family or a short struct.
 *
 * @example Round trip
 * ```ts
 * import { decodeSockaddr, encodeSockaddr } from "./structs.ts";
 * const decoded = decodeSockaddr(encodeSockaddr({ address: "::1", port: 8080 }));
 * console.log(decoded?.address, decoded?.port, decoded?.family); // ::1 8080 6
 * ```
 */
export function decodeSockaddr(
  bytes: Uint8Array,
  length: number = bytes.length,
): DecodedSocketAddress | undefined {
  if (length < 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const family = view.getUint16(0, true);
  if (family === AF.INET && length >= SOCKADDR_IN_SIZE - 8) {
    return {
      family: 4,
      address: formatIpAddress(bytes.subarray(4, 8)),
      port: view.getUint16(2, false),
    };
  }
  if (family === AF.INET6 && length >= 24) {
    return {
      family: 6,
      address: formatIpAddress(bytes.subarray(8, 24)),
      port: view.getUint16(2, false),
      scopeId: length >= SOCKADDR_IN6_SIZE ? view.getUint32(24, true) : 0,
    };
  }
  return undefined;
}

/**
 * Reads a `struct timespec` as nanoseconds.
 *
 * @param bytes The buffer.
 * @param offset Where the struct starts.
 * @returns `tv_sec * 1e9 + tv_nsec`.
 *
 * @example Two seconds and five nanoseconds
 * ```ts
 * import { decodeTimespec } from "./structs.ts";
 * const bytes = new Uint8Array(16);
 * new DataView(bytes.buffer).setBigInt64(0, 2n, true);
 * new DataView(bytes.buffer).setBigInt64(8, 5n, true);
 * console.log(decodeTimespec(bytes)); // 2000000005n
 * ```
 */
export function decodeTimespec(bytes: Uint8Array, offset = 0): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getBigInt64(offset, true) * 1_000_000_000n + view.getBigInt64(offset + 8, true);
}

/**
 * Encodes a `struct timespec` (for `ppoll`'s timeout).
 *
 * @param ns Nanoseconds, at least 0.
 * @returns 16 bytes: seconds, then nanoseconds.
 *
 * @example One and a half seconds
 * ```ts
 * import { decodeTimespec, encodeTimespec } from "./structs.ts";
 * const bytes = encodeTimespec(1_500_000_000n);
 * console.log(bytes.length, decodeTimespec(bytes)); // 16 1500000000n
 * ```
 */
export function encodeTimespec(ns: bigint): Uint8Array {
  const bytes = allocate(16);
  const view = new DataView(bytes.buffer);
  const clamped = ns < 0n ? 0n : ns;
  view.setBigInt64(0, clamped / 1_000_000_000n, true);
  view.setBigInt64(8, clamped % 1_000_000_000n, true);
  return bytes;
}

/**
 * Size of `struct sockaddr_ll`, the address of a packet socket.
 *
 * @example The length to pass to bind
 * ```ts
 * import { SOCKADDR_LL_SIZE } from "./structs.ts";
 * console.log(SOCKADDR_LL_SIZE); // 20
 * ```
 */
export const SOCKADDR_LL_SIZE = 20;

/** A link-layer address (`struct sockaddr_ll`) as a packet socket uses it. */
export interface LinkLayerAddress {
  /** Ethernet protocol in host order, e.g. `ETH_P.ALL` (encoded big endian). */
  protocol: number;
  /** Interface index. */
  ifindex: number;
  /**
   * Frame type on receive: one of `PACKET.HOST`, `BROADCAST`, `MULTICAST`, `OTHERHOST`,
   * `OUTGOING`.
   *
   * @default {0}
   */
  pktType?: number;
  /**
   * ARP hardware type (`ARPHRD_ETHER` = 1 for Ethernet).
   *
   * @default {0}
   */
  hardwareType?: number;
  /**
   * Hardware address, at most 8 bytes.
   *
   * @default {empty}
   */
  address?: Uint8Array;
}

/**
 * Encodes a `struct sockaddr_ll`, e.g. to bind a packet socket to one interface.
 *
 * @param address Protocol, interface index and optional fields.
 * @returns 20 bytes.
 * @throws {RangeError} For a hardware address longer than 8 bytes.
 *
 * @example Every protocol on interface 3
 * ```ts
 * import { encodeSockaddrLl } from "./structs.ts";
 * const bytes = encodeSockaddrLl({ protocol: 0x0003, ifindex: 3 });
 * console.log(bytes.length, bytes[0], bytes[2], bytes[3], bytes[4]); // 20 17 0 3 3
 * ```
 */
export function encodeSockaddrLl(address: LinkLayerAddress): Uint8Array {
  const hardware = address.address ?? new Uint8Array(0);
  if (hardware.length > 8) {
    throw new RangeError(`Hardware address of ${hardware.length} bytes: expected at most 8`);
  }
  const bytes = allocate(SOCKADDR_LL_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF.PACKET, true);
  view.setUint16(2, address.protocol, false);
  view.setInt32(4, address.ifindex, true);
  view.setUint16(8, address.hardwareType ?? 0, true);
  bytes[10] = address.pktType ?? 0;
  bytes[11] = hardware.length;
  bytes.set(hardware, 12);
  return bytes;
}

/**
 * Decodes a `struct sockaddr_ll`, e.g. the source address `recvmsg` gives on a packet socket.
 *
 * @param bytes The buffer.
 * @param length How many bytes the kernel wrote.
 * @returns The address (with `pktType`, `hardwareType` and `address` always set), or
 * `undefined` when the bytes are not a `sockaddr_ll`.
 *
 * @example Round trip
 * ```ts
 * import { decodeSockaddrLl, encodeSockaddrLl } from "./structs.ts";
 * const bytes = encodeSockaddrLl({ protocol: 0x0800, ifindex: 7, pktType: 4 });
 * const decoded = decodeSockaddrLl(bytes);
 * console.log(decoded?.protocol, decoded?.ifindex, decoded?.pktType); // 2048 7 4
 * ```
 */
export function decodeSockaddrLl(
  bytes: Uint8Array,
  length: number = bytes.length,
): Required<LinkLayerAddress> | undefined {
  if (length < 12 || bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== AF.PACKET) return undefined;
  const halen = Math.min(bytes[11]!, 8, Math.max(0, Math.min(length, bytes.length) - 12));
  return {
    protocol: view.getUint16(2, false),
    ifindex: view.getInt32(4, true),
    hardwareType: view.getUint16(8, true),
    pktType: bytes[10]!,
    address: bytes.slice(12, 12 + halen),
  };
}

/** A file descriptor and the events to wait for. */
export interface PollRequest {
  /** The descriptor. */
  fd: number;
  /** `POLL*` bits to wait for (errors and hang-ups are always reported). */
  events: number;
}

/**
 * Encodes an array of `struct pollfd`.
 *
 * @param requests Descriptors and events, in order.
 * @returns `requests.length * 8` bytes, `revents` zeroed.
 *
 * @example One descriptor waiting for input
 * ```ts
 * import { encodePollfds, readRevents } from "./structs.ts";
 * const fds = encodePollfds([{ fd: 3, events: 1 }]);
 * console.log(fds.length, fds[0], fds[4], readRevents(fds, 0)); // 8 3 1 0
 * ```
 */
export function encodePollfds(requests: readonly PollRequest[]): Uint8Array {
  const bytes = allocate(Math.max(1, requests.length) * POLLFD_SIZE);
  const view = new DataView(bytes.buffer);
  requests.forEach((request, i) => {
    view.setInt32(i * POLLFD_SIZE, request.fd, true);
    view.setInt16(i * POLLFD_SIZE + 4, request.events, true);
  });
  return bytes;
}

/**
 * The `revents` of the `index`-th `pollfd` after `poll` returned.
 *
 * @param pollfds The array passed to `poll`.
 * @param index Which entry.
 * @returns The `POLL*` bits that are set.
 *
 * @example After poll set POLLIN
 * ```ts
 * import { encodePollfds, readRevents } from "./structs.ts";
 * const fds = encodePollfds([{ fd: 3, events: 1 }]);
 * fds[6] = 1; // as if poll had set POLLIN
 * console.log(readRevents(fds, 0)); // 1
 * ```
 */
export function readRevents(pollfds: Uint8Array, index: number): number {
  return new DataView(pollfds.buffer, pollfds.byteOffset).getInt16(index * POLLFD_SIZE + 6, true);
}

/** Sizes for {@linkcode MessageHeader}. */
export interface MessageHeaderOptions {
  /**
   * Bytes of payload one `recvmsg` can take.
   *
   * @default {65536}
   */
  dataSize?: number;
  /**
   * Bytes for control messages (timestamps, TTL, extended errors).
   *
   * @default {512}
   */
  controlSize?: number;
}

/**
 * A `struct msghdr` for `recvmsg`, with its payload, address and control buffers. It holds a
 * reference to every buffer its pointers point at, so they live as long as the header does;
 * reuse one header for every call on the hot path.
 *
 * @example Preparing a header for a receive
 * ```ts ignore
 * import { MessageHeader } from "./structs.ts";
 * import { libc } from "./libc.ts";
 * const header = new MessageHeader({ dataSize: 2048 });
 * const length = Number(libc().recvmsg(fd, header.prepare(), 0x40));
 * console.log(header.data.subarray(0, length), header.source());
 * ```
 */
export class MessageHeader {
  /** Where the payload lands. */
  readonly data: Uint8Array;
  /** Where the control messages land. */
  readonly control: Uint8Array;
  /** Where the source address lands. */
  readonly name: Uint8Array;
  readonly #iovec: Uint8Array;
  readonly #header: Uint8Array;
  readonly #view: DataView;
  readonly #iovecView: DataView;
  #dataLength: number;

  /** @param options Buffer sizes. */
  constructor(options: MessageHeaderOptions = {}) {
    this.data = allocate(options.dataSize ?? 65536);
    this.control = allocate(options.controlSize ?? 512);
    this.name = allocate(SOCKADDR_IN6_SIZE);
    this.#iovec = allocate(16);
    this.#header = allocate(MSGHDR_SIZE);
    this.#view = new DataView(this.#header.buffer);
    this.#iovecView = new DataView(this.#iovec.buffer);
    this.#iovecView.setBigUint64(0, addressOf(this.data), true);
    this.#dataLength = this.data.byteLength;
    this.#iovecView.setBigUint64(8, BigInt(this.#dataLength), true);
    this.#view.setBigUint64(0, addressOf(this.name), true);
    this.#view.setBigUint64(16, addressOf(this.#iovec), true);
    this.#view.setBigUint64(24, 1n, true);
    this.#view.setBigUint64(32, addressOf(this.control), true);
  }

  /**
   * Resets the lengths and flags the kernel overwrites, for the next `recvmsg`.
   *
   * @param dataLength How many bytes of {@linkcode MessageHeader.data} the call may fill.
   * @returns The `msghdr` bytes to pass to `recvmsg`.
   */
  prepare(dataLength: number = this.data.byteLength): Uint8Array {
    if (dataLength !== this.#dataLength) {
      this.#dataLength = Math.min(dataLength, this.data.byteLength);
      this.#iovecView.setBigUint64(8, BigInt(this.#dataLength), true);
    }
    this.#view.setUint32(8, this.name.byteLength, true);
    this.#view.setBigUint64(40, BigInt(this.control.byteLength), true);
    this.#view.setInt32(48, 0, true);
    return this.#header;
  }

  /** `msg_flags` after the call (`MSG_TRUNC`, `MSG_CTRUNC`, `MSG_ERRQUEUE`). */
  get flags(): number {
    return this.#view.getInt32(48, true);
  }

  /** How many bytes of control messages the kernel wrote. */
  get controlLength(): number {
    return Number(this.#view.getBigUint64(40, true));
  }

  /** How many bytes of address the kernel wrote. */
  get nameLength(): number {
    return this.#view.getUint32(8, true);
  }

  /**
   * The source address of the last message.
   *
   * @returns The address, or `undefined` when the kernel gave none.
   */
  source(): DecodedSocketAddress | undefined {
    return decodeSockaddr(this.name, this.nameLength);
  }

  /**
   * The control messages of the last message.
   *
   * @returns The parsed control messages.
   */
  controlMessages(): ControlMessage[] {
    return parseControlMessages(this.control, this.controlLength);
  }
}

function addressOf(buffer: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}

/** One `cmsghdr` and its data. */
export interface ControlMessage {
  /** `cmsg_level`, e.g. `SOL_SOCKET`. */
  level: number;
  /** `cmsg_type`, e.g. `SCM_TIMESTAMPNS`. */
  type: number;
  /** The data (a view into the control buffer: copy it to keep it). */
  data: Uint8Array;
}

/**
 * Splits a control buffer into its control messages (`CMSG_FIRSTHDR`/`CMSG_NXTHDR`).
 *
 * @param control The buffer `msg_control` pointed at.
 * @param length `msg_controllen` after the call.
 * @returns The messages in order; a truncated last one is dropped.
 *
 * @example One SCM_TIMESTAMPNS message
 * ```ts
 * import { parseControlMessages } from "./structs.ts";
 * const control = new Uint8Array(32);
 * const view = new DataView(control.buffer);
 * view.setBigUint64(0, 32n, true); // cmsg_len: 16 of header + 16 of timespec
 * view.setInt32(8, 1, true); // SOL_SOCKET
 * view.setInt32(12, 35, true); // SCM_TIMESTAMPNS
 * const [message] = parseControlMessages(control, 32);
 * console.log(message?.level, message?.type, message?.data.length); // 1 35 16
 * ```
 */
export function parseControlMessages(control: Uint8Array, length: number): ControlMessage[] {
  const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
  const messages: ControlMessage[] = [];
  const end = Math.min(length, control.byteLength);
  let offset = 0;
  while (offset + CMSGHDR_SIZE <= end) {
    const cmsgLength = Number(view.getBigUint64(offset, true));
    if (cmsgLength < CMSGHDR_SIZE || offset + cmsgLength > end) break;
    messages.push({
      level: view.getInt32(offset + 8, true),
      type: view.getInt32(offset + 12, true),
      data: control.subarray(offset + CMSGHDR_SIZE, offset + cmsgLength),
    });
    offset += (cmsgLength + 7) & ~7;
  }
  return messages;
}

/** A decoded `struct sock_extended_err` (an `IP_RECVERR`/`IPV6_RECVERR` control message). */
export interface ExtendedError {
  /** `ee_errno`: the error, e.g. `EHOSTUNREACH`, or `ENOMSG` for a timestamp. */
  errno: number;
  /** `ee_origin`: one of `SO_EE_ORIGIN`. */
  origin: number;
  /** `ee_type`: the ICMP type for ICMP errors. */
  type: number;
  /** `ee_code`: the ICMP code for ICMP errors. */
  code: number;
  /** `ee_info`: e.g. the MTU for "fragmentation needed", the stamp kind for timestamps. */
  info: number;
  /** `ee_data`: the `SOF_TIMESTAMPING_OPT_ID` counter for timestamps. */
  data: number;
  /** The address of the node that sent the ICMP error, when there is one. */
  offender?: DecodedSocketAddress;
}

/**
 * Decodes the data of an `IP_RECVERR`/`IPV6_RECVERR` control message.
 *
 * @param data The control message data.
 * @returns The extended error, or `undefined` when the data is too short.
 *
 * @example A timestamp entry with OPT_ID counter 7
 * ```ts
 * import { decodeExtendedError } from "./structs.ts";
 * const data = new Uint8Array(16);
 * data[0] = 42; // ENOMSG
 * data[4] = 4; // SO_EE_ORIGIN_TIMESTAMPING
 * data[12] = 7; // ee_data
 * console.log(decodeExtendedError(data)?.data); // 7
 * ```
 */
export function decodeExtendedError(data: Uint8Array): ExtendedError | undefined {
  if (data.length < 16) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const error: ExtendedError = {
    errno: view.getUint32(0, true),
    origin: data[4]!,
    type: data[5]!,
    code: data[6]!,
    info: view.getUint32(8, true),
    data: view.getUint32(12, true),
  };
  const offender = decodeSockaddr(data.subarray(16), data.length - 16);
  if (offender) error.offender = offender;
  return error;
}
