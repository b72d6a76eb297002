/**
 * `server.toml`: where the echo server listens, where its secret comes from, its caps and rate
 * limits, logging, the health view, and the TCP throughput service and HTTP endpoints
 * (`[throughput]`, `[http]`: off unless present, see `throughput_config.ts`). Every key is optional; see `server.example.toml`.
 * Problems are reported together, each as `file:line: key: message`.
 *
 * The secret is never written in the file: it comes from an environment variable
 * (`secret_env`, `BUFFERBANE_SECRET` by default) or a file (`secret_file`, e.g. readable by the
 * service user only), and must be at least 16 characters.
 *
 * @module
 */
import {
  type DashboardConfig,
  dashboardSectionSchema,
  resolveDashboardConfig,
} from "./dashboard/config.ts";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { DEFAULT_SERVER_PORT } from "../core/recipe_schema.ts";
import { formatKeyPath, locateKey } from "../core/toml_locator.ts";
import { ipFamily, type SocketAddress } from "../ffi/mod.ts";
import {
  ECHO_LIMIT_DEFAULTS,
  ECHO_RATE_LIMIT_DEFAULTS,
  type EchoLimits,
  type EchoRateLimits,
} from "./echo_handler.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import {
  resolveThroughputConfig,
  throughputConfigShape,
  type ThroughputServerConfig,
} from "./throughput_config.ts";

/** The shortest secret accepted, characters. */
export const MIN_SECRET_LENGTH = 16;

/** A validated server configuration, secret resolved. */
export interface ServerConfig {
  /** Addresses to listen on. */
  listen: SocketAddress[];
  /** The shared secret. */
  secret: string;
  /** Where the secret came from, for logs (`env BUFFERBANE_SECRET`, `file /etc/...`). */
  secretSource: string;
  /** The lowest log level written. */
  logLevel: LogLevel;
  /** How often a stats line is logged, ms; 0 for never. */
  statsInterval: number;
  /** Whether kernel send stamps correct the send times of replies. */
  kernelSendStamps: boolean;
  /** Session caps. */
  limits: EchoLimits;
  /** Rate limits outside sessions. */
  rateLimits: EchoRateLimits;
  /** Where the HTTP health view listens, or `undefined` when it is off. */
  health: SocketAddress | undefined;
  /**
   * The TCP throughput service (`[throughput]`) and the HTTP endpoints (`[http]`); each is
   * `undefined` (off) unless its section is in the file (see `throughput_config.ts`).
   */
  throughput: ThroughputServerConfig;
  /** The dashboard (`[dashboard]`), when configured. */
  dashboard?: DashboardConfig;
}

/** Options of {@linkcode parseServerConfig}. */
export interface ParseServerConfigOptions {
  /**
   * The file name used in messages.
   *
   * @default {"server.toml"}
   */
  path?: string;
  /**
   * Reads environment variables.
   *
   * @default {Deno.env.get}
   */
  env?: (name: string) => string | undefined;
  /**
   * Reads the secret file.
   *
   * @default {Deno.readTextFileSync}
   */
  readFile?: (path: string) => string;
}

/**
 * Parses `"address:port"`, `"[v6]:port"` or a bare address (port 9876).
 *
 * @param text The endpoint.
 * @returns Address and port.
 * @throws {RangeError} When it is not an IP address with an optional port.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "./config.ts";
 * console.log(parseEndpoint("[::]:9000")); // { address: "::", port: 9000 }
 * console.log(parseEndpoint("0.0.0.0")); // { address: "0.0.0.0", port: 9876 }
 * ```
 */
export function parseEndpoint(text: string): SocketAddress {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text) ??
    /^([0-9a-fA-F:.]+)()$/.exec(text);
  const address = match?.[1] ?? "";
  const port = match?.[2] ? Number(match[2]) : DEFAULT_SERVER_PORT;
  if (ipFamily(address) === undefined || !(port >= 0 && port <= 65535)) {
    throw new RangeError(
      `Invalid endpoint "${text}": expected an IP address and port such as "0.0.0.0:9876"`,
    );
  }
  return { address, port };
}

const duration = z.unknown().transform((value, context): number => {
  if (typeof value === "number" && value >= 0) return value;
  if (typeof value === "string") {
    try {
      return parseDuration(value);
    } catch { /* reported below */ }
  }
  context.addIssue({
    code: "custom",
    message: `expected a duration such as "10ms", got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const endpoint = z.unknown().transform((value, context): SocketAddress => {
  try {
    if (typeof value === "string") return parseEndpoint(value);
  } catch { /* reported below */ }
  context.addIssue({
    code: "custom",
    message: `expected an IP address and port such as "0.0.0.0:9876", got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const endpoints = z.unknown().transform((value, context): SocketAddress[] => {
  const list = Array.isArray(value) ? value : [value];
  const out: SocketAddress[] = [];
  for (const [i, item] of list.entries()) {
    try {
      if (typeof item === "string") {
        out.push(parseEndpoint(item));
        continue;
      }
    } catch { /* reported below */ }
    context.addIssue({
      code: "custom",
      path: Array.isArray(value) ? [i] : [],
      message: `expected an IP address and port such as "0.0.0.0:9876", got ${
        JSON.stringify(item)
      }`,
    });
  }
  if (list.length === 0) {
    context.addIssue({ code: "custom", message: "expected at least one address" });
  }
  return out;
});

const positiveInt = z.number().int().positive();

const configSchema = z.strictObject({
  listen: endpoints.prefault(`0.0.0.0:${DEFAULT_SERVER_PORT}`),
  secret_env: z.string().min(1).default("BUFFERBANE_SECRET"),
  secret_file: z.string().min(1).optional(),
  log_level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).default("info"),
  stats_interval: duration.prefault("5m"),
  kernel_send_stamps: z.boolean().default(true),
  limits: z.strictObject({
    max_sessions: positiveInt.default(ECHO_LIMIT_DEFAULTS.maxSessions),
    max_sessions_per_address: positiveInt.default(ECHO_LIMIT_DEFAULTS.maxSessionsPerAddress),
    min_interval: duration.refine((ms) => ms > 0, "must be above 0")
      .default(ECHO_LIMIT_DEFAULTS.minInterval),
    max_packet_size: z.number().int().min(128).max(65507)
      .default(ECHO_LIMIT_DEFAULTS.maxPacketSize),
    max_duration: duration.default(ECHO_LIMIT_DEFAULTS.maxDuration),
    idle_timeout: duration.refine((ms) => ms >= 1000, "must be at least 1s")
      .default(ECHO_LIMIT_DEFAULTS.idleTimeout),
    knock_tolerance: duration.refine((ms) => ms >= 1000, "must be at least 1s")
      .default(ECHO_LIMIT_DEFAULTS.knockTolerance),
    session_burst: positiveInt.default(ECHO_LIMIT_DEFAULTS.sessionBurst),
  }).prefault({}),
  rate_limit: z.strictObject({
    packets_per_second: z.number().positive().default(ECHO_RATE_LIMIT_DEFAULTS.packetsPerSecond),
    burst: positiveInt.default(ECHO_RATE_LIMIT_DEFAULTS.burst),
    global_packets_per_second: z.number().positive()
      .default(ECHO_RATE_LIMIT_DEFAULTS.globalPacketsPerSecond),
    max_addresses: positiveInt.default(ECHO_RATE_LIMIT_DEFAULTS.maxAddresses),
  }).prefault({}),
  health: z.strictObject({
    listen: z.union([z.literal(""), endpoint]).prefault("127.0.0.1:9877"),
  }).prefault({}),
  ...throughputConfigShape,
  dashboard: dashboardSectionSchema.optional(),
});

function invalid(file: string, lines: string[]): BufferbaneError {
  return new BufferbaneError(
    ErrorCode.Server,
    `Invalid server config "${file}": ${lines.join("; ")}`,
    { hint: "see server/server.example.toml" },
  );
}

/**
 * Validates `server.toml` text and resolves the secret.
 *
 * @param text The TOML source ("" for all defaults).
 * @param options File name for messages, environment and file readers.
 * @returns The configuration.
 * @throws {BufferbaneError} `SERVER` naming each problem as `file:line: key: message`, or when
 * no secret is configured or it is shorter than {@linkcode MIN_SECRET_LENGTH}.
 *
 * @example Defaults with the secret from the environment
 * ```ts
 * import { parseServerConfig } from "./config.ts";
 * const config = parseServerConfig('[limits]\nmin_interval = "1ms"\n', {
 *   env: (name) => name === "BUFFERBANE_SECRET" ? "0123456789abcdef0123" : undefined,
 * });
 * console.log(config.listen, config.limits.minInterval, config.secretSource);
 * // [ { address: "0.0.0.0", port: 9876 } ] 1 env BUFFERBANE_SECRET
 * ```
 *
 * @example A problem names its line
 * ```ts
 * import { parseServerConfig } from "./config.ts";
 * try {
 *   parseServerConfig('log_level = "info"\n[limits]\nmin_interval = "fast"\n', { env: () => "x".repeat(20) });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Invalid server config "server.toml": server.toml:3: limits.min_interval: expected a duration such as "10ms", got "fast"
 * }
 * ```
 */
export function parseServerConfig(
  text: string,
  options: ParseServerConfigOptions = {},
): ServerConfig {
  const file = options.path ?? "server.toml";
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      throw invalid(file, [`${file}:${error.line}: ${error.message.split("\n")[0]!.trim()}`]);
    }
    throw error;
  }
  const parsed = configSchema.safeParse(document);
  if (!parsed.success) {
    throw invalid(
      file,
      parsed.error.issues.flatMap((issue) => {
        const path = issue.path.filter((p) => typeof p !== "symbol") as (string | number)[];
        if (issue.code === "unrecognized_keys") {
          return issue.keys.map((key) => problemLine(text, file, [...path, key], "unknown key"));
        }
        return [problemLine(text, file, path, issue.message)];
      }),
    );
  }
  const doc = parsed.data;
  const { secret, source } = resolveSecret(doc.secret_env, doc.secret_file, options);
  return {
    listen: doc.listen,
    secret,
    secretSource: source,
    logLevel: doc.log_level,
    statsInterval: doc.stats_interval,
    kernelSendStamps: doc.kernel_send_stamps,
    limits: {
      maxSessions: doc.limits.max_sessions,
      maxSessionsPerAddress: doc.limits.max_sessions_per_address,
      minInterval: doc.limits.min_interval,
      maxPacketSize: doc.limits.max_packet_size,
      maxDuration: doc.limits.max_duration,
      idleTimeout: doc.limits.idle_timeout,
      knockTolerance: doc.limits.knock_tolerance,
      sessionBurst: doc.limits.session_burst,
    },
    rateLimits: {
      packetsPerSecond: doc.rate_limit.packets_per_second,
      burst: doc.rate_limit.burst,
      globalPacketsPerSecond: doc.rate_limit.global_packets_per_second,
      maxAddresses: doc.rate_limit.max_addresses,
    },
    health: doc.health.listen === "" ? undefined : doc.health.listen,
    throughput: resolveThroughputConfig(doc),
    ...(doc.dashboard ? { dashboard: resolveDashboardConfig(doc.dashboard) } : {}),
  };
}

function problemLine(text: string, file: string, path: (string | number)[], message: string) {
  let line = locateKey(text, path);
  for (let cut = path.length - 1; line === 0 && cut > 0; cut--) {
    line = locateKey(text, path.slice(0, cut));
  }
  const key = formatKeyPath(path);
  return `${file}${line > 0 ? `:${line}` : ""}: ${key ? `${key}: ` : ""}${message}`;
}

function resolveSecret(
  secretEnv: string,
  secretFile: string | undefined,
  options: ParseServerConfigOptions,
): { secret: string; source: string } {
  let secret: string | undefined;
  let source: string;
  if (secretFile !== undefined) {
    source = `file ${secretFile}`;
    try {
      secret = (options.readFile ?? Deno.readTextFileSync)(secretFile).trim();
    } catch (cause) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Cannot read secret file "${secretFile}": ${(cause as Error).message}`,
        { cause, hint: "check the path and that the service user may read it" },
      );
    }
  } else {
    source = `env ${secretEnv}`;
    secret = (options.env ?? ((name: string) => Deno.env.get(name)))(secretEnv)?.trim();
  }
  if (secret === undefined || secret === "") {
    throw new BufferbaneError(ErrorCode.Server, `No secret configured: ${source} is empty`, {
      hint: `set ${secretEnv}, or secret_file in server.toml; make one with ` +
        "`openssl rand -base64 32`",
    });
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new BufferbaneError(
      ErrorCode.Server,
      `Secret from ${source} is too short: ${secret.length} characters, at least ${MIN_SECRET_LENGTH} needed`,
      { hint: "make one with `openssl rand -base64 32`" },
    );
  }
  return { secret, source };
}

/**
 * Reads and validates a config file. A missing file is an error, except when `optional` is
 * set: then the defaults are used (the secret must still come from the environment).
 *
 * @param path The file.
 * @param options Environment and file readers, and whether the file may be missing.
 * @returns The configuration.
 * @throws {BufferbaneError} `SERVER` when the file cannot be read or is invalid.
 *
 * @example
 * ```ts ignore
 * import { loadServerConfig } from "./config.ts";
 * const config = await loadServerConfig("server.toml", { optional: true });
 * console.log(config.listen);
 * ```
 */
export async function loadServerConfig(
  path: string,
  options: Omit<ParseServerConfigOptions, "path"> & { optional?: boolean } = {},
): Promise<ServerConfig> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    if (!(cause instanceof Deno.errors.NotFound && options.optional)) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Cannot read server config "${path}": ${(cause as Error).message}`,
        { cause, hint: "copy server/server.example.toml to start from" },
      );
    }
  }
  return parseServerConfig(text, { ...options, path });
}
