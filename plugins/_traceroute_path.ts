/**
 * The path a traceroute sees and how it changes: per hop the address that answered, merged
 * over rounds (a hop that stays silent for a round keeps its address), and the hops whose
 * address differs between two paths.
 *
 * @module
 */

/**
 * A path: index i is hop i + 1; `null` for a hop that never answered. The last entry is the
 * hop where the path ended (the destination when it was reached).
 *
 * @example The lab's path: the router, then the server
 * ```ts
 * import type { TracePath } from "./_traceroute_path.ts";
 * const path: TracePath = { hops: ["10.77.1.1", "10.77.3.2"], reached: true };
 * ```
 */
export interface TracePath {
  /** Address per hop, `null` when unknown. */
  hops: (string | null)[];
  /** Whether the destination answered (else the path ends at the last hop that did). */
  reached: boolean;
}

/**
 * One hop whose address changed.
 *
 * @example Hop 1 moved from one router to another
 * ```ts
 * import type { HopChange } from "./_traceroute_path.ts";
 * const change: HopChange = { hop: 1, from: "10.0.1.1", to: "10.0.2.1" };
 * ```
 */
export interface HopChange {
  /** Hop number, from 1. */
  hop: number;
  /** Address before (`null`: the hop was not on the path or never answered). */
  from: string | null;
  /** Address now (`null`: the hop is no longer on the path). */
  to: string | null;
}

/**
 * The hops that differ between two paths. A hop silent on either side (`null` while on both
 * paths) is not a change: silence is loss, not a new router. A hop that exists on only one
 * path (the path got longer or shorter) is a change.
 *
 * @param before The earlier path.
 * @param after The later path.
 * @returns The changed hops, by hop number.
 *
 * @example A different first hop, a lost second one
 * ```ts
 * import { pathChanges } from "./_traceroute_path.ts";
 * const before = { hops: ["10.0.1.1", "10.0.9.9"], reached: true };
 * const after = { hops: ["10.0.2.1", null, "10.0.9.9"], reached: true };
 * // hop 1 changed; the destination moved from hop 2 to hop 3
 * console.log(pathChanges(before, after));
 * // [ { hop: 1, from: "10.0.1.1", to: "10.0.2.1" }, { hop: 2, from: "10.0.9.9", to: null },
 * //   { hop: 3, from: null, to: "10.0.9.9" } ]
 * ```
 */
export function pathChanges(before: TracePath, after: TracePath): HopChange[] {
  const changes: HopChange[] = [];
  const shorter = Math.min(before.hops.length, after.hops.length);
  const longer = Math.max(before.hops.length, after.hops.length);
  // Where the lengths differ, the end of the path moved: from the last hop of the shorter
  // path on, every difference counts, silence included.
  const strictFrom = shorter === longer ? longer : shorter - 1;
  for (let i = 0; i < longer; i++) {
    const from = before.hops[i] ?? null;
    const to = after.hops[i] ?? null;
    const changed = i < strictFrom ? from !== null && to !== null && from !== to : from !== to;
    if (changed) changes.push({ hop: i + 1, from, to });
  }
  return changes;
}

/**
 * Merges a round into the known path: each hop takes the round's address when the round got
 * an answer there and keeps its known one otherwise; the length and `reached` are the round's,
 * except that a round whose destination answer was lost (it ended in silence where the known
 * path reached the destination) keeps the known path's end.
 *
 * @param known The path known so far (`undefined` before the first round).
 * @param round What one round saw.
 * @returns The merged path.
 *
 * @example A lost answer keeps the known address
 * ```ts
 * import { mergePath } from "./_traceroute_path.ts";
 * const known = { hops: ["10.0.1.1", "10.0.9.9"], reached: true };
 * console.log(mergePath(known, { hops: [null, "10.0.9.9"], reached: true }).hops);
 * // [ "10.0.1.1", "10.0.9.9" ]
 * ```
 */
export function mergePath(known: TracePath | undefined, round: TracePath): TracePath {
  if (known !== undefined && !round.reached && known.reached) {
    // The destination's answer was lost: the round ended in silence before the known end.
    const silentTail = round.hops.slice(known.hops.length - 1).every((hop) => hop === null);
    if (silentTail) {
      return { hops: known.hops.map((address, i) => round.hops[i] ?? address), reached: true };
    }
  }
  return {
    hops: round.hops.map((address, i) => address ?? known?.hops[i] ?? null),
    reached: round.reached,
  };
}

/**
 * Describes changes in one line: `hop 1: 10.0.1.1 -> 10.0.2.1; hop 3: (none) -> 10.0.9.9`.
 *
 * @param changes The changed hops.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { describeChanges } from "./_traceroute_path.ts";
 * console.log(describeChanges([{ hop: 1, from: "10.0.1.1", to: "10.0.2.1" }]));
 * // hop 1: 10.0.1.1 -> 10.0.2.1
 * ```
 */
export function describeChanges(changes: readonly HopChange[]): string {
  return changes
    .map((c) => `hop ${c.hop}: ${c.from ?? "(none)"} -> ${c.to ?? "(none)"}`)
    .join("; ");
}

/**
 * Reads a path back from stored event data (`{ hops, reached }`), or `undefined` when the data
 * is not one.
 *
 * @param data The event's data.
 * @returns The path.
 *
 * @example
 * ```ts
 * import { pathFromData } from "./_traceroute_path.ts";
 * console.log(pathFromData({ hops: ["10.0.1.1"], reached: false })?.hops); // [ "10.0.1.1" ]
 * console.log(pathFromData({ hops: 3 })); // undefined
 * ```
 */
export function pathFromData(data: Record<string, unknown> | undefined): TracePath | undefined {
  const hops = data?.hops;
  if (!Array.isArray(hops)) return undefined;
  if (!hops.every((hop) => hop === null || typeof hop === "string")) return undefined;
  return { hops: hops as (string | null)[], reached: data?.reached === true };
}
