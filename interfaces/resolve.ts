/**
 * Turns a recipe's `interfaces` setting into interface names at the start of a run: `"auto"`
 * picks every interface that is up, not loopback and has a route; a list is checked against the
 * interfaces that exist, so that a typo fails at once instead of as a stream of failed probes.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { discoverInterfaces, type DiscoverInterfacesOptions } from "./discover.ts";
import { SYSFS_NET } from "./sysfs.ts";
import type { NetworkInterface } from "./types.ts";

/** Options for {@linkcode resolveInterfaces}. */
export type ResolveInterfacesOptions = Pick<
  DiscoverInterfacesOptions,
  "sysfsNet" | "procNet" | "overrides"
>;

function addNote(notes: string[], note: string): void {
  if (!notes.includes(note)) notes.push(note);
}

/**
 * Says why `interfaces = "auto"` leaves an interface out: `"loopback"`, `"down"` or
 * `"no route"`; `undefined` when it picks it.
 *
 * @param iface A discovered interface.
 * @returns The reason, or `undefined` when `"auto"` picks the interface.
 *
 * @example
 * ```ts
 * import { autoSkipReason } from "./resolve.ts";
 * console.log(autoSkipReason({ kind: "ethernet", up: true, hasRoute: false })); // no route
 * ```
 */
export function autoSkipReason(
  iface: Pick<NetworkInterface, "kind" | "up" | "hasRoute">,
): string | undefined {
  if (iface.kind === "loopback") return "loopback";
  if (!iface.up) return "down";
  if (!iface.hasRoute) return "no route";
  return undefined;
}

function resolveAuto(interfaces: NetworkInterface[], notes: string[]): string[] {
  const chosen: string[] = [];
  const skipped: string[] = [];
  for (const iface of interfaces) {
    const reason = autoSkipReason(iface);
    if (reason === undefined) chosen.push(iface.name);
    else skipped.push(`${iface.name} (${reason})`);
  }
  const skippedText = skipped.length > 0 ? `; skipped ${skipped.join(", ")}` : "";
  addNote(
    notes,
    chosen.length > 0
      ? `interfaces = "auto" chose ${chosen.join(", ")}${skippedText}`
      : `interfaces = "auto" found no interface that is up with a route: using the default route${skippedText}`,
  );
  return chosen;
}

function stateProblem(iface: NetworkInterface): string | undefined {
  if (!iface.up) {
    const carrier = iface.carrier === false ? ", no carrier" : "";
    return `is not up (operstate "${iface.operstate}"${carrier})`;
  }
  if (iface.carrier === false) return "has no carrier";
  return undefined;
}

/**
 * Turns a recipe's `interfaces` value into names. A list keeps its order; every name must
 * exist, and a note warns about one that is down or has no carrier (the run still starts: the
 * interface may come up). `"auto"` becomes every interface that is up (operstate `up`, or
 * `unknown` with a carrier), not loopback and with a route, and a note says what it chose and
 * skipped. An empty list means the default route. Notes are not repeated when the same thing is
 * resolved for several probes.
 *
 * @param setting The recipe value: names, or `"auto"`.
 * @param notes Collects notes on what `"auto"` chose and on interfaces that are down.
 * @param options Injectable sysfs and procfs roots, and declared kinds.
 * @returns Interface names (`[]` = default route).
 * @throws {BufferbaneError} `INTERFACE_NOT_FOUND` when a listed name does not exist; the hint
 * lists the interfaces that do.
 *
 * @example A name that does not exist
 * ```ts ignore
 * import { resolveInterfaces } from "./resolve.ts";
 * resolveInterfaces(["wlan9"], []);
 * // throws INTERFACE_NOT_FOUND: Interface "wlan9" does not exist (existing interfaces: eth0, lo)
 * ```
 */
export function resolveInterfaces(
  setting: string[] | "auto",
  notes: string[],
  options: ResolveInterfacesOptions = {},
): string[] {
  if (setting !== "auto" && setting.length === 0) return [];
  const interfaces = discoverInterfaces({ ...options, addresses: () => [] });
  if (setting === "auto") return resolveAuto(interfaces, notes);
  if (interfaces.length === 0) {
    addNote(
      notes,
      `Cannot check interface names: "${options.sysfsNet ?? SYSFS_NET}" is not readable`,
    );
    return [...setting];
  }
  const byName = new Map(interfaces.map((iface) => [iface.name, iface]));
  for (const name of setting) {
    const iface = byName.get(name);
    if (iface === undefined) {
      const existing = [...byName.keys()].sort().join(", ");
      throw new BufferbaneError(ErrorCode.InterfaceNotFound, `Interface "${name}" does not exist`, {
        hint: `existing interfaces: ${existing}`,
      });
    }
    const problem = stateProblem(iface);
    if (problem !== undefined) {
      addNote(notes, `Interface "${name}" ${problem}: probes through it fail until it comes up`);
    }
  }
  return [...setting];
}
