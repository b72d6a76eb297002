/**
 * Network interface discovery: names, indexes, state, kind (WiFi, Ethernet, loopback,
 * virtual), MAC, addresses and routes, read from sysfs and procfs; recipe-declared kinds; and
 * the resolution of a recipe's `interfaces` setting.
 *
 * @example Listing interfaces
 * ```ts ignore
 * import { discoverInterfaces } from "./mod.ts";
 * for (const iface of discoverInterfaces()) console.log(iface.name, iface.kind);
 * ```
 *
 * @module
 */
export { type AddressEntry, groupAddresses, systemAddresses } from "./addresses.ts";
export { type Classification, classifyInterface, type InterfaceFacts } from "./classify.ts";
export {
  describeInterfaces,
  type DescribeInterfacesOptions,
  type InterfaceDescription,
} from "./describe.ts";
export { discoverInterfaces, type DiscoverInterfacesOptions, isUp } from "./discover.ts";
export { applyTypeOverrides, type TypeOverrides } from "./overrides.ts";
export { autoSkipReason, resolveInterfaces, type ResolveInterfacesOptions } from "./resolve.ts";
export {
  parseIpv4Routes,
  parseIpv6Routes,
  PROC_NET,
  readRoutedInterfaces,
  type RoutedInterfaces,
} from "./routes.ts";
export {
  listSysfsInterfaces,
  parseUevent,
  readSysfsInterface,
  SYSFS_NET,
  type SysfsInterface,
} from "./sysfs.ts";
export {
  INTERFACE_KINDS,
  type InterfaceAddress,
  type InterfaceKind,
  type NetworkInterface,
  type TypeSource,
} from "./types.ts";
