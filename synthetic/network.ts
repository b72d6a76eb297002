/**
 * The made-up network behind the synthetic data set: how each path behaves (median round
 * trip, jitter, loss), what a Wi-Fi interface adds, and the evening congestion of the ISP.
 *
 * A probe's round trip is `base + e` with `e` exponential of mean `jitter`: its median is
 * `base + jitter * ln 2` and, since the difference of two such draws is Laplace, the mean
 * absolute difference of consecutive round trips (IPDV, what the charts call jitter) is
 * `jitter`. Loss is independent per probe.
 *
 * @module
 */
import { exponential, mulberry32, type Random } from "./_prng.ts";

/**
 * How one path behaves outside the evening.
 *
 * @example The path to a nearby server
 * ```ts
 * import type { PathProfile } from "./network.ts";
 * const profile: PathProfile = { medianMs: 15, jitterMs: 0.8, lossPct: 0.1, congested: true };
 * ```
 */
export interface PathProfile {
  /** Median round trip in ms. */
  medianMs: number;
  /** Mean absolute difference of consecutive round trips in ms. */
  jitterMs: number;
  /** Share of probes lost, in percent. */
  lossPct: number;
  /** Whether the path crosses the ISP, so evening congestion applies. */
  congested: boolean;
}

/**
 * Paths of the ICMP targets over a clean wired interface; unknown targets behave like
 * `"vienna"`.
 *
 * @example The clean path to Vienna
 * ```ts
 * import { TARGET_PROFILES } from "./network.ts";
 * console.log(TARGET_PROFILES.vienna?.medianMs); // 15
 * ```
 */
export const TARGET_PROFILES: Readonly<Record<string, PathProfile>> = {
  gateway: { medianMs: 1.2, jitterMs: 0.15, lossPct: 0.02, congested: false },
  "1.1.1.1": { medianMs: 9.5, jitterMs: 0.6, lossPct: 0.08, congested: true },
  vienna: { medianMs: 15, jitterMs: 0.8, lossPct: 0.1, congested: true },
};

/**
 * Paths to the UDP echo servers (default route): Frankfurt is farther and loses more.
 *
 * @example Frankfurt is 20 ms farther than Vienna
 * ```ts
 * import { SERVER_PROFILES } from "./network.ts";
 * console.log(SERVER_PROFILES.frankfurt!.medianMs - SERVER_PROFILES.vienna!.medianMs); // 20
 * ```
 */
export const SERVER_PROFILES: Readonly<Record<string, PathProfile>> = {
  vienna: { medianMs: 15, jitterMs: 0.8, lossPct: 0.1, congested: true },
  frankfurt: { medianMs: 35, jitterMs: 1.6, lossPct: 0.6, congested: true },
};

/**
 * What the impaired (Wi-Fi) interface does to every path: 13 ms more, jitter 8.5 ms, 2.2
 * points more loss (about 2.3 % in all).
 *
 * @example
 * ```ts
 * import { IMPAIRMENT } from "./network.ts";
 * console.log(IMPAIRMENT.addMs); // 13
 * ```
 */
export const IMPAIRMENT = { addMs: 13, jitterMs: 8.5, addLossPct: 2.2 } as const;

/**
 * The evening congestion (UTC hours, see {@linkcode congestion}): more delay, jitter and loss on
 * paths that cross the ISP, less throughput, worse bufferbloat.
 *
 * @example
 * ```ts
 * import { EVENING } from "./network.ts";
 * console.log(EVENING.fromHour, EVENING.toHour); // 18 22
 * ```
 */
export const EVENING = {
  fromHour: 18,
  toHour: 22,
  addMs: 6,
  jitterFactor: 1.5,
  addLossPct: 0.4,
} as const;

/**
 * How much of the evening congestion applies at a time: 0 by day, 1 from 18:30 to 21:30 UTC,
 * rising linearly from 17:30 and falling linearly until 22:30.
 *
 * @param ts Time in ms.
 * @returns A weight from 0 to 1.
 *
 * @example
 * ```ts
 * import { eveningWeight } from "./network.ts";
 * console.log(eveningWeight(Date.UTC(2026, 9, 18, 20)), eveningWeight(Date.UTC(2026, 9, 18, 10))); // 1 0
 * ```
 */
export function eveningWeight(ts: number): number {
  const hour = (((ts % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
  const rampIn = hour - (EVENING.fromHour - 0.5);
  const rampOut = EVENING.toHour + 0.5 - hour;
  return Math.max(0, Math.min(1, rampIn, rampOut));
}

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedStrength = 1;

/**
 * How strong the evening congestion is on the day of `ts`: from 0.6 to 1.4, times 1.3 on
 * Saturdays and Sundays; the same for every path (it is the ISP's), drawn from the day's
 * number so it does not depend on the seed.
 *
 * @param ts Time in ms.
 * @returns The day's factor.
 *
 * @example
 * ```ts
 * import { dayStrength } from "./network.ts";
 * const strength = dayStrength(Date.UTC(2026, 9, 18));
 * console.log(strength >= 0.6 && strength <= 1.4 * 1.3); // true
 * ```
 */
export function dayStrength(ts: number): number {
  const day = Math.floor(ts / DAY_MS);
  if (day !== cachedDay) {
    const weekday = new Date(day * DAY_MS).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 1.3 : 1;
    cachedStrength = weekend * (0.6 + 0.8 * mulberry32(Math.imul(day, 0x9e3779b1))());
    cachedDay = day;
  }
  return cachedStrength;
}

/**
 * The congestion at a time: {@linkcode eveningWeight} times {@linkcode dayStrength}.
 *
 * @param ts Time in ms.
 * @returns 0 by day; around 1 in the evening, more on bad days.
 *
 * @example
 * ```ts
 * import { congestion } from "./network.ts";
 * console.log(congestion(Date.UTC(2026, 9, 18, 9)), congestion(Date.UTC(2026, 9, 18, 20)) > 0.5); // 0 true
 * ```
 */
export function congestion(ts: number): number {
  const evening = eveningWeight(ts);
  return evening === 0 ? 0 : evening * dayStrength(ts);
}

/**
 * The profile of a path, over the impaired interface or not.
 *
 * @param base The clean path.
 * @param impaired Whether it goes over the impaired interface.
 * @returns The profile.
 *
 * @example Vienna over Wi-Fi
 * ```ts
 * import { impairedProfile, TARGET_PROFILES } from "./network.ts";
 * console.log(impairedProfile(TARGET_PROFILES.vienna!, true).medianMs); // 28
 * ```
 */
export function impairedProfile(base: PathProfile, impaired: boolean): PathProfile {
  if (!impaired) return base;
  return {
    medianMs: base.medianMs + IMPAIRMENT.addMs,
    jitterMs: IMPAIRMENT.jitterMs,
    lossPct: base.lossPct + IMPAIRMENT.addLossPct,
    congested: base.congested,
  };
}

/**
 * Draws probes along one path.
 *
 * @example Ten probes to Vienna
 * ```ts
 * import { mulberry32 } from "./_prng.ts";
 * import { PathModel, TARGET_PROFILES } from "./network.ts";
 * const model = new PathModel(TARGET_PROFILES.vienna!, mulberry32(1));
 * const rtts = Array.from({ length: 10 }, (_, i) => model.probe(i * 1000));
 * console.log(rtts.every((rtt) => rtt === null || (rtt > 10 && rtt < 40))); // true
 * ```
 */
export class PathModel {
  #profile: PathProfile;
  #random: Random;

  /**
   * @param profile How the path behaves.
   * @param random Its own random stream.
   */
  constructor(profile: PathProfile, random: Random) {
    this.#profile = profile;
    this.#random = random;
  }

  /**
   * One probe.
   *
   * @param ts When it is sent.
   * @returns Its round trip in ms, `null` when lost.
   */
  probe(ts: number): number | null {
    const profile = this.#profile;
    const evening = profile.congested ? congestion(ts) : 0;
    const lossPct = profile.lossPct + evening * EVENING.addLossPct;
    if (this.#random() * 100 < lossPct) return null;
    const jitter = profile.jitterMs * (1 + evening * (EVENING.jitterFactor - 1));
    const base = profile.medianMs - profile.jitterMs * Math.LN2 + evening * EVENING.addMs;
    return base + exponential(this.#random, jitter);
  }
}
