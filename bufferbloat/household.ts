/**
 * The virtual household: four virtual users share the connection at once, each on its own
 * connection with its own traffic, as a family does (LibreQoS's household test). What each
 * does, what it tolerates, and how a run is scored: shared by the server (which sends each
 * user's downstream traffic), the page (which sends the upstream and measures) and the tests.
 *
 * | user        | down / up, Mbit/s | pattern                 | latency | jitter | loss  |
 * | ----------- | ----------------- | ----------------------- | ------- | ------ | ----- |
 * | `gamer`     | 1.5 / 0.75        | steady, small packets   | 75 ms   | 5 ms   | 0.1 % |
 * | `video`     | 2.5 / 2.5         | steady (a video call)   | 150 ms  | 10 ms  | 0.5 % |
 * | `streaming` | 25 / 0.1          | bursts: 1 s on, 4 s off | 300 ms  | 100 ms | 1 %   |
 * | `bulk`      | 50 / 2            | steady (downloads)      | 5000 ms | 100 ms | 5 %   |
 *
 * **Measured per user**, on the user's own connection: latency (round trips of small probes
 * sent every 100 ms on it, so they wait behind that user's own traffic as an app's messages
 * do), jitter (mean absolute difference of consecutive round trips), loss (media packets that
 * never came, because a congested sender dropped them, or came later than the user's latency
 * limit after the fastest one, too late to be of use), and throughput against the target.
 *
 * **Score**: each user starts at 100 and, for each of latency (95th percentile), jitter and
 * loss, loses 8 points above 1.5 times its limit, 15 above 2 times, 25 above 3 times (the
 * largest that applies). Grades from the score: A+ from 92, A from 85, B from 75, C from 65, D
 * from 50, F below. The household's grade is its weakest user's.
 *
 * **Fairness**: Jain's index of the users' delivered share of their targets
 * (`(Σx)² / (n·Σx²)`, 1 when every user gets the same share). **Stability**: the share of
 * whole seconds in which no user's latency broke its limit.
 *
 * @module
 */
import { percentile } from "../core/stats/percentile.ts";

/** The virtual users, in the order the page shows them. */
export const HOUSEHOLD_USERS = ["gamer", "video", "streaming", "bulk"] as const;

/** One of {@linkcode HOUSEHOLD_USERS}. */
export type HouseholdUser = typeof HOUSEHOLD_USERS[number];

/** What a virtual user does and tolerates. */
export interface HouseholdProfile {
  /** Who, in words. */
  label: string;
  /** What it does, in words. */
  activity: string;
  /** Downstream rate while on, Mbit/s. */
  downMbps: number;
  /** Upstream rate, Mbit/s. */
  upMbps: number;
  /** Downstream packet (WebSocket message) size, bytes. */
  downPacketBytes: number;
  /** Upstream packet size, bytes. */
  upPacketBytes: number;
  /** On and off times of the downstream, ms (`offMs` 0: steady). */
  burst: { onMs: number; offMs: number };
  /** The most latency it tolerates (95th percentile), ms. */
  latencyLimitMs: number;
  /** The most jitter it tolerates, ms. */
  jitterLimitMs: number;
  /** The most loss it tolerates, percent. */
  lossLimitPercent: number;
}

/**
 * The four profiles (see the module documentation).
 *
 * @example
 * ```ts
 * import { HOUSEHOLD_PROFILES } from "./household.ts";
 * console.log(HOUSEHOLD_PROFILES.streaming.burst); // { onMs: 1000, offMs: 4000 }
 * ```
 */
export const HOUSEHOLD_PROFILES: Record<HouseholdUser, HouseholdProfile> = {
  gamer: {
    label: "Gamer",
    activity: "online game",
    downMbps: 1.5,
    upMbps: 0.75,
    downPacketBytes: 256,
    upPacketBytes: 128,
    burst: { onMs: 1_000, offMs: 0 },
    latencyLimitMs: 75,
    jitterLimitMs: 5,
    lossLimitPercent: 0.1,
  },
  video: {
    label: "Video call",
    activity: "video call",
    downMbps: 2.5,
    upMbps: 2.5,
    downPacketBytes: 1_200,
    upPacketBytes: 1_200,
    burst: { onMs: 1_000, offMs: 0 },
    latencyLimitMs: 150,
    jitterLimitMs: 10,
    lossLimitPercent: 0.5,
  },
  streaming: {
    label: "Streaming",
    activity: "video streaming",
    downMbps: 25,
    upMbps: 0.1,
    downPacketBytes: 32_768,
    upPacketBytes: 256,
    burst: { onMs: 1_000, offMs: 4_000 },
    latencyLimitMs: 300,
    jitterLimitMs: 100,
    lossLimitPercent: 1,
  },
  bulk: {
    label: "Bulk",
    activity: "big downloads",
    downMbps: 50,
    upMbps: 2,
    downPacketBytes: 65_536,
    upPacketBytes: 16_384,
    burst: { onMs: 1_000, offMs: 0 },
    latencyLimitMs: 5_000,
    jitterLimitMs: 100,
    lossLimitPercent: 5,
  },
};

/**
 * Penalty points for a value against its limit: 25 above 3 times, 15 above 2 times, 8 above
 * 1.5 times, else 0.
 *
 * @param value The measured value.
 * @param limit The user's limit.
 * @returns The points lost.
 *
 * @example
 * ```ts
 * import { penalty } from "./household.ts";
 * console.log(penalty(100, 75), penalty(160, 75), penalty(300, 75), penalty(10, 75)); // 0 15 25 0
 * ```
 */
export function penalty(value: number, limit: number): number {
  if (!(value > 1.5 * limit)) return 0;
  if (value > 3 * limit) return 25;
  if (value > 2 * limit) return 15;
  return 8;
}

/**
 * The grade of a score.
 *
 * @param score 0 to 100.
 * @returns A+ from 92, A from 85, B from 75, C from 65, D from 50, else F.
 *
 * @example
 * ```ts
 * import { gradeForScore } from "./household.ts";
 * console.log(gradeForScore(92), gradeForScore(91), gradeForScore(49)); // A+ A F
 * ```
 */
export function gradeForScore(score: number): string {
  if (score >= 92) return "A+";
  if (score >= 85) return "A";
  if (score >= 75) return "B";
  if (score >= 65) return "C";
  if (score >= 50) return "D";
  return "F";
}

/**
 * What was measured of one user over a household run.
 *
 * @example
 * ```ts
 * import type { UserMeasurements } from "./household.ts";
 * const m: UserMeasurements = {
 *   rtts: [{ t: 0, rttMs: 20 }], mediaSent: 100, mediaLate: 0, mediaLost: 0,
 *   downBytes: 1e6, upBytes: 4e5, durationMs: 10_000,
 * };
 * ```
 */
export interface UserMeasurements {
  /** Round trips of the user's probes: when (ms since start) and how long (`null`: no echo). */
  rtts: { t: number; rttMs: number | null }[];
  /** Media packets the server sent (downstream) plus those the page sent (upstream). */
  mediaSent: number;
  /** Of them, those that came later than the latency limit after the fastest one. */
  mediaLate: number;
  /** Of them, those that never came (dropped by a congested sender). */
  mediaLost: number;
  /** Bytes received downstream. */
  downBytes: number;
  /** Bytes the server received upstream. */
  upBytes: number;
  /** How long the user ran, ms. */
  durationMs: number;
}

/** One user's scored figures. */
export interface UserResult {
  /** Who. */
  user: HouseholdUser;
  /** 95th percentile of the round trips, ms (`null` without any). */
  latencyP95Ms: number | null;
  /** Median round trip, ms. */
  latencyMedianMs: number | null;
  /** Mean absolute difference of consecutive round trips, ms. */
  jitterMs: number | null;
  /** Late or lost media packets, percent. */
  lossPercent: number;
  /** Mean throughput down and up, Mbit/s. */
  downMbps: number;
  /** Mean throughput up, Mbit/s. */
  upMbps: number;
  /** Delivered share of the target (down and up together, weighted by the target). */
  targetShare: number;
  /** 100 minus the penalties. */
  score: number;
  /** The grade of the score. */
  grade: string;
  /** Which limits it broke, in words (empty when none). */
  problems: string[];
}

/** A household run's scoring. */
export interface HouseholdResult {
  /** Format version. */
  version: 1;
  /** Each user. */
  users: UserResult[];
  /** Jain's fairness index of the users' target shares (0 to 1). */
  fairness: number;
  /** Share of whole seconds in which no user broke its latency limit (0 to 1). */
  stability: number;
  /** The weakest user's grade. */
  grade: string;
  /** The user that suffered most (`null` when none broke a limit). */
  sufferer: HouseholdUser | null;
  /** What the run found, in words. */
  verdict: string;
}

function jitter(rtts: number[]): number | null {
  if (rtts.length < 2) return null;
  let sum = 0;
  for (let i = 1; i < rtts.length; i++) sum += Math.abs(rtts[i]! - rtts[i - 1]!);
  return sum / (rtts.length - 1);
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

function scoreUser(user: HouseholdUser, m: UserMeasurements): UserResult {
  const p = HOUSEHOLD_PROFILES[user];
  const answered = m.rtts.flatMap((r) => r.rttMs === null ? [] : [r.rttMs]);
  const probesLost = m.rtts.length - answered.length;
  const p95 = answered.length > 0 ? percentile(answered, 95) : null;
  const median = answered.length > 0 ? percentile(answered, 50) : null;
  const jit = jitter(answered);
  const lossPercent = m.mediaSent + m.rtts.length > 0
    ? 100 * (m.mediaLate + m.mediaLost + probesLost) / (m.mediaSent + m.rtts.length)
    : 0;
  const seconds = m.durationMs / 1000;
  const downMbps = seconds > 0 ? m.downBytes * 8 / 1e6 / seconds : 0;
  const upMbps = seconds > 0 ? m.upBytes * 8 / 1e6 / seconds : 0;
  const dutyCycle = p.burst.onMs / (p.burst.onMs + p.burst.offMs);
  const targetDown = p.downMbps * dutyCycle;
  const targetShare = Math.min(
    1,
    (Math.min(downMbps, targetDown) + Math.min(upMbps, p.upMbps)) / (targetDown + p.upMbps),
  );
  const problems: string[] = [];
  let points = 0;
  const check = (name: string, value: number | null, limit: number, unit: string) => {
    const lost = value === null ? 25 : penalty(value, limit);
    points += lost;
    if (value === null) problems.push(`no ${name} could be measured`);
    else if (lost > 0) {
      problems.push(`${name} ${round(value, 1)} ${unit} (limit ${limit} ${unit}, -${lost})`);
    }
  };
  check("latency", p95, p.latencyLimitMs, "ms");
  check("jitter", jit, p.jitterLimitMs, "ms");
  check("loss", lossPercent, p.lossLimitPercent, "%");
  const score = Math.max(0, 100 - points);
  return {
    user,
    latencyP95Ms: p95 === null ? null : round(p95),
    latencyMedianMs: median === null ? null : round(median),
    jitterMs: jit === null ? null : round(jit),
    lossPercent: round(lossPercent, 3),
    downMbps: round(downMbps),
    upMbps: round(upMbps),
    targetShare: round(targetShare, 3),
    score,
    grade: gradeForScore(score),
    problems,
  };
}

/**
 * Scores a household run (see the module documentation).
 *
 * @param measured Each user's measurements.
 * @returns The scores, fairness, stability and verdict.
 *
 * @example A gamer whose latency triples under the bulk download
 * ```ts
 * import { HOUSEHOLD_USERS, scoreHousehold, type UserMeasurements } from "./household.ts";
 * const calm = (rtt: number): UserMeasurements => ({
 *   rtts: Array.from({ length: 100 }, (_, i) => ({ t: i * 100, rttMs: rtt + (i % 2) })),
 *   mediaSent: 1000, mediaLate: 0, mediaLost: 0, downBytes: 1e9, upBytes: 1e9, durationMs: 10_000,
 * });
 * const result = scoreHousehold({
 *   gamer: calm(240), video: calm(30), streaming: calm(30), bulk: calm(30),
 * });
 * console.log(result.sufferer, result.users[0]!.score, result.grade); // gamer 75 B
 * ```
 */
export function scoreHousehold(measured: Record<HouseholdUser, UserMeasurements>): HouseholdResult {
  const users = HOUSEHOLD_USERS.map((user) => scoreUser(user, measured[user]));
  const shares = users.map((u) => u.targetShare);
  const sum = shares.reduce((a, b) => a + b, 0);
  const squares = shares.reduce((a, b) => a + b * b, 0);
  const fairness = squares > 0 ? (sum * sum) / (shares.length * squares) : 1;
  // Stability: per whole second, did any user's probe exceed its latency limit?
  const broken = new Set<number>();
  let lastSecond = 0;
  for (const user of HOUSEHOLD_USERS) {
    const limit = HOUSEHOLD_PROFILES[user].latencyLimitMs;
    for (const { t, rttMs } of measured[user].rtts) {
      const second = Math.floor(t / 1000);
      lastSecond = Math.max(lastSecond, second);
      if (rttMs === null || rttMs > limit) broken.add(second);
    }
  }
  const seconds = lastSecond + 1;
  const stability = seconds > 0 ? 1 - broken.size / seconds : 1;
  const worst = users.reduce((a, b) => b.score < a.score ? b : a);
  const sufferer = worst.problems.length > 0 ? worst.user : null;
  return {
    version: 1,
    users,
    fairness: round(fairness, 3),
    stability: round(stability, 3),
    grade: worst.grade,
    sufferer,
    verdict: householdVerdict(users, sufferer, fairness),
  };
}

function householdVerdict(
  users: UserResult[],
  sufferer: HouseholdUser | null,
  fairness: number,
): string {
  if (sufferer === null) {
    return "Everyone got what they needed: no user broke a limit while all four shared the " +
      "connection.";
  }
  const who = users.find((u) => u.user === sufferer)!;
  const profile = HOUSEHOLD_PROFILES[sufferer];
  const others = users.filter((u) => u.user !== sufferer && u.problems.length > 0)
    .map((u) => HOUSEHOLD_PROFILES[u.user].label.toLowerCase());
  const heavy = users.filter((u) => u.user === "bulk" || u.user === "streaming")
    .filter((u) => u.user !== sufferer).map((u) => HOUSEHOLD_PROFILES[u.user].activity);
  const cause = heavy.length > 0
    ? ` while ${heavy.join(" and ")} filled the connection's queue`
    : "";
  return `The ${profile.label.toLowerCase()} (${profile.activity}) suffered most: ` +
    `${who.problems.join("; ")}${cause}.` +
    (others.length > 0 ? ` Also over a limit: ${others.join(", ")}.` : "") +
    (fairness < 0.8 ? ` Bandwidth was shared unfairly (fairness ${round(fairness, 2)}).` : "");
}
