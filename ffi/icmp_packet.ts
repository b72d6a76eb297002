/**
 * ICMP and ICMPv6 echo messages: building requests, reading replies and the errors that quote
 * a request.
 *
 * ```text
 * echo request / reply (RFC 792, RFC 4443)
 *  0      1      2             4             6             8
 * +------+------+-------------+-------------+-------------+----------- - -
 * | type | code |  checksum   | identifier  |  sequence   | payload ...
 * +------+------+-------------+-------------+-------------+----------- - -
 *
 * error (destination unreachable, time exceeded, ...), quoting the request
 * +------+------+-------------+---------------------------+---------------------------+
 * | type | code |  checksum   | unused / MTU / pointer    | original IP header, then  |
 * +------+------+-------------+---------------------------+ the request's first 8 B  |
 * ```
 *
 * A raw IPv4 socket receives the IPv4 header before the ICMP message (its length is the IHL
 * field times 4); raw IPv6 and ping sockets receive the ICMP message alone.
 *
 * @module
 */
import { ICMP, ICMPV6, IPPROTO } from "./constants.ts";
import { formatIpAddress, type IpFamily } from "./ip_address.ts";

/**
 * Size of the echo header (type, code, checksum, identifier, sequence).
 *
 * @example The size of a request with the usual 56 bytes of payload
 * ```ts
 * import { ECHO_HEADER_SIZE } from "./icmp_packet.ts";
 * console.log(ECHO_HEADER_SIZE + 56); // 64
 * ```
 */
export const ECHO_HEADER_SIZE = 8;

/**
 * The Internet checksum (RFC 1071) of a buffer.
 *
 * @param bytes The bytes, with their checksum field zeroed.
 * @returns The 16-bit one's-complement checksum.
 *
 * @example The checksum of an echo request header
 * ```ts
 * import { internetChecksum } from "./icmp_packet.ts";
 * console.log(internetChecksum(new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1])).toString(16)); // f7fd
 * ```
 */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (even < bytes.length) sum += bytes[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** What to put in an echo request. */
export interface EchoRequestFields {
  /** 4 for ICMP, 6 for ICMPv6. */
  family: IpFamily;
  /** Identifier (ping sockets overwrite it with their own). */
  id: number;
  /** Sequence number, 0 to 65535. */
  seq: number;
  /** Payload length in bytes. */
  payloadSize: number;
  /** Payload bytes; when shorter than `payloadSize` the rest is a fixed pattern. */
  payload?: Uint8Array;
  /** Compute the checksum (raw IPv4 sockets; the kernel does it for ping and ICMPv6). */
  checksum: boolean;
}

/**
 * Writes an echo request into `out`.
 *
 * @param out The buffer, at least `8 + payloadSize` bytes.
 * @param fields What to put in it.
 * @returns The number of bytes written.
 *
 * @example An IPv4 request without payload
 * ```ts
 * import { encodeEchoRequest } from "./icmp_packet.ts";
 * const out = new Uint8Array(64);
 * const length = encodeEchoRequest(out, { family: 4, id: 1, seq: 2, payloadSize: 0, checksum: true });
 * console.log(length, out[0], out[7]); // 8 8 2
 * ```
 */
export function encodeEchoRequest(out: Uint8Array, fields: EchoRequestFields): number {
  const length = ECHO_HEADER_SIZE + fields.payloadSize;
  if (out.length < length) throw new RangeError(`Payload of ${fields.payloadSize} bytes too long`);
  out[0] = fields.family === 4 ? ICMP.ECHO_REQUEST : ICMPV6.ECHO_REQUEST;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = fields.id >> 8;
  out[5] = fields.id & 0xff;
  out[6] = fields.seq >> 8;
  out[7] = fields.seq & 0xff;
  const given = fields.payload?.subarray(0, fields.payloadSize);
  if (given) out.set(given, ECHO_HEADER_SIZE);
  for (let i = given?.length ?? 0; i < fields.payloadSize; i++) {
    out[ECHO_HEADER_SIZE + i] = (i + 0x10) & 0xff;
  }
  if (fields.checksum) {
    const sum = internetChecksum(out.subarray(0, length));
    out[2] = sum >> 8;
    out[3] = sum & 0xff;
  }
  return length;
}

/** An echo reply or an error quoting one of our requests, as read from one packet. */
export type ParsedIcmp =
  | {
    kind: "reply";
    id: number;
    seq: number;
    payloadSize: number;
    /** TTL from the IPv4 header (raw IPv4 sockets only). */
    ttl: number | undefined;
  }
  | {
    kind: "error";
    /** Identifier and sequence of the request the error quotes. */
    id: number;
    seq: number;
    icmpType: number;
    icmpCode: number;
    /** Where the quoted request was going. */
    target: string | undefined;
    /**
     * The next-hop MTU a "fragmentation needed" (IPv4 type 3 code 4) or "packet too big"
     * (IPv6 type 2) error carries; `undefined` for other errors.
     */
    mtu?: number;
  };

function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

function parseQuotedIpv4(
  message: Uint8Array,
): { id: number; seq: number; target: string } | undefined {
  const inner = message.subarray(ECHO_HEADER_SIZE);
  if (inner.length < 20 || inner[0]! >> 4 !== 4) return undefined;
  const ihl = (inner[0]! & 0x0f) * 4;
  if (inner[9] !== IPPROTO.ICMP || inner.length < ihl + ECHO_HEADER_SIZE) return undefined;
  const quoted = inner.subarray(ihl);
  if (quoted[0] !== ICMP.ECHO_REQUEST) return undefined;
  return {
    id: readU16(quoted, 4),
    seq: readU16(quoted, 6),
    target: formatIpAddress(inner.subarray(16, 20)),
  };
}

function parseQuotedIpv6(
  message: Uint8Array,
): { id: number; seq: number; target: string } | undefined {
  const inner = message.subarray(ECHO_HEADER_SIZE);
  if (inner.length < 40 + ECHO_HEADER_SIZE || inner[0]! >> 4 !== 6) return undefined;
  if (inner[6] !== IPPROTO.ICMPV6) return undefined;
  const quoted = inner.subarray(40);
  if (quoted[0] !== ICMPV6.ECHO_REQUEST) return undefined;
  return {
    id: readU16(quoted, 4),
    seq: readU16(quoted, 6),
    target: formatIpAddress(inner.subarray(24, 40)),
  };
}

const ICMP_ERRORS = new Set<number>([
  ICMP.DEST_UNREACH,
  ICMP.TIME_EXCEEDED,
  ICMP.PARAMETER_PROBLEM,
]);
const ICMPV6_ERRORS = new Set<number>([
  ICMPV6.DEST_UNREACH,
  ICMPV6.PACKET_TOO_BIG,
  ICMPV6.TIME_EXCEEDED,
  ICMPV6.PARAMETER_PROBLEM,
]);

/**
 * Reads a packet from a raw or ping ICMP socket: an echo reply, or an error quoting an echo
 * request. Requests (ours, seen on loopback by raw sockets) and other types give `undefined`.
 *
 * @param packet What `recvmsg` returned.
 * @param family 4 or 6.
 * @param withIpHeader Whether the packet starts with an IPv4 header (raw IPv4 sockets).
 * @returns The parsed message, or `undefined`.
 *
 * @example A reply as a ping socket receives it
 * ```ts
 * import { parseIcmpPacket } from "./icmp_packet.ts";
 * const packet = new Uint8Array([0, 0, 0, 0, 0, 7, 0, 9, 1, 2, 3]);
 * console.log(parseIcmpPacket(packet, 4, false)); // { kind: "reply", id: 7, seq: 9, payloadSize: 3, ttl: undefined }
 * ```
 */
export function parseIcmpPacket(
  packet: Uint8Array,
  family: IpFamily,
  withIpHeader: boolean,
): ParsedIcmp | undefined {
  let message = packet;
  let ttl: number | undefined;
  if (withIpHeader) {
    if (packet.length < 20) return undefined;
    const ihl = (packet[0]! & 0x0f) * 4;
    ttl = packet[8];
    message = packet.subarray(ihl);
  }
  if (message.length < ECHO_HEADER_SIZE) return undefined;
  const type = message[0]!;
  const replyType = family === 4 ? ICMP.ECHO_REPLY : ICMPV6.ECHO_REPLY;
  if (type === replyType) {
    return {
      kind: "reply",
      id: readU16(message, 4),
      seq: readU16(message, 6),
      payloadSize: message.length - ECHO_HEADER_SIZE,
      ttl,
    };
  }
  const errors = family === 4 ? ICMP_ERRORS : ICMPV6_ERRORS;
  if (!errors.has(type)) return undefined;
  const quoted = family === 4 ? parseQuotedIpv4(message) : parseQuotedIpv6(message);
  if (!quoted) return undefined;
  const code = message[1]!;
  const mtu = family === 4
    ? (type === ICMP.DEST_UNREACH && code === 4 ? readU16(message, 6) : undefined)
    : (type === ICMPV6.PACKET_TOO_BIG
      ? readU16(message, 4) * 65536 + readU16(message, 6)
      : undefined);
  return {
    kind: "error",
    ...quoted,
    icmpType: type,
    icmpCode: code,
    ...(mtu !== undefined ? { mtu } : {}),
  };
}

/**
 * Reads the echo request an error-queue entry quotes (ping sockets queue the ICMP message
 * that caused the error).
 *
 * @param quoted The error-queue entry's data.
 * @returns Identifier and sequence, or `undefined` when it is not an echo request.
 *
 * @example The request a ping socket error quotes
 * ```ts
 * import { parseQuotedRequest } from "./icmp_packet.ts";
 * console.log(parseQuotedRequest(new Uint8Array([8, 0, 0, 0, 0, 7, 0, 9]))); // { id: 7, seq: 9 }
 * ```
 */
export function parseQuotedRequest(quoted: Uint8Array): { id: number; seq: number } | undefined {
  if (quoted.length < ECHO_HEADER_SIZE) return undefined;
  if (quoted[0] !== ICMP.ECHO_REQUEST && quoted[0] !== ICMPV6.ECHO_REQUEST) return undefined;
  return { id: readU16(quoted, 4), seq: readU16(quoted, 6) };
}

const V4_UNREACHABLE: Record<number, string> = {
  0: "network unreachable",
  1: "host unreachable",
  2: "protocol unreachable",
  3: "port unreachable",
  4: "fragmentation needed",
  5: "source route failed",
  6: "destination network unknown",
  7: "destination host unknown",
  9: "network administratively prohibited",
  10: "host administratively prohibited",
  13: "communication administratively prohibited",
};

const V6_UNREACHABLE: Record<number, string> = {
  0: "no route to destination",
  1: "communication administratively prohibited",
  2: "beyond scope of source address",
  3: "address unreachable",
  4: "port unreachable",
  5: "source address failed ingress/egress policy",
  6: "reject route to destination",
};

/**
 * A short description of an ICMP error type and code.
 *
 * @param family 4 or 6.
 * @param type The ICMP type.
 * @param code The ICMP code.
 * @returns E.g. `"destination unreachable: port unreachable"` or `"time exceeded: TTL"`.
 *
 * @example TTL exceeded and address unreachable
 * ```ts
 * import { describeIcmpError } from "./icmp_packet.ts";
 * console.log(describeIcmpError(4, 11, 0)); // time exceeded: TTL exceeded in transit
 * console.log(describeIcmpError(6, 1, 3)); // destination unreachable: address unreachable
 * ```
 */
export function describeIcmpError(family: IpFamily, type: number, code: number): string {
  if (family === 4) {
    switch (type) {
      case ICMP.DEST_UNREACH:
        return `destination unreachable: ${V4_UNREACHABLE[code] ?? `code ${code}`}`;
      case ICMP.TIME_EXCEEDED:
        return code === 0
          ? "time exceeded: TTL exceeded in transit"
          : "time exceeded: fragment reassembly time exceeded";
      case ICMP.PARAMETER_PROBLEM:
        return "parameter problem";
    }
  } else {
    switch (type) {
      case ICMPV6.DEST_UNREACH:
        return `destination unreachable: ${V6_UNREACHABLE[code] ?? `code ${code}`}`;
      case ICMPV6.PACKET_TOO_BIG:
        return "packet too big";
      case ICMPV6.TIME_EXCEEDED:
        return code === 0
          ? "time exceeded: hop limit exceeded in transit"
          : "time exceeded: fragment reassembly time exceeded";
      case ICMPV6.PARAMETER_PROBLEM:
        return "parameter problem";
    }
  }
  return `ICMP type ${type} code ${code}`;
}
