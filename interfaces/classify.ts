/**
 * Tells an interface's kind from what sysfs says about it. `type` is `1` for both WiFi and
 * Ethernet, so the decision rests on the `uevent` `DEVTYPE`, a few marker files and whether a
 * `device` link (a physical device) exists.
 *
 * @module
 */
import type { InterfaceKind } from "./types.ts";

/** What sysfs says about one interface, as {@linkcode classifyInterface} needs it. */
export interface InterfaceFacts {
  /** `type` (ARPHRD number), `null` when unreadable. */
  hardwareType: number | null;
  /** `flags` (IFF_* bits), `null` when unreadable. */
  flags: number | null;
  /** `DEVTYPE` from `uevent`, `null` when absent. */
  devtype: string | null;
  /** `ifindex`, `null` when unreadable. */
  index: number | null;
  /** `iflink` (the index of the link below, the peer for veth), `null` when unreadable. */
  iflink: number | null;
  /** A `phy80211` link or a `wireless` folder exists. */
  wireless: boolean;
  /** A `bridge` folder exists. */
  bridge: boolean;
  /** A `bonding` folder exists. */
  bonding: boolean;
  /** `tun_flags` as a number when the file exists, else `null`. */
  tunFlags: number | null;
  /** A `device` link exists: the interface sits on a physical device. */
  physical: boolean;
}

/** The result of {@linkcode classifyInterface}. */
export interface Classification {
  /** Broad kind. */
  kind: InterfaceKind;
  /** Finer kind, `""` when there is nothing more to say. */
  detail: string;
}

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const IFF_LOOPBACK = 0x8;
const IFF_TAP = 0x2;

/** `DEVTYPE` values of software devices. */
const VIRTUAL_DEVTYPES = new Set([
  "bareudp",
  "batadv",
  "bond",
  "bridge",
  "dsa",
  "geneve",
  "gtp",
  "hsr",
  "ipvlan",
  "ipvtap",
  "macsec",
  "macvlan",
  "macvtap",
  "team",
  "vlan",
  "vrf",
  "vxlan",
  "wireguard",
]);

/** `DEVTYPE` values of links that are neither WiFi nor Ethernet. */
const OTHER_DEVTYPES = new Set(["ppp", "wwan", "wimax"]);

/** ARPHRD numbers with a name worth showing. */
const HARDWARE_NAMES: Record<number, string> = {
  32: "infiniband",
  280: "can",
  512: "ppp",
  768: "ipip",
  769: "ip6tnl",
  776: "sit",
  778: "gre",
  823: "ip6gre",
  65534: "none",
};

/** Tunnels: software devices however they show up. */
const TUNNEL_TYPES = new Set([768, 769, 776, 778, 823]);

/**
 * Classifies an interface from its sysfs facts, in this order: loopback (`type` 772 or the
 * IFF_LOOPBACK flag); WiFi (`DEVTYPE=wlan`, `phy80211` or `wireless`); bridge, bond and tun/tap
 * from their marker files; other software devices from `DEVTYPE`; then a physical Ethernet NIC
 * (`type` 1 with a `device` link); then, without a device, `veth` when `iflink` points to another
 * index (a peer), else plain `virtual`.
 *
 * @param facts What sysfs says.
 * @returns Kind and detail.
 *
 * @example A veth: no DEVTYPE, no device, a peer
 * ```ts
 * import { classifyInterface } from "./classify.ts";
 * const result = classifyInterface({
 *   hardwareType: 1, flags: 0x1003, devtype: null, index: 6, iflink: 5, wireless: false,
 *   bridge: false, bonding: false, tunFlags: null, physical: false,
 * });
 * console.log(result); // { kind: "virtual", detail: "veth" }
 * ```
 */
export function classifyInterface(facts: InterfaceFacts): Classification {
  const { hardwareType, devtype } = facts;
  if (hardwareType === ARPHRD_LOOPBACK || ((facts.flags ?? 0) & IFF_LOOPBACK) !== 0) {
    return { kind: "loopback", detail: "" };
  }
  if (devtype === "wlan" || facts.wireless) return { kind: "wifi", detail: "" };
  if (devtype === "bridge" || facts.bridge) return { kind: "virtual", detail: "bridge" };
  if (devtype === "bond" || facts.bonding) return { kind: "virtual", detail: "bond" };
  if (facts.tunFlags !== null) {
    return { kind: "virtual", detail: (facts.tunFlags & IFF_TAP) !== 0 ? "tap" : "tun" };
  }
  if (devtype !== null && VIRTUAL_DEVTYPES.has(devtype)) {
    return { kind: "virtual", detail: devtype };
  }
  if (devtype !== null && OTHER_DEVTYPES.has(devtype)) return { kind: "other", detail: devtype };
  const hardwareName = hardwareType === null ? "" : HARDWARE_NAMES[hardwareType] ?? "";
  if (hardwareType !== null && TUNNEL_TYPES.has(hardwareType)) {
    return { kind: "virtual", detail: hardwareName };
  }
  if (facts.physical) {
    if (hardwareType === ARPHRD_ETHER) return { kind: "ethernet", detail: devtype ?? "" };
    return { kind: "other", detail: hardwareName || devtype || "" };
  }
  if (hardwareType === ARPHRD_ETHER) {
    const peered = facts.index !== null && facts.iflink !== null && facts.iflink !== facts.index;
    return { kind: "virtual", detail: peered ? "veth" : devtype ?? "" };
  }
  if (hardwareType === 512) return { kind: "other", detail: "ppp" };
  return { kind: "virtual", detail: hardwareName === "none" ? "" : hardwareName };
}
