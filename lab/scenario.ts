/**
 * Lab scenarios: TOML files in `lab/scenarios/` saying what the lab's links do (bottleneck
 * rate and buffer per direction, loss per path and direction, delay and jitter on the
 * WiFi-like path, TCP congestion control). {@linkcode parseScenario} validates one with file
 * and line in every message, like recipes; {@linkcode loadScenario} finds one by name or path.
 *
 * ```toml
 * description = "20 Mbit/s bottleneck with a 300 ms buffer"
 * congestion_control = "cubic"      # in the client and server namespaces (default cubic)
 *
 * [bottleneck]                      # tbf on the router's egress; a missing direction is not shaped
 * up = { rate = "20mbit", buffer = "300ms" }      # client -> server
 * down = { rate = "20mbit", buffer = "300ms" }    # server -> client (on both paths)
 *
 * [wifi]                            # the WiFi-like path: relay delay, jitter; nft loss
 * up = { delay = "10ms", jitter = "2ms", loss_pct = 2 }
 * down = { delay = "10ms", jitter = "2ms", loss_pct = 2 }
 *
 * [eth]                             # the Ethernet-like path: nft loss only
 * up = { loss_pct = 0 }
 * ```
 *
 * Everything is per direction: `loss_pct = 2` on both directions loses 1 - 0.98^2 = 3.96% of
 * round trips; `delay = "10ms"` both ways adds 20 ms to the round trip. Jitter is netem-like:
 * each frame's delay is drawn uniformly from `delay - jitter` to `delay + jitter`.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { parseDuration } from "../core/duration.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { formatKeyPath, type KeyPath, TomlLocator } from "../core/toml_locator.ts";

/**
 * The folder of the scenarios shipped with bufferbane.
 *
 * @example
 * ```ts
 * import { SCENARIO_DIR } from "./scenario.ts";
 * console.log(SCENARIO_DIR.endsWith("/lab/scenarios")); // true
 * ```
 */
export const SCENARIO_DIR: string = new URL("./scenarios", import.meta.url).pathname;

/**
 * The scenario `lab up` uses when none is named.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCENARIO } from "./scenario.ts";
 * console.log(DEFAULT_SCENARIO); // clean
 * ```
 */
export const DEFAULT_SCENARIO = "clean";

/**
 * tbf burst when a scenario gives none: 4000 bytes (tc's `32kbit`), or one millisecond of the
 * rate when that is more.
 *
 * @param rate The rate in bits per second.
 * @returns The burst in bytes.
 *
 * @example
 * ```ts
 * import { defaultBurstBytes } from "./scenario.ts";
 * console.log(defaultBurstBytes(20_000_000), defaultBurstBytes(1_000_000_000)); // 4000 125000
 * ```
 */
export function defaultBurstBytes(rate: number): number {
  return Math.max(4000, Math.ceil(rate / 8 / 1000));
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/**
 * Parses a rate the way tc writes it: `"20mbit"`, `"512kbit"`, `"1gbit"`, `"9600bit"`
 * (decimal units, bits per second).
 *
 * @param text The rate.
 * @returns Bits per second (rounded to a whole number), or `undefined` when the text is not a
 * rate.
 *
 * @example
 * ```ts
 * import { parseRate } from "./scenario.ts";
 * console.log(parseRate("20mbit"), parseRate("1.5kbit"), parseRate("20mbps")); // 20000000 1500 undefined
 * ```
 */
export function parseRate(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)\s*$/i.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * RATE_UNITS[match[2]!.toLowerCase()]!);
}

const rateSchema = z.string().transform((text, ctx) => {
  const rate = parseRate(text);
  if (rate === undefined || rate < 8000) {
    ctx.issues.push({
      code: "custom",
      input: text,
      message: rate === undefined
        ? `invalid rate "${text}": write e.g. "20mbit", "512kbit" or "1gbit"`
        : `rate "${text}" is below 8kbit`,
    });
    return z.NEVER;
  }
  return rate;
});

/** A duration that may be zero (`"0ms"`), in milliseconds. */
const durationSchema = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch {
    ctx.issues.push({ code: "custom", input: text, message: `invalid duration "${text}"` });
    return z.NEVER;
  }
});

const lossSchema = z.number().min(0).max(99.99).refine(
  (value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-9,
  "must be a multiple of 0.01",
);

const bottleneckDirectionSchema = z.strictObject({
  rate: rateSchema,
  buffer: durationSchema.refine((ms) => ms >= 1, "must be at least 1ms"),
  burst_bytes: z.number().int().min(1600).optional(),
}).transform((direction) => ({
  ...direction,
  burst_bytes: direction.burst_bytes ?? defaultBurstBytes(direction.rate),
}));

const ethDirectionSchema = z.strictObject({ loss_pct: lossSchema.default(0) });

const wifiDirectionSchema = z.strictObject({
  delay: durationSchema.default(0),
  jitter: durationSchema.default(0),
  loss_pct: lossSchema.default(0),
}).superRefine((direction, ctx) => {
  if (direction.jitter > direction.delay) {
    ctx.addIssue({
      code: "custom",
      path: ["jitter"],
      message:
        `must not exceed delay, got jitter ${direction.jitter}ms and delay ${direction.delay}ms`,
    });
  }
});

/**
 * The shape of a scenario file (see the module documentation for an example).
 *
 * @example Defaults fill what a scenario leaves out
 * ```ts
 * import { scenarioSchema } from "./scenario.ts";
 * const parsed = scenarioSchema.parse({ description: "nothing in the way" });
 * console.log(parsed.congestion_control, parsed.bottleneck, parsed.wifi.up); // cubic {} { delay: 0, jitter: 0, loss_pct: 0 }
 * ```
 */
export const scenarioSchema = z.strictObject({
  description: z.string().min(1),
  congestion_control: z.string()
    .regex(/^[a-z0-9_]+$/, 'must be an algorithm name such as "cubic", "reno" or "bbr"')
    .default("cubic"),
  bottleneck: z.strictObject({
    up: bottleneckDirectionSchema.optional(),
    down: bottleneckDirectionSchema.optional(),
  }).prefault({}),
  eth: z.strictObject({
    up: ethDirectionSchema.prefault({}),
    down: ethDirectionSchema.prefault({}),
  }).prefault({}),
  wifi: z.strictObject({
    up: wifiDirectionSchema.prefault({}),
    down: wifiDirectionSchema.prefault({}),
  }).prefault({}),
});

/** What a scenario sets, without its name and file. */
export type ScenarioSettings = z.output<typeof scenarioSchema>;

/** A bottleneck direction: rate in bit/s, buffer (tbf `latency`) in ms, burst in bytes. */
export type BottleneckDirection = NonNullable<ScenarioSettings["bottleneck"]["up"]>;

/** A validated scenario. */
export interface Scenario extends ScenarioSettings {
  /** The file's name without `.toml`, e.g. `"bloated"`. */
  name: string;
  /** The file it came from, as given. */
  path: string;
}

/**
 * Validates scenario text. Every problem is reported at once, one line each, as
 * `file:line: key: message`.
 *
 * @param text The TOML source.
 * @param path The file, for messages and for the scenario's name.
 * @returns The scenario with defaults filled.
 * @throws {BufferbaneError} `RECIPE_SYNTAX` for text that is not TOML, `RECIPE_INVALID` for
 * anything else.
 *
 * @example A bloated upload
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * const scenario = parseScenario(
 *   'description = "upload bloat"\n[bottleneck]\nup = { rate = "20mbit", buffer = "300ms" }\n',
 *   "lab/scenarios/up.toml",
 * );
 * console.log(scenario.name, scenario.bottleneck.up); // up { rate: 20000000, buffer: 300, burst_bytes: 4000 }
 * ```
 *
 * @example Problems name their line
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * try {
 *   parseScenario('description = "x"\n[wifi]\nup = { delay = "1x" }\n', "x.toml");
 * } catch (error) {
 *   console.log((error as Error).message); // x.toml:3: wifi.up.delay: invalid duration "1x"
 * }
 * ```
 */
export function parseScenario(text: string, path: string): Scenario {
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new BufferbaneError(
      ErrorCode.RecipeSyntax,
      `${path}:${error.line}:${error.column}: ${reason}`,
    );
  }
  const parsed = scenarioSchema.safeParse(document);
  if (!parsed.success) {
    const locator = new TomlLocator(text);
    const lines = parsed.error.issues.flatMap((issue) => {
      const at = issue.path.map((segment) =>
        typeof segment === "number" ? segment : String(segment)
      );
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => problem(path, locator, [...at, key], "unknown key"));
      }
      return [problem(path, locator, at, issueMessage(issue))];
    });
    throw new BufferbaneError(ErrorCode.RecipeInvalid, lines.join("\n"));
  }
  const name = basename(path).replace(/\.toml$/, "");
  return { name, path, ...parsed.data };
}

function problem(file: string, locator: TomlLocator, path: KeyPath, message: string): string {
  const key = formatKeyPath(path);
  return `${file}:${locator.line(path)}: ${key === "" ? "" : `${key}: `}${message}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const input = (issue as { input?: unknown }).input;
    return input === undefined
      ? "missing required key"
      : `expected ${issue.expected}, got ${JSON.stringify(input)}`;
  }
  if (issue.code === "too_small") return `must be at least ${issue.minimum}`;
  if (issue.code === "too_big") return `must be at most ${issue.maximum}`;
  return issue.message;
}

/**
 * The names of the scenarios shipped in {@linkcode SCENARIO_DIR}, sorted.
 *
 * @param dir Where to look.
 * @returns Names without `.toml`.
 *
 * @example
 * ```ts
 * import { scenarioNames } from "./scenario.ts";
 * console.log(scenarioNames().includes("bloated")); // true
 * ```
 */
export function scenarioNames(dir: string = SCENARIO_DIR): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".toml"))
    .map((entry) => entry.name.slice(0, -".toml".length))
    .sort();
}

/**
 * Loads a scenario by name (`"bloated"`, from {@linkcode SCENARIO_DIR}) or by path (anything
 * with a `/` or ending in `.toml`).
 *
 * @param nameOrPath A shipped scenario's name or a TOML file.
 * @param dir Where named scenarios live.
 * @returns The validated scenario.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for an unknown name (listing the known ones),
 * `RECIPE_NOT_FOUND` for a file that cannot be read, and the errors of
 * {@linkcode parseScenario}.
 *
 * @example
 * ```ts
 * import { loadScenario } from "./scenario.ts";
 * console.log(loadScenario("managed").bottleneck.up?.buffer); // 10
 * ```
 */
export function loadScenario(nameOrPath: string, dir: string = SCENARIO_DIR): Scenario {
  const isPath = nameOrPath.includes("/") || nameOrPath.endsWith(".toml");
  const file = isPath ? nameOrPath : `${dir}/${nameOrPath}.toml`;
  let text: string;
  try {
    text = Deno.readTextFileSync(resolve(file));
  } catch (cause) {
    if (!isPath && cause instanceof Deno.errors.NotFound) {
      throw new BufferbaneError(ErrorCode.InvalidArgument, `Unknown scenario "${nameOrPath}"`, {
        hint: `known: ${scenarioNames(dir).join(", ")}`,
      });
    }
    throw new BufferbaneError(
      ErrorCode.RecipeNotFound,
      `Cannot read scenario "${file}": ${(cause as Error).message}`,
      { cause },
    );
  }
  return parseScenario(text, isPath ? file : `lab/scenarios/${nameOrPath}.toml`);
}

/** What a scenario makes true, for tests and `lab status`. */
export interface GroundTruth {
  /** Longest queueing delay of the upload bottleneck in ms (buffer + burst), if shaped. */
  upQueueLimitMs: number | undefined;
  /** Longest queueing delay of the download bottleneck in ms, if shaped. */
  downQueueLimitMs: number | undefined;
  /** What the WiFi-like path adds to a round trip over the Ethernet-like one, in ms. */
  wifiExtraRttMs: number;
  /** Share of round trips lost on the WiFi-like path, in percent. */
  wifiRoundTripLossPct: number;
  /** Share of round trips lost on the Ethernet-like path, in percent. */
  ethRoundTripLossPct: number;
}

/**
 * The figures a measurement in this scenario should find: queue limits (rate x buffer +
 * burst, as time), the WiFi-like path's extra delay, round-trip loss per path.
 *
 * @param scenario The scenario.
 * @returns The expected figures.
 *
 * @example The bloated scenario's queue limit
 * ```ts
 * import { groundTruth, loadScenario } from "./scenario.ts";
 * console.log(groundTruth(loadScenario("bloated")).upQueueLimitMs); // 301.6
 * ```
 */
export function groundTruth(scenario: ScenarioSettings): GroundTruth {
  const limit = (direction: BottleneckDirection | undefined) =>
    direction === undefined
      ? undefined
      : Math.round((direction.buffer + direction.burst_bytes * 8 / direction.rate * 1000) * 1000) /
        1000;
  const roundTrip = (up: number, down: number) =>
    Math.round((1 - (1 - up / 100) * (1 - down / 100)) * 1e6) / 1e4;
  return {
    upQueueLimitMs: limit(scenario.bottleneck.up),
    downQueueLimitMs: limit(scenario.bottleneck.down),
    wifiExtraRttMs: scenario.wifi.up.delay + scenario.wifi.down.delay,
    wifiRoundTripLossPct: roundTrip(scenario.wifi.up.loss_pct, scenario.wifi.down.loss_pct),
    ethRoundTripLossPct: roundTrip(scenario.eth.up.loss_pct, scenario.eth.down.loss_pct),
  };
}
