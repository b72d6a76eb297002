/**
 * Sends TTL-limited UDP probes through one socket and matches the answers to them.
 *
 * Each probe goes to its own destination port (`base_port`, `base_port + 1`, ... cycling over
 * {@linkcode PORT_CYCLE} ports), so an ICMP error is matched to its probe by the port the
 * offending datagram was sent to (the error queue entry's `msg_name`). RTTs run from the
 * kernel's send stamp (`SO_TIMESTAMPING`) to the kernel's receive stamp of the ICMP error.
 *
 * @module
 */
import { elapsedMs, nsToMs } from "../ffi/clock.ts";
import { ERRNO } from "../ffi/errno.ts";
import type { IpFamily } from "../ffi/ip_address.ts";
import type { SocketAddress } from "../ffi/structs.ts";
import type { UdpMessage } from "../ffi/udp_socket.ts";
import { type AnswerKind, classifyProbeError } from "./_traceroute_answer.ts";

/** What the prober needs of a socket ({@linkcode UdpSocket} has it all). */
export interface TraceSocket {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** Sets the TTL / hop limit of the next datagrams. */
  setTtl(ttl: number): void;
  /** Clears a pending error left by an ICMP error about an earlier probe. */
  clearPendingError(): number;
  /** Sends a datagram; resolves with the kernel send stamp (ns). */
  sendTo(data: Uint8Array, to: SocketAddress): Promise<{ sentAt: bigint }>;
  /** Datagrams and ICMP errors as they come. */
  messages(signal?: AbortSignal): AsyncGenerator<UdpMessage, void, undefined>;
  /** Closes the socket. */
  close(): void;
}

/** Opens a {@linkcode TraceSocket} of a probe kind. */
export type OpenTraceSocket = (
  options: { family: IpFamily; protocol: "udp" | "icmp"; device?: string },
) => TraceSocket;

/** Errnos an ICMP error about an earlier probe leaves pending on the socket. */
const REPORTED = new Set<number>([
  ERRNO.EHOSTUNREACH,
  ERRNO.ECONNREFUSED,
  ERRNO.ENETUNREACH,
  ERRNO.EPROTO,
  ERRNO.EACCES,
]);

/** Tries per probe when a stale error fails the send. */
const SEND_ATTEMPTS = 3;

/** How many destination ports the probes cycle over. */
export const PORT_CYCLE = 1000;

/**
 * The outcome of one probe.
 *
 * @example A router answered after 1.2 ms
 * ```ts
 * import type { ProbeOutcome } from "./_traceroute_prober.ts";
 * const outcome: ProbeOutcome = {
 *   ttl: 1, kind: "hop", from: "10.77.1.1", rttMs: 1.2, sentAtMs: 1_700_000_000_000,
 * };
 * ```
 */
export interface ProbeOutcome {
  /** The TTL it was sent with (the hop number). */
  ttl: number;
  /** The answer's meaning, `"lost"` without one in time, `"failed"` when it could not go. */
  kind: AnswerKind | "lost" | "failed";
  /** Who answered. */
  from?: string;
  /** Round-trip time, ms (kernel stamps). */
  rttMs?: number;
  /** When it was sent, ms since the epoch. */
  sentAtMs: number;
  /** For `"unreachable"`, `"lost"` and `"failed"`: why. */
  reason?: string;
}

interface Pending {
  ttl: number;
  sentAt: bigint | undefined;
  answer: { kind: AnswerKind; from: string | undefined; at: bigint; reason: string } | undefined;
  settle: (outcome: ProbeOutcome) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
}

/**
 * A socket sending traceroute probes, with the loop that matches answers to them.
 *
 * @example One probe per hop to a lab server (needs --allow-ffi)
 * ```ts ignore
 * import { UdpSocket } from "../ffi/udp_socket.ts";
 * import { TraceProber } from "./_traceroute_prober.ts";
 * const prober = new TraceProber(UdpSocket.open({ family: 4 }), { basePort: 33434 });
 * console.log(await prober.probe("10.77.3.2", 1, 1000)); // { ttl: 1, kind: "hop", from: "10.77.1.1", ... }
 * prober.close();
 * ```
 */
export class TraceProber {
  readonly #socket: TraceSocket;
  readonly #basePort: number;
  readonly #payload: Uint8Array;
  readonly #pending = new Map<number, Pending>();
  readonly #stop = new AbortController();
  #next = 0;

  /**
   * @param socket The socket (the prober closes it in {@linkcode TraceProber.close}).
   * @param options First destination port and payload size.
   */
  constructor(socket: TraceSocket, options: { basePort: number; payloadSize?: number }) {
    this.#socket = socket;
    this.#basePort = options.basePort;
    this.#payload = new Uint8Array(options.payloadSize ?? 32).fill(0x42);
    this.#receive().catch(() => {}); // ends when the socket closes
  }

  /** The socket's family. */
  get family(): IpFamily {
    return this.#socket.family;
  }

  /**
   * Sends one probe with `ttl` to `address` and waits for its answer up to `timeoutMs`.
   *
   * @param address The destination (an address literal).
   * @param ttl TTL / hop limit, 1 to 255.
   * @param timeoutMs How long to wait for an answer.
   * @returns The outcome; never rejects (a send error is a `"failed"` outcome).
   */
  probe(address: string, ttl: number, timeoutMs: number): Promise<ProbeOutcome> {
    const port = this.#basePort + (this.#next++ % PORT_CYCLE);
    const earlier = this.#pending.get(port);
    if (earlier) this.#finish(port, earlier, "lost", "timeout");
    return new Promise<ProbeOutcome>((settle) => {
      const pending: Pending = {
        ttl,
        sentAt: undefined,
        answer: undefined,
        settle,
        timer: undefined,
        settled: false,
      };
      this.#pending.set(port, pending);
      const userSentAtMs = Date.now();
      const sending = this.#send(address, port, ttl);
      sending.then((sent) => {
        pending.sentAt = sent.sentAt;
        if (pending.answer) this.#complete(port, pending);
      }, (error) => {
        if (pending.settled) return;
        pending.settled = true;
        clearTimeout(pending.timer);
        this.#pending.delete(port);
        settle({
          ttl,
          kind: "failed",
          sentAtMs: userSentAtMs,
          reason: error instanceof Error ? error.message : String(error),
        });
      });
      pending.timer = setTimeout(() => this.#finish(port, pending, "lost", "timeout"), timeoutMs);
    });
  }

  /**
   * Sends one probe. The answers to earlier probes leave an error pending on the socket,
   * which would fail this send without sending (`EHOSTUNREACH`): it is cleared first, and
   * should another answer land between the clearing and the send, the send is tried again.
   */
  async #send(address: string, port: number, ttl: number): Promise<{ sentAt: bigint }> {
    for (let attempt = 1;; attempt++) {
      this.#socket.clearPendingError();
      this.#socket.setTtl(ttl);
      try {
        return await this.#socket.sendTo(this.#payload, { address, port });
      } catch (error) {
        const errno = (error as { errno?: unknown }).errno;
        if (attempt >= SEND_ATTEMPTS || typeof errno !== "number" || !REPORTED.has(errno)) {
          throw error;
        }
      }
    }
  }

  /** Closes the socket; probes still waiting end as lost. */
  close(): void {
    this.#stop.abort();
    for (const [port, pending] of this.#pending) this.#finish(port, pending, "lost", "stopped");
    this.#socket.close();
  }

  async #receive(): Promise<void> {
    for await (const message of this.#socket.messages(this.#stop.signal)) {
      if (message.kind === "error") {
        const port = message.target?.port;
        const pending = port === undefined ? undefined : this.#pending.get(port);
        if (!pending || pending.answer) continue;
        const kind = classifyProbeError(this.family, message.icmpType, message.icmpCode);
        if (kind === undefined) continue;
        pending.answer = {
          kind,
          from: message.from,
          at: message.receivedAt,
          reason: message.reason,
        };
        if (pending.sentAt !== undefined) this.#complete(port!, pending);
      } else {
        // A service listening on the port answered: the destination was reached.
        const pending = this.#pending.get(message.from.port);
        if (!pending || pending.answer) continue;
        pending.answer = {
          kind: "destination",
          from: message.from.address,
          at: message.receivedAt,
          reason: "answered",
        };
        if (pending.sentAt !== undefined) this.#complete(message.from.port, pending);
      }
    }
  }

  #complete(port: number, pending: Pending): void {
    if (pending.settled || !pending.answer || pending.sentAt === undefined) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    this.#pending.delete(port);
    const { answer } = pending;
    pending.settle({
      ttl: pending.ttl,
      kind: answer.kind,
      ...(answer.from !== undefined ? { from: answer.from } : {}),
      rttMs: Math.max(0, elapsedMs(pending.sentAt, answer.at)),
      sentAtMs: nsToMs(pending.sentAt),
      ...(answer.kind === "unreachable" ? { reason: answer.reason } : {}),
    });
  }

  #finish(port: number, pending: Pending, kind: "lost", reason: string): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (this.#pending.get(port) === pending) this.#pending.delete(port);
    pending.settle({
      ttl: pending.ttl,
      kind,
      sentAtMs: pending.sentAt !== undefined ? nsToMs(pending.sentAt) : Date.now(),
      reason,
    });
  }
}
