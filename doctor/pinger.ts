/**
 * One ping at a time through an FFI ICMP socket, for the doctor's gateway and path MTU checks:
 * send an echo request, wait for its reply or an ICMP error about it, or time out.
 *
 * @module
 */
import { elapsedMs } from "../ffi/clock.ts";
import { ERRNO, SocketError } from "../ffi/errno.ts";
import type { IcmpSocket } from "../ffi/icmp_socket.ts";
import type { MtuProbe } from "./path_mtu.ts";

/**
 * What one ping met.
 *
 * @example A reply
 * ```ts
 * import type { PingOutcome } from "./pinger.ts";
 * const outcome: PingOutcome = { kind: "reply", rttMs: 0.4, from: "192.0.2.1" };
 * ```
 */
export type PingOutcome =
  | { kind: "reply"; rttMs: number; from: string }
  | { kind: "error"; reason: string; from: string | undefined; mtu: number | undefined }
  | { kind: "timeout" }
  | { kind: "send_error"; errno: number; message: string };

/** The part of {@linkcode IcmpSocket} a {@linkcode Pinger} uses. */
export type PingSocket = Pick<IcmpSocket, "family" | "sendEcho" | "receive" | "close">;

/**
 * Pings one request at a time through a socket.
 *
 * @example Ping a lab router (needs --allow-ffi and ICMP permission)
 * ```ts ignore
 * import { IcmpSocket } from "../ffi/icmp_socket.ts";
 * import { Pinger } from "./pinger.ts";
 * using pinger = new Pinger(IcmpSocket.open({ family: 4 }));
 * console.log(await pinger.ping("10.77.1.1", { timeoutMs: 1000 })); // { kind: "reply", rttMs: 0.05, ... }
 * ```
 */
export class Pinger {
  readonly #socket: PingSocket;
  #seq = 0;

  /** @param socket The socket (closed by {@linkcode Pinger.close}). */
  constructor(socket: PingSocket) {
    this.#socket = socket;
  }

  /** The socket's IP version. */
  get family(): 4 | 6 {
    return this.#socket.family;
  }

  /**
   * Sends one echo request and waits for what answers it.
   *
   * @param address The destination (an address literal).
   * @param options ICMP payload bytes (default 56) and the wait, ms.
   * @returns The outcome; never rejects for network reasons.
   */
  async ping(
    address: string,
    options: { payloadSize?: number; timeoutMs: number },
  ): Promise<PingOutcome> {
    const seq = this.#seq = (this.#seq + 1) & 0xffff;
    let sentAt: bigint;
    try {
      const sent = await this.#socket.sendEcho({
        address,
        seq,
        payloadSize: options.payloadSize ?? 56,
      });
      sentAt = sent.sentAt;
    } catch (error) {
      if (error instanceof SocketError) {
        return { kind: "send_error", errno: error.errno, message: error.message };
      }
      throw error;
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    for (;;) {
      let message;
      try {
        message = await this.#socket.receive(signal);
      } catch (error) {
        if (signal.aborted) return { kind: "timeout" };
        throw error;
      }
      if (message.seq !== seq) continue; // a late answer to an earlier ping
      if (message.kind === "reply") {
        return { kind: "reply", rttMs: elapsedMs(sentAt, message.receivedAt), from: message.from };
      }
      return { kind: "error", reason: message.reason, from: message.from, mtu: message.mtu };
    }
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.close();
  }

  /** Closes the socket (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Turns a Don't-Fragment pinger into a path MTU probe: a probe of `size` bytes is an echo
 * request whose IP packet is that long.
 *
 * @param pinger A pinger on a socket opened with `dontFragment: true`.
 * @param address The destination.
 * @param timeoutMs The wait per probe.
 * @returns The probe.
 *
 * @example
 * ```ts ignore
 * const probe = dontFragmentProbe(pinger, "192.0.2.9", 1000);
 * console.log(await probe(1500)); // { kind: "too_big", mtu: 1400, local: false }
 * ```
 */
export function dontFragmentProbe(pinger: Pinger, address: string, timeoutMs: number): MtuProbe {
  const headers = pinger.family === 4 ? 20 + 8 : 40 + 8;
  return async (size) => {
    const outcome = await pinger.ping(address, { payloadSize: size - headers, timeoutMs });
    switch (outcome.kind) {
      case "reply":
        return { kind: "fits" };
      case "send_error":
        if (outcome.errno === ERRNO.EMSGSIZE) return { kind: "too_big", local: true };
        return { kind: "no_answer" };
      case "error":
        if (outcome.mtu !== undefined) return { kind: "too_big", mtu: outcome.mtu, local: false };
        return { kind: "no_answer" };
      case "timeout":
        return { kind: "no_answer" };
    }
  };
}
