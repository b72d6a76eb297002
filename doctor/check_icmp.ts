/**
 * Check: may this user send ICMP? Ping sockets (allowed by `net.ipv4.ping_group_range`) or raw
 * sockets (root / `CAP_NET_RAW`); without either, the icmp plugin, the gateway check and the
 * path MTU check cannot work.
 *
 * @module
 */
import type { DoctorContext } from "./context.ts";
import type { CheckResult } from "./types.ts";

/** How to allow ICMP, for hints. */
export const ICMP_HINT = 'allow ping sockets: sysctl -w net.ipv4.ping_group_range="0 2147483647" ' +
  "(persist it in /etc/sysctl.d/), or run as root / grant CAP_NET_RAW " +
  "(setcap cap_net_raw+ep $(which deno))";

/**
 * Runs the check.
 *
 * @param context The system.
 * @returns One line.
 *
 * @example Neither kind allowed
 * ```ts
 * import { checkIcmp } from "./check_icmp.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const deps = { ...defaultDoctorDeps(), icmpPermission: () => new Error("EPERM"), pingGroupRange: () => "1 0" };
 * const [line] = await checkIcmp({ deps, recipe: undefined, timeoutMs: 1000, dnsName: "x" });
 * console.log(line?.verdict); // fail
 * ```
 */
export function checkIcmp(context: DoctorContext): Promise<CheckResult[]> {
  const { deps } = context;
  const range = deps.pingGroupRange();
  const rangeText = range === undefined ? "" : ` (net.ipv4.ping_group_range "${range}")`;
  const ping = deps.icmpPermission("ping", 4);
  if (ping === undefined) {
    return Promise.resolve([{
      check: "icmp",
      verdict: "ok",
      message: `ping sockets allowed for this user${rangeText}`,
      data: { socket: "ping", range },
    }]);
  }
  const raw = deps.icmpPermission("raw", 4);
  if (raw === undefined) {
    return Promise.resolve([{
      check: "icmp",
      verdict: "ok",
      message: `raw ICMP sockets (root or CAP_NET_RAW); ping sockets are not allowed${rangeText}`,
      data: { socket: "raw", range },
    }]);
  }
  return Promise.resolve([{
    check: "icmp",
    verdict: "fail",
    message: `no ICMP: ping sockets not allowed${rangeText} (${ping.message}), ` +
      `raw sockets not allowed (${raw.message}); icmp probes will fail`,
    hint: ICMP_HINT,
    data: { socket: null, range },
  }]);
}
