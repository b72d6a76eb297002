/**
 * Interface addresses from `Deno.networkInterfaces()` (one entry per address), grouped by name.
 *
 * @module
 */
import type { InterfaceAddress } from "./types.ts";

/** One entry as `Deno.networkInterfaces()` returns it (the fields used here). */
export type AddressEntry = Pick<Deno.NetworkInterfaceInfo, "name" | "family" | "address" | "cidr">;

/**
 * Calls `Deno.networkInterfaces()`, or returns `[]` when it is not allowed (no `--allow-sys`)
 * or not supported.
 *
 * @returns Address entries.
 *
 * @example
 * ```ts
 * import { systemAddresses } from "./addresses.ts";
 * console.log(Array.isArray(systemAddresses())); // true
 * ```
 */
export function systemAddresses(): AddressEntry[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}

/**
 * Groups address entries by interface name, IPv4 before IPv6, in the order given otherwise.
 *
 * @param entries Entries as `Deno.networkInterfaces()` returns them.
 * @returns Addresses by interface name.
 *
 * @example
 * ```ts
 * import { groupAddresses } from "./addresses.ts";
 * const grouped = groupAddresses([
 *   { name: "eth0", family: "IPv6", address: "fd00::2", cidr: "fd00::2/64" },
 *   { name: "eth0", family: "IPv4", address: "192.0.2.2", cidr: "192.0.2.2/24" },
 * ]);
 * console.log(grouped.get("eth0")?.map((a) => a.address)); // ["192.0.2.2", "fd00::2"]
 * ```
 */
export function groupAddresses(entries: readonly AddressEntry[]): Map<string, InterfaceAddress[]> {
  const grouped = new Map<string, InterfaceAddress[]>();
  for (const entry of entries) {
    const slash = entry.cidr.lastIndexOf("/");
    const parsed = slash < 0 ? NaN : Number(entry.cidr.slice(slash + 1));
    const prefix = Number.isInteger(parsed) ? parsed : entry.family === "IPv4" ? 32 : 128;
    const list = grouped.get(entry.name) ?? [];
    list.push({ family: entry.family, address: entry.address, prefix });
    grouped.set(entry.name, list);
  }
  for (const list of grouped.values()) {
    list.sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1));
  }
  return grouped;
}
