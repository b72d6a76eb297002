/**
 * Threshold alerts over sliding time windows. Rules come from a recipe's `[[alerts]]`; the
 * engine keeps one window per (rule, series), evaluates the rule's statistic once per sample and
 * reports a transition only when the level changes, so an alert is raised once, upgraded or
 * downgraded once, and cleared once.
 *
 * @module
 */
import type { EventSeverity, PluginEvent, Sample } from "./contract.ts";
import { formatDuration } from "./duration.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";
import { lossPercent } from "./stats/loss.ts";
import { percentile } from "./stats/percentile.ts";
import { rfc3550Jitter } from "./stats/jitter.ts";
import { TimeWindow } from "./stats/time_window.ts";

/**
 * Every statistic a rule can watch, as written in recipes.
 *
 * @example Checking a recipe value
 * ```ts
 * import { ALERT_STATS } from "./alerts.ts";
 * console.log((ALERT_STATS as readonly string[]).includes("p95")); // true
 * ```
 */
export const ALERT_STATS = [
  "avg",
  "min",
  "max",
  "p50",
  "p95",
  "p99",
  "loss_pct",
  "jitter",
] as const;

/**
 * A statistic over a rule's window: `avg`, `min`, `max`, `p50`, `p95`, `p99` (type 7
 * percentiles) and `jitter` (RFC 3550) over the `ok` values; `loss_pct` over `ok` and `lost`
 * samples (`lost / (ok + lost) * 100`, failed samples left out).
 *
 * @example Naming a stat
 * ```ts
 * import type { AlertStat } from "./alerts.ts";
 * const stat: AlertStat = "loss_pct";
 * ```
 */
export type AlertStat = typeof ALERT_STATS[number];

/**
 * An alert level; `"ok"` means not raised.
 *
 * @example Naming a level
 * ```ts
 * import type { AlertLevel } from "./alerts.ts";
 * const level: AlertLevel = "critical";
 * ```
 */
export type AlertLevel = "ok" | "warn" | "critical";

/**
 * One alert rule, with the recipe's snake_case keys. It applies to every series whose key has
 * the same `metric` and, for each of `plugin`, `target`, `interface` and `server` that is given,
 * the same value.
 *
 * @example p95 resolve time above 100 ms over one minute
 * ```ts
 * import type { AlertRule } from "./alerts.ts";
 * const rule: AlertRule = {
 *   metric: "resolve_time", plugin: "dns", stat: "p95", warn: 100, critical: 250,
 *   window: 60_000, min_samples: 3,
 * };
 * ```
 */
export interface AlertRule {
  /** Metric name, e.g. `"rtt"`. */
  metric: string;
  /** Only series of this plugin. */
  plugin?: string;
  /** Only series of this target. */
  target?: string;
  /** Only series on this interface (`""` for the default route). */
  interface?: string;
  /** Only series against this server (`""` for none). */
  server?: string;
  /** The statistic to watch. */
  stat: AlertStat;
  /** Warn when the statistic is at or above this. At least one of `warn` and `critical`. */
  warn?: number;
  /** Critical when the statistic is at or above this; at least `warn` when both are given. */
  critical?: number;
  /** Length of the sliding window, in ms (the recipe's duration, parsed). */
  window: number;
  /**
   * Samples the statistic needs in the window before the rule is evaluated (`ok` + `lost` for
   * `loss_pct`, `ok` for the others; `jitter` needs at least two in any case).
   *
   * @default {3}
   */
  min_samples?: number;
}

/**
 * The defaults of {@linkcode AlertRule}.
 *
 * @example Reading a default
 * ```ts
 * import { ALERT_RULE_DEFAULTS } from "./alerts.ts";
 * console.log(ALERT_RULE_DEFAULTS.min_samples); // 3
 * ```
 */
export const ALERT_RULE_DEFAULTS = { min_samples: 3 } as const satisfies Partial<AlertRule>;

/**
 * What identifies a series for alerting.
 *
 * @example A DNS series on the default route
 * ```ts
 * import type { AlertSeriesKey } from "./alerts.ts";
 * const key: AlertSeriesKey = {
 *   plugin: "dns", target: "example.com", interface: "", server: "", metric: "resolve_time",
 *   unit: "ms",
 * };
 * ```
 */
export interface AlertSeriesKey {
  /** Plugin id. */
  plugin: string;
  /** Target as written in the recipe. */
  target: string;
  /** Interface, or `""` for the default route. */
  interface: string;
  /** Server name, or `""` for none. */
  server: string;
  /** Metric name. */
  metric: string;
  /** The metric's unit, shown in messages (`""` for none). */
  unit: string;
}

/**
 * The fields of a {@linkcode Sample} the engine reads; a whole `Sample` fits.
 *
 * @example A lost probe
 * ```ts
 * import type { AlertSample } from "./alerts.ts";
 * const sample: AlertSample = { timestamp: Date.now(), value: null, status: "lost" };
 * ```
 */
export type AlertSample = Pick<Sample, "timestamp" | "value" | "status">;

/**
 * A change of level of one rule on one series.
 *
 * @example Logging transitions
 * ```ts
 * import { AlertEngine, type AlertTransition } from "./alerts.ts";
 * const engine = new AlertEngine([{ metric: "rtt", stat: "max", warn: 100, window: 5000, min_samples: 1 }]);
 * const key = { plugin: "icmp", target: "192.0.2.1", interface: "", server: "", metric: "rtt", unit: "ms" };
 * const transitions: AlertTransition[] = engine.observe(key, "icmp/rtt", { timestamp: 0, value: 120, status: "ok" });
 * for (const t of transitions) console.log(t.from, "->", t.to, t.severity); // ok -> warn warn
 * ```
 */
export interface AlertTransition {
  /** The rule. */
  rule: AlertRule;
  /** The series. */
  key: AlertSeriesKey;
  /** The series id given to {@linkcode AlertEngine.observe}. */
  seriesId: string;
  /** Level before. */
  from: AlertLevel;
  /** Level after. */
  to: AlertLevel;
  /** Event severity: `"warn"` or `"critical"` to raise at that level, `"clear"` when `to` is ok. */
  severity: Extract<EventSeverity, "warn" | "critical" | "clear">;
  /** The statistic's value that caused the change. */
  value: number;
  /** Timestamp of the sample that caused the change. */
  timestamp: number;
  /** One readable line, e.g. `dns resolve_time p95 over 1m is 132.4 ms (warn >= 100) for example.com`. */
  message: string;
}

/**
 * A raised alert, as {@linkcode AlertEngine.activeAlerts} lists it.
 *
 * @example Listing raised alerts at the end of a run
 * ```ts
 * import { type ActiveAlert, AlertEngine } from "./alerts.ts";
 * const engine = new AlertEngine([{ metric: "rtt", stat: "max", critical: 100, window: 5000, min_samples: 1 }]);
 * const key = { plugin: "icmp", target: "192.0.2.1", interface: "", server: "", metric: "rtt", unit: "ms" };
 * engine.observe(key, "icmp/rtt", { timestamp: 0, value: 120, status: "ok" });
 * const active: ActiveAlert[] = engine.activeAlerts();
 * console.log(active.map((alert) => alert.level)); // [ "critical" ]
 * ```
 */
export interface ActiveAlert {
  /** The rule. */
  rule: AlertRule;
  /** The series. */
  key: AlertSeriesKey;
  /** The series id. */
  seriesId: string;
  /** Current level. */
  level: Exclude<AlertLevel, "ok">;
  /** Timestamp of the sample that raised it from ok. */
  since: number;
  /** The statistic's latest value. */
  value: number;
  /** Message of the transition to the current level. */
  message: string;
}

/** State of one rule on one series. */
interface RuleState {
  rule: AlertRule;
  minSamples: number;
  window: TimeWindow;
  level: AlertLevel;
  since: number;
  value: number;
  message: string;
}

/** The per-series state: its key and one state per matching rule. */
interface SeriesState {
  key: AlertSeriesKey;
  rules: RuleState[];
}

/**
 * Evaluates alert rules over the samples of many series.
 *
 * @example Raising on p95
 * ```ts
 * import { AlertEngine } from "./alerts.ts";
 * const engine = new AlertEngine([
 *   { metric: "rtt", stat: "p95", warn: 100, window: 60_000, min_samples: 3 },
 * ]);
 * const key = {
 *   plugin: "udp-echo", target: "203.0.113.7", interface: "", server: "", metric: "rtt",
 *   unit: "ms",
 * };
 * let time = 0;
 * const observe = (value: number) =>
 *   engine.observe(key, "udp-echo/rtt", { timestamp: (time += 1000), value, status: "ok" });
 * observe(120);
 * observe(130);
 * // p95 of [120, 130, 140]: h = 2 * 0.95 = 1.9, so 130 + 0.9 * 10 = 139
 * const raised = observe(140);
 * console.log(raised[0]?.message); // udp-echo rtt p95 over 1m is 139 ms (warn >= 100) for 203.0.113.7
 * console.log(engine.activeAlerts().length); // 1
 * ```
 */
export class AlertEngine {
  #rules: readonly AlertRule[];
  #series = new Map<string, SeriesState>();

  /**
   * @param rules The rules; checked here.
   * @throws {BufferbaneError} `RECIPE_INVALID` when a rule has no threshold, a window that is
   * not positive, a `min_samples` that is not a whole number of at least 1, an unknown stat, or
   * `warn` above `critical`.
   */
  constructor(rules: readonly AlertRule[]) {
    for (const rule of rules) checkRule(rule);
    this.#rules = [...rules];
  }

  /**
   * Feeds one sample of a series to every rule that applies to it. Each such rule adds the
   * sample to its window of the last `window` ms (measured back from the newest sample), then
   * evaluates its statistic once; with fewer than `min_samples` samples the level stays as it
   * is (missing data neither raises nor clears).
   *
   * @param key The series' key; the rules that apply are chosen the first time `seriesId` is
   * seen.
   * @param seriesId A stable string identifying the series.
   * @param sample The sample.
   * @returns The transitions this sample caused, usually none.
   */
  observe(key: AlertSeriesKey, seriesId: string, sample: AlertSample): AlertTransition[] {
    const series = this.#stateOf(key, seriesId);
    const transitions: AlertTransition[] = [];
    for (const state of series.rules) {
      if (!state.window.add(sample)) continue;
      const value = evaluate(state);
      if (value === undefined) continue;
      state.value = value;
      const level = levelOf(state.rule, value);
      if (level === state.level) continue;
      const message = describe(state.rule, series.key, value, level);
      transitions.push({
        rule: state.rule,
        key: series.key,
        seriesId,
        from: state.level,
        to: level,
        severity: level === "ok" ? "clear" : level,
        value,
        timestamp: sample.timestamp,
        message,
      });
      if (state.level === "ok") state.since = sample.timestamp;
      state.level = level;
      state.message = message;
    }
    return transitions;
  }

  /**
   * The alerts currently raised. At the end of a run alerts stay as they are; nothing is
   * cleared for them.
   *
   * @returns One entry per (rule, series) at warn or critical, oldest first.
   */
  activeAlerts(): ActiveAlert[] {
    const active: ActiveAlert[] = [];
    for (const [seriesId, series] of this.#series) {
      for (const state of series.rules) {
        if (state.level === "ok") continue;
        active.push({
          rule: state.rule,
          key: series.key,
          seriesId,
          level: state.level,
          since: state.since,
          value: state.value,
          message: state.message,
        });
      }
    }
    return active.sort((a, b) => a.since - b.since);
  }

  #stateOf(key: AlertSeriesKey, seriesId: string): SeriesState {
    let series = this.#series.get(seriesId);
    if (series === undefined) {
      series = {
        key: { ...key },
        rules: this.#rules.filter((rule) => appliesTo(rule, key)).map((rule) => ({
          rule,
          minSamples: rule.min_samples ?? ALERT_RULE_DEFAULTS.min_samples,
          window: new TimeWindow(rule.window),
          level: "ok",
          since: NaN,
          value: NaN,
          message: "",
        })),
      };
      this.#series.set(seriesId, series);
    }
    return series;
  }
}

/**
 * Turns a transition into the event the run records (kind `"alert"`).
 *
 * @param transition A transition from {@linkcode AlertEngine.observe}.
 * @returns The event, with the transition's figures as data.
 *
 * @example Recording a raised alert
 * ```ts
 * import { AlertEngine, alertEvent } from "./alerts.ts";
 * const engine = new AlertEngine([{ metric: "rtt", stat: "max", critical: 50, window: 10_000, min_samples: 1 }]);
 * const key = { plugin: "icmp", target: "192.0.2.1", interface: "eth0", server: "", metric: "rtt", unit: "ms" };
 * const [transition] = engine.observe(key, "a", { timestamp: 5, value: 80, status: "ok" });
 * const event = alertEvent(transition!);
 * console.log(event.severity, event.message); // critical icmp rtt max over 10s is 80 ms (critical >= 50) for 192.0.2.1 on eth0
 * ```
 */
export function alertEvent(transition: AlertTransition): PluginEvent {
  const { rule, key } = transition;
  return {
    kind: "alert",
    severity: transition.severity,
    message: transition.message,
    timestamp: transition.timestamp,
    metric: key.metric,
    data: {
      series: transition.seriesId,
      plugin: key.plugin,
      target: key.target,
      interface: key.interface,
      server: key.server,
      stat: rule.stat,
      window: rule.window,
      warn: rule.warn ?? null,
      critical: rule.critical ?? null,
      from: transition.from,
      to: transition.to,
      value: transition.value,
    },
  };
}

/** Throws when a rule cannot work. */
function checkRule(rule: AlertRule): void {
  const name = `${rule.metric} ${rule.stat}`;
  const invalid = (detail: string, hint?: string) =>
    new BufferbaneError(
      ErrorCode.RecipeInvalid,
      `Alert rule "${name}" ${detail}`,
      hint === undefined ? {} : { hint },
    );
  if (!(ALERT_STATS as readonly string[]).includes(rule.stat)) {
    throw invalid(`has an unknown stat: "${rule.stat}"`, `use one of ${ALERT_STATS.join(", ")}`);
  }
  if (rule.warn === undefined && rule.critical === undefined) {
    throw invalid("has no threshold", "set warn, critical or both");
  }
  for (const [field, threshold] of [["warn", rule.warn], ["critical", rule.critical]] as const) {
    if (threshold !== undefined && !Number.isFinite(threshold)) {
      throw invalid(`has an invalid ${field}: "${threshold}"`);
    }
  }
  if (rule.warn !== undefined && rule.critical !== undefined && rule.warn > rule.critical) {
    throw invalid(`has warn above critical: "${rule.warn}" > "${rule.critical}"`);
  }
  if (!(rule.window > 0) || !Number.isFinite(rule.window)) {
    throw invalid(`has an invalid window: "${rule.window}"`, "use a duration such as 1m");
  }
  const minSamples = rule.min_samples ?? ALERT_RULE_DEFAULTS.min_samples;
  if (!Number.isInteger(minSamples) || minSamples < 1) {
    throw invalid(`has an invalid min_samples: "${minSamples}"`, "use a whole number of 1 or more");
  }
}

/** Whether a rule applies to a series. */
function appliesTo(rule: AlertRule, key: AlertSeriesKey): boolean {
  return rule.metric === key.metric &&
    (rule.plugin === undefined || rule.plugin === key.plugin) &&
    (rule.target === undefined || rule.target === key.target) &&
    (rule.interface === undefined || rule.interface === key.interface) &&
    (rule.server === undefined || rule.server === key.server);
}

/** The rule's statistic over its window, or `undefined` when there are too few samples. */
function evaluate(state: RuleState): number | undefined {
  const { rule, window, minSamples } = state;
  if (rule.stat === "loss_pct") {
    const counts = window.counts();
    if (counts.ok + counts.lost < minSamples) return undefined;
    return lossPercent(counts);
  }
  const values = window.okValues();
  if (values.length < minSamples) return undefined;
  switch (rule.stat) {
    case "avg": {
      let sum = 0;
      for (const value of values) sum += value;
      return sum / values.length;
    }
    case "min":
      return values.reduce((least, value) => Math.min(least, value));
    case "max":
      return values.reduce((most, value) => Math.max(most, value));
    case "p50":
      return percentile(values, 50);
    case "p95":
      return percentile(values, 95);
    case "p99":
      return percentile(values, 99);
    case "jitter":
      return values.length < 2 ? undefined : rfc3550Jitter(values);
  }
}

/** The level a value reaches under a rule. */
function levelOf(rule: AlertRule, value: number): AlertLevel {
  if (rule.critical !== undefined && value >= rule.critical) return "critical";
  if (rule.warn !== undefined && value >= rule.warn) return "warn";
  return "ok";
}

/** The message of a transition. */
function describe(
  rule: AlertRule,
  key: AlertSeriesKey,
  value: number,
  to: AlertLevel,
): string {
  const unit = rule.stat === "loss_pct" ? "%" : key.unit;
  const amount = `${formatValue(value)}${unit === "" || unit === "%" ? unit : ` ${unit}`}`;
  let condition: string;
  if (to === "ok") {
    const level = rule.warn === undefined ? "critical" : "warn";
    condition = `back below ${level} ${rule[level]}`;
  } else {
    condition = `${to} >= ${rule[to]}`;
  }
  const head = [key.plugin, key.metric, rule.stat].filter((part) => part !== "").join(" ");
  let where = "";
  if (key.target !== "") where += ` for ${key.target}`;
  if (key.interface !== "") where += ` on ${key.interface}`;
  if (key.server !== "") where += ` via ${key.server}`;
  return `${head} over ${formatDuration(rule.window)} is ${amount} (${condition})${where}`;
}

/** One decimal from 10 up, three significant digits below, trailing zeros dropped. */
function formatValue(value: number): string {
  return String(Number(Math.abs(value) >= 10 ? value.toFixed(1) : value.toPrecision(3)));
}
