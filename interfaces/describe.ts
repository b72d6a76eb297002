/**
 * A short description of the interfaces a run uses, so that a report can say "the WiFi link is
 * the problem" rather than "wlan0 is the problem".
 *
 * @module
 */
import { discoverInterfaces, type DiscoverInterfacesOptions } from "./discover.ts";
import type { InterfaceKind, TypeSource } from "./types.ts";

/** What a run records about one interface it uses. */
export interface InterfaceDescription {
  /** Interface name. */
  name: string;
  /** Broad kind (declared or detected). */
  kind: InterfaceKind;
  /** Finer kind (`"veth"`, `"bridge"`), `""` when there is nothing more to say. */
  detail: string;
  /** Kernel driver, `null` for none. */
  driver: string | null;
  /** Hardware address, `null` when none or unknown. */
  mac: string | null;
  /** Whether the kind was detected or declared. */
  typeSource: TypeSource;
  /** Whether the interface existed when described. */
  found: boolean;
}

/** Options for {@linkcode describeInterfaces}. */
export type DescribeInterfacesOptions = Pick<
  DiscoverInterfacesOptions,
  "sysfsNet" | "overrides"
>;

/**
 * Describes the named interfaces, in the order given. A name that does not exist (any more) is
 * still described: with its declared kind if there is one, else `"other"`, and `found: false`.
 *
 * @param names Interface names, e.g. a run's resolved interfaces.
 * @param options Injectable sysfs root and declared kinds (a recipe's `[interface_types]`).
 * @returns One description per name.
 *
 * @example
 * ```ts ignore
 * import { describeInterfaces } from "./describe.ts";
 * console.log(describeInterfaces(["lo"]));
 * // [{ name: "lo", kind: "loopback", detail: "", driver: null, mac: "00:00:00:00:00:00",
 * //    typeSource: "detected", found: true }]
 * ```
 */
export function describeInterfaces(
  names: readonly string[],
  options: DescribeInterfacesOptions = {},
): InterfaceDescription[] {
  if (names.length === 0) return [];
  const overrides = options.overrides ?? {};
  const found = new Map(
    discoverInterfaces({ ...options, overrides, addresses: () => [] })
      .map((iface) => [iface.name, iface]),
  );
  return names.map((name) => {
    const iface = found.get(name);
    if (iface !== undefined) {
      const { kind, detail, driver, mac, typeSource } = iface;
      return { name, kind, detail, driver, mac, typeSource, found: true };
    }
    const declared = Object.hasOwn(overrides, name) ? overrides[name] : undefined;
    return {
      name,
      kind: declared ?? "other",
      detail: "",
      driver: null,
      mac: null,
      typeSource: declared === undefined ? "detected" : "override",
      found: false,
    };
  });
}
