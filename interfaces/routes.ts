/**
 * Which interfaces carry routes, read from `/proc/net/route` (IPv4 main table) and
 * `/proc/net/ipv6_route`.
 *
 * An IPv6 interface always has link-local (`fe80::/64`) and multicast (`ff00::/8`) routes, and
 * its own addresses appear as local routes, so those do not count: only a route that can carry
 * traffic somewhere does. Reject (`unreachable`) routes never count.
 *
 * @module
 */

/** The default procfs network folder. */
export const PROC_NET = "/proc/net";

/** Interfaces that carry routes. */
export interface RoutedInterfaces {
  /** Interfaces with at least one usable route. */
  withRoute: Set<string>;
  /** Interfaces with a default route (`0.0.0.0/0` or `::/0`). */
  withDefaultRoute: Set<string>;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;
const RTF_LOCAL = 0x80000000;

function emptyRoutes(): RoutedInterfaces {
  return { withRoute: new Set(), withDefaultRoute: new Set() };
}

/**
 * Parses `/proc/net/route`: a header line, then `Iface Destination Gateway Flags ... Mask ...`
 * with hexadecimal fields.
 *
 * @param text The file's content.
 * @param into Sets to add to.
 * @returns `into`.
 *
 * @example
 * ```ts
 * import { parseIpv4Routes } from "./routes.ts";
 * const text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
 *   "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n";
 * console.log(parseIpv4Routes(text).withDefaultRoute.has("eth0")); // true
 * ```
 */
export function parseIpv4Routes(
  text: string,
  into: RoutedInterfaces = emptyRoutes(),
): RoutedInterfaces {
  for (const line of text.split("\n").slice(1)) {
    const [name, destination, , flagsHex, , , , mask] = line.trim().split(/\s+/);
    if (!name || name === "*" || flagsHex === undefined) continue;
    const flags = parseInt(flagsHex, 16);
    if ((flags & RTF_UP) === 0 || (flags & RTF_REJECT) !== 0) continue;
    into.withRoute.add(name);
    if (/^0+$/.test(destination ?? "") && /^0+$/.test(mask ?? "")) into.withDefaultRoute.add(name);
  }
  return into;
}

/**
 * Parses `/proc/net/ipv6_route`: `destination prefix source prefix nexthop metric refcnt use
 * flags iface`, hexadecimal, no header. Local, reject, link-local and multicast routes are left
 * out.
 *
 * @param text The file's content.
 * @param into Sets to add to.
 * @returns `into`.
 *
 * @example
 * ```ts
 * import { parseIpv6Routes } from "./routes.ts";
 * const zero = "0".repeat(32);
 * const line = `fd00${"0".repeat(28)} 40 ${zero} 00 ${zero} 00000100 00000001 00000000 00000001 eth0`;
 * console.log(parseIpv6Routes(line).withRoute.has("eth0")); // true
 * ```
 */
export function parseIpv6Routes(
  text: string,
  into: RoutedInterfaces = emptyRoutes(),
): RoutedInterfaces {
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const destination = fields[0]!.toLowerCase();
    const prefix = parseInt(fields[1]!, 16);
    const flags = parseInt(fields[8]!, 16);
    const name = fields[fields.length - 1]!;
    if ((flags & RTF_UP) === 0 || (flags & (RTF_REJECT | RTF_LOCAL)) !== 0) continue;
    if (destination.startsWith("ff")) continue; // multicast
    if (/^fe[89ab]/.test(destination) && prefix >= 10) continue; // link-local
    into.withRoute.add(name);
    if (prefix === 0) into.withDefaultRoute.add(name);
  }
  return into;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * Reads both route files under a procfs network folder; a missing file counts as no routes.
 *
 * @param procNet The folder holding `route` and `ipv6_route`.
 * @returns Interfaces with routes and with default routes.
 *
 * @example
 * ```ts ignore
 * import { readRoutedInterfaces } from "./routes.ts";
 * console.log(readRoutedInterfaces("/proc/net").withRoute);
 * ```
 */
export function readRoutedInterfaces(procNet: string = PROC_NET): RoutedInterfaces {
  const routes = parseIpv4Routes(readText(`${procNet}/route`));
  return parseIpv6Routes(readText(`${procNet}/ipv6_route`), routes);
}
