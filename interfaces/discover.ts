/**
 * Interface discovery: every interface sysfs lists, with its index, state, kind, MAC, addresses
 * and routes. Every source is injectable, so tests run on fake trees.
 *
 * Needs `--allow-all` to read `/sys` (Deno's rule today); addresses also need `--allow-sys`
 * and are left empty without it.
 *
 * @module
 */
import { type AddressEntry, groupAddresses, systemAddresses } from "./addresses.ts";
import { classifyInterface } from "./classify.ts";
import { applyTypeOverrides, type TypeOverrides } from "./overrides.ts";
import { PROC_NET, readRoutedInterfaces } from "./routes.ts";
import { listSysfsInterfaces, readSysfsInterface, SYSFS_NET } from "./sysfs.ts";
import type { NetworkInterface } from "./types.ts";

/** Options for {@linkcode discoverInterfaces}. */
export interface DiscoverInterfacesOptions {
  /**
   * The sysfs network class folder.
   *
   * @default {"/sys/class/net"}
   */
  sysfsNet?: string;
  /**
   * The procfs network folder holding `route` and `ipv6_route`.
   *
   * @default {"/proc/net"}
   */
  procNet?: string;
  /**
   * Source of addresses, one entry per address.
   *
   * @default {`Deno.networkInterfaces()`, or none without `--allow-sys`}
   */
  addresses?: () => readonly AddressEntry[];
  /**
   * Declared kinds by name (a recipe's `[interface_types]`); they win over detection.
   *
   * @default {{}}
   */
  overrides?: TypeOverrides;
}

/**
 * Says whether an interface is up: operstate `up`, or `unknown` with a carrier (loopback and
 * some tunnels never report `up`).
 *
 * @param operstate The kernel's `operstate`.
 * @param carrier The kernel's `carrier`, `null` when unknown.
 * @returns Whether traffic can flow.
 *
 * @example
 * ```ts
 * import { isUp } from "./discover.ts";
 * console.log(isUp("up", true), isUp("unknown", true), isUp("unknown", null)); // true true false
 * ```
 */
export function isUp(operstate: string, carrier: boolean | null): boolean {
  return operstate === "up" || (operstate === "unknown" && carrier === true);
}

/**
 * Lists every interface with what is known about it, sorted by index.
 *
 * @param options Injectable sources and declared kinds.
 * @returns Interfaces; `[]` when sysfs cannot be read (not Linux, or not `--allow-all`).
 *
 * @example Finding the loopback interface
 * ```ts ignore
 * import { discoverInterfaces } from "./discover.ts";
 * const lo = discoverInterfaces().find((iface) => iface.name === "lo");
 * console.log(lo?.kind, lo?.index); // loopback 1
 * ```
 */
export function discoverInterfaces(options: DiscoverInterfacesOptions = {}): NetworkInterface[] {
  const sysfsNet = options.sysfsNet ?? SYSFS_NET;
  const names = listSysfsInterfaces(sysfsNet) ?? [];
  if (names.length === 0) return [];
  const routes = readRoutedInterfaces(options.procNet ?? PROC_NET);
  const addresses = groupAddresses((options.addresses ?? systemAddresses)());
  const found = names.map((name): NetworkInterface => {
    const read = readSysfsInterface(sysfsNet, name);
    const { kind, detail } = classifyInterface(read.facts);
    return {
      name,
      index: read.facts.index,
      kind,
      detectedKind: kind,
      detail,
      driver: read.driver,
      typeSource: "detected",
      operstate: read.operstate,
      carrier: read.carrier,
      up: isUp(read.operstate, read.carrier),
      mac: read.mac,
      mtu: read.mtu,
      hardwareType: read.facts.hardwareType,
      addresses: addresses.get(name) ?? [],
      hasRoute: routes.withRoute.has(name),
      hasDefaultRoute: routes.withDefaultRoute.has(name),
    };
  });
  found.sort((a, b) =>
    (a.index ?? Infinity) - (b.index ?? Infinity) || a.name.localeCompare(b.name)
  );
  return applyTypeOverrides(found, options.overrides ?? {});
}
