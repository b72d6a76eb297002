/**
 * Statistics of one stored series over a period, computed from its raw samples with the
 * formulas in `core/stats.ts`. Used by the `stats` command and, later, by reports.
 *
 * @module
 */
import type { SampleStatus } from "./contract.ts";
import {
  countStatuses,
  ipdv,
  lossBursts,
  lossPercent,
  type Outage,
  outages,
  rfc3550Jitter,
  summarize,
} from "./stats.ts";

/** A raw sample as the computation needs it. */
export interface StatsSample {
  /** Time in ms. */
  ts: number;
  /** Value, `null` when lost or failed. */
  value: number | null;
  /** Status. */
  status: SampleStatus;
  /** Why lost or failed. */
  reason?: string | null;
}

/** The figures of one series. `null` where there is nothing to compute from. */
export interface SeriesStats {
  /** ok + lost (failed probes are our own errors and are not counted as sent). */
  sent: number;
  /** ok samples. */
  received: number;
  /** Lost samples. */
  lost: number;
  /** Failed samples. */
  failed: number;
  /** lost / sent * 100. */
  lossPct: number | null;
  /** Minimum value. */
  min: number | null;
  /** Mean value. */
  avg: number | null;
  /** Sample standard deviation. */
  stddev: number | null;
  /** Median. */
  p50: number | null;
  /** 95th percentile. */
  p95: number | null;
  /** 99th percentile. */
  p99: number | null;
  /** Maximum value. */
  max: number | null;
  /** RFC 3550 jitter at the end of the period. */
  jitter: number | null;
  /** Mean absolute difference of consecutive values. */
  ipdv: number | null;
  /** Runs of consecutive lost probes: how many, and the longest. */
  lossBursts: { count: number; longest: number };
  /** Outages: runs of >= 3 lost probes, with start, end and duration. */
  outages: Outage[];
  /** Why samples were lost or failed, with counts, most frequent first. */
  reasons: { reason: string; count: number }[];
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Computes a series' figures from its samples (in time order).
 *
 * @param samples Raw samples of one series.
 * @returns The figures.
 *
 * @example
 * ```ts
 * import { seriesStats } from "./series_stats.ts";
 * const stats = seriesStats([
 *   { ts: 0, value: 10, status: "ok" },
 *   { ts: 1000, value: null, status: "lost", reason: "timeout" },
 *   { ts: 2000, value: 14, status: "ok" },
 * ]);
 * console.log(stats.lossPct?.toFixed(1), stats.avg, stats.reasons); // 33.3 12 [ { reason: "timeout", count: 1 } ]
 * ```
 */
export function seriesStats(samples: readonly StatsSample[]): SeriesStats {
  const values: number[] = [];
  const okOrNull: (number | null)[] = [];
  const lostFlags: boolean[] = [];
  const reasonCounts = new Map<string, number>();
  for (const s of samples) {
    if (s.status === "ok" && s.value !== null) {
      values.push(s.value);
      okOrNull.push(s.value);
    }
    if (s.status !== "failed") lostFlags.push(s.status === "lost");
    if (s.status !== "ok") {
      const reason = s.reason ?? s.status;
      reasonCounts.set(reason, (reasonCounts.get(reason) ?? 0) + 1);
    }
  }
  const counts = countStatuses(samples.map((s) => s.status));
  const summary = summarize(values);
  const bursts = lossBursts(lostFlags);
  const empty = values.length === 0;
  return {
    sent: counts.ok + counts.lost,
    received: counts.ok,
    lost: counts.lost,
    failed: counts.failed,
    lossPct: finite(lossPercent(counts)),
    min: empty ? null : summary.min,
    avg: empty ? null : summary.mean,
    stddev: finite(summary.stddev),
    p50: empty ? null : summary.p50,
    p95: empty ? null : summary.p95,
    p99: empty ? null : summary.p99,
    max: empty ? null : summary.max,
    jitter: finite(rfc3550Jitter(okOrNull)),
    ipdv: finite(ipdv(okOrNull)),
    lossBursts: { count: bursts.bursts, longest: bursts.maxLength },
    outages: outages(
      samples.filter((s) => s.status !== "failed").map((s) => ({
        ts: s.ts,
        lost: s.status === "lost",
      })),
    ),
    reasons: [...reasonCounts].map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
