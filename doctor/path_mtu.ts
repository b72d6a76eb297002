/**
 * Path MTU by binary search over Don't-Fragment probes.
 *
 * A probe of `size` bytes (the whole IP packet) either comes back (it fits), is refused (the
 * kernel says `EMSGSIZE` at once because it knows a smaller MTU on the way, or a router answers
 * "fragmentation needed" / "packet too big" with its MTU, which the search tries next), or
 * gets no answer. No answer is retried once (it may be loss); a size that never gets one while
 * smaller ones do is a *black hole*: a link on the way drops what is too big without saying
 * so, and connections that send full-size packets stall.
 *
 * @module
 */

/** What one probe of a given size met. */
export type MtuProbeOutcome =
  | { kind: "fits" }
  | { kind: "too_big"; mtu?: number | undefined; local: boolean }
  | { kind: "no_answer" };

/** Sends one probe whose IP packet is `size` bytes and reports what came of it. */
export type MtuProbe = (size: number) => Promise<MtuProbeOutcome>;

/**
 * Options of {@linkcode searchPathMtu}.
 *
 * @example IPv6 bounds
 * ```ts
 * import type { PathMtuSearchOptions } from "./path_mtu.ts";
 * const options: PathMtuSearchOptions = { smallest: 1280, largest: 9000 };
 * ```
 */
export interface PathMtuSearchOptions {
  /**
   * The first size tried, which must come back for the path to count as reachable (IPv4: a
   * default ping, 84 bytes; IPv6: its minimum MTU, 1280).
   */
  smallest: number;
  /**
   * The largest size considered (a jumbo frame, or the IP maximum).
   *
   * @default {65535}
   */
  largest?: number;
}

/**
 * What the search found.
 *
 * @example A 1400-byte link that says so
 * ```ts
 * import type { PathMtuResult } from "./path_mtu.ts";
 * const result: PathMtuResult = { reachable: true, mtu: 1400, blackHole: false, reported: [1400], probes: 6 };
 * ```
 */
export interface PathMtuResult {
  /** Whether the smallest probe came back at all. */
  reachable: boolean;
  /** The largest size that came back, when reachable. */
  mtu: number | undefined;
  /** Whether a larger size vanished without a "too big" answer. */
  blackHole: boolean;
  /** MTUs that "too big" answers reported (routers or the local kernel). */
  reported: number[];
  /** Probes sent. */
  probes: number;
}

/**
 * Searches the largest packet size that crosses the path.
 *
 * @param probe Sends one probe.
 * @param options Bounds.
 * @returns The path MTU and how it was found.
 *
 * @example A simulated path with a 1400-byte link
 * ```ts
 * import { searchPathMtu } from "./path_mtu.ts";
 * const result = await searchPathMtu(
 *   (size) => Promise.resolve(size <= 1400 ? { kind: "fits" } : { kind: "too_big", mtu: 1400, local: false }),
 *   { smallest: 84, largest: 1500 },
 * );
 * console.log(result.mtu, result.blackHole); // 1400 false
 * ```
 */
export async function searchPathMtu(
  probe: MtuProbe,
  options: PathMtuSearchOptions,
): Promise<PathMtuResult> {
  const reported: number[] = [];
  let probes = 0;
  let blackHole = false;
  const send = async (size: number): Promise<MtuProbeOutcome> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      probes++;
      const outcome = await probe(size);
      if (outcome.kind !== "no_answer") {
        if (outcome.kind === "too_big" && outcome.mtu !== undefined) reported.push(outcome.mtu);
        return outcome;
      }
    }
    return { kind: "no_answer" };
  };
  const first = await send(options.smallest);
  if (first.kind !== "fits") {
    return { reachable: false, mtu: undefined, blackHole: false, reported, probes };
  }
  let low = options.smallest; // known to fit
  let high = options.largest ?? 65535; // may fit
  let next: number | undefined;
  while (low < high) {
    const size = next !== undefined && next > low && next <= high
      ? next
      : Math.floor((low + high + 1) / 2);
    next = undefined;
    const outcome = await send(size);
    if (outcome.kind === "fits") {
      low = size;
    } else if (outcome.kind === "too_big") {
      high = size - 1;
      if (outcome.mtu !== undefined && outcome.mtu < size) {
        high = Math.min(high, outcome.mtu);
        next = outcome.mtu;
      }
    } else {
      blackHole = true;
      high = size - 1;
    }
  }
  return { reachable: true, mtu: low, blackHole, reported, probes };
}
