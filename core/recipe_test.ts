import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";
import type { AnyPlugin } from "./contract.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";
import {
  describeRecipe,
  loadRecipe,
  parseRecipe,
  type ParseRecipeOptions,
  RecipeError,
} from "./recipe.ts";
import { PluginRegistry } from "./registry.ts";

const testdata = new URL("./testdata/recipes/", import.meta.url).pathname;
const FILE = "recipes/x.toml";

function fakePlugin(plugin: Partial<AnyPlugin> & Pick<AnyPlugin, "name">): AnyPlugin {
  return {
    description: `Fake ${plugin.name}`,
    kind: "probe",
    targets: "optional",
    metrics: [{ name: "rtt", unit: "ms", description: "Round-trip time" }],
    options: z.strictObject({}),
    defaults: {},
    async *run() {},
    ...plugin,
  };
}

function fakeRegistry(): PluginRegistry {
  return new PluginRegistry()
    .register(fakePlugin({
      name: "dns",
      targets: "required",
      metrics: [{ name: "resolve_time", unit: "ms", description: "Resolve time" }],
      options: z.strictObject({
        record_type: z.enum(["A", "AAAA"]).default("A"),
        resolver: z.string().optional(),
      }),
      defaults: { record_type: "A" },
    }))
    .register(fakePlugin({
      name: "icmp",
      targets: "required",
      metrics: [
        { name: "rtt", unit: "ms", description: "Round-trip time" },
        { name: "loss", unit: "%", description: "Loss" },
      ],
      options: z.strictObject({ size: z.number().int().min(8).default(56) }),
      defaults: { size: 56 },
      defaultInterval: 500,
      defaultTimeout: 1000,
    }))
    .register(fakePlugin({ name: "udp-echo", targets: "none", minInterval: 1 }))
    .register(fakePlugin({
      name: "bufferbloat",
      kind: "test",
      options: z.strictObject({
        direction: z.enum(["up", "down", "both"]).default("both"),
        parallel: z.boolean().default(false),
      }),
      defaults: { direction: "both", parallel: false },
      defaultTimeout: 30_000,
    }));
}

function lines(...text: string[]): string {
  return text.join("\n") + "\n";
}

function parse(text: string, options: Partial<ParseRecipeOptions> = {}) {
  return parseRecipe(text, {
    path: FILE,
    registry: fakeRegistry(),
    env: () => undefined,
    ...options,
  });
}

async function recipeError(
  text: string,
  options: Partial<ParseRecipeOptions> = {},
): Promise<RecipeError> {
  try {
    await parse(text, options);
  } catch (error) {
    if (error instanceof RecipeError) return error;
    throw error;
  }
  throw new Error("expected a RecipeError");
}

/** Asserts the error has exactly these problem lines, in this order. */
async function assertProblems(
  text: string,
  expected: string[],
  options: Partial<ParseRecipeOptions> = {},
): Promise<RecipeError> {
  const error = await recipeError(text, options);
  deepStrictEqual(error.message.split("\n"), expected);
  strictEqual(error.problems.length, expected.length);
  return error;
}

const DNS_PROBE = ["[[probes]]", 'plugin = "dns"', 'targets = ["example.com"]'];

// --- valid recipes -----------------------------------------------------------------------------

Deno.test("loadRecipe() returns every section with durations in ms and defaults filled", async () => {
  const path = `${testdata}full.toml`;
  const { recipe } = await loadRecipe(path, {
    registry: fakeRegistry(),
    env: (name) => name === "BUFFERBANE_SECRET" ? "s3cret" : undefined,
  });
  strictEqual(recipe.name, "wifi-vs-ethernet");
  strictEqual(recipe.description, "Compare the two links");
  strictEqual(recipe.duration, 600_000);
  deepStrictEqual(recipe.interfaces, ["wlan0", "eth0"]);
  deepStrictEqual(recipe.servers, [
    { name: "local", host: "127.0.0.1", port: 9876, dns_port: 5353, embedded: true },
    { name: "vienna", host: "203.0.113.7", port: 9000, secret: "s3cret", embedded: false },
  ]);
  deepStrictEqual(recipe.probes, [
    {
      plugin: "dns",
      targets: ["example.com", "example.org"],
      interval: 1000,
      timeout: 2000,
      servers: [],
      options: { record_type: "AAAA" },
    },
    {
      plugin: "udp-echo",
      targets: [],
      interval: 250,
      timeout: 500,
      interfaces: "auto",
      servers: ["local", "vienna"],
      options: {},
    },
  ]);
  deepStrictEqual(recipe.tests, [{
    plugin: "bufferbloat",
    every: 3_600_000,
    at_start: false,
    targets: [],
    servers: ["vienna"],
    timeout: 30_000,
    options: { direction: "up", parallel: false },
  }]);
  deepStrictEqual(recipe.alerts, {
    window: 120_000,
    rules: [
      {
        metric: "rtt",
        plugin: "udp-echo",
        stat: "p95",
        warn: 50,
        critical: 100,
        window: 30_000,
        min_samples: 3,
      },
      { metric: "resolve_time", stat: "avg", critical: 500, window: 120_000, min_samples: 3 },
    ],
    webhooks: [],
  });
  deepStrictEqual(recipe.store, {
    path: "/tmp/bufferbane-test.db",
    flush_interval: 5000,
    raw_retention: 30 * 86_400_000,
    rollup_retention: 400 * 86_400_000,
  });
  deepStrictEqual(recipe.report, {
    formats: ["html", "md"],
    output_dir: "reports",
    charts: ["latency_over_time"],
    on_finish: true,
  });
  deepStrictEqual(recipe.plugin_paths, []);
  const text = await Deno.readTextFile(path);
  deepStrictEqual(recipe.source, {
    path,
    text,
    hash: createHash("sha256").update(text).digest("hex"),
    dir: testdata.replace(/\/$/, ""),
  });
  ok(recipe.source.text.includes("${BUFFERBANE_SECRET}"), "the source keeps the original text");
});

Deno.test("parseRecipe() fills defaults for a minimal recipe", async () => {
  const { recipe } = await parse(
    lines('name = "m"', "[[probes]]", 'plugin = "icmp"', 'targets = "1.1.1.1"'),
  );
  strictEqual(recipe.duration, undefined);
  strictEqual("duration" in recipe, false);
  deepStrictEqual(recipe.interfaces, []);
  deepStrictEqual(recipe.plugins, []);
  deepStrictEqual(recipe.servers, []);
  deepStrictEqual(recipe.probes, [{
    plugin: "icmp",
    targets: ["1.1.1.1"],
    interval: 500,
    timeout: 1000,
    servers: [],
    options: { size: 56 },
  }]);
  deepStrictEqual(recipe.tests, []);
  deepStrictEqual(recipe.alerts, { window: 60_000, rules: [], webhooks: [] });
  deepStrictEqual(recipe.export, {});
  deepStrictEqual(recipe.store, {
    path: "bufferbane.db",
    flush_interval: 1000,
    raw_retention: 30 * 86_400_000,
    rollup_retention: 400 * 86_400_000,
  });
  deepStrictEqual(recipe.report, {
    formats: [],
    output_dir: "reports",
    charts: [],
    on_finish: false,
  });
  strictEqual(recipe.source.path, FILE);
  strictEqual(recipe.source.dir, resolve("recipes"));
});

Deno.test("parseRecipe() uses 1000 ms and 2000 ms when neither recipe nor plugin says", async () => {
  const { recipe } = await parse(lines('name = "m"', ...DNS_PROBE));
  strictEqual(recipe.probes[0]!.interval, 1000);
  strictEqual(recipe.probes[0]!.timeout, 2000);
});

Deno.test("parseRecipe() defaults a test to run at start and fills its timeout", async () => {
  const { recipe } = await parse(
    lines('name = "m"', "[[tests]]", 'plugin = "bufferbloat"', 'every = "30m"'),
  );
  strictEqual(recipe.tests[0]!.at_start, true);
  strictEqual(recipe.tests[0]!.every, 1_800_000);
  strictEqual(recipe.tests[0]!.timeout, 30_000);
});

Deno.test("parseRecipe() accepts dotted and inline plugin options", async () => {
  const { recipe } = await parse(lines(
    'name = "m"',
    ...DNS_PROBE,
    'options.record_type = "AAAA"',
    "[[probes]]",
    'plugin = "icmp"',
    'targets = ["x"]',
    "options = { size = 100 }",
  ));
  deepStrictEqual(recipe.probes[0]!.options, { record_type: "AAAA" });
  deepStrictEqual(recipe.probes[1]!.options, { size: 100 });
});

// --- unknown keys ------------------------------------------------------------------------------

Deno.test("parseRecipe() rejects an unknown key and suggests the closest one", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[[probes]]",
      'plugin = "dns"',
      'targets = ["example.com"]',
      "",
      "",
      'intervall = "1s"',
    ),
    ['recipes/x.toml:7: probes[0].intervall: unknown key (did you mean "interval"?)'],
  );
});

Deno.test("parseRecipe() rejects unknown keys at every level", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      'interface = ["eth0"]',
      ...DNS_PROBE,
      "[probes.options]",
      'recordtype = "A"',
      "[store]",
      'pth = "x.db"',
      "[[servers]]",
      'name = "s"',
      "embeded = true",
      "[alerts]",
      "[[alerts.rules]]",
      'metric = "rtt"',
      "warn = 1",
      "minsamples = 2",
      "[report]",
      "formats = []",
      "on_finsh = true",
    ),
    [
      'recipes/x.toml:2: interface: unknown key (did you mean "interfaces"?)',
      'recipes/x.toml:7: probes[0].options.recordtype: unknown key (did you mean "record_type"?)',
      'recipes/x.toml:9: store.pth: unknown key (did you mean "path"?)',
      "recipes/x.toml:10: servers[0].host: missing required key (only an embedded server may leave it out)",
      'recipes/x.toml:12: servers[0].embeded: unknown key (did you mean "embedded"?)',
      'recipes/x.toml:17: alerts.rules[0].minsamples: unknown key (did you mean "min_samples"?)',
      'recipes/x.toml:20: report.on_finsh: unknown key (did you mean "on_finish"?)',
    ],
  );
});

Deno.test("parseRecipe() lists the known keys when no key is close", async () => {
  await assertProblems(lines('name = "x"', "[store]", 'zzzzzzzz = "x.db"'), [
    "recipes/x.toml:3: store.zzzzzzzz: unknown key (known keys: path, flush_interval, " +
    "raw_retention, rollup_retention)",
  ]);
});

Deno.test("parseRecipe() reads a probe's adaptive interval and checks its bounds at their line", async () => {
  const { recipe } = await parse(
    lines(
      'name = "x"',
      ...DNS_PROBE,
      'interval = "1s"',
      'adaptive = { min = "200ms", max = "5s", window = 6 }',
    ),
  );
  ok(describeRecipe(recipe).some((line) => line.endsWith("every 1s (adaptive 200ms..5s)")));
  deepStrictEqual(recipe.probes[0]!.adaptive, {
    min: 200,
    max: 5000,
    window: 6,
    loss: 0.05,
    jitter: 0.25,
  });
  await assertProblems(
    lines('name = "x"', ...DNS_PROBE, 'adaptive = { min = "5s", max = "1s" }'),
    ["recipes/x.toml:5: probes[0].adaptive.max: must be at least min (5s), got 1s"],
  );
  await assertProblems(
    lines('name = "x"', ...DNS_PROBE, 'adaptive = { min = "5ms", max = "1s", speed = 2 }'),
    [
      "recipes/x.toml:5: probes[0].adaptive.speed: unknown key (known keys: min, max, window, loss, jitter)",
      'recipes/x.toml:5: probes[0].adaptive.min: must be at least 10ms for plugin "dns", got "5ms"',
    ],
  );
});

Deno.test("parseRecipe() reads retentions, 'forever' included, and rejects bad ones at their line", async () => {
  const { recipe } = await parse(
    lines('name = "x"', "[store]", 'raw_retention = "7d"', 'rollup_retention = "forever"'),
  );
  strictEqual(recipe.store.raw_retention, 7 * 86_400_000);
  strictEqual(recipe.store.rollup_retention, Number.POSITIVE_INFINITY);
  await assertProblems(lines('name = "x"', "[store]", 'raw_retention = "1x"'), [
    'recipes/x.toml:3: store.raw_retention: invalid duration "1x" (or "forever")',
  ]);
  await assertProblems(
    lines('name = "x"', "[store]", 'raw_retention = "30d"', 'rollup_retention = "1d"'),
    [
      "recipes/x.toml:4: store.rollup_retention: must be at least raw_retention (30d), got 1d: " +
      "minute rollups would go before the samples they summarize",
    ],
  );
});

// --- values ------------------------------------------------------------------------------------

Deno.test("parseRecipe() reports an invalid duration at its line", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      ...DNS_PROBE,
      "[[probes]]",
      'plugin = "icmp"',
      'targets = ["x"]',
      'interval = "1x"',
    ),
    ['recipes/x.toml:8: probes[1].interval: invalid duration "1x"'],
  );
});

Deno.test("parseRecipe() rejects intervals under the plugin's minimum, zero durations and non-strings", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      'duration = "0s"',
      ...DNS_PROBE,
      'interval = "5ms"',
      "timeout = 2000",
    ),
    [
      'recipes/x.toml:2: duration: must be greater than 0, got "0s"',
      'recipes/x.toml:6: probes[0].interval: must be at least 10ms for plugin "dns", got "5ms"',
      'recipes/x.toml:7: probes[0].timeout: expected a duration such as "1s" or "5m", got 2000',
    ],
  );
});

Deno.test("parseRecipe() takes each plugin's own minimum interval, also from --set", async () => {
  const udpEcho = ["[[probes]]", 'plugin = "udp-echo"'];
  const icmp = ["[[probes]]", 'plugin = "icmp"', 'targets = ["x"]'];
  const { recipe } = await parse(lines('name = "x"', ...udpEcho, 'interval = "1ms"'));
  strictEqual(recipe.probes[0]!.interval, 1);
  await assertProblems(
    lines(
      'name = "x"',
      ...udpEcho,
      'interval = "500us"',
      ...icmp,
      'interval = "1ms"',
      ...icmp,
      'interval = "10ms"',
    ),
    [
      '--set probes[2].interval: must be at least 10ms for plugin "icmp", got "2ms"',
      'recipes/x.toml:4: probes[0].interval: must be at least 1ms, got "500us"',
      'recipes/x.toml:8: probes[1].interval: must be at least 10ms for plugin "icmp", got "1ms"',
    ],
    { overrides: { "probes[2].interval": "2ms" } },
  );
});

Deno.test("parseRecipe() reports wrong types, ranges and enum values", async () => {
  await assertProblems(
    lines(
      "name = 5",
      'interfaces = "eth0"',
      "[[servers]]",
      'name = "Local"',
      'host = "h"',
      "port = 70000",
      "[[probes]]",
      'plugin = "dns"',
      'targets = ["x", ""]',
      "options = 5",
      "[report]",
      'formats = ["html", "xml"]',
    ),
    [
      "recipes/x.toml:1: name: expected a string, got 5",
      'recipes/x.toml:2: interfaces: expected a list of interface names or "auto", got "eth0"',
      'recipes/x.toml:4: servers[0].name: invalid server name "Local": use lowercase letters, digits, "_" and "-"',
      "recipes/x.toml:6: servers[0].port: must be at most 65535, got 70000",
      "recipes/x.toml:9: probes[0].targets[1]: must not be empty",
      "recipes/x.toml:10: probes[0].options: expected a table, got 5",
      'recipes/x.toml:12: report.formats[1]: expected one of "html", "md", "pdf", "json", "csv", got "xml"',
    ],
  );
});

Deno.test("parseRecipe() places a missing required key at its table header", async () => {
  await assertProblems(
    lines(
      'description = "no name"',
      "[[servers]]",
      'name = "far"',
      "[[probes]]",
      'targets = ["x"]',
      "[[tests]]",
      'plugin = "bufferbloat"',
      "[[alerts.rules]]",
      "warn = 1",
    ),
    [
      "recipes/x.toml:1: name: missing required key",
      "recipes/x.toml:2: servers[0].host: missing required key (only an embedded server may leave it out)",
      "recipes/x.toml:4: probes[0].plugin: missing required key",
      "recipes/x.toml:6: tests[0].every: missing required key",
      "recipes/x.toml:8: alerts.rules[0].metric: missing required key",
    ],
  );
});

Deno.test("parseRecipe() reports a list given as a table", async () => {
  await assertProblems(lines('name = "x"', "[servers]", 'name = "a"'), [
    "recipes/x.toml:2: servers: expected a list, got a table",
  ]);
});

// --- plugins -----------------------------------------------------------------------------------

Deno.test("parseRecipe() names an unknown plugin and lists the known ones", async () => {
  await assertProblems(lines('name = "x"', "[[probes]]", 'plugin = "dnss"'), [
    'recipes/x.toml:3: probes[0].plugin: unknown plugin "dnss" (known: bufferbloat, dns, icmp, udp-echo)',
  ]);
});

Deno.test("parseRecipe() checks that probes are probes and tests are tests", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[[probes]]",
      'plugin = "bufferbloat"',
      "[[tests]]",
      'plugin = "udp-echo"',
      'every = "1h"',
    ),
    [
      'recipes/x.toml:3: probes[0].plugin: "bufferbloat" is a test plugin: declare it under [[tests]]',
      'recipes/x.toml:5: tests[0].plugin: "udp-echo" is a probe plugin: declare it under [[probes]]',
    ],
  );
});

Deno.test("parseRecipe() requires targets when the plugin does and refuses them when it takes none", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[[probes]]",
      'plugin = "dns"',
      "[[probes]]",
      'plugin = "icmp"',
      "targets = []",
      "[[probes]]",
      'plugin = "udp-echo"',
      'targets = ["x"]',
    ),
    [
      'recipes/x.toml:2: probes[0].targets: plugin "dns" needs at least one target',
      'recipes/x.toml:6: probes[1].targets: plugin "icmp" needs at least one target',
      'recipes/x.toml:9: probes[2].targets: plugin "udp-echo" takes no targets',
    ],
  );
});

Deno.test("parseRecipe() validates plugin options with the plugin's own schema", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      ...DNS_PROBE,
      "[probes.options]",
      'record_type = "MX"',
      "[[probes]]",
      'plugin = "icmp"',
      'targets = ["x"]',
      'options = { size = "big" }',
      "[[tests]]",
      'plugin = "bufferbloat"',
      'every = "1h"',
      "options.parallel = 1",
    ),
    [
      'recipes/x.toml:6: probes[0].options.record_type: expected one of "A", "AAAA", got "MX"',
      'recipes/x.toml:10: probes[1].options.size: expected a number, got "big"',
      "recipes/x.toml:14: tests[0].options.parallel: expected true or false, got 1",
    ],
  );
});

Deno.test("parseRecipe() loads custom plugins into a clone of the registry", async () => {
  const registry = fakeRegistry();
  const { recipe, registry: extended } = await loadRecipe(`${testdata}custom_plugin.toml`, {
    registry,
  });
  ok(extended.has("counter"));
  ok(!registry.has("counter"), "the caller's registry is not modified");
  deepStrictEqual(recipe.plugin_paths, [resolve(testdata, "../plugins/counter.ts")]);
  deepStrictEqual(recipe.probes[0]!.options, { step: 5 });
});

Deno.test("parseRecipe() reports a plugin file that fails to load at its line", async () => {
  const path = `${testdata}bad_plugins.toml`;
  try {
    await loadRecipe(path, { registry: fakeRegistry() });
    throw new Error("expected a RecipeError");
  } catch (error) {
    ok(error instanceof RecipeError);
    strictEqual(error.code, ErrorCode.RecipeInvalid);
    deepStrictEqual(error.message.split("\n"), [
      `${path}:3: plugins[0]: Plugin file "../plugins/missing.ts" not found (looked at ${
        resolve(testdata, "../plugins/missing.ts")
      })`,
      `${path}:4: plugins[1]: Plugin file "../plugins/not_a_plugin.ts": not a plugin: kind: Invalid option: expected one of "probe"|"test" (export default a plugin object or a factory returning one (see README))`,
    ]);
  }
});

Deno.test("parseRecipe() reports a custom plugin that clashes with a registered one", async () => {
  const registry = fakeRegistry().register(fakePlugin({ name: "counter" }));
  const error = await recipeError(
    lines('name = "x"', 'plugins = ["counter.ts"]'),
    { registry, dir: resolve(testdata, "../plugins") },
  );
  strictEqual(
    error.message,
    `recipes/x.toml:2: plugins[0]: Plugin "counter" from ${
      resolve(testdata, "../plugins/counter.ts")
    } is already registered (from built-in) (give the custom plugin another name)`,
  );
});

// --- servers and alerts ------------------------------------------------------------------------

Deno.test("parseRecipe() rejects duplicate server names and unknown server references", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[[servers]]",
      'name = "a"',
      "embedded = true",
      "[[servers]]",
      'name = "a"',
      'host = "h"',
      "[[probes]]",
      'plugin = "udp-echo"',
      'servers = ["a", "b"]',
      "[[tests]]",
      'plugin = "bufferbloat"',
      'every = "1h"',
      'servers = ["c"]',
    ),
    [
      'recipes/x.toml:6: servers[1].name: duplicate server name "a" (also servers[0])',
      'recipes/x.toml:10: probes[0].servers[1]: unknown server "b" (declared: a)',
      'recipes/x.toml:14: tests[0].servers[0]: unknown server "c" (declared: a)',
    ],
  );
});

Deno.test("parseRecipe() says when a server is referenced but none is declared", async () => {
  await assertProblems(
    lines('name = "x"', "[[probes]]", 'plugin = "udp-echo"', 'servers = ["a"]'),
    [
      'recipes/x.toml:4: probes[0].servers[0]: unknown server "a" (no [[servers]] declared)',
    ],
  );
});

Deno.test("parseRecipe() checks alert thresholds, stats and filters", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[alerts]",
      'window = "0s"',
      "[[alerts.rules]]",
      'metric = "rtt"',
      "warn = 100",
      "critical = 50",
      "[[alerts.rules]]",
      'metric = "rtt"',
      'stat = "p90"',
      "[[alerts.rules]]",
      'metric = "rtx"',
      'plugin = "icmp"',
      'server = "nowhere"',
      "critical = 1",
      "[[alerts.rules]]",
      'metric = "rtt"',
      'plugin = "pingg"',
      "warn = 1",
      "min_samples = 0",
    ),
    [
      'recipes/x.toml:3: alerts.window: must be greater than 0, got "0s"',
      "recipes/x.toml:6: alerts.rules[0].warn: must not exceed critical, got warn = 100 and critical = 50",
      "recipes/x.toml:8: alerts.rules[1]: set warn, critical or both",
      'recipes/x.toml:10: alerts.rules[1].stat: expected one of "avg", "min", "max", "p50", "p95", "p99", "loss_pct", "jitter", got "p90"',
      'recipes/x.toml:12: alerts.rules[2].metric: plugin "icmp" has no metric "rtx" (metrics: rtt, loss)',
      'recipes/x.toml:14: alerts.rules[2].server: unknown server "nowhere" (no [[servers]] declared)',
      'recipes/x.toml:18: alerts.rules[3].plugin: unknown plugin "pingg" (known: bufferbloat, dns, icmp, udp-echo)',
      "recipes/x.toml:20: alerts.rules[3].min_samples: must be at least 1, got 0",
    ],
  );
});

// --- collecting problems -----------------------------------------------------------------------

Deno.test("parseRecipe() collects every problem, sorted by line, into one RECIPE_INVALID error", async () => {
  const text = await Deno.readTextFile(`${testdata}many_problems.toml`);
  const error = await assertProblems(text, [
    'recipes/x.toml:2: duration: invalid duration "1x"',
    "recipes/x.toml:7: servers[0].port: must be at most 65535, got 70000",
    'recipes/x.toml:10: servers[1].name: duplicate server name "local" (also servers[0])',
    'recipes/x.toml:14: probes[0].plugin: unknown plugin "dnss" (known: bufferbloat, dns, icmp, udp-echo)',
    'recipes/x.toml:17: probes[1].targets: plugin "dns" needs at least one target',
    'recipes/x.toml:19: probes[1].intervall: unknown key (did you mean "interval"?)',
    'recipes/x.toml:20: probes[1].servers[0]: unknown server "nowhere" (declared: local)',
    'recipes/x.toml:22: probes[1].options.record_type: expected one of "A", "AAAA", got "MX"',
    'recipes/x.toml:25: probes[2].plugin: "bufferbloat" is a test plugin: declare it under [[tests]]',
    'recipes/x.toml:26: probes[2].interval: must be at least 10ms for plugin "bufferbloat", got "5ms"',
    "recipes/x.toml:30: alerts.rules[0].warn: must not exceed critical, got warn = 100 and critical = 50",
    'recipes/x.toml:34: report.formats[1]: expected one of "html", "md", "pdf", "json", "csv", got "xml"',
  ]);
  ok(error instanceof BufferbaneError);
  strictEqual(error.code, ErrorCode.RecipeInvalid);
  strictEqual(error.file, FILE);
  deepStrictEqual(error.problems[0], {
    line: 2,
    path: "duration",
    message: 'invalid duration "1x"',
  });
});

// --- syntax and missing files ------------------------------------------------------------------

Deno.test("parseRecipe() reports a TOML syntax error with line and column", async () => {
  const text = await Deno.readTextFile(`${testdata}broken_syntax.toml`);
  const error = await recipeError(text);
  strictEqual(error.code, ErrorCode.RecipeSyntax);
  strictEqual(
    error.message,
    "recipes/x.toml:4:14: Invalid TOML document: control characters are not allowed in strings",
  );
  deepStrictEqual(error.problems.map(({ line, column }) => ({ line, column })), [{
    line: 4,
    column: 14,
  }]);
});

Deno.test("parseRecipe() reports a duplicate key as a syntax error", async () => {
  const error = await recipeError(lines('name = "a"', "", 'name = "b"'));
  strictEqual(error.code, ErrorCode.RecipeSyntax);
  ok(error.message.startsWith("recipes/x.toml:3:"), error.message);
  strictEqual(error.message.includes("\n"), false);
});

Deno.test("loadRecipe() reports a missing file with a hint", async () => {
  try {
    await loadRecipe("recipes/does_not_exist.toml", { registry: fakeRegistry() });
    throw new Error("expected an error");
  } catch (error) {
    ok(error instanceof BufferbaneError);
    strictEqual(error.code, ErrorCode.RecipeNotFound);
    strictEqual(error.message, 'Recipe "recipes/does_not_exist.toml" not found');
    strictEqual(
      error.hint,
      `looked at ${resolve("recipes/does_not_exist.toml")}; check the path`,
    );
  }
});

// --- environment -------------------------------------------------------------------------------

const ENV: Record<string, string> = { SECRET: "p\"a'ss\nword", EMPTY: "", HOST: "10.0.0.1" };
const env = (name: string) => ENV[name];

Deno.test("parseRecipe() replaces ${NAME} in string values after TOML parsing", async () => {
  const { recipe } = await parse(
    lines(
      'name = "x"',
      "[[servers]]",
      'name = "s"',
      'host = "${HOST}"',
      'secret = "${SECRET}"',
      "[[probes]]",
      'plugin = "dns"',
      'targets = ["a.${HOST}.b", "${MISSING:-fallback}", "${EMPTY:-used}", "$${HOST}", "$5"]',
    ),
    { env },
  );
  strictEqual(recipe.servers[0]!.host, "10.0.0.1");
  strictEqual(recipe.servers[0]!.secret, "p\"a'ss\nword");
  deepStrictEqual(recipe.probes[0]!.targets, [
    "a.10.0.0.1.b",
    "fallback",
    "used",
    "${HOST}",
    "$5",
  ]);
});

Deno.test("parseRecipe() does not interpolate keys or non-strings", async () => {
  const seen: string[] = [];
  await parse(
    lines('name = "x"', "[store]", 'path = "a.db"', "[[probes]]", 'plugin = "udp-echo"'),
    {
      env: (name) => {
        seen.push(name);
        return undefined;
      },
    },
  );
  deepStrictEqual(seen, []);
});

Deno.test("parseRecipe() reports every unset variable as RECIPE_ENV with line and key", async () => {
  const error = await assertProblems(
    lines(
      'name = "x"',
      "[[servers]]",
      'name = "s"',
      'host = "h"',
      'secret = "${BUFFERBANE_SECRET}"',
      ...DNS_PROBE,
      'options.resolver = "${A}-${HOST}-${B}"',
    ),
    [
      'recipes/x.toml:5: servers[0].secret: environment variable "BUFFERBANE_SECRET" is not set',
      'recipes/x.toml:9: probes[0].options.resolver: environment variable "A" is not set',
      'recipes/x.toml:9: probes[0].options.resolver: environment variable "B" is not set',
    ],
    { env },
  );
  strictEqual(error.code, ErrorCode.RecipeEnv);
  strictEqual(error.hint, "set the variable, or give a default with ${NAME:-default}");
});

Deno.test("parseRecipe() rejects malformed variable references", async () => {
  await assertProblems(lines('name = "${1X}"', 'description = "${OPEN"'), [
    'recipes/x.toml:1: name: invalid variable reference "${1X}": write ${NAME} or ${NAME:-default} ($${ for a literal ${)',
    'recipes/x.toml:2: description: invalid variable reference "${OPEN": write ${NAME} or ${NAME:-default} ($${ for a literal ${)',
  ], { env });
});

// --- overrides ---------------------------------------------------------------------------------

Deno.test("parseRecipe() applies --set overrides, converting values by the schema", async () => {
  const { recipe } = await parse(
    lines(
      'name = "x"',
      'duration = "10m"',
      "[[servers]]",
      'name = "s"',
      'host = "h"',
      ...DNS_PROBE,
      "[[probes]]",
      'plugin = "icmp"',
      'targets = ["x"]',
    ),
    {
      overrides: {
        "interfaces": "bb-wifi, bb-eth",
        "duration": "30s",
        "store.path": "/tmp/x.db",
        "servers[0].port": "9000",
        "report.on_finish": "true",
        "probes[0].interval": "2s",
        "probes.1.options.size": "128",
        "probes[1].targets": "a,b",
        "probes[0].interfaces": "auto",
      },
    },
  );
  deepStrictEqual(recipe.interfaces, ["bb-wifi", "bb-eth"]);
  strictEqual(recipe.duration, 30_000);
  strictEqual(recipe.store.path, "/tmp/x.db");
  strictEqual(recipe.servers[0]!.port, 9000);
  strictEqual(recipe.report.on_finish, true);
  strictEqual(recipe.probes[0]!.interval, 2000);
  strictEqual(recipe.probes[0]!.interfaces, "auto");
  deepStrictEqual(recipe.probes[1]!.options, { size: 128 });
  deepStrictEqual(recipe.probes[1]!.targets, ["a", "b"]);
  ok(recipe.source.text.includes('duration = "10m"'), "the source keeps the recipe as written");
});

Deno.test("parseRecipe() takes an empty --set list as the default route", async () => {
  const { recipe } = await parse(lines('name = "x"', 'interfaces = ["eth0"]'), {
    overrides: { interfaces: "" },
  });
  deepStrictEqual(recipe.interfaces, []);
});

Deno.test("parseRecipe() names --set keys in override problems", async () => {
  await assertProblems(
    lines('name = "x"', 'duration = "1x"', ...DNS_PROBE),
    [
      "--set a..b: invalid key: write a dotted path such as store.path or probes[0].interval",
      '--set report.on_finish: expected true or false, got "yes"',
      "--set probes[3].interval: no probes[3] in the recipe (it has 1)",
      '--set duration: invalid duration "30x"',
      '--set store.pth: unknown key (did you mean "path"?)',
      '--set probes[0].options.record_type: expected one of "A", "AAAA", got "MX"',
    ],
    {
      overrides: {
        "duration": "30x",
        "store.pth": "x.db",
        "report.on_finish": "yes",
        "probes[3].interval": "1s",
        "a..b": "1",
        "probes[0].options.record_type": "MX",
      },
    },
  ).then((error) =>
    deepStrictEqual(error.problems.map((p) => p.line), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  );
});

Deno.test("parseRecipe() loads a custom plugin named by --set plugins", async () => {
  const { recipe, registry } = await parse(
    lines('name = "x"', "[[probes]]", 'plugin = "counter"'),
    {
      overrides: { plugins: "../plugins/counter.ts" },
      dir: testdata,
    },
  );
  ok(registry.has("counter"));
  deepStrictEqual(recipe.probes[0]!.options, { step: 1 });
});

// --- describeRecipe ----------------------------------------------------------------------------

Deno.test("describeRecipe() summarizes every part of a recipe", async () => {
  const { recipe } = await loadRecipe(`${testdata}full.toml`, {
    registry: fakeRegistry(),
    env: () => "s3cret",
  });
  deepStrictEqual(describeRecipe(recipe), [
    "recipe wifi-vs-ethernet: runs 10m",
    "interfaces: wlan0, eth0",
    "server local: 127.0.0.1:9876 (embedded)",
    "server vienna: 203.0.113.7:9000",
    "probe dns: 2 targets x 2 interfaces every 1s",
    "probe udp-echo: auto interfaces x 2 servers every 250ms",
    "test bufferbloat: 2 interfaces x 1 server every 1h",
    "alert rtt p95 (udp-echo): warn above 50, critical above 100 over 30s",
    "alert resolve_time avg: critical above 500 over 2m",
    "store: /tmp/bufferbane-test.db (flush every 5s, raw samples kept 30d, minute rollups 400d)",
    "report: html, md in reports when the run ends",
  ]);
});

Deno.test("describeRecipe() names the default route, a run until stopped and custom plugins", async () => {
  const { recipe } = await loadRecipe(`${testdata}custom_plugin.toml`, {
    registry: fakeRegistry(),
  });
  deepStrictEqual(describeRecipe(recipe), [
    "recipe custom: runs until stopped (Ctrl-C)",
    "interfaces: default route",
    "probe counter: 1 interface (default route) every 1s",
    "store: bufferbane.db (flush every 1s, raw samples kept 30d, minute rollups 400d)",
    `custom plugin: ${resolve(testdata, "../plugins/counter.ts")}`,
  ]);
});

Deno.test("parseRecipe() describes dates, infinities and non-table entries in messages", async () => {
  await assertProblems(
    lines(
      "name = 1979-05-27",
      "probes = [1]",
      "[[alerts.rules]]",
      'metric = "rtt"',
      "warn = inf",
    ),
    [
      "recipes/x.toml:1: name: expected a string, got a date",
      "recipes/x.toml:2: probes[0]: expected a table, got 1",
      "recipes/x.toml:5: alerts.rules[0].warn: expected a number, got Infinity",
    ],
  );
});

Deno.test("parseRecipe() accepts resolver labels as alert server filters", async () => {
  const { recipe } = await parse(lines(
    'name = "x"',
    "[[alerts.rules]]",
    'metric = "rtt"',
    'server = "system"',
    "warn = 1",
    "[[alerts.rules]]",
    'metric = "rtt"',
    'server = "1.1.1.1:53"',
    "warn = 1",
  ));
  deepStrictEqual(recipe.alerts.rules.map((r) => r.server), ["system", "1.1.1.1:53"]);
});

Deno.test("parseRecipe() reads [interface_types] and rejects unknown kinds", async () => {
  const { recipe } = await parse(lines('name = "x"', "[interface_types]", 'bb-wifi = "wifi"'));
  deepStrictEqual(recipe.interface_types, { "bb-wifi": "wifi" });
  await assertProblems(
    lines('name = "x"', "[interface_types]", 'bb-wifi = "radio"'),
    [
      'recipes/x.toml:3: interface_types.bb-wifi: expected one of "wifi", "ethernet", "loopback", "virtual", "other", got "radio"',
    ],
  );
});

Deno.test("describeRecipe() says a server whose host interpolates to nothing is left out", async () => {
  const { recipe } = await parse(lines(
    'name = "x"',
    "[[servers]]",
    'name = "echo"',
    'host = "${BB_SERVER_HOST:-}"',
  ));
  strictEqual(recipe.servers[0]!.host, "");
  deepStrictEqual(
    describeRecipe(recipe).filter((line) => line.startsWith("server")),
    ["server echo: not configured (empty host): left out when run"],
  );
});

// --- anomaly alerts, webhooks, Prometheus ---------------------------------------------------------

Deno.test("parseRecipe() reads [alerts.anomaly], [[alerts.webhooks]] and [export.prometheus]", async () => {
  const { recipe } = await parse(
    lines(
      'name = "x"',
      "[alerts.anomaly]",
      'window = "20s"',
      'cooldown = "30m"',
      "warn = 0.6",
      "[[alerts.webhooks]]",
      'url = "http://127.0.0.1:9000/hook"',
      'min_severity = "critical"',
      "retries = 5",
      'headers = { Authorization = "Bearer t" }',
      "[export.prometheus]",
      'listen = "127.0.0.1:9470"',
    ),
  );
  const anomaly = recipe.alerts.anomaly!;
  strictEqual(anomaly.enabled, true);
  strictEqual(anomaly.window, 20_000);
  strictEqual(anomaly.cooldown, 1_800_000);
  strictEqual(anomaly.warn, 0.6);
  strictEqual(anomaly.critical, 0.9); // documented default
  strictEqual(anomaly.baseline_window, 1_800_000);
  strictEqual(anomaly.min_samples, 30);
  deepStrictEqual(recipe.alerts.webhooks, [{
    url: "http://127.0.0.1:9000/hook",
    min_severity: "critical",
    send_clear: true,
    detectors: ["anomaly", "threshold"],
    retries: 5,
    timeout: 5000,
    backoff: 1000,
    max_backoff: 30_000,
    headers: { Authorization: "Bearer t" },
  }]);
  deepStrictEqual(recipe.export.prometheus?.listen, { hostname: "127.0.0.1", port: 9470 });
  strictEqual(recipe.export.prometheus?.loss_window, 60_000);
});

Deno.test("parseRecipe() names file:line:key for bad anomaly, webhook and exporter values", async () => {
  await assertProblems(
    lines(
      'name = "x"',
      "[alerts.anomaly]",
      "warn = 0.95",
      'cooldown = "soon"',
      "z_start = 9",
      "[[alerts.webhooks]]",
      'url = "ftp://example.net/x"',
      "retries = -1",
      'min_severity = "info"',
      "[export.prometheus]",
      'listen = "localhost"',
    ),
    [
      "recipes/x.toml:3: alerts.anomaly.warn: must not exceed critical, got 0.95 > 0.9",
      'recipes/x.toml:4: alerts.anomaly.cooldown: invalid duration "soon"',
      "recipes/x.toml:5: alerts.anomaly.z_start: must be below z_full, got 9 >= 8",
      'recipes/x.toml:7: alerts.webhooks[0].url: expected an http(s) URL, got "ftp://example.net/x"',
      "recipes/x.toml:8: alerts.webhooks[0].retries: must be at least 0, got -1",
      'recipes/x.toml:9: alerts.webhooks[0].min_severity: expected one of "warn", "critical", got "info"',
      'recipes/x.toml:11: export.prometheus.listen: expected "host:port" such as "127.0.0.1:9469", got "localhost"',
    ],
  );
});
