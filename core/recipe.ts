/**
 * Loads and validates recipes: TOML files saying what to probe.
 *
 * The steps, in order:
 *
 * 1. Read the file and parse it as TOML (a syntax error stops here: `RECIPE_SYNTAX`, with
 *    file, line and column).
 * 2. Replace `${NAME}` in string values with environment variables. This happens after TOML
 *    parsing, so a value cannot break the TOML quoting. `${NAME:-default}` gives a default used
 *    when the variable is unset or empty; `$${` writes a literal `${`. An unset variable without
 *    a default is a `RECIPE_ENV` error naming the file, line, key and variable.
 * 3. Apply `--set key=value` overrides (see {@linkcode ParseRecipeOptions.overrides}).
 * 4. Load the custom plugin files listed in `plugins` (relative to the recipe's folder) into a
 *    clone of the registry.
 * 5. Validate everything: the recipe schema (`core/recipe_schema.ts`, unknown keys are errors),
 *    each entry's plugin options with that plugin's own schema, plugin ids and kinds, targets,
 *    server names and references. Every problem is collected and reported at once as a
 *    `RECIPE_INVALID` error with one line per problem: `recipes/x.toml:12: probes[1].interval:
 *    invalid duration "1x"`.
 *
 * Relative paths inside a recipe: `plugins` resolve against the recipe's folder; `store.path`
 * and `report.output_dir` resolve against the current directory, like paths on the command line.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import type { AnyPlugin, PluginKind } from "./contract.ts";
import { formatDuration } from "./duration.ts";
import {
  BufferbaneError,
  type BufferbaneErrorOptions,
  describeError,
  ErrorCode,
} from "./errors.ts";
import { loadPluginFile } from "./plugin_loader.ts";
import type { PluginRegistry } from "./registry.ts";
import {
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  probeIntervalProblem,
  type Recipe,
  type RecipeInterfaces,
  recipeSchema,
} from "./recipe_schema.ts";
import { formatKeyPath, type KeyPath, TomlLocator } from "./toml_locator.ts";

export type { Recipe } from "./recipe_schema.ts";

/**
 * One thing wrong with a recipe.
 *
 * @example A problem as the error lists it
 * ```ts
 * import type { RecipeProblem } from "./recipe.ts";
 * const problem: RecipeProblem = {
 *   line: 12, path: "probes[1].interval", message: 'invalid duration "1x"',
 * };
 * ```
 */
export interface RecipeProblem {
  /** 1-based line of the key in the recipe; `undefined` when the value came from `--set`. */
  line: number | undefined;
  /** 1-based column, given for TOML syntax errors only. */
  column?: number;
  /** The key path as shown, e.g. `probes[1].interval`; `""` for the document itself. */
  path: string;
  /** What is wrong, e.g. `invalid duration "1x"`. */
  message: string;
}

/**
 * A recipe that cannot be used, with every problem found. The message holds one line per
 * problem, `file:line: path: message` (or `--set path: message` for an override).
 *
 * @example Listing the problems
 * ```ts
 * import { parseRecipe, RecipeError } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 * try {
 *   await parseRecipe('name = "x"\nduration = "1x"\n', {
 *     path: "recipes/x.toml", registry: new PluginRegistry(),
 *   });
 * } catch (error) {
 *   if (error instanceof RecipeError) {
 *     console.log(error.message); // recipes/x.toml:2: duration: invalid duration "1x"
 *     console.log(error.problems.length); // 1
 *   }
 * }
 * ```
 */
export class RecipeError extends BufferbaneError {
  /** The recipe path as the caller gave it. */
  readonly file: string;
  /** Every problem, sorted by line (overrides first). */
  readonly problems: readonly RecipeProblem[];

  /**
   * @param code `RECIPE_SYNTAX`, `RECIPE_ENV` or `RECIPE_INVALID`.
   * @param file The recipe path as the caller gave it.
   * @param problems At least one problem.
   * @param options Cause and hint.
   */
  constructor(
    code: ErrorCode,
    file: string,
    problems: readonly RecipeProblem[],
    options: BufferbaneErrorOptions = {},
  ) {
    super(code, problems.map((problem) => formatProblem(file, problem)).join("\n"), options);
    this.name = "RecipeError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * Options for {@linkcode parseRecipe}.
 *
 * @example With an environment and overrides
 * ```ts
 * import type { ParseRecipeOptions } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 * const options: ParseRecipeOptions = {
 *   path: "recipes/x.toml",
 *   registry: new PluginRegistry(),
 *   env: (name) => ({ SECRET: "s3cret" } as Record<string, string>)[name],
 *   overrides: { duration: "30s", interfaces: "bb-wifi,bb-eth" },
 * };
 * ```
 */
export interface ParseRecipeOptions {
  /** The recipe's path as shown in messages, e.g. `"recipes/x.toml"`. */
  path: string;
  /** Known plugins; custom plugins from the recipe are added to a clone of it. */
  registry: PluginRegistry;
  /**
   * Looks up environment variables for `${NAME}`.
   *
   * @default {(name) => Deno.env.get(name)}
   */
  env?: (name: string) => string | undefined;
  /**
   * `--set key=value` overrides, applied to the parsed TOML before validation. Keys are dotted
   * paths with optional indices: `duration`, `store.path`, `probes[0].interval`,
   * `probes[0].options.record_type`. Values are text, converted by what the schema expects at
   * that key: a comma-separated list where a list is expected (`interfaces=bb-wifi,bb-eth`; an
   * empty value is an empty list; `interfaces=auto` stays `"auto"`), a number where a number is
   * expected, `true`/`false` where a boolean is expected, and the text itself otherwise.
   * Values are taken literally: no `${NAME}` interpolation (the shell has already expanded them).
   * Problems with overrides name `--set key` instead of a line.
   *
   * @default {}
   */
  overrides?: Record<string, string>;
  /**
   * Folder that custom plugin paths resolve against.
   *
   * @default {dirname(resolve(path))}
   */
  dir?: string;
}

/**
 * Options for {@linkcode loadRecipe}: those of {@linkcode parseRecipe} but `path` and `dir`.
 *
 * @example Overriding the store
 * ```ts
 * import type { LoadRecipeOptions } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 * const options: LoadRecipeOptions = {
 *   registry: new PluginRegistry(),
 *   overrides: { "store.path": "/tmp/x.db" },
 * };
 * ```
 */
export type LoadRecipeOptions = Omit<ParseRecipeOptions, "path" | "dir">;

/**
 * A validated recipe with the registry to run it with (the given registry plus the recipe's
 * custom plugins).
 *
 * @example Using both halves
 * ```ts ignore
 * const { recipe, registry } = await loadRecipe("recipes/quickstart.toml", { registry: builtIns });
 * for (const probe of recipe.probes) console.log(registry.get(probe.plugin).description);
 * ```
 */
export interface LoadedRecipe {
  /** The validated recipe. */
  recipe: Recipe;
  /** The registry extended with the recipe's custom plugins. */
  registry: PluginRegistry;
}

/**
 * Reads a recipe file and validates it (see {@linkcode parseRecipe}).
 *
 * @param path The recipe file; shown as given in messages.
 * @param options Registry, environment and overrides.
 * @returns The recipe and the registry to run it with.
 * @throws {BufferbaneError} `RECIPE_NOT_FOUND` when the file cannot be read, and every error of
 * {@linkcode parseRecipe}.
 *
 * @example Loading a recipe
 * ```ts ignore
 * import { loadRecipe } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 * const { recipe } = await loadRecipe("recipes/quickstart.toml", { registry: new PluginRegistry() });
 * console.log(recipe.name);
 * ```
 */
export async function loadRecipe(path: string, options: LoadRecipeOptions): Promise<LoadedRecipe> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await Deno.readTextFile(absolute);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) {
      throw new BufferbaneError(ErrorCode.RecipeNotFound, `Recipe "${path}" not found`, {
        cause,
        hint: `looked at ${absolute}; check the path`,
      });
    }
    throw new BufferbaneError(
      ErrorCode.RecipeNotFound,
      `Cannot read recipe "${path}": ${(cause as Error).message}`,
      { cause },
    );
  }
  return await parseRecipe(text, { ...options, path, dir: dirname(absolute) });
}

/**
 * Validates recipe text: TOML, environment interpolation, overrides, custom plugins, schema and
 * plugin options. Every problem is collected before throwing.
 *
 * @param text The TOML source.
 * @param options Path for messages, registry, environment, overrides.
 * @returns The recipe and the registry to run it with.
 * @throws {RecipeError} `RECIPE_SYNTAX` (not TOML), `RECIPE_ENV` (unset variable) or
 * `RECIPE_INVALID` (anything else), listing every problem.
 *
 * @example A minimal recipe
 * ```ts
 * import { z } from "zod";
 * import { parseRecipe } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 *
 * const registry = new PluginRegistry().register({
 *   name: "echo", description: "Echoes", kind: "probe", targets: "required",
 *   metrics: [{ name: "rtt", unit: "ms", description: "Round-trip time" }],
 *   options: z.strictObject({ size: z.number().default(64) }), defaults: { size: 64 },
 *   defaultInterval: 500,
 *   async *run() {},
 * });
 * const text = 'name = "demo"\n[[probes]]\nplugin = "echo"\ntargets = "127.0.0.1"\n';
 * const { recipe } = await parseRecipe(text, { path: "demo.toml", registry });
 * console.log(recipe.probes[0]); // { plugin: "echo", targets: ["127.0.0.1"], servers: [], options: { size: 64 }, interval: 500, timeout: 2000 }
 * ```
 */
export async function parseRecipe(
  text: string,
  options: ParseRecipeOptions,
): Promise<LoadedRecipe> {
  const file = options.path;
  const dir = options.dir ?? dirname(resolve(file));
  const env = options.env ?? ((name: string) => Deno.env.get(name));

  const document = parseTomlText(text, file);
  const locator = new TomlLocator(text);

  const envProblems = new Problems(locator);
  const raw = interpolate(document, [], env, envProblems) as Record<string, unknown>;
  envProblems.throwIfAny(ErrorCode.RecipeEnv, file, {
    hint: "set the variable, or give a default with ${NAME:-default}",
  });

  const problems = new Problems(locator);
  const registry = options.registry.clone();
  const overrides = parseOverrides(options.overrides ?? {}, problems);
  const [pluginOverrides, otherOverrides] = partition(overrides, (o) => o.path[0] === "plugins");
  applyOverrides(raw, pluginOverrides, registry, problems);
  const pluginPaths = await loadCustomPlugins(raw, dir, registry, problems);
  applyOverrides(raw, otherOverrides, registry, problems);

  const parsed = recipeSchema.safeParse(raw, { error: issueMessage });
  if (!parsed.success) problems.addIssues(parsed.error.issues, [], recipeSchema);
  const declaredServers = checkServerNames(raw, problems);
  const probePlugins = checkEntries(raw, "probes", registry, declaredServers, problems);
  const testPlugins = checkEntries(raw, "tests", registry, declaredServers, problems);
  checkAlertRules(raw, registry, declaredServers, problems);
  problems.throwIfAny(ErrorCode.RecipeInvalid, file);
  if (!parsed.success) throw new Error("unreachable: schema issues are problems");

  const doc = parsed.data;
  const recipe: Recipe = {
    ...doc,
    probes: doc.probes.map((probe, i) => {
      const { plugin, options } = probePlugins.get(i)!;
      return {
        ...probe,
        interval: probe.interval ?? plugin.defaultInterval ?? DEFAULT_PROBE_INTERVAL_MS,
        timeout: probe.timeout ?? plugin.defaultTimeout ?? DEFAULT_TIMEOUT_MS,
        options,
      };
    }),
    tests: doc.tests.map((test, i) => {
      const { plugin, options } = testPlugins.get(i)!;
      return {
        ...test,
        timeout: test.timeout ?? plugin.defaultTimeout ?? DEFAULT_TIMEOUT_MS,
        options,
      };
    }),
    alerts: {
      ...doc.alerts,
      rules: doc.alerts.rules.map((rule) => ({
        ...rule,
        window: rule.window ?? doc.alerts.window,
      })),
    },
    source: { path: file, text, hash: createHash("sha256").update(text).digest("hex"), dir },
    plugin_paths: pluginPaths,
  };
  return { recipe, registry };
}

/**
 * Summarizes a recipe in a few lines, as `recipe --check` prints it.
 *
 * @param recipe A validated recipe.
 * @returns One line per part: the run, interfaces, servers, probes, tests, alerts, store,
 * report and custom plugins.
 *
 * @example Describing a recipe
 * ```ts
 * import { z } from "zod";
 * import { describeRecipe, parseRecipe } from "./recipe.ts";
 * import { PluginRegistry } from "./registry.ts";
 *
 * const registry = new PluginRegistry().register({
 *   name: "dns", description: "Resolves names", kind: "probe", targets: "required",
 *   metrics: [{ name: "resolve_time", unit: "ms", description: "Resolve time" }],
 *   options: z.strictObject({}), defaults: {}, async *run() {},
 * });
 * const text = [
 *   'name = "demo"', 'duration = "10m"',
 *   "[[probes]]", 'plugin = "dns"', 'targets = ["example.com", "example.org"]',
 * ].join("\n");
 * const { recipe } = await parseRecipe(text, { path: "demo.toml", registry });
 * console.log(describeRecipe(recipe)[2]); // probe dns: 2 targets x 1 interface (default route) every 1s
 * ```
 */
export function describeRecipe(recipe: Recipe): string[] {
  const lines = [
    `recipe ${recipe.name}: ${
      recipe.duration === undefined
        ? "runs until stopped (Ctrl-C)"
        : `runs ${formatDuration(recipe.duration)}`
    }`,
    `interfaces: ${describeInterfaces(recipe.interfaces)}`,
  ];
  for (const server of recipe.servers) {
    lines.push(
      !server.embedded && server.host.trim() === ""
        ? `server ${server.name}: not configured (empty host): left out when run`
        : `server ${server.name}: ${server.host}:${server.port}${
          server.embedded ? " (embedded)" : ""
        }`,
    );
  }
  for (const probe of recipe.probes) {
    lines.push(
      `probe ${probe.plugin}: ${describeSeries(recipe, probe)} every ${
        formatDuration(probe.interval)
      }${
        probe.adaptive
          ? ` (adaptive ${formatDuration(probe.adaptive.min)}..${
            formatDuration(probe.adaptive.max)
          })`
          : ""
      }`,
    );
  }
  for (const test of recipe.tests) {
    lines.push(
      `test ${test.plugin}: ${describeSeries(recipe, test)} every ${formatDuration(test.every)}${
        test.at_start ? ", first at start" : ""
      }`,
    );
  }
  for (const rule of recipe.alerts.rules) {
    const filters = [rule.plugin, rule.target, rule.interface, rule.server]
      .filter((value) => value !== undefined);
    const levels = [
      rule.warn === undefined ? undefined : `warn above ${rule.warn}`,
      rule.critical === undefined ? undefined : `critical above ${rule.critical}`,
    ].filter((value) => value !== undefined);
    lines.push(
      `alert ${rule.metric} ${rule.stat}${filters.length ? ` (${filters.join(", ")})` : ""}: ${
        levels.join(", ")
      } over ${formatDuration(rule.window)}`,
    );
  }
  const anomaly = recipe.alerts.anomaly;
  if (anomaly?.enabled) {
    lines.push(
      `anomaly alerts on ${
        anomaly.metrics.length > 0 ? anomaly.metrics.join(", ") : "primary ms metrics"
      }: warn at confidence ${anomaly.warn}, critical at ${anomaly.critical}, window ${
        formatDuration(anomaly.window)
      }, cooldown ${formatDuration(anomaly.cooldown)}`,
    );
  }
  for (const hook of recipe.alerts.webhooks) {
    lines.push(
      `webhook ${new URL(hook.url).origin}: ${
        hook.detectors.join(" and ")
      } alerts from ${hook.min_severity}${
        hook.send_clear ? " and their clears" : ""
      }, ${hook.retries} retries`,
    );
  }
  const prometheus = recipe.export.prometheus;
  if (prometheus !== undefined) {
    const { hostname, port } = prometheus.listen;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    lines.push(`prometheus: /metrics on http://${host}:${port}`);
  }
  lines.push(
    `store: ${recipe.store.path} (flush every ${
      formatDuration(recipe.store.flush_interval)
    }, raw samples kept ${retentionText(recipe.store.raw_retention)}, minute rollups ${
      retentionText(recipe.store.rollup_retention)
    })`,
  );
  if (recipe.report.formats.length > 0) {
    lines.push(
      `report: ${recipe.report.formats.join(", ")} in ${recipe.report.output_dir}${
        recipe.report.on_finish ? " when the run ends" : ""
      }`,
    );
  }
  for (const path of recipe.plugin_paths) lines.push(`custom plugin: ${path}`);
  return lines;
}

function describeInterfaces(interfaces: RecipeInterfaces): string {
  if (interfaces === "auto") return "auto";
  return interfaces.length === 0 ? "default route" : interfaces.join(", ");
}

function describeSeries(
  recipe: Recipe,
  entry: { targets: string[]; interfaces?: RecipeInterfaces; servers: string[] },
): string {
  const interfaces = entry.interfaces ?? recipe.interfaces;
  const parts: string[] = [];
  if (entry.targets.length > 0) parts.push(plural(entry.targets.length, "target"));
  if (interfaces === "auto") parts.push("auto interfaces");
  else if (interfaces.length === 0) parts.push("1 interface (default route)");
  else parts.push(plural(interfaces.length, "interface"));
  if (entry.servers.length > 0) parts.push(plural(entry.servers.length, "server"));
  return parts.join(" x ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------
// Problems

function formatProblem(file: string, problem: RecipeProblem): string {
  const where = problem.line === undefined
    ? "--set "
    : `${file}:${problem.line}${problem.column === undefined ? "" : `:${problem.column}`}: `;
  return problem.path === ""
    ? `${where}${problem.message}`
    : `${where}${problem.path}: ${problem.message}`;
}

/** Collects problems, placing each at its line (or at its `--set` override). */
class Problems {
  #locator: TomlLocator;
  #list: RecipeProblem[] = [];
  #overridden: KeyPath[] = [];

  constructor(locator: TomlLocator) {
    this.#locator = locator;
  }

  /** Marks a path as set by `--set`: problems at or below it name the override. */
  markOverridden(path: KeyPath): void {
    this.#overridden.push(path);
  }

  at(path: KeyPath, message: string): void {
    const overridden = this.#overridden.some((prefix) =>
      prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment)
    );
    this.#list.push({
      line: overridden ? undefined : this.#locator.line(path),
      path: formatKeyPath(path),
      message,
    });
  }

  /** Adds a problem with a `--set` override itself; a string path is shown as given. */
  override(path: KeyPath | string, message: string): void {
    const shown = typeof path === "string" ? path : formatKeyPath(path);
    this.#list.push({ line: undefined, path: shown, message });
  }

  /** Adds zod issues found under `base`; `schema` is the schema that was parsed there. */
  addIssues(issues: readonly z.core.$ZodIssue[], base: KeyPath, schema: z.core.$ZodType): void {
    for (const issue of issues) {
      const path = [...base, ...issue.path.map(keySegment)];
      if (issue.code === "unrecognized_keys") {
        const known = knownKeys(schema, issue.path.map(keySegment));
        for (const key of issue.keys) this.at([...path, key], unknownKeyMessage(key, known));
      } else {
        this.at(path, issue.message);
      }
    }
  }

  throwIfAny(code: ErrorCode, file: string, options: BufferbaneErrorOptions = {}): void {
    if (this.#list.length === 0) return;
    const sorted = this.#list
      .map((problem, index) => ({ problem, index }))
      .sort((a, b) => (a.problem.line ?? 0) - (b.problem.line ?? 0) || a.index - b.index)
      .map(({ problem }) => problem);
    throw new RecipeError(code, file, sorted, options);
  }
}

function keySegment(segment: PropertyKey): string | number {
  return typeof segment === "number" ? segment : String(segment);
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestKey(key, known);
  if (suggestion !== undefined) return `unknown key (did you mean "${suggestion}"?)`;
  return known.length > 0 ? `unknown key (known keys: ${known.join(", ")})` : "unknown key";
}

/** The known key nearest to `key` by edit distance, when it is close enough to be a typo. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(key.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Error map for every parse: short messages that read well after `file:line: path:`. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "missing required key";
      return `expected ${describeExpected(issue.expected)}, got ${describeInput(issue)}`;
    case "too_small":
      return sizeMessage(issue, "at least", issue.minimum);
    case "too_big":
      return sizeMessage(issue, "at most", issue.maximum);
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${quote(issue.values[0])}, got ${describeInput(issue)}`
        : `expected one of ${issue.values.map(quote).join(", ")}, got ${describeInput(issue)}`;
    case "invalid_format":
      return `invalid ${issue.format === "regex" ? "value" : issue.format} ${describeInput(issue)}${
        issue.pattern === undefined ? "" : `: must match ${issue.pattern}`
      }`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}, got ${describeInput(issue)}`;
    case "invalid_union":
      return `invalid value ${describeInput(issue)}`;
    default:
      return undefined;
  }
}

function sizeMessage(
  issue: { origin?: string; inclusive?: boolean; input?: unknown },
  bound: "at least" | "at most",
  limit: number | bigint,
): string {
  switch (issue.origin) {
    case "string":
      return bound === "at least" && limit === 1
        ? "must not be empty"
        : `must be ${bound} ${limit} characters long, got ${describeInput(issue)}`;
    case "array":
    case "set":
      return bound === "at least" && limit === 1
        ? "must not be empty"
        : `must have ${bound} ${limit} items`;
    default: {
      const comparison = issue.inclusive === false
        ? (bound === "at least" ? "greater than" : "less than")
        : bound;
      return `must be ${comparison} ${limit}, got ${describeInput(issue)}`;
    }
  }
}

const EXPECTED_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a table",
  record: "a table",
};

function describeExpected(expected: string): string {
  return EXPECTED_NAMES[expected] ?? expected;
}

function describeInput(issue: { input?: unknown; received?: unknown }): string {
  const input = issue.input;
  if (typeof issue.received === "string" && (input === null || typeof input === "number")) {
    return issue.received;
  }
  if (typeof input === "string") return JSON.stringify(input);
  if (Array.isArray(input)) return "a list";
  if (input instanceof Date) return "a date";
  if (isTable(input)) return "a table";
  return String(input);
}

function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

// ---------------------------------------------------------------------------------------------
// Schema navigation (for unknown-key suggestions and override conversion)

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  out?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  values?: readonly unknown[];
  getter?: () => z.core.$ZodType;
}

const WRAPPERS = new Set([
  "optional",
  "nullable",
  "default",
  "prefault",
  "readonly",
  "catch",
  "nonoptional",
  "exact_optional",
]);

function defOf(schema: z.core.$ZodType): LooseDef | undefined {
  const internals: unknown = (schema as { _zod?: { def?: unknown } })._zod?.def;
  return isTable(internals) && typeof internals.type === "string"
    ? internals as unknown as LooseDef
    : undefined;
}

/** Strips defaults, optionals and pipes to the schema that checks the input's shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(current);
    if (def === undefined) return current;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in && def.out) {
      current = defOf(def.in)?.type === "transform" ? def.out : def.in;
    } else if (def.type === "lazy" && def.getter) current = def.getter();
    else return current;
  }
  return current;
}

/** The schema that checks the value at `path`, or `undefined` when the schema does not say. */
function schemaAt(schema: z.core.$ZodType, path: KeyPath): z.core.$ZodType | undefined {
  const current = unwrap(schema);
  if (path.length === 0) return current;
  const def = defOf(current);
  const [head, ...rest] = path;
  switch (def?.type) {
    case "object": {
      const child = typeof head === "string" && def.shape ? def.shape[head] : undefined;
      return child && Object.hasOwn(def.shape!, head as string) ? schemaAt(child, rest) : undefined;
    }
    case "array":
      return typeof head === "number" && def.element ? schemaAt(def.element, rest) : undefined;
    case "record":
      return def.valueType ? schemaAt(def.valueType, rest) : undefined;
    case "union":
      for (const option of def.options ?? []) {
        const found = schemaAt(option, path);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

function knownKeys(schema: z.core.$ZodType, path: KeyPath): string[] {
  const target = schemaAt(schema, path);
  const def = target && defOf(target);
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

// ---------------------------------------------------------------------------------------------
// TOML and environment

function parseTomlText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const message = error.message.split("\n")[0]!.trim();
      throw new RecipeError(ErrorCode.RecipeSyntax, file, [
        { line: error.line, column: error.column, path: "", message },
      ], { cause: error });
    }
    throw error;
  }
}

const VARIABLE_REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g;
const VARIABLE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Copies a parsed TOML value, replacing `${NAME}` references in every string. */
function interpolate(
  value: unknown,
  path: KeyPath,
  env: (name: string) => string | undefined,
  problems: Problems,
): unknown {
  if (typeof value === "string") return interpolateString(value, path, env, problems);
  if (Array.isArray(value)) {
    return value.map((item, i) => interpolate(item, [...path, i], env, problems));
  }
  if (isTable(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = interpolate(item, [...path, key], env, problems);
    }
    return copy;
  }
  return value;
}

function interpolateString(
  text: string,
  path: KeyPath,
  env: (name: string) => string | undefined,
  problems: Problems,
): string {
  return text.replace(VARIABLE_REFERENCE, (match, body: string | undefined, close?: string) => {
    if (match === "$${") return "${";
    const parts = close === undefined ? null : VARIABLE_BODY.exec(body ?? "");
    if (parts === null) {
      problems.at(
        path,
        `invalid variable reference "${match}": write \${NAME} or \${NAME:-default} ($\${ for a literal \${)`,
      );
      return match;
    }
    const name = parts[1]!;
    const fallback = parts[2];
    const value = env(name);
    if (fallback !== undefined) return value === undefined || value === "" ? fallback : value;
    if (value === undefined) {
      problems.at(path, `environment variable "${name}" is not set`);
      return match;
    }
    return value;
  });
}

function isTable(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---------------------------------------------------------------------------------------------
// Overrides

interface Override {
  path: (string | number)[];
  value: string;
}

const OVERRIDE_SEGMENT = /^([A-Za-z0-9_-]+)((?:\[\d+\])*)$/;

function parseOverrides(overrides: Record<string, string>, problems: Problems): Override[] {
  const parsed: Override[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const path: (string | number)[] = [];
    const valid = key.split(".").every((part) => {
      const match = OVERRIDE_SEGMENT.exec(part.trim());
      if (!match) return false;
      path.push(/^\d+$/.test(match[1]!) ? Number(match[1]) : match[1]!);
      for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
      return true;
    });
    if (!valid || typeof path[0] !== "string") {
      problems.override(
        key,
        "invalid key: write a dotted path such as store.path or probes[0].interval",
      );
    } else {
      parsed.push({ path, value });
    }
  }
  return parsed;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

function applyOverrides(
  raw: Record<string, unknown>,
  overrides: readonly Override[],
  registry: PluginRegistry,
  problems: Problems,
): void {
  for (const { path, value } of overrides) {
    const container = containerFor(raw, path, problems);
    if (container === undefined) continue;
    const converted = convertOverride(value, overrideSchema(raw, path, registry));
    if ("error" in converted) {
      problems.override(path, converted.error);
      continue;
    }
    const last = path[path.length - 1]!;
    if (Array.isArray(container)) container[last as number] = converted.value;
    else container[last as string] = converted.value;
    problems.markOverridden(path);
  }
}

/** Walks to the table or list holding the last key of `path`, creating missing tables. */
function containerFor(
  raw: Record<string, unknown>,
  path: KeyPath,
  problems: Problems,
): Record<string, unknown> | unknown[] | undefined {
  let container: Record<string, unknown> | unknown[] = raw;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const isLast = i === path.length - 1;
    if (typeof segment === "number") {
      if (!Array.isArray(container)) {
        problems.override(path, `${formatKeyPath(path.slice(0, i))} is not a list`);
        return undefined;
      }
      if (segment >= container.length) {
        problems.override(
          path,
          `no ${formatKeyPath(path.slice(0, i + 1))} in the recipe (it has ${container.length})`,
        );
        return undefined;
      }
      if (isLast) return container;
      const next: unknown = container[segment];
      if (!Array.isArray(next) && !isTable(next)) {
        problems.override(path, `${formatKeyPath(path.slice(0, i + 1))} is not a table`);
        return undefined;
      }
      container = next;
    } else {
      if (!isTable(container)) {
        problems.override(path, `${formatKeyPath(path.slice(0, i))} is not a table`);
        return undefined;
      }
      if (isLast) return container;
      if (container[segment] === undefined && typeof path[i + 1] === "string") {
        container[segment] = {};
      }
      const next: unknown = container[segment];
      if (!Array.isArray(next) && !isTable(next)) {
        problems.override(
          path,
          next === undefined
            ? `no ${formatKeyPath(path.slice(0, i + 1))} in the recipe`
            : `${formatKeyPath(path.slice(0, i + 1))} is not a table`,
        );
        return undefined;
      }
      container = next;
    }
  }
  return undefined;
}

/** The schema for an overridden key; plugin options use the plugin's own schema. */
function overrideSchema(
  raw: Record<string, unknown>,
  path: KeyPath,
  registry: PluginRegistry,
): z.core.$ZodType | undefined {
  const [section, index, key] = path;
  if ((section === "probes" || section === "tests") && key === "options") {
    const entry = asArray(raw[section])[index as number];
    const id = isTable(entry) ? entry.plugin : undefined;
    if (typeof id !== "string" || !registry.has(id)) return undefined;
    return schemaAt(registry.get(id).options, path.slice(3));
  }
  return schemaAt(recipeSchema, path);
}

function convertOverride(
  text: string,
  schema: z.core.$ZodType | undefined,
): { value: unknown } | { error: string } {
  const target = schema && unwrap(schema);
  const def = target && defOf(target);
  switch (def?.type) {
    case "number": {
      const number = Number(text.trim());
      return text.trim() === "" || Number.isNaN(number)
        ? { error: `expected a number, got ${JSON.stringify(text)}` }
        : { value: number };
    }
    case "boolean":
      if (text.trim() === "true") return { value: true };
      if (text.trim() === "false") return { value: false };
      return { error: `expected true or false, got ${JSON.stringify(text)}` };
    case "array": {
      const items: unknown[] = [];
      for (const item of text.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
        const converted = convertOverride(item, def.element);
        if ("error" in converted) return converted;
        items.push(converted.value);
      }
      return { value: items };
    }
    case "union": {
      const options = def.options ?? [];
      const literal = options.some((option) => defOf(unwrap(option))?.values?.includes(text));
      if (literal) return { value: text };
      const list = options.find((option) => defOf(unwrap(option))?.type === "array");
      return list ? convertOverride(text, list) : { value: text };
    }
    default:
      return { value: text };
  }
}

// ---------------------------------------------------------------------------------------------
// Checks that need the registry or more than one key

async function loadCustomPlugins(
  raw: Record<string, unknown>,
  dir: string,
  registry: PluginRegistry,
  problems: Problems,
): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, entry] of asArray(raw.plugins).entries()) {
    if (typeof entry !== "string" || entry === "") continue;
    try {
      const { plugin, path } = await loadPluginFile(entry, dir);
      registry.register(plugin, path);
      paths.push(path);
    } catch (error) {
      problems.at(["plugins", i], describeError(error));
    }
  }
  return paths;
}

/** Reports duplicate server names; returns the declared names. */
function checkServerNames(raw: Record<string, unknown>, problems: Problems): string[] {
  const firstIndex = new Map<string, number>();
  asArray(raw.servers).forEach((server, i) => {
    const name = isTable(server) ? server.name : undefined;
    if (typeof name !== "string") return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, i);
    else {problems.at(
        ["servers", i, "name"],
        `duplicate server name "${name}" (also servers[${first}])`,
      );}
  });
  return [...firstIndex.keys()];
}

function isResolverLabel(value: unknown): boolean {
  return typeof value === "string" &&
    (value === "system" || /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+)(:\d+)?$/.test(value) &&
        /[.:]/.test(value));
}

function checkServerReference(
  name: unknown,
  path: KeyPath,
  declared: readonly string[],
  problems: Problems,
): void {
  if (typeof name !== "string" || declared.includes(name)) return;
  problems.at(
    path,
    `unknown server "${name}" (${
      declared.length > 0 ? `declared: ${declared.join(", ")}` : "no [[servers]] declared"
    })`,
  );
}

function unknownPluginMessage(id: string, registry: PluginRegistry): string {
  return `unknown plugin "${id}" (known: ${registry.names().join(", ") || "none"})`;
}

const SECTION_KIND: Record<"probes" | "tests", PluginKind> = { probes: "probe", tests: "test" };

/**
 * Checks the `[[probes]]` or `[[tests]]` entries against the registry: plugin id and kind,
 * targets policy, server references and plugin options. Returns each valid entry's plugin and
 * parsed options by index.
 */
function checkEntries(
  raw: Record<string, unknown>,
  section: "probes" | "tests",
  registry: PluginRegistry,
  declaredServers: readonly string[],
  problems: Problems,
): Map<number, { plugin: AnyPlugin; options: Record<string, unknown> }> {
  const resolved = new Map<number, { plugin: AnyPlugin; options: Record<string, unknown> }>();
  asArray(raw[section]).forEach((entry, i) => {
    if (!isTable(entry)) return;
    asArray(entry.servers).forEach((name, j) =>
      checkServerReference(name, [section, i, "servers", j], declaredServers, problems)
    );
    const id = entry.plugin;
    if (typeof id !== "string" || id === "") return;
    if (!registry.has(id)) {
      problems.at([section, i, "plugin"], unknownPluginMessage(id, registry));
      return;
    }
    const plugin = registry.get(id);
    if (plugin.kind !== SECTION_KIND[section]) {
      problems.at(
        [section, i, "plugin"],
        `"${id}" is a ${plugin.kind} plugin: declare it under [[${
          plugin.kind === "probe" ? "probes" : "tests"
        }]]`,
      );
    }
    const targets = entry.targets;
    const targetCount = typeof targets === "string"
      ? 1
      : Array.isArray(targets)
      ? targets.length
      : 0;
    if (
      plugin.targets === "required" && targetCount === 0 &&
      (targets === undefined || Array.isArray(targets))
    ) {
      problems.at([section, i, "targets"], `plugin "${id}" needs at least one target`);
    }
    if (plugin.targets === "none" && targetCount > 0) {
      problems.at([section, i, "targets"], `plugin "${id}" takes no targets`);
    }
    if (section === "probes" && typeof entry.interval === "string") {
      const problem = probeIntervalProblem(entry.interval, plugin);
      if (problem !== undefined) problems.at([section, i, "interval"], problem);
    }
    const adaptive = entry.adaptive;
    if (section === "probes" && isTable(adaptive) && typeof adaptive.min === "string") {
      const problem = probeIntervalProblem(adaptive.min, plugin);
      if (problem !== undefined) problems.at([section, i, "adaptive", "min"], problem);
    }
    const options = entry.options ?? {};
    if (!isTable(options)) return;
    const result = plugin.options.safeParse(options, { error: issueMessage });
    if (!result.success) {
      problems.addIssues(result.error.issues, [section, i, "options"], plugin.options);
      return;
    }
    resolved.set(i, { plugin, options: result.data as Record<string, unknown> });
  });
  return resolved;
}

/** Checks alert-rule filters against the registry and the declared servers. */
function checkAlertRules(
  raw: Record<string, unknown>,
  registry: PluginRegistry,
  declaredServers: readonly string[],
  problems: Problems,
): void {
  const alerts = raw.alerts;
  if (!isTable(alerts)) return;
  asArray(alerts.rules).forEach((rule, i) => {
    if (!isTable(rule)) return;
    const path = ["alerts", "rules", i];
    // A rule may also name a label a plugin stores as the server: dns stores its resolver
    // ("system" or an address), which is no declared server.
    if (!isResolverLabel(rule.server)) {
      checkServerReference(rule.server, [...path, "server"], declaredServers, problems);
    }
    const id = rule.plugin;
    if (typeof id !== "string") return;
    if (!registry.has(id)) {
      problems.at([...path, "plugin"], unknownPluginMessage(id, registry));
      return;
    }
    const metrics = registry.get(id).metrics.map((metric) => metric.name);
    if (typeof rule.metric === "string" && !metrics.includes(rule.metric)) {
      problems.at(
        [...path, "metric"],
        `plugin "${id}" has no metric "${rule.metric}" (metrics: ${metrics.join(", ")})`,
      );
    }
  });
}

function retentionText(ms: number): string {
  return Number.isFinite(ms) ? formatDuration(ms) : "forever";
}
