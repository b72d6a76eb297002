/**
 * Matches ICMP echo replies and errors to the probes that caused them, by sequence number.
 *
 * A probe's sequence number on the wire is its schedule slot number modulo 65536. Every probe
 * is registered at send ({@linkcode EchoTracker.launch}) and stays known until `retain` ms
 * after its deadline, so that what arrives later can still be told apart:
 *
 * | what arrives                                          | outcome                        |
 * | ----------------------------------------------------- | ------------------------------ |
 * | a reply whose kernel RTT is within the timeout        | `reply`                        |
 * | an ICMP error (unreachable, time exceeded) for it     | `lost`, with the error's text  |
 * | nothing by the deadline (timeout + grace)             | `lost`, reason `"timeout"`     |
 * | a reply with a kernel RTT beyond the timeout          | `lost` (`"timeout"`), `late`   |
 * | a reply to a probe already counted lost               | `late` (the loss stands)       |
 * | another reply to a probe already answered (or late)   | `duplicate`                    |
 * | a reply to a sequence number no known probe has       | ignored, counted in `unmatched`|
 *
 * Whether a reply came in time is judged on kernel stamps (send stamp to receive stamp), not
 * on when JavaScript got to see it: the loss decision waits `grace` ms past the timeout, so a
 * reply that reached the socket in time but was delivered a little later still counts.
 *
 * @module
 */
import { elapsedMs, nsToMs } from "../ffi/clock.ts";

/**
 * What became of a probe, or what a reply to it turned out to be.
 *
 * @example A probe lost to an unreachable destination
 * ```ts
 * import type { EchoOutcome } from "./_icmp_tracker.ts";
 * const outcome: EchoOutcome = {
 *   kind: "lost", seq: 12, sentAt: 1_700_000_000_000,
 *   reason: "destination unreachable: host unreachable from 192.0.2.254",
 * };
 * ```
 */
export type EchoOutcome =
  | {
    /** The probe was answered in time. */
    kind: "reply";
    /** The probe's slot number. */
    seq: number;
    /** When it was sent, ms since the epoch (kernel send stamp when there was one). */
    sentAt: number;
    /** Round-trip time in ms, from kernel stamps. */
    rtt: number;
    /** TTL (IPv4) or hop limit (IPv6) of the reply, when known. */
    ttl: number | undefined;
  }
  | {
    /** The probe is lost: no reply in time, or an ICMP error about it. */
    kind: "lost";
    /** The probe's slot number. */
    seq: number;
    /** When it was sent, ms since the epoch. */
    sentAt: number;
    /** `"timeout"` or the ICMP error, e.g. `"destination unreachable: host unreachable"`. */
    reason: string;
  }
  | {
    /** A reply to a probe that had already been counted lost. */
    kind: "late";
    /** The probe's slot number. */
    seq: number;
    /** When it was sent, ms since the epoch. */
    sentAt: number;
    /** Its whole round-trip time in ms. */
    rtt: number;
  }
  | {
    /** One more reply to a probe that had already been answered. */
    kind: "duplicate";
    /** The probe's slot number. */
    seq: number;
    /** When it was sent, ms since the epoch. */
    sentAt: number;
    /** The round-trip time of this copy in ms. */
    rtt: number;
  };

/**
 * Options of {@linkcode EchoTracker}.
 *
 * @example A one-second timeout, with the default grace and retention
 * ```ts
 * import type { EchoTrackerOptions } from "./_icmp_tracker.ts";
 * const options: EchoTrackerOptions = { timeout: 1000, onOutcome: (o) => console.log(o.kind) };
 * ```
 */
export interface EchoTrackerOptions {
  /** How long a probe waits for its reply, in ms. */
  timeout: number;
  /** Receives every outcome, as it happens. */
  onOutcome: (outcome: EchoOutcome) => void;
  /**
   * Extra wait past the timeout before a probe without a reply is declared lost, in ms, so
   * that a reply already in the socket is not taken for a late one.
   *
   * @default {50}
   */
  grace?: number;
  /**
   * How long a probe stays known after its deadline, in ms: replies later than that are
   * ignored (counted in {@linkcode EchoTracker.unmatched}).
   *
   * @default {60000}
   */
  retain?: number;
  /**
   * Monotonic clock in ms.
   *
   * @default {performance.now}
   */
  monotonic?: () => number;
}

type ProbeState = "waiting" | "answered" | "lost" | "late" | "unsent";

interface Probe {
  seq: number;
  wire: number;
  /** Wall-clock ms at launch, the send time until the kernel's stamp is known. */
  launchedAt: number;
  /** Kernel (or user-space) send stamp, ns. */
  sentAt: bigint | undefined;
  /** Monotonic deadline of the loss decision. */
  deadline: number;
  state: ProbeState;
  /** A reply that came before the send stamp was known. */
  held: { receivedAt: bigint; ttl: number | undefined } | undefined;
}

const SEQ_SPACE = 0x10000;

/**
 * The probes of one series in flight and recently finished, keyed by wire sequence number.
 *
 * @example A reply, then a copy of it
 * ```ts
 * import { EchoTracker, type EchoOutcome } from "./_icmp_tracker.ts";
 * const outcomes: EchoOutcome[] = [];
 * const tracker = new EchoTracker({ timeout: 1000, onOutcome: (o) => outcomes.push(o) });
 * tracker.launch(70_000, Date.now()); // slot 70000 goes out as sequence number 4464
 * tracker.sent(70_000, 1_700_000_000_000_000_000n);
 * tracker.reply(4464, 1_700_000_000_000_250_000n, 64);
 * tracker.reply(4464, 1_700_000_000_000_300_000n, 64);
 * tracker.close();
 * console.log(outcomes.map((o) => `${o.kind} ${o.seq}`)); // [ "reply 70000", "duplicate 70000" ]
 * ```
 */
export class EchoTracker {
  readonly #timeout: number;
  readonly #grace: number;
  readonly #retain: number;
  readonly #onOutcome: (outcome: EchoOutcome) => void;
  readonly #monotonic: () => number;
  readonly #byWire = new Map<number, Probe>();
  /** Every probe in launch order (so also in deadline order); heads for expiry and pruning. */
  #order: Probe[] = [];
  #expireHead = 0;
  #pruneHead = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #unmatched = 0;
  #closed = false;

  /** @param options Timeout, outcome handler, grace, retention, clock. */
  constructor(options: EchoTrackerOptions) {
    this.#timeout = options.timeout;
    this.#grace = options.grace ?? 50;
    this.#retain = options.retain ?? 60_000;
    this.#onOutcome = options.onOutcome;
    this.#monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Probes waiting for their reply. */
  get waiting(): number {
    let count = 0;
    for (let i = this.#expireHead; i < this.#order.length; i++) {
      if (this.#order[i]!.state === "waiting") count++;
    }
    return count;
  }

  /** Replies that matched no known probe (too late, or not ours). */
  get unmatched(): number {
    return this.#unmatched;
  }

  /**
   * Registers a probe right before it is sent.
   *
   * @param seq The slot number; `seq % 65536` goes on the wire.
   * @param launchedAt Wall-clock ms now (the send time until the send stamp is known).
   */
  launch(seq: number, launchedAt: number): void {
    if (this.#closed) return;
    const now = this.#monotonic();
    this.#prune(now);
    const wire = seq % SEQ_SPACE;
    const previous = this.#byWire.get(wire);
    // 65536 slots later the number comes round again: the old probe cannot wait any longer.
    if (previous?.state === "waiting") this.#lose(previous, "timeout");
    const probe: Probe = {
      seq,
      wire,
      launchedAt,
      sentAt: undefined,
      deadline: now + this.#timeout + this.#grace,
      state: "waiting",
      held: undefined,
    };
    this.#byWire.set(wire, probe);
    this.#order.push(probe);
    this.#arm();
  }

  /**
   * Records the send stamp of a probe (it settles a reply that came before it).
   *
   * @param seq The slot number given to {@linkcode EchoTracker.launch}.
   * @param sentAt `CLOCK_REALTIME` nanoseconds.
   */
  sent(seq: number, sentAt: bigint): void {
    const probe = this.#probe(seq);
    if (probe === undefined) return;
    probe.sentAt = sentAt;
    if (probe.state === "waiting" && probe.held !== undefined) {
      const { receivedAt, ttl } = probe.held;
      probe.held = undefined;
      this.#answer(probe, receivedAt, ttl);
    }
  }

  /**
   * Forgets a probe whose send failed (the caller reports the failure itself).
   *
   * @param seq The slot number given to {@linkcode EchoTracker.launch}.
   */
  unsent(seq: number): void {
    const probe = this.#probe(seq);
    if (probe === undefined) return;
    probe.state = "unsent";
    this.#byWire.delete(probe.wire);
  }

  /**
   * Handles an echo reply.
   *
   * @param wireSeq The sequence number in the reply.
   * @param receivedAt Kernel receive stamp, `CLOCK_REALTIME` nanoseconds.
   * @param ttl TTL or hop limit of the reply, when known.
   */
  reply(wireSeq: number, receivedAt: bigint, ttl: number | undefined): void {
    if (this.#closed) return;
    const probe = this.#byWire.get(wireSeq);
    if (probe === undefined) {
      this.#unmatched++;
      return;
    }
    switch (probe.state) {
      case "waiting":
        if (probe.sentAt === undefined) {
          if (probe.held === undefined) probe.held = { receivedAt, ttl };
          else this.#emit("duplicate", probe, this.#rtt(probe, receivedAt));
          return;
        }
        this.#answer(probe, receivedAt, ttl);
        return;
      case "lost":
        probe.state = "late";
        this.#emit("late", probe, this.#rtt(probe, receivedAt));
        return;
      case "answered":
      case "late":
        this.#emit("duplicate", probe, this.#rtt(probe, receivedAt));
        return;
      case "unsent":
        this.#unmatched++;
        return;
    }
  }

  /**
   * Handles an ICMP error about a probe (destination unreachable, time exceeded, ...): a probe
   * still waiting is lost with that reason; a finished one is left as it is.
   *
   * @param wireSeq The sequence number of the request the error quotes.
   * @param reason The error in words.
   */
  error(wireSeq: number, reason: string): void {
    if (this.#closed) return;
    const probe = this.#byWire.get(wireSeq);
    if (probe?.state === "waiting") this.#lose(probe, reason);
  }

  /** Stops the timer; nothing is reported afterwards. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#byWire.clear();
    this.#order = [];
  }

  #probe(seq: number): Probe | undefined {
    const probe = this.#byWire.get(seq % SEQ_SPACE);
    return probe?.seq === seq ? probe : undefined;
  }

  #rtt(probe: Probe, receivedAt: bigint): number {
    if (probe.sentAt !== undefined) return elapsedMs(probe.sentAt, receivedAt);
    return nsToMs(receivedAt) - probe.launchedAt;
  }

  #sentAtMs(probe: Probe): number {
    return probe.sentAt === undefined ? probe.launchedAt : nsToMs(probe.sentAt);
  }

  #answer(probe: Probe, receivedAt: bigint, ttl: number | undefined): void {
    const rtt = this.#rtt(probe, receivedAt);
    if (rtt > this.#timeout) {
      this.#lose(probe, "timeout");
      probe.state = "late";
      this.#emit("late", probe, rtt);
      return;
    }
    probe.state = "answered";
    this.#onOutcome({ kind: "reply", seq: probe.seq, sentAt: this.#sentAtMs(probe), rtt, ttl });
  }

  #lose(probe: Probe, reason: string): void {
    probe.state = "lost";
    this.#onOutcome({ kind: "lost", seq: probe.seq, sentAt: this.#sentAtMs(probe), reason });
  }

  #emit(kind: "late" | "duplicate", probe: Probe, rtt: number): void {
    this.#onOutcome({ kind, seq: probe.seq, sentAt: this.#sentAtMs(probe), rtt });
  }

  #arm(): void {
    const head = this.#order[this.#expireHead];
    if (head === undefined || this.#closed) return;
    if (this.#timer !== undefined && this.#timerAt <= head.deadline) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = head.deadline;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#expire();
    }, Math.max(0, head.deadline - this.#monotonic()));
  }

  #expire(): void {
    const now = this.#monotonic();
    while (this.#expireHead < this.#order.length) {
      const probe = this.#order[this.#expireHead]!;
      if (probe.deadline > now) break;
      this.#expireHead++;
      if (probe.state !== "waiting") continue;
      if (probe.held !== undefined) {
        // The reply came but the send stamp never did: judge it on the launch time.
        const { receivedAt, ttl } = probe.held;
        probe.held = undefined;
        this.#answer(probe, receivedAt, ttl);
      } else {
        this.#lose(probe, "timeout");
      }
      if (this.#closed) return;
    }
    this.#prune(now);
    this.#arm();
  }

  /** Forgets probes whose deadline is more than `retain` ms past. */
  #prune(now: number): void {
    while (this.#pruneHead < this.#expireHead) {
      const probe = this.#order[this.#pruneHead]!;
      if (probe.deadline + this.#retain > now) break;
      this.#pruneHead++;
      if (this.#byWire.get(probe.wire) === probe) this.#byWire.delete(probe.wire);
    }
    if (this.#pruneHead > 1024 && this.#pruneHead * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#pruneHead);
      this.#expireHead -= this.#pruneHead;
      this.#pruneHead = 0;
    }
  }
}
