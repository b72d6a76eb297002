/**
 * One traceroute round: one probe per hop, from TTL 1 to where the path ends.
 *
 * When the destination's distance is known (from an earlier round), the round sends TTL 1 to
 * that distance at once; otherwise it goes in batches of {@linkcode DISCOVERY_BATCH} TTLs and
 * stops after the batch in which the destination (or a dead end) answered, or after
 * {@linkcode SILENT_BATCHES} batches in a row in which no hop answered (the path goes dark). A
 * round whose known distance falls short (the path got longer) continues in batches. So at most
 * a few probes beyond the destination reach it, whose port-unreachable answers the
 * destination's kernel rate-limits (1/s with a burst of 6 by default): sending every TTL at
 * once would drain that budget and make the destination look lossy.
 *
 * @module
 */
import type { TracePath } from "./_traceroute_path.ts";
import type { ProbeOutcome, TraceProber } from "./_traceroute_prober.ts";

/** TTLs sent together while the destination's distance is not known. */
export const DISCOVERY_BATCH = 4;

/** Batches in a row in which no hop answered, after which a round stops. */
export const SILENT_BATCHES = 2;

/**
 * What a round saw.
 *
 * @example The lab: router at hop 1, server at hop 2
 * ```ts
 * import type { RoundResult } from "./_traceroute_round.ts";
 * const round: RoundResult = {
 *   outcomes: [
 *     { ttl: 1, kind: "hop", from: "10.77.1.1", rttMs: 0.2, sentAtMs: 0 },
 *     { ttl: 2, kind: "destination", from: "10.77.3.2", rttMs: 0.3, sentAtMs: 0 },
 *   ],
 *   path: { hops: ["10.77.1.1", "10.77.3.2"], reached: true },
 *   end: { ttl: 2, kind: "destination", from: "10.77.3.2", rttMs: 0.3, sentAtMs: 0 },
 *   uncertainEnd: false,
 * };
 * ```
 */
export interface RoundResult {
  /** One outcome per hop up to where the path ended, by TTL (none beyond the end). */
  outcomes: ProbeOutcome[];
  /** Addresses per hop; trailing silent hops are left out when the path did not end. */
  path: TracePath;
  /** The destination's or dead end's outcome, when the path ended. */
  end: ProbeOutcome | undefined;
  /**
   * Whether the end's hop number is in doubt: found while searching for it, right after a
   * silent hop, so the destination may have been one hop closer with its own probe lost.
   */
  uncertainEnd: boolean;
}

/** Options of {@linkcode traceRound}. */
export interface TraceRoundOptions {
  /** Highest TTL. */
  maxHops: number;
  /** Wait per probe, ms. */
  timeoutMs: number;
  /** The destination's hop number from an earlier round, if known. */
  knownDistance: number | undefined;
}

function endsPath(outcome: ProbeOutcome): boolean {
  return outcome.kind === "destination" || outcome.kind === "unreachable";
}

/**
 * Runs one round.
 *
 * @param prober The prober.
 * @param address The destination address.
 * @param options Limits.
 * @returns What the round saw.
 *
 * @example
 * ```ts ignore
 * const round = await traceRound(prober, "10.77.3.2", { maxHops: 30, timeoutMs: 1000, knownDistance: undefined });
 * console.log(round.path.hops); // [ "10.77.1.1", "10.77.3.2" ]
 * ```
 */
export async function traceRound(
  prober: TraceProber,
  address: string,
  options: TraceRoundOptions,
): Promise<RoundResult> {
  const outcomes: ProbeOutcome[] = [];
  let next = 1;
  let silentBatches = 0;
  let batch = Math.min(options.knownDistance ?? DISCOVERY_BATCH, options.maxHops);
  while (next <= options.maxHops) {
    const last = Math.min(options.maxHops, next + batch - 1);
    const sends: Promise<ProbeOutcome>[] = [];
    for (let ttl = next; ttl <= last; ttl++) {
      sends.push(prober.probe(address, ttl, options.timeoutMs));
    }
    const known = options.knownDistance !== undefined && next === 1;
    const answers = await Promise.all(sends);
    outcomes.push(...answers);
    next = last + 1;
    if (outcomes.some(endsPath) || outcomes.some((o) => o.kind === "failed")) break;
    // At the known distance, silence is the destination's answer lost; only a router
    // answering there means the path got longer.
    if (known && outcomes.at(-1)?.kind !== "hop") break;
    // Two whole batches of silent hops: the path goes dark here (a firewall, a target that
    // does not answer); probing on to max_hops would cost a timeout per batch and say nothing.
    silentBatches = answers.every((o) => o.kind === "lost") ? silentBatches + 1 : 0;
    if (!known && silentBatches >= SILENT_BATCHES) break;
    batch = DISCOVERY_BATCH;
  }
  const endIndex = outcomes.findIndex(endsPath);
  const failedIndex = outcomes.findIndex((o) => o.kind === "failed");
  let kept = endIndex >= 0 ? outcomes.slice(0, endIndex + 1) : outcomes;
  if (failedIndex >= 0 && (endIndex < 0 || failedIndex < endIndex)) {
    kept = outcomes.slice(0, failedIndex + 1);
  }
  const end = endIndex >= 0 && endIndex < kept.length ? kept[endIndex] : undefined;
  // A probe beyond the destination reaches it too: when the hop before the end was silent,
  // the end may be one probe too far (its own probe lost), unless the distance was known.
  const before = end !== undefined && end.ttl > 1 ? kept[end.ttl - 2] : undefined;
  const uncertainEnd = before?.kind === "lost" &&
    (options.knownDistance === undefined || end!.ttl > options.knownDistance);
  const hops = kept.map((o) => o.kind === "hop" || endsPath(o) ? o.from ?? null : null);
  if (end === undefined) {
    while (hops.length > 0 && hops.at(-1) === null) hops.pop();
  }
  return {
    outcomes: kept,
    path: { hops, reached: end?.kind === "destination" },
    end,
    uncertainEnd,
  };
}
