/**
 * Declared interface types: a recipe's `[interface_types]` table (`bb-wifi = "wifi"`) says what
 * an interface is when detection cannot tell, e.g. a veth standing in for WiFi in a lab. A
 * declared type always wins over the detected one.
 *
 * @module
 */
import type { InterfaceKind, NetworkInterface } from "./types.ts";

/**
 * Declared kinds by interface name, as a recipe's `[interface_types]` table gives them.
 *
 * @example
 * ```ts
 * import type { TypeOverrides } from "./overrides.ts";
 * const overrides: TypeOverrides = { "bb-wifi": "wifi" };
 * console.log(overrides["bb-wifi"]); // wifi
 * ```
 */
export type TypeOverrides = Readonly<Record<string, InterfaceKind>>;

/**
 * Applies declared kinds: an interface named in `overrides` gets that kind and
 * `typeSource: "override"`; `detectedKind` and `detail` keep what the system said.
 *
 * @param interfaces Interfaces as detected.
 * @param overrides Declared kinds by name.
 * @returns New interface objects; the input is not changed.
 *
 * @example A veth declared as WiFi
 * ```ts
 * import { applyTypeOverrides } from "./overrides.ts";
 * import type { NetworkInterface } from "./types.ts";
 * const veth: NetworkInterface = {
 *   name: "bb-wifi", index: 7, kind: "virtual", detectedKind: "virtual", detail: "veth",
 *   driver: null, typeSource: "detected", operstate: "up", carrier: true, up: true,
 *   mac: "02:00:00:00:00:07", mtu: 1500, hardwareType: 1, addresses: [], hasRoute: true,
 *   hasDefaultRoute: false,
 * };
 * const [declared] = applyTypeOverrides([veth], { "bb-wifi": "wifi" });
 * console.log(declared?.kind, declared?.typeSource); // wifi override
 * ```
 */
export function applyTypeOverrides(
  interfaces: readonly NetworkInterface[],
  overrides: TypeOverrides,
): NetworkInterface[] {
  return interfaces.map((iface) => {
    const declared = Object.hasOwn(overrides, iface.name) ? overrides[iface.name] : undefined;
    if (declared === undefined) return { ...iface };
    return { ...iface, kind: declared, typeSource: "override" };
  });
}
