/**
 * What bufferbane knows about a network interface: identity, state, kind, addresses and routes.
 *
 * @module
 */

/**
 * Every interface kind, in the order the docs list them. A recipe's `[interface_types]` table
 * takes one of these values.
 *
 * @example Validating a declared kind
 * ```ts
 * import { INTERFACE_KINDS } from "./types.ts";
 * console.log(INTERFACE_KINDS.includes("wifi")); // true
 * ```
 */
export const INTERFACE_KINDS = ["wifi", "ethernet", "loopback", "virtual", "other"] as const;

/**
 * The broad kind of an interface: `"wifi"`, `"ethernet"` (a physical wired NIC), `"loopback"`,
 * `"virtual"` (veth, bridge, tun/tap, wireguard, vlan, bond and the like) or `"other"` (PPP,
 * cellular, InfiniBand and anything not recognised).
 *
 * @example
 * ```ts
 * import type { InterfaceKind } from "./types.ts";
 * const kind: InterfaceKind = "wifi";
 * console.log(kind); // wifi
 * ```
 */
export type InterfaceKind = typeof INTERFACE_KINDS[number];

/**
 * Where an interface's kind came from: read from the system, or declared in a recipe.
 *
 * @example
 * ```ts
 * import type { TypeSource } from "./types.ts";
 * const source: TypeSource = "override";
 * console.log(source); // override
 * ```
 */
export type TypeSource = "detected" | "override";

/**
 * One address of an interface.
 *
 * @example
 * ```ts
 * import type { InterfaceAddress } from "./types.ts";
 * const address: InterfaceAddress = { family: "IPv4", address: "192.0.2.2", prefix: 24 };
 * console.log(`${address.address}/${address.prefix}`); // 192.0.2.2/24
 * ```
 */
export interface InterfaceAddress {
  /** Address family. */
  family: "IPv4" | "IPv6";
  /** The address, e.g. `"192.0.2.2"` or `"fe80::1"`. */
  address: string;
  /** Prefix length, e.g. `24`. */
  prefix: number;
}

/**
 * Everything discovered about one interface.
 *
 * @example
 * ```ts ignore
 * import { discoverInterfaces } from "./discover.ts";
 * const lo = discoverInterfaces().find((i) => i.name === "lo");
 * console.log(lo?.kind); // loopback
 * ```
 */
export interface NetworkInterface {
  /** Kernel name, e.g. `"wlan0"`. */
  name: string;
  /** Kernel index (`ifindex`), or `null` when unreadable. */
  index: number | null;
  /** Broad kind; a recipe's declared type wins over the detected one. */
  kind: InterfaceKind;
  /** The kind read from the system, whatever the recipe declares. */
  detectedKind: InterfaceKind;
  /**
   * Finer kind when known: `"veth"`, `"bridge"`, `"bond"`, `"tun"`, `"tap"`, `"wireguard"`,
   * `"vlan"`, `"ppp"`, `"wwan"`, ...; `""` when there is nothing more to say.
   */
  detail: string;
  /** Kernel driver of the underlying device (`"iwlwifi"`, `"e1000e"`), `null` for none. */
  driver: string | null;
  /** Whether {@linkcode NetworkInterface.kind} was detected or declared in a recipe. */
  typeSource: TypeSource;
  /** `operstate` as the kernel says it: `"up"`, `"down"`, `"unknown"`, `"dormant"`, ... */
  operstate: string;
  /** Carrier present; `null` when the kernel cannot tell (the interface is down). */
  carrier: boolean | null;
  /** Operstate `up`, or `unknown` with a carrier (loopback, some tunnels). */
  up: boolean;
  /** Hardware address, e.g. `"02:fc:00:00:00:01"`; `null` when the interface has none. */
  mac: string | null;
  /** MTU in bytes, or `null` when unreadable. */
  mtu: number | null;
  /** ARPHRD hardware type (`1` Ethernet and WiFi, `772` loopback, `65534` none). */
  hardwareType: number | null;
  /** Addresses, IPv4 first. Empty when unknown (no `--allow-sys`). */
  addresses: InterfaceAddress[];
  /** Carries at least one usable route (IPv4 main table, or a global IPv6 route). */
  hasRoute: boolean;
  /** Carries a default route (IPv4 or IPv6). */
  hasDefaultRoute: boolean;
}
