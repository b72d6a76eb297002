/**
 * `interfaces`: lists the network interfaces with their index, kind, state, MAC, addresses and
 * routes, and says which ones `interfaces = "auto"` would pick.
 *
 * @module
 */
import { formatTable } from "../live/format.ts";
import { discoverInterfaces, type DiscoverInterfacesOptions } from "../interfaces/discover.ts";
import { autoSkipReason } from "../interfaces/resolve.ts";
import type { NetworkInterface } from "../interfaces/types.ts";

/** Flags of the `interfaces` command. */
export interface InterfacesCommandOptions {
  /**
   * Print the interfaces as a JSON array.
   *
   * @default {false}
   */
  json?: boolean;
  /**
   * Also list virtual interfaces that are down (hidden by default: they are noise).
   *
   * @default {false}
   */
  all?: boolean;
}

/**
 * Says whether the listing hides an interface unless `--all` is given: virtual interfaces that
 * are down.
 *
 * @param iface A discovered interface.
 * @returns `true` when hidden by default.
 *
 * @example
 * ```ts
 * import { hiddenByDefault } from "./interfaces.ts";
 * console.log(hiddenByDefault({ kind: "virtual", up: false })); // true
 * ```
 */
export function hiddenByDefault(iface: Pick<NetworkInterface, "kind" | "up">): boolean {
  return iface.kind === "virtual" && !iface.up;
}

function kindText(iface: NetworkInterface): string {
  if (iface.typeSource === "override") return `${iface.kind} (declared)`;
  const more = [iface.detail, iface.driver ?? ""].filter((part) => part !== "");
  return more.length > 0 ? `${iface.kind} (${more.join(", ")})` : iface.kind;
}

function stateText(iface: NetworkInterface): string {
  const state = iface.up
    ? (iface.operstate === "up" ? "up" : `up (${iface.operstate})`)
    : iface.operstate || "?";
  return iface.carrier === false ? `${state}, no carrier` : state;
}

function routeText(iface: NetworkInterface): string {
  if (iface.hasDefaultRoute) return "default";
  return iface.hasRoute ? "yes" : "no";
}

/**
 * Lays out interfaces as a table: name, index, kind (detail, driver), state (operstate and
 * carrier), MAC, addresses, route (`default`, `yes` or `no`).
 *
 * @param interfaces The interfaces to show.
 * @returns The lines, header first.
 *
 * @example
 * ```ts
 * import { formatInterfaceTable } from "./interfaces.ts";
 * const lines = formatInterfaceTable([{
 *   name: "lo", index: 1, kind: "loopback", detectedKind: "loopback", detail: "", driver: null,
 *   typeSource: "detected", operstate: "unknown", carrier: true, up: true,
 *   mac: "00:00:00:00:00:00", mtu: 65536, hardwareType: 772,
 *   addresses: [{ family: "IPv4", address: "127.0.0.1", prefix: 8 }],
 *   hasRoute: false, hasDefaultRoute: false,
 * }]);
 * console.log(lines[1]); // lo        1  loopback  up (unknown)  00:00:00:00:00:00  127.0.0.1/8  no
 * ```
 */
export function formatInterfaceTable(interfaces: readonly NetworkInterface[]): string[] {
  const rows = [["name", "index", "kind", "state", "MAC", "addresses", "route"]];
  for (const iface of interfaces) {
    const addresses = iface.addresses.map((a) => `${a.address}/${a.prefix}`).join(", ");
    rows.push([
      iface.name,
      iface.index === null ? "-" : String(iface.index),
      kindText(iface),
      stateText(iface),
      iface.mac ?? "none",
      addresses || "none",
      routeText(iface),
    ]);
  }
  return formatTable(rows);
}

/**
 * Runs the command; returns the exit code (1 when no interface can be read).
 *
 * @param flags `--json` and `--all`.
 * @param options Injectable discovery sources (tests).
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { interfacesCommand } from "./interfaces.ts";
 * await interfacesCommand({ json: true });
 * ```
 */
export function interfacesCommand(
  flags: InterfacesCommandOptions = {},
  options: DiscoverInterfacesOptions = {},
): number {
  const found = discoverInterfaces(options);
  if (found.length === 0) {
    console.error(
      `bufferbane: No interfaces found: "${
        options.sysfsNet ?? "/sys/class/net"
      }" is not readable (Linux only, run with -A)`,
    );
    return 1;
  }
  const shown = flags.all ? found : found.filter((iface) => !hiddenByDefault(iface));
  if (flags.json) {
    console.log(JSON.stringify(shown, null, 2));
    return 0;
  }
  const lines = formatInterfaceTable(shown);
  const hidden = found.filter((iface) => !shown.includes(iface)).map((iface) => iface.name);
  if (hidden.length > 0) {
    lines.push("", `hidden (virtual and down, --all shows them): ${hidden.join(", ")}`);
  }
  const auto = found.filter((iface) => autoSkipReason(iface) === undefined).map((i) => i.name);
  lines.push(
    "",
    auto.length > 0
      ? `interfaces = "auto" would pick: ${auto.join(", ")}`
      : `interfaces = "auto" would pick none: probes would use the default route`,
  );
  console.log(lines.join("\n"));
  return 0;
}
