/**
 * Check: is the default gateway there? Reads the default routes (`/proc/net/route`,
 * `/proc/net/ipv6_route`) and pings each gateway through its interface (an FFI ICMP socket
 * bound with `SO_BINDTODEVICE`), a few times.
 *
 * @module
 */
import { ICMP_HINT } from "./check_icmp.ts";
import type { DoctorContext } from "./context.ts";
import type { CheckResult } from "./types.ts";

/** Pings per gateway. */
export const GATEWAY_PINGS = 3;

/**
 * Runs the check.
 *
 * @param context The system and the waits.
 * @returns One line per default gateway, or one saying there is none.
 *
 * @example No default route
 * ```ts
 * import { checkGateway } from "./check_gateway.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const deps = { ...defaultDoctorDeps(), defaultGateways: () => [] };
 * const [line] = await checkGateway({ deps, recipe: undefined, timeoutMs: 1000, dnsName: "x" });
 * console.log(line?.verdict, line?.message); // fail no default route
 * ```
 */
export async function checkGateway(context: DoctorContext): Promise<CheckResult[]> {
  const { deps, timeoutMs } = context;
  const gateways = deps.defaultGateways();
  if (gateways.length === 0) {
    return [{
      check: "gateway",
      verdict: "fail",
      message: "no default route",
      hint: "nothing leaves this network: connect (WiFi, cable) or check DHCP (`ip route`)",
    }];
  }
  const lines: CheckResult[] = [];
  for (const gateway of gateways) {
    const subject = `${gateway.address} via ${gateway.interface}`;
    let pinger;
    try {
      pinger = deps.openPinger({ family: gateway.family, device: gateway.interface });
    } catch (error) {
      lines.push({
        check: "gateway",
        subject,
        verdict: "warn",
        message: `cannot ping it: ${(error as Error).message}`,
        hint: ICMP_HINT,
      });
      continue;
    }
    try {
      const rtts: number[] = [];
      let lastProblem = "";
      let hardError: string | undefined;
      // An IPv6 gateway is link-local: it needs its interface as the zone.
      const target = gateway.family === 6 && /^fe[89ab]/i.test(gateway.address)
        ? `${gateway.address}%${gateway.interface}`
        : gateway.address;
      for (let i = 0; i < GATEWAY_PINGS; i++) {
        const outcome = await pinger.ping(target, { timeoutMs });
        if (outcome.kind === "reply") rtts.push(outcome.rttMs);
        else if (outcome.kind === "send_error") hardError = outcome.message;
        else if (outcome.kind === "error") lastProblem = outcome.reason;
        else lastProblem = "timeout";
        if (hardError) break;
      }
      if (hardError !== undefined) {
        lines.push({
          check: "gateway",
          subject,
          verdict: "fail",
          message: hardError,
          hint: `bring ${gateway.interface} up and check its link (\`ip link\`, cable, WiFi)`,
        });
      } else if (rtts.length === 0) {
        lines.push({
          check: "gateway",
          subject,
          verdict: "warn",
          message: `no answer to ${GATEWAY_PINGS} pings (${lastProblem})`,
          hint: "some routers ignore ping; if everything else fails too, check the link to it",
          data: { sent: GATEWAY_PINGS, received: 0 },
        });
      } else {
        const best = Math.min(...rtts);
        const lost = GATEWAY_PINGS - rtts.length;
        lines.push({
          check: "gateway",
          subject,
          verdict: lost === 0 ? "ok" : "warn",
          message: `answers ping in ${best.toFixed(2)} ms (${rtts.length}/${GATEWAY_PINGS})`,
          ...(lost === 0 ? {} : {
            hint: "loss to the first hop: a weak WiFi signal or a bad cable costs every series",
          }),
          data: { sent: GATEWAY_PINGS, received: rtts.length, rtts },
        });
      }
    } finally {
      pinger.close();
    }
  }
  return lines;
}
