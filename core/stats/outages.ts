/**
 * Outages: runs of consecutive lost probes long enough to call the connection down, with when
 * they started and ended.
 *
 * @module
 */

/**
 * One probe as {@linkcode outages} sees it.
 *
 * @example From samples
 * ```ts
 * import type { OutageSample } from "./outages.ts";
 * const samples = [{ timestamp: 0, status: "lost" }, { timestamp: 1000, status: "ok" }];
 * const probes: OutageSample[] = samples.map((s) => ({ ts: s.timestamp, lost: s.status === "lost" }));
 * ```
 */
export interface OutageSample {
  /** When the probe was sent, in ms since the epoch. */
  ts: number;
  /** Whether the probe was lost. */
  lost: boolean;
}

/**
 * Options for {@linkcode outages}. A run of lost probes is an outage when it meets both.
 *
 * @example Outages of at least ten seconds, however many probes
 * ```ts
 * import type { OutageOptions } from "./outages.ts";
 * const options: OutageOptions = { minLost: 1, minDuration: 10_000 };
 * ```
 */
export interface OutageOptions {
  /**
   * Least number of consecutive lost probes. Set 1 to decide by duration alone.
   *
   * @default {3}
   */
  minLost?: number;
  /**
   * Least duration (`end - start`), in ms.
   *
   * @default {0}
   */
  minDuration?: number;
}

/**
 * One outage.
 *
 * @example Printing outages
 * ```ts
 * import { type Outage, outages } from "./outages.ts";
 * const found: Outage[] = outages([
 *   { ts: 0, lost: true }, { ts: 1000, lost: true }, { ts: 2000, lost: true }, { ts: 5000, lost: false },
 * ]);
 * for (const outage of found) console.log(`${outage.durationMs} ms, ${outage.lostCount} lost`); // 5000 ms, 3 lost
 * ```
 */
export interface Outage {
  /** Send time of the first lost probe, ms since the epoch. */
  start: number;
  /**
   * Send time of the next received probe, or of the last lost probe when none was received
   * after (see `ongoing`).
   */
  end: number;
  /** `end - start`, in ms. */
  durationMs: number;
  /** Number of lost probes in the run. */
  lostCount: number;
  /** `true` when no probe was received after the run (the series ended during the outage). */
  ongoing: boolean;
}

/**
 * The defaults of {@linkcode OutageOptions}.
 *
 * @example Reading a default
 * ```ts
 * import { OUTAGE_DEFAULTS } from "./outages.ts";
 * console.log(OUTAGE_DEFAULTS.minLost); // 3
 * ```
 */
export const OUTAGE_DEFAULTS = { minLost: 3, minDuration: 0 } as const satisfies Required<
  OutageOptions
>;

/**
 * Finds outages. Probes are put in time order first (a stable sort on `ts`), then every maximal
 * run of lost probes becomes an outage when `lostCount >= minLost` and
 * `durationMs >= minDuration`, where `durationMs = end - start`, `start` is the first lost
 * probe's `ts` and `end` the next received probe's `ts` (or the last lost probe's `ts` when the
 * series ends lost).
 *
 * @param samples Probes, in any order. Leave failed probes (our side's errors) out.
 * @param options Thresholds.
 * @returns The outages, in time order.
 *
 * @example Three lost probes in a row
 * ```ts
 * import { outages } from "./outages.ts";
 * const found = outages([
 *   { ts: 0, lost: false },
 *   { ts: 1000, lost: true },
 *   { ts: 2000, lost: true },
 *   { ts: 3000, lost: true },
 *   { ts: 4000, lost: false },
 * ]);
 * console.log(found); // [ { start: 1000, end: 4000, durationMs: 3000, lostCount: 3, ongoing: false } ]
 * ```
 */
export function outages(
  samples: readonly OutageSample[],
  options: OutageOptions = {},
): Outage[] {
  const minLost = options.minLost ?? OUTAGE_DEFAULTS.minLost;
  const minDuration = options.minDuration ?? OUTAGE_DEFAULTS.minDuration;
  const ordered = samples.toSorted((a, b) => a.ts - b.ts);
  const found: Outage[] = [];
  let first: OutageSample | undefined;
  let lastLost: OutageSample | undefined;
  let lostCount = 0;
  const close = (end: number, ongoing: boolean) => {
    if (first === undefined) return;
    const durationMs = end - first.ts;
    if (lostCount >= minLost && durationMs >= minDuration) {
      found.push({ start: first.ts, end, durationMs, lostCount, ongoing });
    }
    first = undefined;
    lostCount = 0;
  };
  for (const sample of ordered) {
    if (sample.lost) {
      first ??= sample;
      lastLost = sample;
      lostCount++;
    } else {
      close(sample.ts, false);
    }
  }
  if (lastLost !== undefined) close(lastLost.ts, true);
  return found;
}
