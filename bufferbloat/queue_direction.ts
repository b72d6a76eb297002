/**
 * Which direction holds the queue that a load builds: upstream (client to server), downstream,
 * both or none, from the one-way delays of the UDP echo probes.
 *
 * Each answered probe gives two raw one-way delays: up = server receive stamp - client send
 * stamp, down = client receive stamp - server send stamp. Each holds the offset between the two
 * clocks (with opposite signs), but within one session the offset is the same for every probe,
 * so it cancels in a difference: the delay a phase adds upstream is the median raw up delay of
 * the phase minus the median raw up delay of the idle phase, and the same downstream. No clock
 * synchronization and no offset estimate is needed; only the drift of the two clocks over the
 * test (under 1 ms per minute for clocks within 15 ppm) remains.
 *
 * A phase's direction, from its added delays `up` and `down` (negative ones count as 0):
 *
 * - `"none"` when `up + down` is below `noneBelowMs` (5 ms, the A+ limit);
 * - `"upstream"` when up holds at least `dominantShare` (80 %) of it;
 * - `"downstream"` when down does;
 * - `"both"` otherwise.
 *
 * The test's direction applies the same rule to the largest upstream and the largest
 * downstream addition over the loaded phases: a link that bloats both ways (upload phase up,
 * download phase down) is `"both"`, one that bloats only on upload is `"upstream"`.
 *
 * Without one-way delays (only ICMP answered) {@linkcode queueFromPhases} infers the direction
 * from the phases instead: what the download phase adds is taken as downstream, what the upload
 * phase adds as upstream (the acknowledgements going the other way are small). Its `source`
 * says so.
 *
 * @module
 */
import { LOADED_PHASES, type LoadedPhase } from "../charts/bufferbloat_summary.ts";
import { percentile } from "../core/stats/percentile.ts";
import type { Phase } from "./phase_stats.ts";

/**
 * Raw one-way delays of one answered probe, ms, each with the clocks' offset in it.
 *
 * @example
 * ```ts
 * import type { OneWayDelay } from "./queue_direction.ts";
 * const probe: OneWayDelay = { upMs: 1_000.2, downMs: -999.8 }; // server clock 1 s ahead
 * ```
 */
export interface OneWayDelay {
  /** Server receive stamp minus client send stamp. */
  upMs: number;
  /** Client receive stamp minus server send stamp. */
  downMs: number;
}

/**
 * One-way delays per phase.
 *
 * @example
 * ```ts
 * import type { QueueInput } from "./queue_direction.ts";
 * const input: QueueInput = { idle: [], download: [], upload: [], bidirectional: [] };
 * ```
 */
export type QueueInput = Record<Phase, readonly OneWayDelay[]>;

/**
 * Where the queue is: `"upstream"`, `"downstream"`, `"both"` or `"none"`.
 *
 * @example
 * ```ts
 * import type { QueueDirection } from "./queue_direction.ts";
 * const direction: QueueDirection = "upstream";
 * ```
 */
export type QueueDirection = "upstream" | "downstream" | "both" | "none";

/** Options of {@linkcode queueDirection} and {@linkcode queueFromPhases}. */
export interface QueueDirectionOptions {
  /**
   * Below this much added delay (up + down), ms, there is no queue.
   *
   * @default {5}
   */
  noneBelowMs?: number;
  /**
   * The share of the added delay one direction needs to be named alone.
   *
   * @default {0.8}
   */
  dominantShare?: number;
}

/**
 * The added delays of one phase (or of the whole test) and the direction they give.
 *
 * @example
 * ```ts
 * import type { QueueShare } from "./queue_direction.ts";
 * const upload: QueueShare = {
 *   addedUpMs: 290, addedDownMs: 0.1, upShare: 0.9997, downShare: 0.0003, direction: "upstream",
 * };
 * ```
 */
export interface QueueShare {
  /** Delay added upstream, ms (may be slightly negative: noise). */
  addedUpMs: number;
  /** Delay added downstream, ms. */
  addedDownMs: number;
  /** Upstream share of the added delay, 0 to 1 (`NaN` when nothing was added). */
  upShare: number;
  /** Downstream share, `1 - upShare`. */
  downShare: number;
  /** The direction. */
  direction: QueueDirection;
}

/**
 * Where the queue is, per loaded phase and for the test.
 *
 * @example
 * ```ts
 * import type { QueueAttribution } from "./queue_direction.ts";
 * type Source = QueueAttribution["source"]; // "one-way delays" | "phases"
 * ```
 */
export interface QueueAttribution extends QueueShare {
  /** Each loaded phase. */
  phases: Record<LoadedPhase, QueueShare>;
  /** `"one-way delays"`, or `"phases"` when inferred from which phase added delay. */
  source: "one-way delays" | "phases";
}

/**
 * The direction of an added delay (see the module documentation for the rule).
 *
 * @param addedUpMs Added upstream, ms.
 * @param addedDownMs Added downstream, ms.
 * @param options Thresholds.
 * @returns The shares and the direction.
 *
 * @example
 * ```ts
 * import { shareOf } from "./queue_direction.ts";
 * console.log(shareOf(90, 10).direction, shareOf(60, 40).direction, shareOf(2, 1).direction);
 * // upstream both none
 * ```
 */
export function shareOf(
  addedUpMs: number,
  addedDownMs: number,
  options: QueueDirectionOptions = {},
): QueueShare {
  const noneBelow = options.noneBelowMs ?? 5;
  const dominant = options.dominantShare ?? 0.8;
  const up = Math.max(0, addedUpMs);
  const down = Math.max(0, addedDownMs);
  const total = up + down;
  const upShare = total > 0 ? up / total : NaN;
  const direction: QueueDirection = !(total >= noneBelow)
    ? "none"
    : upShare >= dominant
    ? "upstream"
    : 1 - upShare >= dominant
    ? "downstream"
    : "both";
  return { addedUpMs, addedDownMs, upShare, downShare: 1 - upShare, direction };
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Attributes the added delay of each loaded phase, and of the test, to a direction, from raw
 * one-way delays (see the module documentation).
 *
 * @param input Raw one-way delays per phase (idle included).
 * @param options Thresholds.
 * @returns Per phase and overall; directions are `"none"` where the idle phase or the loaded
 * phase has no delays (its added delays are `NaN`).
 *
 * @example Upload bloat with a server clock 1000 ms ahead: the offset cancels
 * ```ts
 * import { queueDirection } from "./queue_direction.ts";
 * const at = (up: number, down: number) => ({ upMs: 1000 + up, downMs: -1000 + down });
 * const result = queueDirection({
 *   idle: [at(1, 1)], download: [at(1, 3)], upload: [at(201, 1)], bidirectional: [at(181, 21)],
 * });
 * console.log(result.phases.upload.direction, result.phases.bidirectional.direction, result.direction);
 * // upstream upstream upstream
 * ```
 */
export function queueDirection(
  input: QueueInput,
  options: QueueDirectionOptions = {},
): QueueAttribution {
  const idleUp = median(input.idle.map((d) => d.upMs));
  const idleDown = median(input.idle.map((d) => d.downMs));
  const phases = {} as Record<LoadedPhase, QueueShare>;
  let maxUp = NaN;
  let maxDown = NaN;
  for (const phase of LOADED_PHASES) {
    const up = median(input[phase].map((d) => d.upMs)) - idleUp;
    const down = median(input[phase].map((d) => d.downMs)) - idleDown;
    phases[phase] = shareOf(up, down, options);
    if (!(up <= maxUp)) maxUp = Number.isNaN(up) ? maxUp : up;
    if (!(down <= maxDown)) maxDown = Number.isNaN(down) ? maxDown : down;
  }
  return { ...shareOf(maxUp, maxDown, options), phases, source: "one-way delays" };
}

/**
 * Infers the queue's direction from which phase added delay, when no one-way delays are known:
 * the download phase's increase counts as downstream, the upload phase's as upstream, the
 * bidirectional phase is split by the same proportion.
 *
 * @param increases Increase of each loaded phase, ms.
 * @param options Thresholds.
 * @returns The attribution, `source: "phases"`.
 *
 * @example
 * ```ts
 * import { queueFromPhases } from "./queue_direction.ts";
 * const result = queueFromPhases({ download: 2, upload: 280, bidirectional: 285 });
 * console.log(result.direction, result.source); // upstream phases
 * ```
 */
export function queueFromPhases(
  increases: Record<LoadedPhase, number>,
  options: QueueDirectionOptions = {},
): QueueAttribution {
  const up = increases.upload;
  const down = increases.download;
  const both = shareOf(up, down, options);
  const share = Number.isNaN(both.upShare) ? 0.5 : both.upShare;
  const bidirectional = increases.bidirectional;
  return {
    ...both,
    phases: {
      download: shareOf(0, down, options),
      upload: shareOf(up, 0, options),
      bidirectional: shareOf(bidirectional * share, bidirectional * (1 - share), options),
    },
    source: "phases",
  };
}

/**
 * The queue as the charts' summary names it: `"upload"` for upstream, `"download"` for
 * downstream, `"both"`, `"none"`.
 *
 * @param direction The direction.
 * @returns The chart's name.
 *
 * @example
 * ```ts
 * import { chartQueue } from "./queue_direction.ts";
 * console.log(chartQueue("upstream"), chartQueue("downstream")); // upload download
 * ```
 */
export function chartQueue(direction: QueueDirection): "upload" | "download" | "both" | "none" {
  return direction === "upstream" ? "upload" : direction === "downstream" ? "download" : direction;
}
