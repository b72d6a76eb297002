/**
 * What an answer to a traceroute probe means. A UDP probe sent with TTL n to a high port comes
 * back, through `IP_RECVERR` and the socket's error queue, as one of:
 *
 * | ICMP (IPv4 / IPv6)                                    | meaning                         |
 * | ----------------------------------------------------- | ------------------------------- |
 * | time exceeded 11/0 / 3/0                              | hop n is the offender           |
 * | destination unreachable, port unreachable 3/3 / 1/4   | the destination answered        |
 * | other destination unreachable (host, net, prohibited) | the path ends at the offender   |
 *
 * The offending probe is known by its destination port (the error queue entry's `msg_name`
 * is where the probe was going), so the kernel's report needs no parsing of quoted headers.
 *
 * @module
 */
import { ICMP, ICMPV6 } from "../ffi/constants.ts";
import type { IpFamily } from "../ffi/ip_address.ts";

/** `"hop"`: a router on the way; `"destination"`: the target; `"unreachable"`: a dead end. */
export type AnswerKind = "hop" | "destination" | "unreachable";

/**
 * Classifies an ICMP error about a traceroute probe.
 *
 * @param family 4 or 6.
 * @param icmpType The ICMP type the kernel reports (`ee_type`).
 * @param icmpCode The ICMP code (`ee_code`).
 * @returns What the answer means, or `undefined` for an ICMP message that says nothing about
 * the path (e.g. "packet too big").
 *
 * @example A router and the destination
 * ```ts
 * import { classifyProbeError } from "./_traceroute_answer.ts";
 * console.log(classifyProbeError(4, 11, 0)); // hop
 * console.log(classifyProbeError(4, 3, 3)); // destination
 * console.log(classifyProbeError(6, 1, 3)); // unreachable
 * ```
 */
export function classifyProbeError(
  family: IpFamily,
  icmpType: number,
  icmpCode: number,
): AnswerKind | undefined {
  if (family === 4) {
    if (icmpType === ICMP.TIME_EXCEEDED) return icmpCode === 0 ? "hop" : undefined;
    if (icmpType === ICMP.DEST_UNREACH) {
      if (icmpCode === 3) return "destination";
      return icmpCode === 4 ? undefined : "unreachable"; // 4: fragmentation needed
    }
    return undefined;
  }
  if (icmpType === ICMPV6.TIME_EXCEEDED) return icmpCode === 0 ? "hop" : undefined;
  if (icmpType === ICMPV6.DEST_UNREACH) return icmpCode === 4 ? "destination" : "unreachable";
  return undefined;
}
