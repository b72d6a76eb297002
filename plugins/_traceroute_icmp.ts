/**
 * ICMP echo requests as traceroute probes: an {@linkcode IcmpSocket} seen as a
 * {@linkcode TraceSocket}. The probe's key, a destination port for UDP probes, is the echo's
 * sequence number here: routers' "time exceeded" quote the request (so its sequence number),
 * and the target answers with an echo reply carrying it. For targets that drop UDP to high
 * ports but answer ping.
 *
 * @module
 */
import type { IcmpSocket } from "../ffi/icmp_socket.ts";
import type { UdpMessage } from "../ffi/udp_socket.ts";
import type { TraceSocket } from "./_traceroute_prober.ts";

/** The part of {@linkcode IcmpSocket} a traceroute uses. */
export type EchoTraceSocket = Pick<
  IcmpSocket,
  "family" | "setTtl" | "clearPendingError" | "sendEcho" | "messages" | "close"
>;

/**
 * Wraps an ICMP socket for the traceroute prober.
 *
 * @param socket The socket (closed with the wrapper).
 * @returns The probe socket: `sendTo(data, { address, port })` sends an echo request with
 * sequence number `port`; replies and errors come back keyed by it.
 *
 * @example
 * ```ts ignore
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * import { TraceProber } from "./_traceroute_prober.ts";
 * const prober = new TraceProber(icmpTraceSocket(IcmpSocket.open({ family: 4 })), { basePort: 33434 });
 * ```
 */
export function icmpTraceSocket(socket: EchoTraceSocket): TraceSocket {
  return {
    family: socket.family,
    setTtl: (ttl) => socket.setTtl(ttl),
    clearPendingError: () => socket.clearPendingError(),
    sendTo: (data, to) =>
      socket.sendEcho({ address: to.address, seq: to.port & 0xffff, payloadSize: data.length }),
    async *messages(signal) {
      for await (const message of socket.messages(signal)) {
        const translated: UdpMessage = message.kind === "reply"
          ? {
            kind: "datagram",
            data: new Uint8Array(0),
            from: { address: message.from, port: message.seq },
            ttl: message.ttl,
            truncated: false,
            receivedAt: message.receivedAt,
            receivedAtSource: message.receivedAtSource,
          }
          : {
            kind: "error",
            errno: 0,
            errnoName: "",
            reason: message.reason,
            from: message.from,
            target: { address: message.target ?? "", port: message.seq },
            icmpType: message.icmpType,
            icmpCode: message.icmpCode,
            receivedAt: message.receivedAt,
          };
        yield translated;
      }
    },
    close: () => socket.close(),
  };
}
