/**
 * Check: the path MTU to each server of the recipe, by a binary search over Don't-Fragment
 * pings through the FFI layer (`IP_MTU_DISCOVER` = `IP_PMTUDISC_DO`; the kernel's `EMSGSIZE`
 * and routers' "fragmentation needed" / "packet too big" with their MTU steer it). The line
 * also gives the path MTU the kernel holds afterwards (`IP_MTU`): equal to the search's when
 * routers said so, larger in a black hole, where the kernel never heard.
 *
 * @module
 */
import { ipFamily } from "../ffi/ip_address.ts";
import { ICMP_HINT } from "./check_icmp.ts";
import type { DoctorContext } from "./context.ts";
import { searchPathMtu } from "./path_mtu.ts";
import { dontFragmentProbe } from "./pinger.ts";
import type { CheckResult } from "./types.ts";

/** The MTU of an Ethernet path; less means a tunnel, PPPoE or a misconfigured link on the way. */
export const ETHERNET_MTU = 1500;

/**
 * Runs the check.
 *
 * @param context The system, the recipe and the waits.
 * @returns One line per server (embedded ones are left out: they are on loopback).
 *
 * @example Without a recipe there is nothing to probe
 * ```ts
 * import { checkPathMtu } from "./check_path_mtu.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const [line] = await checkPathMtu({ deps: defaultDoctorDeps(), recipe: undefined, timeoutMs: 1000, dnsName: "x" });
 * console.log(line?.verdict); // skip
 * ```
 */
export async function checkPathMtu(context: DoctorContext): Promise<CheckResult[]> {
  const { deps, timeoutMs } = context;
  const servers = (context.recipe?.servers ?? []).filter((s) => !s.embedded && s.host);
  if (servers.length === 0) {
    return [{
      check: "path-mtu",
      verdict: "skip",
      message: "no servers to probe (give --recipe with [[servers]])",
    }];
  }
  const lines: CheckResult[] = [];
  for (const server of servers) {
    const subject = `${server.name} (${server.host})`;
    let address = server.host;
    let family = ipFamily(address);
    if (family === undefined) {
      try {
        const found = await deps.lookup(server.host);
        address = found[0]!.address;
        family = found[0]!.family;
      } catch (error) {
        lines.push({
          check: "path-mtu",
          subject,
          verdict: "fail",
          message: `cannot resolve: ${(error as Error).message}`,
          hint: "see the dns check",
        });
        continue;
      }
    }
    let pinger;
    try {
      pinger = deps.openPinger({ family, dontFragment: true });
    } catch (error) {
      lines.push({
        check: "path-mtu",
        subject,
        verdict: "warn",
        message: `cannot send ICMP probes: ${(error as Error).message}`,
        hint: ICMP_HINT,
      });
      continue;
    }
    try {
      const result = await searchPathMtu(dontFragmentProbe(pinger, address, timeoutMs), {
        smallest: family === 4 ? 84 : 1280,
      });
      const kernelMtu = deps.kernelPathMtu(address);
      const data = { ...result, address, kernelMtu };
      if (!result.reachable) {
        lines.push({
          check: "path-mtu",
          subject,
          verdict: "warn",
          message: "no answer to ping: the path MTU cannot be measured",
          hint:
            "the server or a firewall drops ICMP echo; udp-echo still works if its port is open",
          data,
        });
        continue;
      }
      const reported = result.reported.length > 0
        ? ` (${[...new Set(result.reported)].join(", ")} reported on the way)`
        : "";
      const kernel = kernelMtu === undefined ? "" : `, the kernel's path MTU ${kernelMtu}`;
      const message = `${result.mtu} bytes${reported}${kernel}, ${result.probes} probes`;
      if (result.blackHole) {
        lines.push({
          check: "path-mtu",
          subject,
          verdict: "warn",
          message: `${message}; larger packets vanish without "fragmentation needed"`,
          hint: `a PMTU black hole: full-size TCP packets stall; lower the MTU to ${result.mtu} ` +
            "or enable TCP MTU probing (sysctl net.ipv4.tcp_mtu_probing=1)",
          data,
        });
      } else if (result.mtu! < ETHERNET_MTU) {
        lines.push({
          check: "path-mtu",
          subject,
          verdict: "warn",
          message: `${message}: below ${ETHERNET_MTU}`,
          hint: "a tunnel, PPPoE or VPN on the way; fine when routers say so (as here), but " +
            "throughput tests send full-size packets",
          data,
        });
      } else {
        lines.push({ check: "path-mtu", subject, verdict: "ok", message, data });
      }
    } finally {
      pinger.close();
    }
  }
  return lines;
}
