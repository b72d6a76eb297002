/**
 * What the doctor's checks touch of the system, gathered in one object so that tests can put a
 * failing (or a namespaced) one in its place: socket permissions, resolvers, routes,
 * interfaces, pings and the self-test.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { IcmpSocket, type IcmpSocketKind } from "../ffi/icmp_socket.ts";
import type { IpFamily } from "../ffi/ip_address.ts";
import { kernelPathMtu } from "../ffi/path_mtu.ts";
import { type DefaultGateway, readDefaultGateways } from "../interfaces/gateways.ts";
import { discoverInterfaces } from "../interfaces/discover.ts";
import type { NetworkInterface } from "../interfaces/types.ts";
import { type DnsQueryRequest, type DnsQueryResult, queryDns } from "../plugins/_dns_query.ts";
import { Pinger } from "./pinger.ts";
import { runSelfTest } from "./self_test.ts";
import type { CheckResult } from "./types.ts";

/**
 * The doctor's view of the system.
 *
 * @example A system where ICMP is not allowed at all
 * ```ts
 * import { defaultDoctorDeps, type DoctorDeps } from "./deps.ts";
 * const deps: DoctorDeps = {
 *   ...defaultDoctorDeps(),
 *   icmpPermission: () => new Error("EACCES"),
 * };
 * console.log(deps.icmpPermission("ping", 4)?.message); // EACCES
 * ```
 */
export interface DoctorDeps {
  /** Tries to open (and closes) an ICMP socket; the error when it cannot be opened. */
  icmpPermission(kind: IcmpSocketKind, family: IpFamily): Error | undefined;
  /** `net.ipv4.ping_group_range`, when readable. */
  pingGroupRange(): string | undefined;
  /** Resolves a name with the system resolver (getaddrinfo): every address. */
  lookup(name: string): Promise<{ address: string; family: IpFamily }[]>;
  /** Asks one DNS server one question. */
  queryDns(request: DnsQueryRequest, timeoutMs: number): Promise<DnsQueryResult>;
  /** The default routes' gateways. */
  defaultGateways(): DefaultGateway[];
  /** Every interface with state, addresses and routes. */
  interfaces(): NetworkInterface[];
  /**
   * The path MTU the kernel knows toward an address (`IP_MTU` of a connected UDP socket), or
   * `undefined` when it cannot be read.
   */
  kernelPathMtu(address: string): number | undefined;
  /** Opens a pinger (an FFI ICMP socket), bound to `device` and with Don't Fragment if asked. */
  openPinger(options: { family: IpFamily; device?: string; dontFragment?: boolean }): Pinger;
  /** Runs the synthetic self-test. */
  selfTest(options: { icmp: boolean }): Promise<CheckResult[]>;
}

/**
 * The real system.
 *
 * @returns Dependencies reading and probing this machine.
 *
 * @example
 * ```ts
 * import { defaultDoctorDeps } from "./deps.ts";
 * console.log(typeof defaultDoctorDeps().lookup); // function
 * ```
 */
export function defaultDoctorDeps(): DoctorDeps {
  return {
    icmpPermission(kind, family) {
      try {
        IcmpSocket.open({ kind, family }).close();
        return undefined;
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    },
    pingGroupRange() {
      try {
        return Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim()
          .replace(/\s+/, " ");
      } catch {
        return undefined;
      }
    },
    async lookup(name) {
      const found = await lookup(name, { all: true });
      return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
    },
    queryDns(request, timeoutMs) {
      return queryDns(request, AbortSignal.timeout(timeoutMs));
    },
    defaultGateways: () => readDefaultGateways(),
    kernelPathMtu(address) {
      try {
        return kernelPathMtu(address);
      } catch {
        return undefined;
      }
    },
    interfaces: () => discoverInterfaces(),
    openPinger(options) {
      return new Pinger(IcmpSocket.open({
        family: options.family,
        ...(options.device !== undefined ? { device: options.device } : {}),
        ...(options.dontFragment ? { dontFragment: true } : {}),
      }));
    },
    selfTest: (options) => runSelfTest(options),
  };
}
