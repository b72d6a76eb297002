import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { z } from "zod";
import {
  alertRuleSchema,
  alertsSchema,
  durationSchema,
  interfacesSchema,
  MIN_PROBE_INTERVAL_MS,
  minProbeInterval,
  probeIntervalProblem,
  probeSchema,
  prometheusExportSchema,
  recipeSchema,
  reportSchema,
  serverSchema,
  SHORTEST_PROBE_INTERVAL_MS,
  storeSchema,
  targetsSchema,
  testSchema,
} from "./recipe_schema.ts";

function messages(result: { error?: z.ZodError }): string[] {
  return result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];
}

Deno.test("durationSchema() parses durations to milliseconds", () => {
  strictEqual(durationSchema().parse("250ms"), 250);
  strictEqual(durationSchema().parse("1h30m"), 5_400_000);
});

Deno.test("durationSchema() rejects text that is not a duration, zero and values under min", () => {
  deepStrictEqual(messages(durationSchema().safeParse("1x")), [': invalid duration "1x"']);
  deepStrictEqual(messages(durationSchema().safeParse("0ms")), [
    ': must be greater than 0, got "0ms"',
  ]);
  deepStrictEqual(messages(durationSchema({ min: 10 }).safeParse("9ms")), [
    ': must be at least 10ms, got "9ms"',
  ]);
  strictEqual(durationSchema({ min: 10 }).parse("10ms"), 10);
  deepStrictEqual(messages(durationSchema().safeParse(5)), [
    ': expected a duration such as "1s" or "5m", got 5',
  ]);
});

Deno.test("serverSchema defaults the host of an embedded server and requires it otherwise", () => {
  deepStrictEqual(serverSchema.parse({ name: "local", embedded: true }), {
    name: "local",
    host: "127.0.0.1",
    port: 9876,
    embedded: true,
  });
  deepStrictEqual(messages(serverSchema.safeParse({ name: "far" })), [
    "host: missing required key (only an embedded server may leave it out)",
  ]);
  deepStrictEqual(messages(serverSchema.safeParse({ name: "far", port: 0 })), [
    "port: Too small: expected number to be >=1",
    "host: missing required key (only an embedded server may leave it out)",
  ]);
});

Deno.test("serverSchema rejects names outside [a-z0-9_-] and ports outside 1..65535", () => {
  deepStrictEqual(
    messages(serverSchema.safeParse({ name: "Vienna 1", host: "h", dns_port: 65_536 })),
    [
      'name: invalid server name "Vienna 1": use lowercase letters, digits, "_" and "-"',
      "dns_port: Too big: expected number to be <=65535",
    ],
  );
});

Deno.test("targetsSchema takes a single string as a list of one", () => {
  deepStrictEqual(targetsSchema.parse("example.com"), ["example.com"]);
  deepStrictEqual(targetsSchema.parse(["a", "b"]), ["a", "b"]);
});

Deno.test('interfacesSchema accepts "auto" or a list and nothing else', () => {
  strictEqual(interfacesSchema.parse("auto"), "auto");
  deepStrictEqual(interfacesSchema.parse(["eth0"]), ["eth0"]);
  deepStrictEqual(messages(interfacesSchema.safeParse("eth0")), [
    ': expected a list of interface names or "auto", got "eth0"',
  ]);
});

Deno.test("probeSchema and testSchema leave interval and timeout to the plugin", () => {
  deepStrictEqual(probeSchema.parse({ plugin: "dns" }), {
    plugin: "dns",
    targets: [],
    servers: [],
    options: {},
  });
  deepStrictEqual(testSchema.parse({ plugin: "bufferbloat", every: "1h", timeout: "1m" }), {
    plugin: "bufferbloat",
    every: 3_600_000,
    at_start: true,
    targets: [],
    servers: [],
    timeout: 60_000,
    options: {},
  });
});

Deno.test("probeSchema takes intervals down to 1ms and leaves the plugin's minimum to recipe.ts", () => {
  strictEqual(probeSchema.parse({ plugin: "udp-echo", interval: "1ms" }).interval, 1);
  strictEqual(probeSchema.parse({ plugin: "dns", interval: "5ms" }).interval, 5);
  deepStrictEqual(messages(probeSchema.safeParse({ plugin: "udp-echo", interval: "500us" })), [
    'interval: must be at least 1ms, got "500us"',
  ]);
});

Deno.test("minProbeInterval() is the plugin's own, else 10ms, never under 1ms", () => {
  deepStrictEqual([MIN_PROBE_INTERVAL_MS, SHORTEST_PROBE_INTERVAL_MS], [10, 1]);
  deepStrictEqual(
    [{}, { minInterval: 1 }, { minInterval: 50 }, { minInterval: 0 }].map(minProbeInterval),
    [10, 1, 50, 1],
  );
});

Deno.test("probeIntervalProblem() names the plugin and its minimum, and leaves the rest to the schema", () => {
  strictEqual(
    probeIntervalProblem("5ms", { name: "icmp" }),
    'must be at least 10ms for plugin "icmp", got "5ms"',
  );
  strictEqual(
    probeIntervalProblem("2ms", { name: "slow", minInterval: 50 }),
    'must be at least 50ms for plugin "slow", got "2ms"',
  );
  strictEqual(probeIntervalProblem("10ms", { name: "icmp" }), undefined);
  strictEqual(probeIntervalProblem("1ms", { name: "udp-echo", minInterval: 1 }), undefined);
  // Not a duration, or under the floor: the schema says so already.
  strictEqual(probeIntervalProblem("1x", { name: "icmp" }), undefined);
  strictEqual(probeIntervalProblem("500us", { name: "icmp" }), undefined);
});

Deno.test("alertRuleSchema needs warn or critical, with warn <= critical", () => {
  deepStrictEqual(messages(alertRuleSchema.safeParse({ metric: "rtt" })), [
    ": set warn, critical or both",
  ]);
  deepStrictEqual(messages(alertRuleSchema.safeParse({ metric: "rtt", warn: 2, critical: 1 })), [
    "warn: must not exceed critical, got warn = 2 and critical = 1",
  ]);
  strictEqual(alertRuleSchema.safeParse({ metric: "rtt", warn: 1, critical: 1 }).success, true);
});

Deno.test("alertRuleSchema checks thresholds even when another key is wrong", () => {
  deepStrictEqual(messages(alertRuleSchema.safeParse({ metric: "rtt", stat: "p90", typo: 1 })), [
    'stat: Invalid option: expected one of "avg"|"min"|"max"|"p50"|"p95"|"p99"|"loss_pct"|"jitter"',
    ': Unrecognized key: "typo"',
    ": set warn, critical or both",
  ]);
  deepStrictEqual(messages(alertRuleSchema.safeParse(5)), [
    ": Invalid input: expected object, received number",
  ]);
});

Deno.test("alertsSchema, storeSchema and reportSchema fill their defaults", () => {
  deepStrictEqual(alertsSchema.parse({}), { window: 60_000, rules: [], webhooks: [] });
  deepStrictEqual(storeSchema.parse({}), {
    path: "bufferbane.db",
    flush_interval: 1000,
    raw_retention: 30 * 86_400_000,
    rollup_retention: 400 * 86_400_000,
  });
  deepStrictEqual(reportSchema.parse({}), {
    formats: [],
    output_dir: "reports",
    charts: [],
    on_finish: false,
  });
});

Deno.test("recipeSchema needs only a name and rejects unknown keys", () => {
  deepStrictEqual(recipeSchema.parse({ name: "x" }), {
    name: "x",
    interfaces: [],
    interface_types: {},
    plugins: [],
    servers: [],
    probes: [],
    tests: [],
    alerts: { window: 60_000, rules: [], webhooks: [] },
    export: {},
    store: {
      path: "bufferbane.db",
      flush_interval: 1000,
      raw_retention: 30 * 86_400_000,
      rollup_retention: 400 * 86_400_000,
    },
    report: { formats: [], output_dir: "reports", charts: [], on_finish: false },
  });
  const result = recipeSchema.safeParse({ name: "x", store: { pth: "x" } });
  deepStrictEqual(
    result.error?.issues.map((issue) => ({ code: issue.code, path: issue.path })),
    [{ code: "unrecognized_keys", path: ["store"] }],
  );
});

Deno.test("durationSchema({ allowZero }) accepts 0s only when asked; linger uses it", () => {
  deepStrictEqual(durationSchema({ allowZero: true }).parse("0s"), 0);
  deepStrictEqual(
    durationSchema().safeParse("0s").error?.issues[0]?.message,
    'must be greater than 0, got "0s"',
  );
  deepStrictEqual(prometheusExportSchema.parse({ linger: "0s" }).linger, 0);
  deepStrictEqual(prometheusExportSchema.parse({ linger: "3s" }).linger, 3000);
  deepStrictEqual(prometheusExportSchema.parse({ listen: "[::1]:9469" }).listen, {
    hostname: "::1",
    port: 9469,
  });
});
