/**
 * The plugin contract: what a plugin is, what it yields, and what the core gives it.
 *
 * A plugin is one file exporting its options type, its documented defaults and a factory that
 * returns a {@linkcode Plugin}. The core's driver is the only code that calls `run`.
 *
 * @module
 */
import type { z } from "zod";
import type { Schedule } from "./schedule.ts";

/** How a sample ended: measured, lost (no answer in time) or failed (an error on our side). */
export type SampleStatus = "ok" | "lost" | "failed";

/**
 * One measurement. A lost probe is a sample too, with `value: null`.
 *
 * @example A lost DNS lookup
 * ```ts
 * import type { Sample } from "./contract.ts";
 * const lost: Sample = {
 *   timestamp: Date.now(), metric: "resolve_time", value: null, status: "lost", reason: "timeout",
 * };
 * ```
 */
export interface Sample {
  /** Wall-clock time the probe was sent, in milliseconds since the Unix epoch. */
  timestamp: number;
  /** A metric the plugin declares in {@linkcode Plugin.metrics}. */
  metric: string;
  /** The value in the metric's unit, or `null` when the sample is lost or failed. */
  value: number | null;
  /** `"ok"`, `"lost"` or `"failed"`. */
  status: SampleStatus;
  /** Why a sample is lost or failed: `"timeout"`, `"NXDOMAIN"`, an error message. */
  reason?: string;
  /** The probe's sequence number in its series (the schedule slot). */
  seq?: number;
  /**
   * The probe interval in effect when it was sent, ms. Plugins leave it out: the driver fills
   * it in from the schedule (adaptive intervals change it during a run).
   */
  interval?: number;
  /**
   * For a plugin whose series split further than target x interface: the value stored in
   * this sample's series `server` column instead of the job's (the traceroute plugin keeps one
   * series per hop, `"hop 2 192.0.2.1"`). Default: the job's server label.
   */
  seriesServer?: string;
}

/**
 * A metric a plugin produces; the first one a plugin declares is its primary metric.
 *
 * @example
 * ```ts
 * import type { MetricInfo } from "./contract.ts";
 * const rtt: MetricInfo = { name: "rtt", unit: "ms", description: "Round-trip time" };
 * ```
 */
export interface MetricInfo {
  /** Metric name as stored, e.g. `"rtt"`. */
  name: string;
  /** Unit, e.g. `"ms"`, `"Mbit/s"`, `"%"`. */
  unit: string;
  /** One sentence for `plugins` and reports. */
  description: string;
}

/**
 * A server declared in a recipe's `[[servers]]`, as a plugin sees it.
 *
 * @example
 * ```ts
 * import type { ServerInfo } from "./contract.ts";
 * const server: ServerInfo = { name: "vienna", host: "203.0.113.7", port: 9876 };
 * ```
 */
export interface ServerInfo {
  /** The name used in recipes and stored series. */
  name: string;
  /** Hostname or address. */
  host: string;
  /** UDP echo port. */
  port: number;
  /** DNS service port, when the server offers one (the embedded quickstart server does). */
  dnsPort?: number;
  /**
   * TCP throughput service port (throughput and bufferbloat tests), when it is not the UDP
   * echo port's number.
   */
  throughputPort?: number;
  /** Shared secret (already interpolated from the environment). */
  secret?: string;
}

/** Severity of an event; `"clear"` ends an alert. */
export type EventSeverity = "info" | "warn" | "critical" | "clear";

/**
 * Something that happened during a run, stored in the events table.
 *
 * @example
 * ```ts
 * import type { PluginEvent } from "./contract.ts";
 * const event: PluginEvent = { kind: "resolve", severity: "info", message: "re-resolved host" };
 * ```
 */
export interface PluginEvent {
  /** Short machine-readable kind: `"plugin_error"`, `"missed_slots"`, `"alert"`. */
  kind: string;
  /** How bad it is. */
  severity: EventSeverity;
  /** One human line. */
  message: string;
  /** Structured detail, stored as JSON. */
  data?: Record<string, unknown>;
  /** When it happened; defaults to now. */
  timestamp?: number;
  /** Metric the event is about, if any. */
  metric?: string;
}

/**
 * The outcome of a bounded test (a `[[tests]]` entry), stored in the test results table.
 *
 * @example
 * ```ts
 * import type { TestResult } from "./contract.ts";
 * const result: TestResult = { status: "ok", grade: "A", summary: { increase_ms: 12 } };
 * ```
 */
export interface TestResult {
  /** `"ok"` when the test completed, `"failed"` otherwise. */
  status: "ok" | "failed";
  /** A grade such as `"A+"` when the test grades. */
  grade?: string;
  /**
   * The result in a few words for the run's summary, e.g. `"download 941 Mbit/s, upload 38
   * Mbit/s"`.
   */
  headline?: string;
  /** Figures of the test, stored as JSON. */
  summary: Record<string, unknown>;
}

/** Log functions a plugin may call; the core decides where the lines go. */
export interface PluginLogger {
  /** Detail for `--verbose`. */
  debug(message: string): void;
  /** Something worth a line. */
  info(message: string): void;
  /** Something is off but the run goes on. */
  warn(message: string): void;
}

/**
 * What the core gives a plugin for one series (one target x interface x server).
 *
 * @example Using the schedule
 * ```ts ignore
 * for await (const slot of ctx.schedule.slots(signal)) {
 *   // send probe number slot.seq, planned for slot.at
 * }
 * ```
 */
export interface PluginContext {
  /** The target as written in the recipe (a hostname, an address, a name to resolve). */
  target: string;
  /** The interface to bind to (SO_BINDTODEVICE), or `undefined` for the default route. */
  interface: string | undefined;
  /** The server this series measures against, when the probe names servers. */
  server: ServerInfo | undefined;
  /** Every server declared in the recipe, by name. */
  servers: ReadonlyMap<string, ServerInfo>;
  /**
   * Probe interval in milliseconds; with an adaptive interval (`adaptive` in the recipe) the
   * shortest it may become, while `schedule` paces at the interval in effect.
   */
  interval: number;
  /** How long to wait for an answer before a probe counts as lost, in milliseconds. */
  timeout: number;
  /** The absolute schedule of this series: probe k at start + k * interval. */
  schedule: Schedule;
  /** Wall-clock now in milliseconds (injectable for tests). */
  now(): number;
  /** Logging. */
  log: PluginLogger;
  /** Records an event (stored and shown). */
  event(event: PluginEvent): void;
  /** Records the result of a bounded test. Tests call it once at the end. */
  result(result: TestResult): void;
  /**
   * The newest event of one of `kinds` that earlier runs stored for this job (same plugin,
   * target, interface and server label), so a plugin can compare with what it saw last time
   * (the traceroute plugin's path). `undefined` when there is none, and always when the run
   * keeps no store of its own (`probe` without `--db`) or the context does not offer it.
   */
  previousEvent?(kinds: readonly string[]): PluginEvent | undefined;
}

/** `"probe"`: runs periodically until the run stops. `"test"`: bounded, run every so often. */
export type PluginKind = "probe" | "test";

/** Whether a plugin needs `targets` in a recipe. */
export type TargetPolicy = "required" | "optional" | "none";

/**
 * A plugin: a plain object with a name, documented options and a `run` generator.
 *
 * @typeParam O The validated options type (the schema's output).
 *
 * @example A minimal plugin
 * ```ts
 * import { z } from "zod";
 * import type { Plugin } from "./contract.ts";
 *
 * interface ConstantOptions { value: number }
 * const defaults: ConstantOptions = { value: 1 };
 * const constant: Plugin<ConstantOptions> = {
 *   name: "constant",
 *   description: "Yields the same value every interval",
 *   kind: "probe",
 *   targets: "optional",
 *   metrics: [{ name: "value", unit: "", description: "The constant" }],
 *   options: z.strictObject({ value: z.number().default(defaults.value).describe("The value") }),
 *   defaults,
 *   async *run(ctx, options, signal) {
 *     for await (const slot of ctx.schedule.slots(signal)) {
 *       yield { timestamp: slot.at, metric: "value", value: options.value, status: "ok", seq: slot.seq };
 *     }
 *   },
 * };
 * ```
 */
export interface Plugin<O = unknown> {
  /** The id used in recipes, e.g. `"dns"`, `"udp-echo"`. */
  name: string;
  /** One sentence for `plugins`. */
  description: string;
  /** Periodic probe or bounded test. */
  kind: PluginKind;
  /** Whether recipe entries must list targets. */
  targets: TargetPolicy;
  /** Metrics produced; the first is the primary one shown live and in summaries. */
  metrics: readonly MetricInfo[];
  /** Options schema (zod) whose output is `O`; unknown keys must be rejected (strict object). */
  options: z.ZodType<O>;
  /** The documented defaults, as `options` fills them in. */
  defaults: O;
  /** Default probe interval in ms (the recipe may override). Defaults to 1000. */
  defaultInterval?: number;
  /** Default timeout in ms (the recipe may override). Defaults to 2000. */
  defaultTimeout?: number;
  /**
   * Shortest probe interval the plugin can keep, in ms: a recipe asking for less is invalid
   * (`recipe.toml:7: probes[0].interval: must be at least 10ms for plugin "dns", got "5ms"`).
   * A plugin that declares less than 10 ms must pace precisely enough to hit its slots (the
   * udp-echo plugin goes down to 1 ms on a `timerfd`). At least 1. Defaults to 10.
   */
  minInterval?: number;
  /**
   * Whether the plugin binds its traffic to `ctx.interface` (SO_BINDTODEVICE). A plugin that
   * cannot is run once on the default route even when a recipe lists interfaces, and the run
   * says so, so that no series claims an interface its packets did not use. Default: `false`.
   */
  bindsInterface?: boolean;
  /**
   * The value stored in a series' `server` column when the recipe entry names no server
   * (the dns plugin returns its resolver). Default: no server (`""`).
   */
  seriesServer?(options: O): string;
  /**
   * Runs the plugin for one series until `signal` aborts (probes) or the test ends (tests),
   * yielding samples as they complete.
   */
  run(ctx: PluginContext, options: O, signal: AbortSignal): AsyncIterable<Sample>;
}

/** A plugin of any options type, as the registry holds it. */
// deno-lint-ignore no-explicit-any
export type AnyPlugin = Plugin<any>;

/**
 * Identity helper that infers a plugin's options type; use it in custom plugin files.
 *
 * @param plugin The plugin object.
 * @returns The same object, typed.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { definePlugin } from "./contract.ts";
 * export default definePlugin({
 *   name: "noop", description: "Does nothing", kind: "probe", targets: "none",
 *   metrics: [{ name: "nothing", unit: "", description: "Nothing" }],
 *   options: z.strictObject({}), defaults: {},
 *   async *run() {},
 * });
 * ```
 */
export function definePlugin<O>(plugin: Plugin<O>): Plugin<O> {
  return plugin;
}
