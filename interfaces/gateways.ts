/**
 * Default gateways, read from `/proc/net/route` (IPv4 main table) and `/proc/net/ipv6_route`:
 * the next hop of every default route that has one, with its interface and metric. Both files
 * belong to the reading process's network namespace.
 *
 * @module
 */
import { PROC_NET } from "./routes.ts";

/**
 * A default route's next hop.
 *
 * @example
 * ```ts
 * import type { DefaultGateway } from "./gateways.ts";
 * const gateway: DefaultGateway = { family: 4, address: "192.0.2.1", interface: "eth0", metric: 100 };
 * ```
 */
export interface DefaultGateway {
  /** 4 or 6. */
  family: 4 | 6;
  /** The gateway's address. */
  address: string;
  /** The interface the route leaves by. */
  interface: string;
  /** Route metric (lower wins). */
  metric: number;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

/**
 * Parses the default routes with a gateway out of `/proc/net/route` (addresses are hex in host
 * byte order, little-endian here).
 *
 * @param text The file's content.
 * @returns The gateways, lowest metric first.
 *
 * @example
 * ```ts
 * import { parseIpv4Gateways } from "./gateways.ts";
 * const text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
 *   "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\n";
 * console.log(parseIpv4Gateways(text)); // [ { family: 4, address: "192.0.2.1", interface: "eth0", metric: 100 } ]
 * ```
 */
export function parseIpv4Gateways(text: string): DefaultGateway[] {
  const gateways: DefaultGateway[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [name, destination, gateway, flagsHex, , , metric, mask] = line.trim().split(/\s+/);
    if (!name || gateway === undefined || flagsHex === undefined) continue;
    const flags = parseInt(flagsHex, 16);
    if ((flags & RTF_UP) === 0 || (flags & RTF_GATEWAY) === 0 || (flags & RTF_REJECT) !== 0) {
      continue;
    }
    if (!/^0+$/.test(destination ?? "") || !/^0+$/.test(mask ?? "")) continue;
    const value = parseInt(gateway, 16);
    const address = [0, 8, 16, 24].map((shift) => (value >>> shift) & 0xff).join(".");
    gateways.push({ family: 4, address, interface: name, metric: Number(metric ?? 0) });
  }
  return gateways.sort((a, b) => a.metric - b.metric);
}

/**
 * Parses the default routes (`::/0`) with a next hop out of `/proc/net/ipv6_route`.
 *
 * @param text The file's content.
 * @returns The gateways, lowest metric first.
 *
 * @example
 * ```ts
 * import { parseIpv6Gateways } from "./gateways.ts";
 * const zero = "0".repeat(32);
 * const hop = "fe800000000000000000000000000001";
 * const line = `${zero} 00 ${zero} 00 ${hop} 00000400 00000001 00000000 00000003 eth0`;
 * console.log(parseIpv6Gateways(line)[0]?.address); // fe80::1
 * ```
 */
export function parseIpv6Gateways(text: string): DefaultGateway[] {
  const gateways: DefaultGateway[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const prefix = parseInt(fields[1]!, 16);
    const nextHop = fields[4]!;
    const flags = parseInt(fields[8]!, 16);
    if (prefix !== 0 || (flags & RTF_UP) === 0 || (flags & RTF_REJECT) !== 0) continue;
    if (/^0+$/.test(nextHop)) continue;
    const groups = nextHop.match(/.{4}/g)!.map((group) => parseInt(group, 16).toString(16));
    gateways.push({
      family: 6,
      address: compressIpv6(groups),
      interface: fields[fields.length - 1]!,
      metric: parseInt(fields[5]!, 16),
    });
  }
  return gateways.sort((a, b) => a.metric - b.metric);
}

/** Writes eight hex groups with the longest run of zero groups as `::`. */
function compressIpv6(groups: string[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(":");
  const head = groups.slice(0, best.start).join(":");
  const tail = groups.slice(best.start + best.length).join(":");
  return `${head}::${tail}`;
}

/**
 * Reads the default gateways of this network namespace, IPv4 first; a missing file counts as
 * none.
 *
 * @param procNet The folder holding `route` and `ipv6_route`.
 * @returns The gateways.
 *
 * @example
 * ```ts ignore
 * import { readDefaultGateways } from "./gateways.ts";
 * console.log(readDefaultGateways()); // [ { family: 4, address: "192.168.1.1", interface: "wlan0", metric: 600 } ]
 * ```
 */
export function readDefaultGateways(procNet: string = PROC_NET): DefaultGateway[] {
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${procNet}/${name}`);
    } catch {
      return "";
    }
  };
  return [...parseIpv4Gateways(read("route")), ...parseIpv6Gateways(read("ipv6_route"))];
}
