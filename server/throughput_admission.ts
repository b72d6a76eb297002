/**
 * The throughput service's handshake logic without sockets: a HELLO in (`protocol/
 * throughput_wire.ts`), a GRANT and a stream ticket out, or a refusal after which the service
 * closes the connection without sending a byte.
 *
 * What it checks, in order (each refusal is counted in {@linkcode AdmissionStats.refused}):
 *
 * 1. The clear part: magic, version, type, exact length, a non-zero session id: else
 *    `malformed`.
 * 2. The session: `authorize(sessionId, clientAddress)` must return the keys of a live UDP echo
 *    session of that client address (the echo server knows them): else `unknown_session`.
 * 3. The tag, under the HELLO key derived from the session's keys: else `unauthentic` (a wrong
 *    proof, or changed bytes); then the body's fields: else `malformed`.
 * 4. The nonce: seen before in this session `replayed`; the session has sent
 *    `maxHellosPerSession` HELLOs already `too_many_hellos`.
 * 5. The limits (`throughput_limits.ts`): the client's streams, the server's streams, the
 *    client's bytes per hour; a HELLO that announces more streams than one client may open is
 *    refused at once (`address_streams`) rather than granting part of the test.
 *
 * The granted duration is the asked one, capped at `maxDuration`.
 *
 * @module
 */
import {
  CONGESTION_CONTROL_DEFAULT,
  CONGESTION_CONTROL_REFUSED,
  congestionControlCode,
  congestionControlName,
} from "../protocol/congestion_control.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { openHello, sealGrant } from "../protocol/throughput_codec.ts";
import { deriveThroughputKeys } from "../protocol/throughput_keys.ts";
import {
  type HelloBody,
  readThroughputHeader,
  StreamDirection,
  ThroughputMessage,
} from "../protocol/throughput_wire.ts";
import {
  plainAddress,
  type StreamRefusal,
  type StreamTicket,
  type ThroughputLimiter,
} from "./throughput_limits.ts";

/**
 * Finds the keys of a live UDP echo session, or `undefined` when there is no such session or
 * its client is not `clientAddress` (compare IP addresses only: the TCP connection comes from
 * another port than the session's UDP socket).
 *
 * @param sessionId The session id the HELLO names.
 * @param clientAddress The TCP client's IP address (IPv4-mapped addresses already made IPv4).
 * @returns The session's keys, or `undefined`.
 */
export type AuthorizeSession = (
  sessionId: bigint,
  clientAddress: string,
) => SessionKeys | undefined | Promise<SessionKeys | undefined>;

/** Why a HELLO got no GRANT. */
export type HelloRefusal =
  | "malformed"
  | "unknown_session"
  | "unauthentic"
  | "replayed"
  | "too_many_hellos"
  | StreamRefusal;

/** What a download's socket offers for its congestion control (a `TcpSocket` does). */
export interface CongestionControlSocket {
  /** Sets the algorithm; throws when the kernel refuses it. */
  setCongestionControl(name: string): void;
  /** The algorithm in use. */
  readonly congestionControl: string;
}

/**
 * The GRANT's congestion control code of a download: the one asked for is set first; then the
 * code of the algorithm the socket sends with (0 when the wire has no code for it), or
 * {@linkcode CONGESTION_CONTROL_REFUSED} when the one asked for could not be set.
 */
function senderCongestionControl(
  asked: number | undefined,
  socket: CongestionControlSocket | undefined,
): number {
  const name = asked === undefined ? undefined : congestionControlName(asked);
  if (name !== undefined) {
    try {
      if (!socket) return CONGESTION_CONTROL_REFUSED;
      socket.setCongestionControl(name);
    } catch {
      return CONGESTION_CONTROL_REFUSED;
    }
  }
  try {
    return socket ? congestionControlCode(socket.congestionControl) ?? 0 : 0;
  } catch {
    return CONGESTION_CONTROL_DEFAULT;
  }
}

/** A HELLO that earned a stream. */
export interface Admitted {
  /** Always `true`. */
  ok: true;
  /** The GRANT to send before the stream's data. */
  grant: Uint8Array;
  /** The session that authorized it. */
  sessionId: bigint;
  /** What the client asked for. */
  hello: HelloBody;
  /** The granted duration, ms. */
  duration: number;
  /** The stream's hold on the limits: charge its bytes, close it at the end. */
  ticket: StreamTicket;
}

/** A HELLO that earned nothing: close the connection without a word. */
export interface Refused {
  /** Always `false`. */
  ok: false;
  /** Why. */
  reason: HelloRefusal;
}

/** Counters of a {@linkcode ThroughputAdmission}. */
export interface AdmissionStats {
  /** HELLOs granted. */
  granted: number;
  /** HELLOs refused, by reason. */
  refused: Record<HelloRefusal, number>;
  /** Sessions whose nonces are remembered now. */
  trackedSessions: number;
}

/** Options of {@linkcode ThroughputAdmission}. */
export interface ThroughputAdmissionOptions {
  /** Finds a live session's keys (see {@linkcode AuthorizeSession}). */
  authorize: AuthorizeSession;
  /** Streams and bytes per client; share it with the HTTP endpoints. */
  limiter: ThroughputLimiter;
  /**
   * HELLOs one session may send (their nonces are remembered to refuse replays).
   *
   * @default {1024}
   */
  maxHellosPerSession?: number;
  /**
   * Sessions whose nonces are remembered; beyond it the least recently used is forgotten.
   *
   * @default {4096}
   */
  maxTrackedSessions?: number;
  /**
   * How long a session's nonces are remembered after its last HELLO, ms (longer than the
   * longest echo session, so that a HELLO cannot be replayed while its session lives).
   *
   * @default {90000000 (25 h)}
   */
  replayMemory?: number;
  /**
   * A monotonic clock, ms.
   *
   * @default {performance.now}
   */
  monotonic?: () => number;
}

interface SessionNonces {
  nonces: Set<string>;
  last: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/**
 * Admits or refuses HELLOs (see the module documentation).
 *
 * @example A HELLO with an unknown session gets nothing
 * ```ts
 * import { ThroughputAdmission } from "./throughput_admission.ts";
 * import { ThroughputLimiter } from "./throughput_limits.ts";
 * import { sealHello } from "../protocol/throughput_codec.ts";
 * const admission = new ThroughputAdmission({
 *   authorize: () => undefined, limiter: new ThroughputLimiter(),
 * });
 * const { message } = sealHello(new Uint8Array(32), 5n, {
 *   direction: 1, index: 0, count: 1, duration: 1000,
 * });
 * console.log(await admission.admit(message, "127.0.0.1")); // { ok: false, reason: "unknown_session" }
 * ```
 */
export class ThroughputAdmission {
  readonly #authorize: AuthorizeSession;
  readonly #limiter: ThroughputLimiter;
  readonly #maxHellos: number;
  readonly #maxSessions: number;
  readonly #memory: number;
  readonly #monotonic: () => number;
  readonly #sessions = new Map<bigint, SessionNonces>();
  #granted = 0;
  readonly #refused: Record<HelloRefusal, number> = {
    malformed: 0,
    unknown_session: 0,
    unauthentic: 0,
    replayed: 0,
    too_many_hellos: 0,
    address_streams: 0,
    server_streams: 0,
    bytes_per_hour: 0,
  };

  /** @param options Authorization, limits and the replay memory. */
  constructor(options: ThroughputAdmissionOptions) {
    this.#authorize = options.authorize;
    this.#limiter = options.limiter;
    this.#maxHellos = options.maxHellosPerSession ?? 1024;
    this.#maxSessions = options.maxTrackedSessions ?? 4096;
    this.#memory = options.replayMemory ?? 25 * 3_600_000;
    this.#monotonic = options.monotonic ?? (() => performance.now());
  }

  /**
   * Checks a HELLO and, when it earns a stream, opens the stream's ticket and seals the GRANT.
   * Never throws: an error of `authorize` counts as `unknown_session`.
   *
   * @param message The bytes the client sent first (exactly one HELLO's worth).
   * @param address The client's IP address as the listener reports it.
   * @param socket The stream's socket, for a download's congestion control: the one asked for
   * is set on it, and the GRANT tells the algorithm it sends with (or that the kernel refused
   * the one asked for). Without it, a download that asks for one is told it was refused.
   * @returns The admission, or why not.
   */
  async admit(
    message: Uint8Array,
    address: string,
    socket?: CongestionControlSocket,
  ): Promise<Admitted | Refused> {
    const header = readThroughputHeader(message, ThroughputMessage.Hello);
    if (!header.ok) return this.#refuse("malformed");
    const sessionId = header.value.sessionId;
    let sessionKeys: SessionKeys | undefined;
    try {
      sessionKeys = await this.#authorize(sessionId, plainAddress(address));
    } catch {
      sessionKeys = undefined;
    }
    if (sessionKeys === undefined) return this.#refuse("unknown_session");
    let keys;
    try {
      keys = deriveThroughputKeys(sessionKeys, sessionId);
    } catch {
      return this.#refuse("unknown_session");
    }
    const opened = openHello(keys.hello, message);
    if (!opened.ok) {
      return this.#refuse(opened.reason === "unauthentic" ? "unauthentic" : "malformed");
    }
    // From here on nothing awaits: checking and recording the nonce cannot interleave.
    const now = this.#monotonic();
    this.#prune(now);
    let record = this.#sessions.get(sessionId);
    const nonce = hex(opened.value.nonce);
    if (record?.nonces.has(nonce)) return this.#refuse("replayed");
    if (record !== undefined && record.nonces.size >= this.#maxHellos) {
      return this.#refuse("too_many_hellos");
    }
    if (record === undefined) {
      if (this.#sessions.size >= this.#maxSessions) {
        const oldest = this.#sessions.keys().next();
        if (!oldest.done) this.#sessions.delete(oldest.value);
      }
      record = { nonces: new Set(), last: now };
    } else {
      this.#sessions.delete(sessionId);
    }
    record.nonces.add(nonce); // a refused HELLO cannot be replayed either
    record.last = now;
    this.#sessions.set(sessionId, record);
    const hello = opened.value.body;
    if (hello.count > this.#limiter.limits.maxStreamsPerAddress) {
      return this.#refuse("address_streams");
    }
    const ticket = this.#limiter.open(address);
    if (typeof ticket === "string") return this.#refuse(ticket);
    const duration = Math.min(hello.duration, Math.floor(this.#limiter.limits.maxDuration));
    const congestionControl = hello.direction === StreamDirection.Download
      ? senderCongestionControl(hello.congestionControl, socket)
      : CONGESTION_CONTROL_DEFAULT;
    let grant: Uint8Array;
    try {
      grant = sealGrant(keys.grant, sessionId, opened.value.nonce, {
        duration: Math.max(1, duration),
        direction: hello.direction,
        index: hello.index,
        congestionControl,
      });
    } catch {
      ticket.close();
      return this.#refuse("malformed");
    }
    this.#granted++;
    return { ok: true, grant, sessionId, hello, duration: Math.max(1, duration), ticket };
  }

  /**
   * Counters so far.
   *
   * @returns A copy.
   */
  stats(): AdmissionStats {
    return {
      granted: this.#granted,
      refused: { ...this.#refused },
      trackedSessions: this.#sessions.size,
    };
  }

  #refuse(reason: HelloRefusal): Refused {
    this.#refused[reason]++;
    return { ok: false, reason };
  }

  #prune(now: number): void {
    for (const [id, record] of this.#sessions) {
      if (now - record.last < this.#memory) break; // oldest first
      this.#sessions.delete(id);
    }
  }
}
