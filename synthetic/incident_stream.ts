/**
 * One synthetic series with scripted incidents, for testing detectors: a path that behaves
 * like `network.ts` describes (round trip `base + e`, `e` exponential of mean `jitter`,
 * independent loss) except during incidents, which add latency, jitter or loss, or lose every
 * probe, from a start to an end. Same options, same stream.
 *
 * @module
 */
import { exponential, streamFor } from "./_prng.ts";
import type { PathProfile } from "./network.ts";

/**
 * A stretch of time when the path behaves worse.
 *
 * @example A 40 ms latency step lasting ten minutes
 * ```ts
 * import type { Incident } from "./incident_stream.ts";
 * const step: Incident = { start: 600_000, end: 1_200_000, addMs: 40 };
 * ```
 */
export interface Incident {
  /** First affected probe time, ms (inclusive). */
  start: number;
  /** End, ms (exclusive); `Infinity` for a lasting change. */
  end: number;
  /** Latency added to every answer, ms. @default {0} */
  addMs?: number;
  /** Extra jitter (mean of an added exponential), ms. @default {0} */
  addJitterMs?: number;
  /** Extra loss, percent. @default {0} */
  addLossPct?: number;
}

/**
 * Options of {@linkcode incidentStream}.
 *
 * @example Ten minutes at one probe a second
 * ```ts
 * import type { IncidentStreamOptions } from "./incident_stream.ts";
 * const options: IncidentStreamOptions = {
 *   profile: { medianMs: 20, jitterMs: 1, lossPct: 0.1, congested: false }, count: 600,
 * };
 * ```
 */
export interface IncidentStreamOptions {
  /** How the path behaves outside incidents (`congested` is ignored). */
  profile: PathProfile;
  /** Number of probes. */
  count: number;
  /** Time between probes, ms. @default {1000} */
  intervalMs?: number;
  /** Time of the first probe, ms. @default {0} */
  start?: number;
  /** The incidents. @default {[]} */
  incidents?: readonly Incident[];
  /** Seed of the random stream. @default {1} */
  seed?: number;
}

/**
 * One probe of the stream.
 *
 * @example An answer
 * ```ts
 * import type { IncidentSample } from "./incident_stream.ts";
 * const sample: IncidentSample = { timestamp: 0, value: 20.3, status: "ok" };
 * ```
 */
export interface IncidentSample {
  /** When it was sent, ms. */
  timestamp: number;
  /** Round trip, ms; `null` when lost. */
  value: number | null;
  /** `"ok"` or `"lost"`. */
  status: "ok" | "lost";
}

/**
 * The probes of one series, in time order.
 *
 * @param options Path, length, incidents, seed.
 * @returns A generator of probes (constant memory).
 *
 * @example A total outage between 10 s and 15 s
 * ```ts
 * import { incidentStream } from "./incident_stream.ts";
 * const samples = [...incidentStream({
 *   profile: { medianMs: 20, jitterMs: 1, lossPct: 0, congested: false }, count: 20,
 *   incidents: [{ start: 10_000, end: 15_000, addLossPct: 100 }],
 * })];
 * console.log(samples.filter((s) => s.status === "lost").map((s) => s.timestamp / 1000)); // [ 10, 11, 12, 13, 14 ]
 * ```
 */
export function* incidentStream(
  options: IncidentStreamOptions,
): Generator<IncidentSample, void, undefined> {
  const { profile, count, intervalMs = 1000, start = 0, incidents = [], seed = 1 } = options;
  const random = streamFor(seed, "incident-stream");
  const base = profile.medianMs - profile.jitterMs * Math.LN2;
  for (let i = 0; i < count; i++) {
    const timestamp = start + i * intervalMs;
    let addMs = 0;
    let addJitterMs = 0;
    let lossPct = profile.lossPct;
    for (const incident of incidents) {
      if (timestamp < incident.start || timestamp >= incident.end) continue;
      addMs += incident.addMs ?? 0;
      addJitterMs += incident.addJitterMs ?? 0;
      lossPct += incident.addLossPct ?? 0;
    }
    const lossDraw = random();
    const jitterDraw = exponential(random, profile.jitterMs);
    const extraDraw = addJitterMs > 0 ? exponential(random, addJitterMs) : 0;
    if (lossDraw * 100 < lossPct) {
      yield { timestamp, value: null, status: "lost" };
      continue;
    }
    yield { timestamp, value: base + addMs + jitterDraw + extraDraw, status: "ok" };
  }
}
