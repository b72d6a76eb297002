/**
 * The bufferbloat plugin's UDP echo probe: one encrypted echo request per interval on its own
 * session (`protocol/client.ts`), paced on an absolute schedule, any number in flight, each
 * reply giving the round trip (kernel stamps, less the server's own time) and the two raw
 * one-way delays (server receive - client send, client receive - server send). The raw delays
 * carry the offset between the two clocks; the analysis only uses their differences between
 * phases, in which it cancels (`bufferbloat/queue_direction.ts`).
 *
 * A request without a reply within the timeout is lost (`"timeout"`); a reply that comes later
 * is not counted again. A request that cannot be sent is failed with the error. When the
 * server ends the session, what is in flight is lost and sending stops.
 *
 * @module
 */
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { Schedule, type ScheduleSleep } from "../core/schedule.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import { preciseSleep } from "../ffi/timer.ts";
import { openSession } from "../protocol/client.ts";
import { roundTripMs } from "../protocol/clock_offset.ts";
import type { EchoSessionLike, OpenEchoSession } from "./_udp_echo_series.ts";
import type {
  LatencyProbe,
  LatencyProbeOptions,
  LatencyRecord,
  OpenLatencyProbe,
} from "./_bufferbloat_probe.ts";

/**
 * Replacements for tests.
 *
 * @example
 * ```ts
 * import type { EchoProbeDeps } from "./_bufferbloat_echo_probe.ts";
 * import { timerSleep } from "../core/schedule.ts";
 * const deps: EchoProbeDeps = { sleep: timerSleep };
 * ```
 */
export interface EchoProbeDeps {
  /**
   * Opens the session.
   *
   * @default {openSession from protocol/client.ts}
   */
  openSession?: OpenEchoSession;
  /**
   * How the send loop waits for its slots.
   *
   * @default {preciseSleep (a timerfd) when --allow-ffi is granted, else timers}
   */
  sleep?: ScheduleSleep;
}

interface Pending {
  wallAt: number;
  launchedAt: number;
  sentAt: number | undefined;
}

class EchoProbe implements LatencyProbe {
  readonly kind = "udp-echo";
  readonly intervalMs: number;
  readonly notes: string[] = [];
  readonly #session: EchoSessionLike;
  readonly #timeoutMs: number;
  readonly #sleep: ScheduleSleep | undefined;
  readonly #stop = new AbortController();
  readonly #pending = new Map<number, Pending>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  #onRecord: (record: LatencyRecord) => void = () => {};

  constructor(
    session: EchoSessionLike,
    options: LatencyProbeOptions,
    sleep: ScheduleSleep | undefined,
  ) {
    this.#session = session;
    this.#timeoutMs = options.timeoutMs;
    this.#sleep = sleep;
    const granted = session.parameters.interval;
    this.intervalMs = Math.max(options.intervalMs, granted);
    if (granted > options.intervalMs) {
      this.notes.push(
        `Server "${options.server.name}" allows one echo every ${granted} ms: probing at that`,
      );
    }
  }

  start(onRecord: (record: LatencyRecord) => void): void {
    this.#onRecord = onRecord;
    const signal = this.#stop.signal;
    this.#sweep = setInterval(
      () => this.#expire(),
      Math.max(5, Math.min(100, this.#timeoutMs / 4)),
    );
    this.#receive(signal);
    const schedule = new Schedule({ interval: this.intervalMs });
    (async () => {
      const pacing = this.#sleep ? { sleep: this.#sleep } : {};
      for await (const slot of schedule.slots(signal, undefined, pacing)) {
        if (this.#session.closed) return;
        this.#send(slot.seq);
      }
    })().catch((error: unknown) => {
      if (!signal.aborted) this.notes.push(`UDP echo send loop failed: ${describeError(error)}`);
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#pending.clear();
    await this.#session.close().catch(() => {});
  }

  #send(seq: number): void {
    const pending: Pending = {
      wallAt: Date.now(),
      launchedAt: performance.now(),
      sentAt: undefined,
    };
    let sending;
    try {
      sending = this.#session.send(seq);
    } catch (error) {
      this.#fail(seq, pending.wallAt, error);
      return;
    }
    this.#pending.set(seq, pending);
    sending.then(
      (sent) => {
        pending.sentAt = Number(sent.sentAt) / 1e6;
      },
      (error: unknown) => {
        if (this.#pending.delete(seq)) this.#fail(seq, pending.wallAt, error);
      },
    );
  }

  #fail(seq: number, at: number, error: unknown): void {
    this.#onRecord({
      seq,
      sentAt: at,
      status: "failed",
      rttMs: null,
      reason: describeError(error),
    });
  }

  #receive(signal: AbortSignal): void {
    (async () => {
      for await (const event of this.#session.events(signal)) {
        if (event.kind === "reply") {
          const pending = this.#pending.get(event.seq);
          if (pending === undefined) continue; // already counted lost
          this.#pending.delete(event.seq);
          const sentAt = Number(event.clientSentAt) / 1e6;
          const whole = Number(event.clientReceivedAt - event.clientSentAt) / 1e6;
          if (whole > this.#timeoutMs) {
            this.#onRecord({
              seq: event.seq,
              sentAt,
              status: "lost",
              rttMs: null,
              reason: "timeout",
            });
            continue;
          }
          this.#onRecord({
            seq: event.seq,
            sentAt,
            status: "ok",
            rttMs: roundTripMs(event),
            oneWay: {
              upMs: Number(event.serverReceivedAt - event.clientSentAt) / 1e6,
              downMs: Number(event.clientReceivedAt - event.serverSentAt) / 1e6,
            },
          });
        } else if (event.kind === "closed") {
          this.notes.push(`The server ended the UDP echo session (${event.reason})`);
          this.#loseAll(`timeout (server ended the session: ${event.reason})`);
          return;
        } else if (!this.notes.some((note) => note.startsWith("Server unreachable"))) {
          this.notes.push(`Server unreachable: ${event.reason}`);
        }
      }
    })().catch((error: unknown) => {
      if (signal.aborted) return;
      this.notes.push(`UDP echo receive failed: ${describeError(error)}`);
      this.#loseAll(describeError(error));
    });
  }

  #expire(): void {
    const now = performance.now();
    for (const [seq, pending] of this.#pending) {
      if (now - pending.launchedAt <= this.#timeoutMs) break; // later ones were sent later
      this.#pending.delete(seq);
      this.#onRecord({
        seq,
        sentAt: pending.sentAt ?? pending.wallAt,
        status: "lost",
        rttMs: null,
        reason: "timeout",
      });
    }
  }

  #loseAll(reason: string): void {
    for (const [seq, pending] of this.#pending) {
      this.#onRecord({
        seq,
        sentAt: pending.sentAt ?? pending.wallAt,
        status: "lost",
        rttMs: null,
        reason,
      });
    }
    this.#pending.clear();
  }
}

/**
 * Creates the opener of the UDP echo probe.
 *
 * @param deps Replacements for tests.
 * @returns An opener: it checks the server offers the echo service with a secret, opens a
 * session (knock and welcome) through `device`, and resolves with the probe; it rejects with a
 * `SERVER` error when the server has no echo service or secret, or does not answer.
 *
 * @example A server without a secret cannot be probed
 * ```ts
 * import { createEchoProbeOpener } from "./_bufferbloat_echo_probe.ts";
 * const open = createEchoProbeOpener();
 * const error = await open({
 *   server: { name: "x", host: "127.0.0.1", port: 9876 }, device: undefined, intervalMs: 20,
 *   timeoutMs: 1000, durationMs: 10_000, signal: AbortSignal.timeout(1000),
 *   log: { debug() {}, info() {}, warn() {} },
 * }).catch((e) => e.message);
 * console.log(error); // Server "x" has no secret: set secret in its [[servers]] entry
 * ```
 */
export function createEchoProbeOpener(deps: EchoProbeDeps = {}): OpenLatencyProbe {
  const open = deps.openSession ?? openSession;
  return async (options) => {
    const { server } = options;
    if (!(server.port > 0)) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Server "${server.name}" offers no UDP echo service (port "${server.port}")`,
      );
    }
    if (!server.secret) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Server "${server.name}" has no secret: set secret in its [[servers]] entry`,
      );
    }
    const session = await open({
      host: server.host,
      port: server.port,
      secret: server.secret,
      interval: options.intervalMs,
      duration: options.durationMs,
      handshakeTimeout: Math.min(1_000, options.timeoutMs),
      signal: options.signal,
      ...(options.device !== undefined ? { device: options.device } : {}),
    });
    const sleep = deps.sleep ?? (ffiAllowed() ? preciseSleep : undefined);
    return new EchoProbe(session, options, sleep);
  };
}
