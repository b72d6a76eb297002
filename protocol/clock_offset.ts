/**
 * One-way delays without synchronized clocks, the way crusader does it: the offset of the
 * server's clock is estimated from the fastest third of the round trips (whose up and down
 * delays are the most nearly equal), then subtracted from each direction's raw difference.
 *
 * For one round trip with client stamps `ct` (sent), `cr` (received) and server stamps `sr`
 * (received), `st` (sent):
 *
 * - RTT without the server's own time: `(cr - ct) - (st - sr)`;
 * - offset (server clock minus client clock), assuming equal up and down delays:
 *   `sr - (ct + RTT / 2)`, which is `((sr - ct) + (st - cr)) / 2`;
 * - up delay `(sr - ct) - offset`, down delay `(cr - st) + offset`; they add up to the RTT.
 *
 * The estimate is the median of the offsets of the fastest third. {@linkcode ClockOffsetTracker}
 * re-estimates it over a sliding time window, so it follows the drift of the two clocks.
 *
 * @module
 */
import { percentile } from "../core/stats/percentile.ts";

/** The four stamps of one round trip, `CLOCK_REALTIME` ns of each side's clock. */
export interface RoundTripStamps {
  /** When the request left the client (client clock). */
  clientSentAt: bigint;
  /** When the server received it (server clock). */
  serverReceivedAt: bigint;
  /** When the server sent the reply (server clock). */
  serverSentAt: bigint;
  /** When the reply reached the client (client clock). */
  clientReceivedAt: bigint;
}

/** An estimate of the server clock's offset. */
export interface ClockOffsetEstimate {
  /** Server clock minus client clock, ms. */
  offsetMs: number;
  /** Round trips the estimate was made from. */
  samples: number;
  /** Of those, the fastest ones used. */
  used: number;
  /** The slowest RTT among the ones used, ms. */
  rttLimitMs: number;
}

/** Delays of one round trip. */
export interface OneWayDelays {
  /** RTT without the server's time, ms. */
  rttMs: number;
  /** Client to server, ms. */
  upMs: number;
  /** Server to client, ms. */
  downMs: number;
  /** Time the request spent in the server, ms. */
  serverMs: number;
}

const ms = (ns: bigint) => Number(ns) / 1e6;

/**
 * The RTT of a round trip without the time spent in the server.
 *
 * @param stamps The four stamps.
 * @returns The RTT, ms.
 *
 * @example 1 ms in the network, 0.2 ms in the server
 * ```ts
 * import { roundTripMs } from "./clock_offset.ts";
 * console.log(roundTripMs({
 *   clientSentAt: 0n, serverReceivedAt: 500_000n, serverSentAt: 700_000n, clientReceivedAt: 1_200_000n,
 * })); // 1
 * ```
 */
export function roundTripMs(stamps: RoundTripStamps): number {
  return ms(
    (stamps.clientReceivedAt - stamps.clientSentAt) -
      (stamps.serverSentAt - stamps.serverReceivedAt),
  );
}

/**
 * The offset one round trip suggests, assuming equal up and down delays.
 *
 * @param stamps The four stamps.
 * @returns Server clock minus client clock, ms.
 *
 * @example A server clock 5 ms ahead, 1 ms each way
 * ```ts
 * import { roundTripOffsetMs } from "./clock_offset.ts";
 * console.log(roundTripOffsetMs({
 *   clientSentAt: 0n, serverReceivedAt: 6_000_000n, serverSentAt: 6_000_000n, clientReceivedAt: 2_000_000n,
 * })); // 5
 * ```
 */
export function roundTripOffsetMs(stamps: RoundTripStamps): number {
  return ms(
    (stamps.serverReceivedAt - stamps.clientSentAt) +
      (stamps.serverSentAt - stamps.clientReceivedAt),
  ) / 2;
}

/** Options of {@linkcode estimateClockOffset}. */
export interface ClockOffsetOptions {
  /**
   * The share of the fastest round trips used.
   *
   * @default {1 / 3}
   */
  fraction?: number;
}

/**
 * Estimates the server clock's offset from round trips: the median offset of the fastest third.
 *
 * @param samples Round trips (at least one).
 * @param options The share used.
 * @returns The estimate, or `undefined` without samples.
 *
 * @example Slow round trips with asymmetric delays do not bias the estimate
 * ```ts
 * import { estimateClockOffset } from "./clock_offset.ts";
 * const trip = (up: number, down: number, sent: number) => ({
 *   clientSentAt: BigInt(sent),
 *   serverReceivedAt: BigInt(sent + up + 3_000_000), // server clock 3 ms ahead
 *   serverSentAt: BigInt(sent + up + 3_000_000),
 *   clientReceivedAt: BigInt(sent + up + down),
 * });
 * const estimate = estimateClockOffset([
 *   trip(1_000_000, 1_000_000, 0), trip(9_000_000, 1_000_000, 10), trip(1_000_000, 8_000_000, 20),
 * ]);
 * console.log(estimate); // { offsetMs: 3, samples: 3, used: 1, rttLimitMs: 2 }
 * ```
 */
export function estimateClockOffset(
  samples: readonly RoundTripStamps[],
  options: ClockOffsetOptions = {},
): ClockOffsetEstimate | undefined {
  if (samples.length === 0) return undefined;
  const fraction = options.fraction ?? 1 / 3;
  const trips = samples.map((stamps) => ({
    rtt: roundTripMs(stamps),
    offset: roundTripOffsetMs(stamps),
  }));
  trips.sort((a, b) => a.rtt - b.rtt);
  const used = Math.min(trips.length, Math.max(1, Math.ceil(trips.length * fraction)));
  const fastest = trips.slice(0, used);
  return {
    offsetMs: percentile(fastest.map((trip) => trip.offset), 50),
    samples: samples.length,
    used,
    rttLimitMs: fastest[used - 1]!.rtt,
  };
}

/**
 * Splits a round trip into up and down delays with a clock offset.
 *
 * @param stamps The four stamps.
 * @param offsetMs Server clock minus client clock, ms (from {@linkcode estimateClockOffset}).
 * @returns RTT, up, down and server time, ms.
 *
 * @example
 * ```ts
 * import { oneWayDelays } from "./clock_offset.ts";
 * console.log(oneWayDelays({
 *   clientSentAt: 0n, serverReceivedAt: 8_000_000n, serverSentAt: 8_500_000n, clientReceivedAt: 3_500_000n,
 * }, 5)); // { rttMs: 3, upMs: 3, downMs: 0, serverMs: 0.5 }
 * ```
 */
export function oneWayDelays(stamps: RoundTripStamps, offsetMs: number): OneWayDelays {
  const upRaw = ms(stamps.serverReceivedAt - stamps.clientSentAt);
  const downRaw = ms(stamps.clientReceivedAt - stamps.serverSentAt);
  return {
    rttMs: roundTripMs(stamps),
    upMs: upRaw - offsetMs,
    downMs: downRaw + offsetMs,
    serverMs: ms(stamps.serverSentAt - stamps.serverReceivedAt),
  };
}

/** Options of {@linkcode ClockOffsetTracker}. */
export interface ClockOffsetTrackerOptions extends ClockOffsetOptions {
  /**
   * Round trips older than this (by client send time, relative to the newest) are dropped, ms.
   *
   * @default {60000}
   */
  windowMs?: number;
  /**
   * The most round trips kept.
   *
   * @default {2000}
   */
  maxSamples?: number;
}

/**
 * Re-estimates the clock offset over a sliding window of recent round trips.
 *
 * @example The estimate follows a clock that moved
 * ```ts
 * import { ClockOffsetTracker } from "./clock_offset.ts";
 * const tracker = new ClockOffsetTracker({ windowMs: 1000 });
 * const trip = (sent: number, offset: number) => ({
 *   clientSentAt: BigInt(sent), serverReceivedAt: BigInt(sent + 1_000_000 + offset),
 *   serverSentAt: BigInt(sent + 1_000_000 + offset), clientReceivedAt: BigInt(sent + 2_000_000),
 * });
 * for (let i = 0; i < 10; i++) tracker.add(trip(i * 100_000_000, 2_000_000));
 * console.log(tracker.estimate()?.offsetMs); // 2
 * for (let i = 10; i < 30; i++) tracker.add(trip(i * 100_000_000, 4_000_000));
 * console.log(tracker.estimate()?.offsetMs); // 4
 * ```
 */
export class ClockOffsetTracker {
  readonly #windowNs: bigint;
  readonly #maxSamples: number;
  readonly #options: ClockOffsetOptions;
  #samples: RoundTripStamps[] = [];
  #newest: bigint | undefined;
  #estimate: ClockOffsetEstimate | undefined;
  #stale = false;

  /** @param options Window and share used. */
  constructor(options: ClockOffsetTrackerOptions = {}) {
    this.#windowNs = BigInt(Math.round((options.windowMs ?? 60_000) * 1e6));
    this.#maxSamples = options.maxSamples ?? 2000;
    this.#options = options.fraction === undefined ? {} : { fraction: options.fraction };
  }

  /** Round trips in the window now. */
  get size(): number {
    return this.#samples.length;
  }

  /**
   * Adds a round trip (in any order; the window is relative to the newest send time).
   *
   * @param stamps Its four stamps.
   */
  add(stamps: RoundTripStamps): void {
    this.#samples.push(stamps);
    if (this.#newest === undefined || stamps.clientSentAt > this.#newest) {
      this.#newest = stamps.clientSentAt;
    }
    const oldest = this.#newest - this.#windowNs;
    if (this.#samples[0]!.clientSentAt < oldest || stamps.clientSentAt < oldest) {
      this.#samples = this.#samples.filter((sample) => sample.clientSentAt >= oldest);
    }
    if (this.#samples.length > this.#maxSamples) {
      this.#samples = this.#samples.slice(this.#samples.length - this.#maxSamples);
    }
    this.#stale = true;
  }

  /**
   * The offset estimated from the round trips in the window.
   *
   * @returns The estimate, or `undefined` before the first round trip.
   */
  estimate(): ClockOffsetEstimate | undefined {
    if (this.#stale) {
      this.#estimate = estimateClockOffset(this.#samples, this.#options);
      this.#stale = false;
    }
    return this.#estimate;
  }
}
