/**
 * IP address text to bytes and back (IPv4 dotted quads, IPv6 per RFC 4291 with the RFC 5952
 * canonical form on output). Literal addresses only: resolving names is the caller's business.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/** IP version: 4 or 6. */
export type IpFamily = 4 | 6;

/** An IP address as bytes. */
export interface IpAddressBytes {
  /** 4 or 6. */
  family: IpFamily;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  bytes: Uint8Array;
  /** The zone after `%` in `fe80::1%eth0` (an interface name or index), when given. */
  zone?: string;
}

function invalid(text: string): BufferbaneError {
  return new BufferbaneError(ErrorCode.InvalidArgument, `Invalid IP address "${text}"`);
}

function parseIpv4Into(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return false;
    const value = Number(part);
    if (value > 255) return false;
    out[offset + i] = value;
  }
  return true;
}

function parseGroups(text: string, out: number[]): boolean {
  if (text === "") return true;
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
    out.push(parseInt(group, 16));
  }
  return true;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let body = text;
  const lastColon = body.lastIndexOf(":");
  const last = body.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = new Uint8Array(4);
    if (!parseIpv4Into(last, v4, 0)) return undefined;
    const high = ((v4[0]! << 8) | v4[1]!).toString(16);
    const low = ((v4[2]! << 8) | v4[3]!).toString(16);
    body = `${body.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head: number[] = [];
  const rest: number[] = [];
  if (!parseGroups(halves[0]!, head)) return undefined;
  if (halves.length === 2 && !parseGroups(halves[1]!, rest)) return undefined;
  const groups = head.length + rest.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - groups).fill(0), ...rest];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * Parses an IPv4 or IPv6 address literal (IPv6 may carry a `%zone`).
 *
 * @param text The address, e.g. `"127.0.0.1"`, `"::1"` or `"fe80::1%eth0"`.
 * @returns The family and the bytes in network order.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when the text is not an address literal.
 *
 * @example An IPv4-mapped IPv6 address
 * ```ts
 * import { parseIpAddress } from "./ip_address.ts";
 * const { family, bytes } = parseIpAddress("::ffff:10.0.0.1");
 * console.log(family, bytes.length, bytes[15]); // 6 16 1
 * ```
 */
export function parseIpAddress(text: string): IpAddressBytes {
  if (!text.includes(":")) {
    const bytes = new Uint8Array(4);
    if (!parseIpv4Into(text, bytes, 0)) throw invalid(text);
    return { family: 4, bytes };
  }
  const percent = text.indexOf("%");
  const zone = percent >= 0 ? text.slice(percent + 1) : undefined;
  if (zone === "") throw invalid(text);
  const bytes = parseIpv6(percent >= 0 ? text.slice(0, percent) : text);
  if (!bytes) throw invalid(text);
  return zone === undefined ? { family: 6, bytes } : { family: 6, bytes, zone };
}

/**
 * The family of an address literal, or `undefined` when the text is not one.
 *
 * @param text Any text.
 * @returns 4, 6 or `undefined`.
 *
 * @example Literals and names
 * ```ts
 * import { ipFamily } from "./ip_address.ts";
 * console.log(ipFamily("10.1.2.3"), ipFamily("::1"), ipFamily("example.com")); // 4 6 undefined
 * ```
 */
export function ipFamily(text: string): IpFamily | undefined {
  try {
    return parseIpAddress(text).family;
  } catch {
    return undefined;
  }
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  const isMapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isMapped) return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLength).join(":");
  return `${left}::${right}`;
}

/**
 * Formats 4 or 16 address bytes as text (RFC 5952 for IPv6: lower case, longest zero run
 * compressed, IPv4-mapped addresses as `::ffff:a.b.c.d`).
 *
 * @param bytes 4 or 16 bytes in network order.
 * @returns The address text.
 * @throws {RangeError} When `bytes` is neither 4 nor 16 bytes long.
 *
 * @example IPv4 and IPv6 loopback
 * ```ts
 * import { formatIpAddress } from "./ip_address.ts";
 * console.log(formatIpAddress(new Uint8Array([127, 0, 0, 1]))); // 127.0.0.1
 * const v6 = new Uint8Array(16);
 * v6[15] = 1;
 * console.log(formatIpAddress(v6)); // ::1
 * ```
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) return formatIpv6(bytes);
  throw new RangeError(`Invalid address length: ${bytes.length} bytes`);
}
