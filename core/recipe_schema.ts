/**
 * The shape of a recipe: a zod schema per TOML table, and the types a validated recipe has.
 *
 * Keys are snake_case in TOML and stay snake_case in the output. Durations are written as
 * strings (`"250ms"`, `"1s"`, `"1h30m"`) and come out in milliseconds. Unknown keys are errors at
 * every level (strict objects). What needs the plugin registry (plugin ids, plugin options,
 * targets policy, plugin defaults for interval and timeout) is checked by `core/recipe.ts`.
 *
 * @module
 */
import { z } from "zod";
import { INTERFACE_KINDS } from "../interfaces/types.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { ANOMALY_DEFAULTS } from "./anomaly/options.ts";

/**
 * Default UDP echo port of a bufferbane server.
 *
 * @example Reading the default
 * ```ts
 * import { DEFAULT_SERVER_PORT } from "./recipe_schema.ts";
 * console.log(DEFAULT_SERVER_PORT); // 9876
 * ```
 */
export const DEFAULT_SERVER_PORT = 9876;

/**
 * Host of a server with `embedded = true` and no `host`.
 *
 * @example Reading the default
 * ```ts
 * import { EMBEDDED_SERVER_HOST } from "./recipe_schema.ts";
 * console.log(EMBEDDED_SERVER_HOST); // 127.0.0.1
 * ```
 */
export const EMBEDDED_SERVER_HOST = "127.0.0.1";

/**
 * Shortest probe interval a recipe may ask for of a plugin that declares no `minInterval`
 * (see `Plugin.minInterval` in `contract.ts`), in milliseconds.
 *
 * @example Reading the limit
 * ```ts
 * import { MIN_PROBE_INTERVAL_MS } from "./recipe_schema.ts";
 * console.log(MIN_PROBE_INTERVAL_MS); // 10
 * ```
 */
export const MIN_PROBE_INTERVAL_MS = 10;

/**
 * Shortest probe interval of any plugin, in milliseconds: what the schema checks before the
 * plugin is known, and the least a plugin's `minInterval` can be.
 *
 * @example Reading the floor
 * ```ts
 * import { SHORTEST_PROBE_INTERVAL_MS } from "./recipe_schema.ts";
 * console.log(SHORTEST_PROBE_INTERVAL_MS); // 1
 * ```
 */
export const SHORTEST_PROBE_INTERVAL_MS = 1;

/**
 * The shortest interval a plugin can be probed at: its `minInterval`, else
 * {@linkcode MIN_PROBE_INTERVAL_MS}, never under {@linkcode SHORTEST_PROBE_INTERVAL_MS}.
 *
 * @param plugin The plugin (only `minInterval` is read).
 * @returns Milliseconds.
 *
 * @example A plugin that declares none, and one that paces at 1 ms
 * ```ts
 * import { minProbeInterval } from "./recipe_schema.ts";
 * console.log(minProbeInterval({}), minProbeInterval({ minInterval: 1 })); // 10 1
 * ```
 */
export function minProbeInterval(plugin: { minInterval?: number | undefined }): number {
  return Math.max(SHORTEST_PROBE_INTERVAL_MS, plugin.minInterval ?? MIN_PROBE_INTERVAL_MS);
}

/**
 * What is wrong with a probe interval as written for a plugin, or `undefined` when it is fine
 * or when the schema already reports it (not a duration, or under
 * {@linkcode SHORTEST_PROBE_INTERVAL_MS}).
 *
 * @param text The interval as written, e.g. `"5ms"`.
 * @param plugin The plugin's name and `minInterval`.
 * @returns A message that reads well after `file:line: probes[0].interval: `.
 *
 * @example Under the plugin's minimum
 * ```ts
 * import { probeIntervalProblem } from "./recipe_schema.ts";
 * console.log(probeIntervalProblem("5ms", { name: "dns" }));
 * // must be at least 10ms for plugin "dns", got "5ms"
 * console.log(probeIntervalProblem("1ms", { name: "udp-echo", minInterval: 1 })); // undefined
 * ```
 */
export function probeIntervalProblem(
  text: string,
  plugin: { name: string; minInterval?: number | undefined },
): string | undefined {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    return undefined;
  }
  const min = minProbeInterval(plugin);
  if (ms < SHORTEST_PROBE_INTERVAL_MS || ms >= min) return undefined;
  return `must be at least ${formatDuration(min)} for plugin "${plugin.name}", got "${text}"`;
}

/**
 * Probe interval when neither the recipe nor the plugin says, in milliseconds.
 *
 * @example Reading the default
 * ```ts
 * import { DEFAULT_PROBE_INTERVAL_MS } from "./recipe_schema.ts";
 * console.log(DEFAULT_PROBE_INTERVAL_MS); // 1000
 * ```
 */
export const DEFAULT_PROBE_INTERVAL_MS = 1_000;

/**
 * Timeout when neither the recipe nor the plugin says, in milliseconds.
 *
 * @example Reading the default
 * ```ts
 * import { DEFAULT_TIMEOUT_MS } from "./recipe_schema.ts";
 * console.log(DEFAULT_TIMEOUT_MS); // 2000
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Report formats a recipe may ask for in `[report] formats`.
 *
 * @example Checking a format
 * ```ts
 * import { REPORT_FORMATS } from "./recipe_schema.ts";
 * console.log((REPORT_FORMATS as readonly string[]).includes("pdf")); // true
 * ```
 */
export const REPORT_FORMATS = ["html", "md", "pdf", "json", "csv"] as const;

/**
 * Statistics an alert rule may watch (`stat` in `[[alerts.rules]]`).
 *
 * @example Listing them
 * ```ts
 * import { ALERT_STATS } from "./recipe_schema.ts";
 * console.log(ALERT_STATS.join(", ")); // avg, min, max, p50, p95, p99, loss_pct, jitter
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
 * What a server name may contain: lowercase letters, digits, `_` and `-`.
 *
 * @example Testing a name
 * ```ts
 * import { SERVER_NAME_PATTERN } from "./recipe_schema.ts";
 * console.log(SERVER_NAME_PATTERN.test("vienna-1"), SERVER_NAME_PATTERN.test("Vienna")); // true false
 * ```
 */
export const SERVER_NAME_PATTERN = /^[a-z0-9_-]+$/;

/**
 * Options for {@linkcode durationSchema}.
 *
 * @example A lower bound
 * ```ts
 * import type { DurationSchemaOptions } from "./recipe_schema.ts";
 * const options: DurationSchemaOptions = { min: 10 };
 * ```
 */
export interface DurationSchemaOptions {
  /**
   * Smallest accepted value in milliseconds (inclusive). Without it, any duration greater
   * than 0 is accepted.
   *
   * @default undefined
   */
  min?: number;
  /**
   * Accept `"0s"` (for keys where zero means "off").
   *
   * @default {false}
   */
  allowZero?: boolean;
}

/**
 * A duration string such as `"1s"` or `"1h30m"`, parsed to milliseconds. Rejects text that is
 * not a duration (`invalid duration "1x"`), zero, and values below `min`.
 *
 * @param options Lower bound.
 * @returns A zod schema from string to number.
 *
 * @example Parsing an interval
 * ```ts
 * import { durationSchema } from "./recipe_schema.ts";
 * const interval = durationSchema({ min: 10 });
 * console.log(interval.parse("1m30s")); // 90000
 * console.log(interval.safeParse("5ms").error?.issues[0]?.message); // must be at least 10ms, got "5ms"
 * ```
 */
export function durationSchema(
  options: DurationSchemaOptions = {},
): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> {
  return z.string({ error: durationTypeError }).transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      ctx.issues.push({ code: "custom", message: `invalid duration "${text}"`, input: text });
      return z.NEVER;
    }
    if (options.min !== undefined && ms < options.min) {
      ctx.issues.push({
        code: "custom",
        message: `must be at least ${formatDuration(options.min)}, got "${text}"`,
        input: text,
      });
      return z.NEVER;
    }
    if (ms < 0 || (ms === 0 && !options.allowZero)) {
      ctx.issues.push({
        code: "custom",
        message: `must be greater than 0, got "${text}"`,
        input: text,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function durationTypeError(issue: { input?: unknown }): string | undefined {
  if (issue.input === undefined) return undefined;
  return `expected a duration such as "1s" or "5m", got ${JSON.stringify(issue.input) ?? "?"}`;
}

const nonEmptyString = z.string().min(1);

/**
 * Lets a cross-key refinement run when the object itself and the keys it reads parsed, whatever
 * else failed (zod skips refinements after any aborting issue by default).
 */
function whenKeysValid(...keys: string[]): (payload: z.core.ParsePayload) => boolean {
  return (payload) =>
    payload.issues.every((issue) => {
      const key = issue.path?.[0];
      if (key === undefined) return issue.code === "unrecognized_keys";
      return !keys.includes(String(key));
    });
}

const port = z.number().int().min(1).max(65_535);

/**
 * `"auto"` (every usable interface) or a list of interface names; `[]` means the default route.
 *
 * @example Both forms
 * ```ts
 * import { interfacesSchema } from "./recipe_schema.ts";
 * console.log(interfacesSchema.parse("auto"), interfacesSchema.parse(["eth0"])); // auto [ "eth0" ]
 * ```
 */
export const interfacesSchema: z.ZodUnion<
  readonly [z.ZodLiteral<"auto">, z.ZodArray<z.ZodString>]
> = z.union([z.literal("auto"), z.array(nonEmptyString)], {
  error: (issue) =>
    issue.input === undefined
      ? undefined
      : `expected a list of interface names or "auto", got ${JSON.stringify(issue.input)}`,
});

/**
 * A list of targets; a single string is taken as a list of one.
 *
 * @example A single target
 * ```ts
 * import { targetsSchema } from "./recipe_schema.ts";
 * console.log(targetsSchema.parse("example.com")); // [ "example.com" ]
 * ```
 */
export const targetsSchema: z.ZodPreprocess<z.ZodArray<z.ZodString>> = z.preprocess(
  (value) => typeof value === "string" ? [value] : value,
  z.array(nonEmptyString),
);

/** Names of servers declared in `[[servers]]`. */
const serverNamesSchema = z.array(nonEmptyString);

/** Plugin options as written; `core/recipe.ts` validates them with the plugin's own schema. */
const pluginOptionsSchema = z.record(z.string(), z.unknown());

/**
 * One `[[servers]]` entry. `host` is required unless `embedded = true`, where it defaults to
 * `127.0.0.1`. An empty `host` declares a server that is not configured here (the runner
 * leaves it out, with a note).
 *
 * @example An embedded server
 * ```ts
 * import { serverSchema } from "./recipe_schema.ts";
 * const server = serverSchema.parse({ name: "local", embedded: true });
 * console.log(server.host, server.port); // 127.0.0.1 9876
 * ```
 */
export const serverSchema = z
  .strictObject({
    name: z.string().regex(SERVER_NAME_PATTERN, {
      error: (issue) =>
        `invalid server name ${
          JSON.stringify(issue.input)
        }: use lowercase letters, digits, "_" and "-"`,
    }),
    // "" (e.g. `host = "${BB_SERVER_HOST:-}"` with the variable unset) declares the server
    // without configuring it: the runner leaves it out, and the probes that use only it, with a
    // note. So one recipe runs with a server where one is set up and without it elsewhere.
    host: z.string().optional(),
    port: port.default(DEFAULT_SERVER_PORT),
    dns_port: port.optional(),
    // The TCP throughput service's port; the throughput and bufferbloat tests use `port`'s
    // number without it (the server's default).
    throughput_port: port.optional(),
    secret: z.string().optional(),
    embedded: z.boolean().default(false),
  })
  .superRefine((server, ctx) => {
    if (!server.embedded && server.host === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["host"],
        message: "missing required key (only an embedded server may leave it out)",
      });
    }
  }, { when: whenKeysValid("host", "embedded") })
  .transform((server) => ({ ...server, host: server.host ?? EMBEDDED_SERVER_HOST }));

/**
 * A probe's `adaptive` table: the interval speeds up while the series is volatile and slows
 * down while it is calm, between `min` and `max` (see `core/adaptive_interval.ts`); the probe
 * starts at its `interval`, brought within the bounds. `window` (results per decision,
 * default 10), `loss` (share of lost probes that makes it volatile, default 0.05) and `jitter`
 * (IPDV over the mean value that makes it volatile, default 0.25) tune it.
 *
 * @example Between 200 ms and 5 s
 * ```ts
 * import { adaptiveSchema } from "./recipe_schema.ts";
 * console.log(adaptiveSchema.parse({ min: "200ms", max: "5s" }));
 * // { min: 200, max: 5000, window: 10, loss: 0.05, jitter: 0.25 }
 * ```
 */
export const adaptiveSchema = z.strictObject({
  min: durationSchema({ min: SHORTEST_PROBE_INTERVAL_MS }),
  max: durationSchema({ min: SHORTEST_PROBE_INTERVAL_MS }),
  window: z.number().int().min(2).max(10_000).default(10),
  loss: z.number().gt(0).max(1).default(0.05),
  jitter: z.number().gt(0).default(0.25),
}).superRefine((adaptive, ctx) => {
  if (adaptive.max < adaptive.min) {
    ctx.addIssue({
      code: "custom",
      path: ["max"],
      message: `must be at least min (${formatDuration(adaptive.min)}), got ${
        formatDuration(adaptive.max)
      }`,
    });
  }
}, { when: whenKeysValid("min", "max") });

/**
 * One `[[probes]]` entry as written. `interval` and `timeout` stay `undefined` when absent;
 * `core/recipe.ts` fills them from the plugin.
 *
 * @example A probe entry
 * ```ts
 * import { probeSchema } from "./recipe_schema.ts";
 * const probe = probeSchema.parse({ plugin: "dns", targets: "example.com", interval: "5s" });
 * console.log(probe.targets, probe.interval); // [ "example.com" ] 5000
 * ```
 */
export const probeSchema = z.strictObject({
  plugin: nonEmptyString,
  targets: targetsSchema.default([]),
  interval: durationSchema({ min: SHORTEST_PROBE_INTERVAL_MS }).optional(),
  timeout: durationSchema().optional(),
  interfaces: interfacesSchema.optional(),
  servers: serverNamesSchema.default([]),
  options: pluginOptionsSchema.default({}),
  adaptive: adaptiveSchema.optional(),
});

/**
 * One `[[tests]]` entry as written: a bounded test run at start (unless `at_start = false`)
 * and then every `every`.
 *
 * @example A test entry
 * ```ts
 * import { testSchema } from "./recipe_schema.ts";
 * const test = testSchema.parse({ plugin: "bufferbloat", every: "1h" });
 * console.log(test.every, test.at_start); // 3600000 true
 * ```
 */
export const testSchema = z.strictObject({
  plugin: nonEmptyString,
  every: durationSchema(),
  at_start: z.boolean().default(true),
  targets: targetsSchema.default([]),
  interfaces: interfacesSchema.optional(),
  servers: serverNamesSchema.default([]),
  timeout: durationSchema().optional(),
  options: pluginOptionsSchema.default({}),
});

/**
 * One `[[alerts.rules]]` entry as written. At least one of `warn` and `critical`; when both,
 * `warn <= critical`. `window` stays `undefined` when absent; `core/recipe.ts` fills it from
 * `alerts.window`.
 *
 * @example A rule with defaults
 * ```ts
 * import { alertRuleSchema } from "./recipe_schema.ts";
 * const rule = alertRuleSchema.parse({ metric: "rtt", stat: "p95", warn: 50 });
 * console.log(rule.min_samples); // 3
 * ```
 */
export const alertRuleSchema = z
  .strictObject({
    metric: nonEmptyString,
    plugin: nonEmptyString.optional(),
    target: nonEmptyString.optional(),
    interface: nonEmptyString.optional(),
    server: nonEmptyString.optional(),
    stat: z.enum(ALERT_STATS).default("avg"),
    warn: z.number().optional(),
    critical: z.number().optional(),
    window: durationSchema().optional(),
    min_samples: z.number().int().min(1).default(3),
  })
  .superRefine((rule, ctx) => {
    if (rule.warn === undefined && rule.critical === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "set warn, critical or both" });
    } else if (
      rule.warn !== undefined && rule.critical !== undefined && rule.warn > rule.critical
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["warn"],
        message:
          `must not exceed critical, got warn = ${rule.warn} and critical = ${rule.critical}`,
      });
    }
  }, { when: whenKeysValid("warn", "critical") });

const share = z.number().min(0).max(1);
const d = ANOMALY_DEFAULTS;

/**
 * The `[alerts.anomaly]` table: the anomaly detector (see `core/anomaly/`). Present means
 * enabled (unless `enabled = false`); every key has the default of `ANOMALY_DEFAULTS`.
 * Confidences need `clear < warn <= critical`, ramps `start < full`.
 *
 * @example The defaults
 * ```ts
 * import { anomalySchema } from "./recipe_schema.ts";
 * const anomaly = anomalySchema.parse({ cooldown: "30m" });
 * console.log(anomaly.enabled, anomaly.window, anomaly.cooldown, anomaly.warn); // true 30000 1800000 0.5
 * ```
 */
export const anomalySchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    metrics: z.array(nonEmptyString).default([...d.metrics]),
    window: durationSchema().default(d.window),
    baseline_window: durationSchema().default(d.baseline_window),
    baseline_samples: z.number().int().min(10).max(100_000).default(d.baseline_samples),
    min_samples: z.number().int().min(3).default(d.min_samples),
    min_window_samples: z.number().int().min(2).default(d.min_window_samples),
    z_start: z.number().positive().default(d.z_start),
    z_full: z.number().positive().default(d.z_full),
    loss_evidence_start: z.number().positive().default(d.loss_evidence_start),
    loss_evidence_full: z.number().positive().default(d.loss_evidence_full),
    min_spread_ms: z.number().positive().default(d.min_spread_ms),
    min_spread_ratio: share.default(d.min_spread_ratio),
    min_loss_rate: z.number().positive().max(0.5).default(d.min_loss_rate),
    warn: share.default(d.warn),
    critical: share.default(d.critical),
    clear: share.default(d.clear),
    clear_after: durationSchema().default(d.clear_after),
    cooldown: durationSchema().default(d.cooldown),
    adapt_after: durationSchema().default(d.adapt_after),
    evaluate_every: durationSchema().default(d.evaluate_every),
  })
  .superRefine((anomaly, ctx) => {
    const problem = (key: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [key], message });
    if (anomaly.warn > anomaly.critical) {
      problem("warn", `must not exceed critical, got ${anomaly.warn} > ${anomaly.critical}`);
    }
    if (anomaly.clear >= anomaly.warn) {
      problem("clear", `must be below warn, got ${anomaly.clear} >= ${anomaly.warn}`);
    }
    if (anomaly.z_start >= anomaly.z_full) {
      problem("z_start", `must be below z_full, got ${anomaly.z_start} >= ${anomaly.z_full}`);
    }
    if (anomaly.loss_evidence_start >= anomaly.loss_evidence_full) {
      problem(
        "loss_evidence_start",
        `must be below loss_evidence_full, got ${anomaly.loss_evidence_start} >= ${anomaly.loss_evidence_full}`,
      );
    }
  }, {
    when: whenKeysValid(
      "warn",
      "critical",
      "clear",
      "z_start",
      "z_full",
      "loss_evidence_start",
      "loss_evidence_full",
    ),
  });

/**
 * Severities a webhook may be limited to (`min_severity`).
 *
 * @example
 * ```ts
 * import { WEBHOOK_SEVERITIES } from "./recipe_schema.ts";
 * console.log(WEBHOOK_SEVERITIES.join(" < ")); // warn < critical
 * ```
 */
export const WEBHOOK_SEVERITIES = ["warn", "critical"] as const;

/**
 * Alert sources a webhook may receive (`detectors`): the anomaly detector and the threshold
 * rules of `[[alerts.rules]]`.
 *
 * @example
 * ```ts
 * import { ALERT_DETECTORS } from "./recipe_schema.ts";
 * console.log(ALERT_DETECTORS.join(", ")); // anomaly, threshold
 * ```
 */
export const ALERT_DETECTORS = ["anomaly", "threshold"] as const;

/**
 * One `[[alerts.webhooks]]` entry: where alert raises (and their clears) are POSTed as JSON.
 * Deliveries never block probing; a failed one is retried `retries` times, waiting `backoff`,
 * then twice as long each time, at most `max_backoff`; giving up is recorded as an event.
 *
 * @example The defaults
 * ```ts
 * import { webhookSchema } from "./recipe_schema.ts";
 * const hook = webhookSchema.parse({ url: "http://127.0.0.1:8080/hook" });
 * console.log(hook.min_severity, hook.retries, hook.timeout, hook.backoff, hook.max_backoff); // warn 3 5000 1000 30000
 * ```
 */
export const webhookSchema = z.strictObject({
  url: z.string().refine((text) => {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, { error: (issue) => `expected an http(s) URL, got ${JSON.stringify(issue.input)}` }),
  min_severity: z.enum(WEBHOOK_SEVERITIES).default("warn"),
  send_clear: z.boolean().default(true),
  detectors: z.array(z.enum(ALERT_DETECTORS)).min(1).default([...ALERT_DETECTORS]),
  retries: z.number().int().min(0).max(20).default(3),
  timeout: durationSchema().default(5_000),
  backoff: durationSchema().default(1_000),
  max_backoff: durationSchema().default(30_000),
  headers: z.record(z.string(), z.string()).default({}),
});

/**
 * The `[alerts]` table.
 *
 * @example The default window
 * ```ts
 * import { alertsSchema } from "./recipe_schema.ts";
 * const alerts = alertsSchema.parse({});
 * console.log(alerts.window, alerts.anomaly, alerts.webhooks); // 60000 undefined []
 * ```
 */
export const alertsSchema = z.strictObject({
  window: durationSchema().default(60_000),
  rules: z.array(alertRuleSchema).default([]),
  anomaly: anomalySchema.optional(),
  webhooks: z.array(webhookSchema).default([]),
});

/**
 * A `host:port` listen address (`[::1]:port` for IPv6).
 *
 * @example Parsing an address
 * ```ts
 * import { listenAddressSchema } from "./recipe_schema.ts";
 * console.log(listenAddressSchema.parse("127.0.0.1:9469")); // { hostname: "127.0.0.1", port: 9469 }
 * ```
 */
export const listenAddressSchema = z.string().transform((text, ctx) => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65_535)) {
    ctx.issues.push({
      code: "custom",
      message: `expected "host:port" such as "127.0.0.1:9469", got ${JSON.stringify(text)}`,
      input: text,
    });
    return z.NEVER;
  }
  return { hostname: (match[1] ?? match[2])!, port };
});

/**
 * Default histogram buckets of latency metrics exposed to Prometheus, ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_LATENCY_BUCKETS_MS } from "./recipe_schema.ts";
 * console.log(DEFAULT_LATENCY_BUCKETS_MS.length); // 16
 * ```
 */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.1,
  0.25,
  0.5,
  1,
  2,
  5,
  10,
  20,
  30,
  50,
  75,
  100,
  200,
  500,
  1000,
  2000,
]);

/**
 * The `[export.prometheus]` table: serve `/metrics` on `listen` while the recipe runs.
 *
 * @example The defaults
 * ```ts
 * import { prometheusExportSchema } from "./recipe_schema.ts";
 * const prometheus = prometheusExportSchema.parse({});
 * console.log(prometheus.listen, prometheus.loss_window, prometheus.linger); // { hostname: "127.0.0.1", port: 9469 } 60000 0
 * ```
 */
export const prometheusExportSchema = z.strictObject({
  listen: listenAddressSchema.prefault("127.0.0.1:9469"),
  loss_window: durationSchema().default(60_000),
  // Keep serving the final values this long after the run ends, so that a short recipe's last
  // figures are scraped ("0s": stop at once).
  linger: durationSchema({ allowZero: true }).default(0),
  latency_buckets: z.array(z.number().positive()).min(1)
    .refine((buckets) => buckets.every((b, i) => i === 0 || b > buckets[i - 1]!), {
      error: "must be increasing",
    })
    .default([...DEFAULT_LATENCY_BUCKETS_MS]),
});

/**
 * The `[export]` table: ways to expose a running recipe's measurements.
 *
 * @example Nothing exported by default
 * ```ts
 * import { exportSchema } from "./recipe_schema.ts";
 * console.log(exportSchema.parse({}).prometheus); // undefined
 * ```
 */
export const exportSchema = z.strictObject({
  prometheus: prometheusExportSchema.optional(),
});

/**
 * Default `[store] raw_retention`: raw samples are kept 30 days, then compacted into the
 * rollups.
 *
 * @example Thirty days
 * ```ts
 * import { DEFAULT_RAW_RETENTION_MS } from "./recipe_schema.ts";
 * console.log(DEFAULT_RAW_RETENTION_MS / 86_400_000); // 30
 * ```
 */
export const DEFAULT_RAW_RETENTION_MS = 30 * 86_400_000;

/**
 * Default `[store] rollup_retention`: per-minute rollups are kept 400 days (hour rollups are
 * kept for good).
 *
 * @example Four hundred days
 * ```ts
 * import { DEFAULT_ROLLUP_RETENTION_MS } from "./recipe_schema.ts";
 * console.log(DEFAULT_ROLLUP_RETENTION_MS / 86_400_000); // 400
 * ```
 */
export const DEFAULT_ROLLUP_RETENTION_MS = 400 * 86_400_000;

/** A retention: a duration, or `"forever"` (parsed to `Infinity`: nothing is deleted). */
function retentionSchema(fallback: number) {
  const duration = durationSchema();
  return z.string({ error: durationTypeError }).transform((text, ctx) => {
    if (text === "forever") return Number.POSITIVE_INFINITY;
    const parsed = duration.safeParse(text);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.issues.push({ code: "custom", message: `${issue.message} (or "forever")`, input: text });
    }
    return z.NEVER;
  }).default(fallback);
}

/**
 * The `[store]` table. A relative `path` resolves against the current directory (not the
 * recipe's folder), like any path given on the command line.
 *
 * `raw_retention` (default `"30d"`): raw samples older than this are deleted while the run
 * goes, once rolled up into per-minute and per-hour summaries, which then answer queries,
 * charts and reports over that period. `rollup_retention` (default `"400d"`, at least
 * `raw_retention`): per-minute rollups older than this are deleted; per-hour ones are kept.
 * Either can be `"forever"`.
 *
 * @example The defaults
 * ```ts
 * import { storeSchema } from "./recipe_schema.ts";
 * console.log(storeSchema.parse({}));
 * // { path: "bufferbane.db", flush_interval: 1000, raw_retention: 2592000000, rollup_retention: 34560000000 }
 * ```
 */
export const storeSchema = z.strictObject({
  path: nonEmptyString.default("bufferbane.db"),
  flush_interval: durationSchema().default(1_000),
  raw_retention: retentionSchema(DEFAULT_RAW_RETENTION_MS),
  rollup_retention: retentionSchema(DEFAULT_ROLLUP_RETENTION_MS),
}).superRefine((store, ctx) => {
  if (store.rollup_retention < store.raw_retention) {
    ctx.addIssue({
      code: "custom",
      path: ["rollup_retention"],
      message: `must be at least raw_retention (${formatRetention(store.raw_retention)}), got ${
        formatRetention(store.rollup_retention)
      }: minute rollups would go before the samples they summarize`,
    });
  }
}, { when: whenKeysValid("raw_retention", "rollup_retention") });

function formatRetention(ms: number): string {
  return Number.isFinite(ms) ? formatDuration(ms) : "forever";
}

/**
 * The `[report]` table. A relative `output_dir` resolves against the current directory.
 *
 * @example The default folder
 * ```ts
 * import { reportSchema } from "./recipe_schema.ts";
 * console.log(reportSchema.parse({ formats: ["html"] }).output_dir); // reports
 * ```
 */
export const reportSchema = z.strictObject({
  formats: z.array(z.enum(REPORT_FORMATS)).default([]),
  output_dir: nonEmptyString.default("reports"),
  charts: z.array(nonEmptyString).default([]),
  on_finish: z.boolean().default(false),
});

/**
 * `[interface_types]`: interface name -> declared kind, overriding what discovery detects.
 *
 * @example
 * ```ts
 * import { interfaceTypesSchema } from "./recipe_schema.ts";
 * console.log(interfaceTypesSchema.parse({ "bb-wifi": "wifi" })); // { "bb-wifi": "wifi" }
 * ```
 */
export const interfaceTypesSchema = z.record(
  z.string().regex(/^[^\s/]{1,15}$/, "an interface name (1-15 characters, no spaces or /)"),
  z.enum(INTERFACE_KINDS),
);

/**
 * A whole recipe document as written (after environment interpolation), before the plugin
 * registry is consulted.
 *
 * @example A minimal document
 * ```ts
 * import { recipeSchema } from "./recipe_schema.ts";
 * const doc = recipeSchema.parse({ name: "demo", duration: "10m" });
 * console.log(doc.duration, doc.interfaces, doc.store.path); // 600000 [] bufferbane.db
 * ```
 */
export const recipeSchema = z.strictObject({
  name: nonEmptyString,
  description: z.string().optional(),
  duration: durationSchema().optional(),
  interfaces: interfacesSchema.default([]),
  interface_types: interfaceTypesSchema.default({}),
  plugins: z.array(nonEmptyString).default([]),
  servers: z.array(serverSchema).default([]),
  probes: z.array(probeSchema).default([]),
  tests: z.array(testSchema).default([]),
  alerts: alertsSchema.prefault({}),
  export: exportSchema.prefault({}),
  store: storeSchema.prefault({}),
  report: reportSchema.prefault({}),
});

/**
 * A recipe document as {@linkcode recipeSchema} outputs it (before the registry fills plugin
 * defaults and options).
 *
 * @example Typing a parsed document
 * ```ts
 * import { recipeSchema, type RecipeDocument } from "./recipe_schema.ts";
 * const doc: RecipeDocument = recipeSchema.parse({ name: "demo" });
 * console.log(doc.probes.length); // 0
 * ```
 */
export type RecipeDocument = z.output<typeof recipeSchema>;

/**
 * Interfaces as a recipe gives them: `"auto"` or a list (`[]` = the default route).
 *
 * @example Both forms
 * ```ts
 * import type { RecipeInterfaces } from "./recipe_schema.ts";
 * const every: RecipeInterfaces = "auto";
 * const two: RecipeInterfaces = ["wlan0", "eth0"];
 * ```
 */
export type RecipeInterfaces = z.output<typeof interfacesSchema>;

/**
 * A validated `[[servers]]` entry (`host` always set).
 *
 * @example An embedded server
 * ```ts
 * import type { RecipeServer } from "./recipe_schema.ts";
 * const server: RecipeServer = { name: "local", host: "127.0.0.1", port: 9876, embedded: true };
 * ```
 */
export type RecipeServer = z.output<typeof serverSchema>;

/**
 * A validated `[[probes]]` entry: interval and timeout filled (recipe, else plugin default,
 * else 1000 / 2000 ms), options parsed by the plugin's schema (defaults filled). `interfaces`
 * is `undefined` when the probe uses the recipe's interfaces.
 *
 * @example A DNS probe
 * ```ts
 * import type { RecipeProbe } from "./recipe_schema.ts";
 * const probe: RecipeProbe = {
 *   plugin: "dns", targets: ["example.com"], servers: [], interval: 1000, timeout: 2000,
 *   options: { record_type: "A" },
 * };
 * ```
 */
export type RecipeProbe = Omit<z.output<typeof probeSchema>, "interval" | "timeout" | "options"> & {
  /** Probe interval in milliseconds. */
  interval: number;
  /** Timeout in milliseconds. */
  timeout: number;
  /** Options as the plugin's schema outputs them. */
  options: Record<string, unknown>;
};

/**
 * A validated `[[tests]]` entry: timeout filled, options parsed by the plugin's schema.
 * `interfaces` is `undefined` when the test uses the recipe's interfaces.
 *
 * @example An hourly test
 * ```ts
 * import type { RecipeTest } from "./recipe_schema.ts";
 * const test: RecipeTest = {
 *   plugin: "bufferbloat", every: 3_600_000, at_start: true, targets: [], servers: [],
 *   timeout: 30_000, options: {},
 * };
 * ```
 */
export type RecipeTest = Omit<z.output<typeof testSchema>, "timeout" | "options"> & {
  /** Timeout in milliseconds. */
  timeout: number;
  /** Options as the plugin's schema outputs them. */
  options: Record<string, unknown>;
};

/**
 * A validated alert rule, `window` filled from `alerts.window` when absent.
 *
 * @example A p95 latency rule
 * ```ts
 * import type { RecipeAlertRule } from "./recipe_schema.ts";
 * const rule: RecipeAlertRule = {
 *   metric: "rtt", stat: "p95", warn: 50, critical: 100, window: 30_000, min_samples: 3,
 * };
 * ```
 */
export type RecipeAlertRule = Omit<z.output<typeof alertRuleSchema>, "window"> & {
  /** Window the statistic is computed over, in milliseconds. */
  window: number;
};

/**
 * The validated `[alerts]` table, with complete rules.
 *
 * @example No rules
 * ```ts
 * import type { RecipeAlerts } from "./recipe_schema.ts";
 * const alerts: RecipeAlerts = { window: 60_000, rules: [], webhooks: [] };
 * ```
 */
export type RecipeAlerts = Omit<z.output<typeof alertsSchema>, "rules"> & {
  /** Complete rules. */
  rules: RecipeAlertRule[];
};

/**
 * A validated `[[alerts.webhooks]]` entry (durations in ms).
 *
 * @example A webhook with the defaults
 * ```ts
 * import type { RecipeWebhook } from "./recipe_schema.ts";
 * const hook: RecipeWebhook = {
 *   url: "http://127.0.0.1:8080/hook", min_severity: "warn", send_clear: true,
 *   detectors: ["anomaly", "threshold"], retries: 3, timeout: 5000, backoff: 1000,
 *   max_backoff: 30_000, headers: {},
 * };
 * ```
 */
export type RecipeWebhook = z.output<typeof webhookSchema>;

/**
 * A validated `[alerts.anomaly]` table (durations in ms).
 *
 * @example Reading a parsed table
 * ```ts
 * import { anomalySchema, type RecipeAnomaly } from "./recipe_schema.ts";
 * const anomaly: RecipeAnomaly = anomalySchema.parse({});
 * console.log(anomaly.cooldown); // 600000
 * ```
 */
export type RecipeAnomaly = z.output<typeof anomalySchema>;

/**
 * A validated `[export.prometheus]` table.
 *
 * @example Reading a parsed table
 * ```ts
 * import { prometheusExportSchema, type RecipePrometheusExport } from "./recipe_schema.ts";
 * const prometheus: RecipePrometheusExport = prometheusExportSchema.parse({ listen: "127.0.0.1:0" });
 * console.log(prometheus.listen.port); // 0
 * ```
 */
export type RecipePrometheusExport = z.output<typeof prometheusExportSchema>;

/**
 * The validated `[store]` table.
 *
 * @example The defaults
 * ```ts
 * import type { RecipeStore } from "./recipe_schema.ts";
 * const store: RecipeStore = {
 *   path: "bufferbane.db", flush_interval: 1000, raw_retention: 2_592_000_000,
 *   rollup_retention: Infinity,
 * };
 * ```
 */
export type RecipeStore = z.output<typeof storeSchema>;

/**
 * The validated `[report]` table.
 *
 * @example HTML at the end of the run
 * ```ts
 * import type { RecipeReport } from "./recipe_schema.ts";
 * const report: RecipeReport = {
 *   formats: ["html"], output_dir: "reports", charts: [], on_finish: true,
 * };
 * ```
 */
export type RecipeReport = z.output<typeof reportSchema>;

/**
 * Where a recipe came from.
 *
 * @example A recipe file
 * ```ts
 * import type { RecipeSource } from "./recipe_schema.ts";
 * const source: RecipeSource = {
 *   path: "recipes/quickstart.toml", text: 'name = "quickstart"', hash: "0f3a...", dir: "/srv/recipes",
 * };
 * ```
 */
export interface RecipeSource {
  /** The path as the caller gave it (used in messages). */
  path: string;
  /** The original text, before interpolation. */
  text: string;
  /** SHA-256 of `text`, lowercase hex. */
  hash: string;
  /** Absolute folder of the recipe; custom plugin paths resolve against it. */
  dir: string;
}

/**
 * A validated recipe, ready for the runner: durations in milliseconds, every default filled.
 * `duration` is `undefined` when the recipe runs until stopped.
 *
 * @example Reading a loaded recipe
 * ```ts ignore
 * import { loadRecipe } from "./recipe.ts";
 * const { recipe } = await loadRecipe("recipes/quickstart.toml", { registry });
 * for (const probe of recipe.probes) console.log(probe.plugin, probe.interval);
 * ```
 */
export type Recipe =
  & Omit<RecipeDocument, "probes" | "tests" | "alerts">
  & {
    /** Periodic probes. */
    probes: RecipeProbe[];
    /** Bounded tests. */
    tests: RecipeTest[];
    /** Alerting. */
    alerts: RecipeAlerts;
    /** Where the recipe came from. */
    source: RecipeSource;
    /** Absolute paths of the custom plugin files it loaded. */
    plugin_paths: string[];
  };
