/**
 * The anomaly detector: for each watched series, a recent window scored against the series'
 * own quiet baseline (see `score.ts`), and a small state machine that turns the confidence
 * into alerts people keep enabled:
 *
 * ```text
 *            confidence >= warn (and not cooling down)
 *   ok ──────────────────────────────────────────────▶ warn ──(>= critical)──▶ critical
 *    ▲                                                   │                         │
 *    └──── confidence < clear for clear_after, or a stable new level after adapt_after
 * ```
 *
 * - Raised once, escalated at most once (warn to critical), cleared once; never downgraded
 *   (the alert keeps its worst level until it clears).
 * - Hysteresis: raising needs `warn`, clearing needs the confidence below `clear` (lower) for
 *   `clear_after`.
 * - Cooldown: after a clear, the series cannot raise again for `cooldown`, so one incident that
 *   flaps is one alert.
 * - Baseline: a sample joins it when it leaves the recent window while the series is ok and
 *   the last confidence was below `clear`; samples of an incident never do.
 * - Adaptation: after `adapt_after` raised, when the recent samples show the same loss and
 *   jitter as the baseline and the latency has settled at a new level, that level becomes the
 *   baseline and the alert clears (reason `adapted`).
 *
 * @module
 */
import type { Sample } from "../contract.ts";
import { formatDuration } from "../duration.ts";
import { type BaselineEntry, type BaselineStats, QuietBaseline } from "./baseline.ts";
import { binomialTailEvidence } from "./loss_evidence.ts";
import { ANOMALY_DEFAULTS, type AnomalyOptions } from "./options.ts";
import { type AnomalyScore, scoreWindow, type WindowEntry } from "./score.ts";

/**
 * An anomaly level; `"ok"` means not raised.
 *
 * @example
 * ```ts
 * import type { AnomalyLevel } from "./detector.ts";
 * const level: AnomalyLevel = "warn";
 * ```
 */
export type AnomalyLevel = "ok" | "warn" | "critical";

/**
 * What identifies a series to the detector (a run's `SeriesLabel` fits).
 *
 * @example The primary metric of an icmp series
 * ```ts
 * import type { AnomalySeriesKey } from "./detector.ts";
 * const key: AnomalySeriesKey = {
 *   plugin: "icmp", target: "127.0.0.1", interface: "", server: "", metric: "rtt", unit: "ms",
 *   primary: true,
 * };
 * ```
 */
export interface AnomalySeriesKey {
  /** Plugin id. */
  plugin: string;
  /** Target. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** Server, `""` for none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** Metric unit. */
  unit: string;
  /** Whether it is its plugin's primary metric. */
  primary: boolean;
}

/**
 * Why the level changed.
 *
 * @example
 * ```ts
 * import type { AnomalyReason } from "./detector.ts";
 * const reason: AnomalyReason = "adapted";
 * ```
 */
export type AnomalyReason = "raised" | "escalated" | "cleared" | "adapted";

/**
 * A change of level of one series.
 *
 * @example Logging transitions
 * ```ts ignore
 * for (const t of detector.observe(key, "1", sample)) console.log(t.reason, t.message);
 * ```
 */
export interface AnomalyTransition {
  /** The series. */
  key: AnomalySeriesKey;
  /** The series id given to {@linkcode AnomalyDetector.observe}. */
  seriesId: string;
  /** Level before. */
  from: AnomalyLevel;
  /** Level after. */
  to: AnomalyLevel;
  /** Event severity: the new level, or `"clear"`. */
  severity: "warn" | "critical" | "clear";
  /** Why. */
  reason: AnomalyReason;
  /** Timestamp of the sample that caused it. */
  timestamp: number;
  /** The score of the evaluation that caused it. */
  score: AnomalyScore;
  /** The baseline it was judged against (for `adapted`: the old one). */
  baseline: BaselineStats;
  /** Highest confidence since the alert was raised. */
  peakConfidence: number;
  /** When the alert was raised (equals `timestamp` for `raised`). */
  raisedAt: number;
  /** One readable line. */
  message: string;
}

/**
 * A raised anomaly alert.
 *
 * @example Listing them at the end of a run
 * ```ts ignore
 * console.log(detector.activeAlerts().map((alert) => alert.message));
 * ```
 */
export interface ActiveAnomaly {
  /** The series. */
  key: AnomalySeriesKey;
  /** The series id. */
  seriesId: string;
  /** Current level. */
  level: Exclude<AnomalyLevel, "ok">;
  /** When it was raised. */
  since: number;
  /** Message of the transition to the current level. */
  message: string;
}

/** State of one watched series. */
interface SeriesState {
  key: AnomalySeriesKey;
  window: WindowEntry[];
  baseline: QuietBaseline;
  recent: QuietBaseline;
  lastEvicted: number | null;
  level: AnomalyLevel;
  raisedAt: number;
  quietSince: number | undefined;
  cooldownUntil: number;
  lastEvaluated: number;
  judged: boolean;
  lastConfidence: number;
  peakConfidence: number;
  message: string;
}

/**
 * Watches series for anomalies; feed it every sample with {@linkcode AnomalyDetector.observe}.
 *
 * @example A latency step raises one alert
 * ```ts
 * import { AnomalyDetector } from "./detector.ts";
 * const detector = new AnomalyDetector({ window: 10_000, min_samples: 20 });
 * const key = {
 *   plugin: "icmp", target: "192.0.2.1", interface: "", server: "", metric: "rtt", unit: "ms",
 *   primary: true,
 * };
 * const reasons: string[] = [];
 * for (let i = 0; i < 200; i++) {
 *   const value = (i < 100 ? 20 : 80) + (i % 4) * 0.3;
 *   for (const t of detector.observe(key, "1", { timestamp: i * 1000, value, status: "ok" })) {
 *     reasons.push(`${t.reason} ${t.to}`);
 *   }
 * }
 * console.log(reasons); // [ "raised critical" ]
 * ```
 */
export class AnomalyDetector {
  #options: AnomalyOptions;
  #series = new Map<string, SeriesState | null>();

  /** @param options Overrides of {@linkcode ANOMALY_DEFAULTS}. */
  constructor(options: Partial<AnomalyOptions> = {}) {
    this.#options = { ...ANOMALY_DEFAULTS, ...options };
  }

  /** The options in force. */
  get options(): Readonly<AnomalyOptions> {
    return this.#options;
  }

  /**
   * Whether a series is watched: its metric is in `metrics`, or, with `metrics` empty, it is
   * its plugin's primary metric and measured in ms.
   *
   * @param key The series.
   * @returns `true` when watched.
   */
  watches(key: Pick<AnomalySeriesKey, "metric" | "unit" | "primary">): boolean {
    const { metrics } = this.#options;
    if (metrics.length > 0) return metrics.includes(key.metric);
    return key.primary && key.unit === "ms";
  }

  /**
   * Feeds one sample. Failed samples (our own errors) are ignored; lost ones count as loss.
   *
   * @param key The series' key; whether it is watched is decided the first time `seriesId`
   * is seen.
   * @param seriesId A stable string identifying the series.
   * @param sample The sample.
   * @returns The transitions it caused, usually none.
   */
  observe(
    key: AnomalySeriesKey,
    seriesId: string,
    sample: Pick<Sample, "timestamp" | "value" | "status">,
  ): AnomalyTransition[] {
    const state = this.#stateOf(key, seriesId);
    if (state === null || sample.status === "failed") return [];
    const value = sample.status === "ok" && sample.value !== null ? sample.value : null;
    this.#insert(state, { timestamp: sample.timestamp, value });
    const now = state.window.at(-1)!.timestamp;
    if (now - state.lastEvaluated < this.#options.evaluate_every) return [];
    state.lastEvaluated = now;
    return this.#evaluate(state, seriesId, now);
  }

  /**
   * Starts a series' baseline from stored quiet history (a restarted run), before its first
   * sample. Samples older than `baseline_window` before the newest one, and all but the newest
   * `baseline_samples`, are dropped as usual. Does nothing for a series not watched or
   * already seen.
   *
   * @param key The series' key.
   * @param seriesId Its id, as given to {@linkcode AnomalyDetector.observe}.
   * @param history Quiet samples, oldest first (`value` `null` when lost).
   * @returns How many samples the baseline took.
   */
  seed(
    key: AnomalySeriesKey,
    seriesId: string,
    history: readonly { timestamp: number; value: number | null }[],
  ): number {
    if (this.#series.has(seriesId)) return 0;
    const state = this.#stateOf(key, seriesId);
    if (state === null) return 0;
    const entries: BaselineEntry[] = [];
    let previous: number | null = null;
    for (const { timestamp, value } of history) {
      const diff = value !== null && previous !== null ? Math.abs(value - previous) : null;
      entries.push({ timestamp, value, diff });
      previous = value;
    }
    state.baseline.replaceWith(entries);
    return state.baseline.size;
  }

  /**
   * The figures of a series' baseline, for reports and tests.
   *
   * @param seriesId The series id.
   * @returns The figures, `undefined` for a series not watched or not seen.
   */
  baseline(seriesId: string): BaselineStats | undefined {
    return this.#series.get(seriesId)?.baseline.stats();
  }

  /**
   * The confidence of a series' last evaluation, for reports, exporters and tests.
   *
   * @param seriesId The series id.
   * @returns The confidence in [0, 1], `undefined` for a series not watched or not seen.
   */
  lastConfidence(seriesId: string): number | undefined {
    return this.#series.get(seriesId)?.lastConfidence;
  }

  /**
   * The last confidence of every watched series that has been judged, for exporters.
   *
   * @returns One entry per series, in the order first seen.
   */
  confidences(): { key: AnomalySeriesKey; seriesId: string; confidence: number }[] {
    const list: { key: AnomalySeriesKey; seriesId: string; confidence: number }[] = [];
    for (const [seriesId, state] of this.#series) {
      if (state === null || !state.judged) continue;
      list.push({ key: state.key, seriesId, confidence: state.lastConfidence });
    }
    return list;
  }

  /**
   * The alerts raised now.
   *
   * @returns One per raised series, oldest first.
   */
  activeAlerts(): ActiveAnomaly[] {
    const active: ActiveAnomaly[] = [];
    for (const [seriesId, state] of this.#series) {
      if (state === null || state.level === "ok") continue;
      active.push({
        key: state.key,
        seriesId,
        level: state.level,
        since: state.raisedAt,
        message: state.message,
      });
    }
    return active.sort((a, b) => a.since - b.since);
  }

  #stateOf(key: AnomalySeriesKey, seriesId: string): SeriesState | null {
    let state = this.#series.get(seriesId);
    if (state !== undefined) return state;
    const o = this.#options;
    state = this.watches(key)
      ? {
        key: { ...key },
        window: [],
        baseline: new QuietBaseline({ span: o.baseline_window, capacity: o.baseline_samples }),
        recent: new QuietBaseline({ span: o.adapt_after, capacity: o.baseline_samples }),
        lastEvicted: null,
        level: "ok",
        raisedAt: NaN,
        quietSince: undefined,
        cooldownUntil: -Infinity,
        lastEvaluated: -Infinity,
        judged: false,
        lastConfidence: 0,
        peakConfidence: 0,
        message: "",
      }
      : null;
    this.#series.set(seriesId, state);
    return state;
  }

  /** Inserts in time order (late probes arrive out of order) and moves old entries out. */
  #insert(state: SeriesState, entry: WindowEntry): void {
    const window = state.window;
    let at = window.length;
    while (at > 0 && window[at - 1]!.timestamp > entry.timestamp) at--;
    window.splice(at, 0, entry);
    // The window is the last `window` ms, but keeps at least `min_window_samples` samples, so
    // a slow probe (dns every 10 s) is judged over its last few answers instead of never.
    const newest = window.at(-1)!.timestamp;
    const { min_window_samples: keep } = this.#options;
    let evicted = 0;
    while (
      window.length - evicted > keep &&
      window[evicted]!.timestamp <= newest - this.#options.window
    ) {
      this.#retire(state, window[evicted]!);
      evicted++;
    }
    if (evicted > 0) window.splice(0, evicted);
  }

  /** A sample leaving the window: into `recent` always, into the baseline when quiet. */
  #retire(state: SeriesState, entry: WindowEntry): void {
    const diff = entry.value !== null && state.lastEvicted !== null
      ? Math.abs(entry.value - state.lastEvicted)
      : null;
    state.lastEvicted = entry.value;
    const kept: BaselineEntry = { timestamp: entry.timestamp, value: entry.value, diff };
    state.recent.add(kept);
    if (state.level === "ok" && state.lastConfidence < this.#options.clear) {
      state.baseline.add(kept);
    }
  }

  #evaluate(state: SeriesState, seriesId: string, now: number): AnomalyTransition[] {
    const o = this.#options;
    const baseline = state.baseline.stats();
    if (baseline.samples < o.min_samples || baseline.answered < 3) return [];
    if (state.window.length < o.min_window_samples) return [];
    const score = scoreWindow(state.window, baseline, o);
    state.lastConfidence = score.confidence;
    state.judged = true;
    const transition = (
      to: AnomalyLevel,
      reason: AnomalyReason,
      judged: BaselineStats = baseline,
    ): AnomalyTransition[] => {
      const from = state.level;
      const message = describe(state, reason, to, score, judged, now);
      const result: AnomalyTransition = {
        key: state.key,
        seriesId,
        from,
        to,
        severity: to === "ok" ? "clear" : to,
        reason,
        timestamp: now,
        score,
        baseline: judged,
        peakConfidence: state.peakConfidence,
        raisedAt: state.raisedAt,
        message,
      };
      state.level = to;
      state.message = message;
      return [result];
    };

    if (state.level === "ok") {
      if (score.confidence < o.warn || now < state.cooldownUntil) return [];
      state.raisedAt = now;
      state.quietSince = undefined;
      state.peakConfidence = score.confidence;
      return transition(score.confidence >= o.critical ? "critical" : "warn", "raised");
    }

    state.peakConfidence = Math.max(state.peakConfidence, score.confidence);
    if (state.level === "warn" && score.confidence >= o.critical) {
      return transition("critical", "escalated");
    }
    if (score.confidence < o.clear) {
      state.quietSince ??= now;
      if (now - state.quietSince >= o.clear_after) {
        state.cooldownUntil = now + o.cooldown;
        return transition("ok", "cleared");
      }
      return [];
    }
    state.quietSince = undefined;
    if (now - state.raisedAt >= o.adapt_after && this.#settled(state, baseline)) {
      const old = baseline;
      state.baseline.replaceWith(state.recent.entries());
      state.lastConfidence = 0;
      return transition("ok", "adapted", old);
    }
    return [];
  }

  /**
   * Whether the recent samples are a stable new level: as lossy and as jittery as the old
   * baseline, and the current window agrees with them.
   */
  #settled(state: SeriesState, old: BaselineStats): boolean {
    const o = this.#options;
    const recent = state.recent.stats();
    if (recent.samples < o.min_samples || recent.answered < 3) return false;
    const rate = Math.min(0.5, Math.max(o.min_loss_rate, old.lossRate));
    if (binomialTailEvidence(recent.samples, recent.lost, rate) >= o.loss_evidence_start) {
      return false;
    }
    const floor = Math.max(o.min_spread_ms, o.min_spread_ratio * old.median);
    const jitterZ = (recent.diffMean - old.diffMean) / Math.max(old.diffSigma, floor);
    if (!(jitterZ < o.z_start)) return false;
    return scoreWindow(state.window, recent, o).confidence < o.clear;
  }
}

/** The message of a transition. */
function describe(
  state: SeriesState,
  reason: AnomalyReason,
  to: AnomalyLevel,
  score: AnomalyScore,
  baseline: BaselineStats,
  now: number,
): string {
  const { key } = state;
  const unit = key.unit === "" ? "" : ` ${key.unit}`;
  let where = "";
  if (key.target !== "") where += ` for ${key.target}`;
  if (key.interface !== "") where += ` on ${key.interface}`;
  if (key.server !== "") where += ` via ${key.server}`;
  const head = `anomaly on ${key.plugin} ${key.metric}${where}`;
  if (reason === "cleared") {
    return `${head} cleared after ${formatDuration(Math.max(1, now - state.raisedAt))} ` +
      `(peak confidence ${state.peakConfidence.toFixed(2)})`;
  }
  if (reason === "adapted") {
    const recent = state.recent.stats();
    return `${head} cleared: the baseline adapted to a new level, median ${
      fmt(recent.median)
    }${unit} (was ${fmt(baseline.median)}${unit})`;
  }
  const { latency, loss, jitter } = score;
  const parts = [
    `latency ${fmt(latency.median)}${unit} vs ${fmt(latency.baselineMedian)}${unit}, z ${
      fmt(latency.z)
    }`,
    `loss ${fmt(loss.lostPct)}% vs ${fmt(loss.baselinePct)}%${
      loss.longestRun > 1 ? `, burst of ${loss.longestRun}` : ""
    }`,
    `jitter ${fmt(jitter.ipdv)}${unit} vs ${fmt(jitter.baselineIpdv)}${unit}, z ${fmt(jitter.z)}`,
  ];
  const verb = reason === "escalated" ? "escalated to" : "";
  return `${head}${verb ? ` ${verb} ${to}` : ""}: confidence ${score.confidence.toFixed(2)} (${
    parts.join("; ")
  })`;
}

/** Three significant digits below 10, one decimal above; `-` for `NaN`. */
function fmt(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return String(Number(Math.abs(value) >= 10 ? value.toFixed(1) : value.toPrecision(3)));
}
