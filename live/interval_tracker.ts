/**
 * Tracks the primary series of a run for the live views: totals since start and figures for
 * the interval since the last tick (per-second summaries).
 *
 * @module
 */
import type { Sample } from "../core/contract.ts";
import type { SeriesLabel } from "../core/run_observer.ts";
import { SeriesAccumulator } from "../core/stats.ts";

/** One primary series: totals and the current interval. */
export interface TrackedSeries {
  /** The series. */
  label: SeriesLabel;
  /** Since the run started. */
  total: SeriesAccumulator;
  /** Since the last {@linkcode IntervalTracker.tick}. */
  interval: SeriesAccumulator;
  /** Why the latest sample was lost or failed; `undefined` when it was ok. */
  lastReason: string | undefined;
}

/**
 * Keeps per-series accumulators of primary metrics, in first-seen order.
 *
 * @example
 * ```ts
 * import { IntervalTracker } from "./interval_tracker.ts";
 * const tracker = new IntervalTracker();
 * const label = { plugin: "dns", target: "a", interface: "", server: "", metric: "t", unit: "ms", primary: true };
 * tracker.add(label, { timestamp: 0, metric: "t", value: 2, status: "ok" });
 * console.log(tracker.tick().length); // 1
 * ```
 */
export class IntervalTracker {
  #series = new Map<string, TrackedSeries>();

  /** Adds a sample; non-primary metrics are ignored. */
  add(label: SeriesLabel, sample: Sample): void {
    if (!label.primary) return;
    const key = [label.plugin, label.target, label.interface, label.server].join("|");
    let tracked = this.#series.get(key);
    if (!tracked) {
      tracked = {
        label,
        total: new SeriesAccumulator(),
        interval: new SeriesAccumulator(),
        lastReason: undefined,
      };
      this.#series.set(key, tracked);
    }
    tracked.lastReason = sample.status === "ok" ? undefined : (sample.reason ?? sample.status);
    tracked.total.add(sample);
    tracked.interval.add(sample);
  }

  /** @returns Every series, sorted by plugin, target, interface and server. */
  all(): TrackedSeries[] {
    return [...this.#series.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
  }

  /**
   * Ends the current interval.
   *
   * @returns The series that had samples in the interval, with that interval's accumulator;
   * the tracker starts a fresh interval.
   */
  tick(): { label: SeriesLabel; interval: SeriesAccumulator; total: SeriesAccumulator }[] {
    const out = [];
    for (const tracked of this.#series.values()) {
      if (tracked.interval.snapshot().sent > 0) {
        out.push({ label: tracked.label, interval: tracked.interval, total: tracked.total });
        tracked.interval = new SeriesAccumulator();
      }
    }
    return out;
  }
}
