/**
 * DSCP (Differentiated Services Code Point, RFC 2474): the upper six bits of the IPv4 TOS byte
 * and of the IPv6 traffic class. Routers and WiFi access points queue by it (WMM maps EF to the
 * voice queue, CS1 and LE to background), so a probe marked like the traffic it stands for
 * measures the queue that traffic would meet.
 *
 * Names accepted (case-insensitive), with their code points:
 *
 * | name                    | DSCP                           | use (RFC 4594, RFC 8622)         |
 * | ----------------------- | ------------------------------ | -------------------------------- |
 * | `DF` (also `BE`, `CS0`) | 0                              | best effort (the default)        |
 * | `LE`                    | 1                              | lower effort                     |
 * | `CS1` to `CS7`          | 8, 16, 24, 32, 40, 48, 56      | class selectors                  |
 * | `AF11` to `AF43`        | 8 x class + 2 x drop (AF41 34) | assured forwarding (class, drop) |
 * | `VA`                    | 44                             | voice admit                      |
 * | `EF`                    | 46                             | expedited forwarding (voice)     |
 *
 * On the socket: `setsockopt(IP_TOS)` for IPv4 and `IPV6_TCLASS` for IPv6 with the value
 * `dscp << 2` (the two lower ECN bits left 0). See `udp_socket.ts`.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * Largest DSCP (six bits).
 *
 * @example The largest code point
 * ```ts
 * import { DSCP_MAX } from "./dscp.ts";
 * console.log(DSCP_MAX); // 63
 * ```
 */
export const DSCP_MAX = 63;

function classSelectors(): [string, number][] {
  return Array.from({ length: 8 }, (_, i) => [`CS${i}`, i * 8]);
}

function assuredForwarding(): [string, number][] {
  const entries: [string, number][] = [];
  for (let cls = 1; cls <= 4; cls++) {
    for (let drop = 1; drop <= 3; drop++) entries.push([`AF${cls}${drop}`, cls * 8 + drop * 2]);
  }
  return entries;
}

/**
 * Every DSCP name {@linkcode parseDscp} accepts, upper case, with its code point.
 *
 * @example Expedited forwarding
 * ```ts
 * import { DSCP_NAMES } from "./dscp.ts";
 * console.log(DSCP_NAMES.EF, DSCP_NAMES.AF41, DSCP_NAMES.CS1); // 46 34 8
 * ```
 */
export const DSCP_NAMES: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries([
  ["DF", 0],
  ["BE", 0],
  ["LE", 1],
  ...classSelectors(),
  ...assuredForwarding(),
  ["VA", 44],
  ["EF", 46],
]));

/**
 * A DSCP or TOS value that is out of range or names no known class. Code `INVALID_DSCP`.
 *
 * @example Catching a bad value
 * ```ts
 * import { DscpError, parseDscp } from "./dscp.ts";
 * try {
 *   parseDscp(64);
 * } catch (error) {
 *   console.log(error instanceof DscpError, (error as DscpError).code); // true INVALID_DSCP
 * }
 * ```
 */
export class DscpError extends BufferbaneError {
  /** The value as given. */
  readonly value: unknown;

  /**
   * @param value The value as given.
   * @param message What is wrong with it.
   */
  constructor(value: unknown, message: string) {
    super(ErrorCode.InvalidDscp, message, {
      hint: `give a number from 0 to ${DSCP_MAX} or a name such as EF, AF41, CS1`,
    });
    this.name = "DscpError";
    this.value = value;
  }
}

/**
 * A DSCP from a number (0 to 63) or a name (`"EF"`, `"af41"`, `"CS1"`, see the module table).
 *
 * @param value The number or the name.
 * @returns The code point, 0 to 63.
 * @throws {DscpError} When the number is not an integer from 0 to 63 or the name is unknown.
 *
 * @example Names and numbers
 * ```ts
 * import { parseDscp } from "./dscp.ts";
 * console.log(parseDscp("EF"), parseDscp("af41"), parseDscp(10)); // 46 34 10
 * ```
 */
export function parseDscp(value: number | string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > DSCP_MAX) {
      throw new DscpError(value, `Invalid DSCP "${value}": expected 0 to ${DSCP_MAX}`);
    }
    return value;
  }
  if (typeof value === "string") {
    const known = DSCP_NAMES[value.trim().toUpperCase()];
    if (known !== undefined) return known;
    throw new DscpError(value, `Unknown DSCP name "${value}"`);
  }
  throw new DscpError(value, `Invalid DSCP ${JSON.stringify(value) ?? String(value)}`);
}

/**
 * The usual name of a code point, if it has one (`DF` for 0).
 *
 * @param dscp The code point.
 * @returns The name, or `undefined`.
 *
 * @example Names of code points
 * ```ts
 * import { dscpName } from "./dscp.ts";
 * console.log(dscpName(46), dscpName(0), dscpName(7)); // EF DF undefined
 * ```
 */
export function dscpName(dscp: number): string | undefined {
  if (dscp === 0) return "DF";
  for (const [name, value] of Object.entries(DSCP_NAMES)) if (value === dscp) return name;
  return undefined;
}

/**
 * The TOS byte (IPv4) or traffic class (IPv6) carrying a DSCP, ECN bits 0.
 *
 * @param dscp The code point, 0 to 63.
 * @returns `dscp << 2`.
 * @throws {DscpError} When `dscp` is out of range.
 *
 * @example EF as a TOS byte
 * ```ts
 * import { dscpToTos } from "./dscp.ts";
 * console.log(dscpToTos(46)); // 184
 * ```
 */
export function dscpToTos(dscp: number): number {
  return parseDscp(dscp) << 2;
}

/**
 * Checks a whole TOS byte / traffic class (DSCP and ECN bits).
 *
 * @param tos The byte.
 * @returns The same byte.
 * @throws {DscpError} When it is not an integer from 0 to 255.
 *
 * @example EF as a whole TOS byte
 * ```ts
 * import { checkTos } from "./dscp.ts";
 * console.log(checkTos(0xb8)); // 184
 * ```
 */
export function checkTos(tos: number): number {
  if (!Number.isInteger(tos) || tos < 0 || tos > 255) {
    throw new DscpError(tos, `Invalid TOS "${tos}": expected 0 to 255`);
  }
  return tos;
}
