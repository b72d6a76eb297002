/**
 * Check: the state of each interface: up, carrier, addresses, routed. Physical interfaces
 * (WiFi, Ethernet) and those a recipe names get a line each; virtual ones only when up. The
 * check fails when no interface carries a default route, or an interface the recipe names is
 * missing or down.
 *
 * @module
 */
import type { NetworkInterface } from "../interfaces/types.ts";
import type { DoctorContext } from "./context.ts";
import type { CheckResult } from "./types.ts";

function describe(iface: NetworkInterface): string {
  const parts = [
    iface.up ? "up" : `down (${iface.operstate})`,
    iface.carrier === true ? "carrier" : iface.carrier === false ? "no carrier" : "",
    iface.kind,
    iface.mtu !== null ? `mtu ${iface.mtu}` : "",
    iface.addresses.length > 0
      ? iface.addresses.map((a) => `${a.address}/${a.prefix}`).join(" ")
      : "no address",
    iface.hasDefaultRoute ? "default route" : iface.hasRoute ? "routed" : "no route",
  ];
  return parts.filter((part) => part !== "").join(", ");
}

function judge(iface: NetworkInterface, named: boolean): CheckResult {
  const base = {
    check: "interface",
    subject: iface.name,
    message: describe(iface),
    data: {
      up: iface.up,
      carrier: iface.carrier,
      kind: iface.kind,
      mtu: iface.mtu,
      addresses: iface.addresses.map((a) => `${a.address}/${a.prefix}`),
      routed: iface.hasRoute,
      defaultRoute: iface.hasDefaultRoute,
    },
  };
  if (!iface.up) {
    return {
      ...base,
      verdict: named ? "fail" : "warn",
      hint: iface.kind === "wifi"
        ? "not connected: join a network (or drop it from the recipe's interfaces)"
        : `no link: plug the cable in or \`ip link set ${iface.name} up\``,
    };
  }
  const global = iface.addresses.filter((a) => !/^(fe80|169\.254)/i.test(a.address));
  if (global.length === 0) {
    return {
      ...base,
      verdict: named ? "fail" : "warn",
      hint: "up without an address: DHCP did not finish, or the interface is not configured",
    };
  }
  if (!iface.hasRoute) {
    return {
      ...base,
      verdict: "warn",
      hint: "no route uses it: probes bound to it cannot reach anything beyond its subnet",
    };
  }
  return { ...base, verdict: "ok" };
}

/**
 * Runs the check.
 *
 * @param context The system and the recipe.
 * @returns One line per interface worth a line, and one when nothing carries a default route.
 *
 * @example A recipe naming an interface that does not exist
 * ```ts
 * import { checkInterfaces } from "./check_interfaces.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const deps = { ...defaultDoctorDeps(), interfaces: () => [] };
 * const recipe = { interfaces: ["wlan0"] } as never;
 * const lines = await checkInterfaces({ deps, recipe, timeoutMs: 1000, dnsName: "x" });
 * console.log(lines.map((l) => `${l.verdict} ${l.subject ?? ""}`)); // [ "fail wlan0", "fail " ]
 * ```
 */
export function checkInterfaces(context: DoctorContext): Promise<CheckResult[]> {
  const all = context.deps.interfaces();
  const wanted = Array.isArray(context.recipe?.interfaces) ? context.recipe.interfaces : [];
  const lines: CheckResult[] = [];
  for (const name of wanted) {
    if (!all.some((iface) => iface.name === name)) {
      lines.push({
        check: "interface",
        subject: name,
        verdict: "fail",
        message: "named in the recipe but does not exist",
        hint: "check the name with `bufferbane interfaces`",
      });
    }
  }
  for (const iface of all) {
    if (iface.kind === "loopback") continue;
    const named = wanted.includes(iface.name);
    const physical = iface.kind === "wifi" || iface.kind === "ethernet";
    if (!named && !physical && !iface.up) continue;
    lines.push(judge(iface, named));
  }
  if (!all.some((iface) => iface.up && iface.hasDefaultRoute)) {
    lines.push({
      check: "interface",
      verdict: "fail",
      message: "no interface that is up carries a default route",
      hint: "connect to a network (WiFi, cable) and check DHCP; `ip route` shows the routes",
    });
  }
  return Promise.resolve(lines);
}
