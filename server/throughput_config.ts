/**
 * The `[throughput]` and `[http]` sections of `server.toml`: the TCP throughput service (for
 * the CLI's throughput and bufferbloat tests) and the HTTP endpoints (for browsers). Both are
 * off unless their section is present.
 *
 * ```toml
 * [throughput]                   # the TCP service; authorized by UDP echo sessions
 * listen = ["0.0.0.0:9876"]      # TCP (the UDP echo port's number by default); "" = off
 * hello_timeout = "5s"           # a connection must send its HELLO within this
 * grace = "2s"                   # streams end at most this long after their granted time
 * connections_per_second = 20    # new connections per client address (burst: twice)
 *
 * [throughput.limits]            # per client (IPv4 address or IPv6 /64); HTTP counts too
 * max_duration = "30s"           # the longest stream (longer requests get this)
 * max_streams_per_address = 16   # streams at once per client, both directions
 * max_streams = 64               # streams at once, all clients
 * bytes_per_hour = "45GB"        # per client, refilled evenly over the hour
 * max_addresses = 65536          # clients tracked at once
 *
 * [http]                         # browser endpoints: /download /upload /ping /ws
 * listen = "0.0.0.0:9878"
 * cert_file = "/etc/letsencrypt/live/example.org/fullchain.pem"   # with key_file: HTTPS
 * key_file = "/etc/letsencrypt/live/example.org/privkey.pem"
 * cors_origin = "*"
 * max_download_bytes = "1GiB"    # per request
 * max_upload_bytes = "1GiB"      # per request
 * max_websockets_per_address = 4
 * websocket_max_duration = "2m"
 * ```
 *
 * The HTTP endpoints are open to anyone who reaches them (a browser holds no UDP session), so
 * they count against the same limits as the TCP service: give both the one limiter built from
 * {@linkcode ThroughputServerConfig.limits}. With `[http]` but no TCP service, write
 * `[throughput]` with `listen = ""` to set the limits.
 *
 * Byte sizes are a number of bytes or text with a unit: `B`, `kB`, `MB`, `GB`, `TB` (powers of
 * 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024).
 *
 * @module
 */
import { z } from "zod";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { ipFamily } from "../ffi/ip_address.ts";
import type { SocketAddress } from "../ffi/structs.ts";
import { THROUGHPUT_LIMIT_DEFAULTS, type ThroughputLimits } from "./throughput_limits.ts";

/** The default TCP port of the throughput service: the UDP echo port's number. */
export const DEFAULT_THROUGHPUT_PORT = 9876;
/** The default port of the HTTP endpoints. */
export const DEFAULT_HTTP_PORT = 9878;

/** The TCP throughput service's settings. */
export interface ThroughputSectionConfig {
  /** Where it listens (TCP). */
  listen: SocketAddress[];
  /** How long a connection has to send its HELLO, ms. */
  helloTimeout: number;
  /** How long past its granted time a stream may last, ms. */
  grace: number;
  /** New connections per second per client address. */
  connectionsPerSecond: number;
}

/** The HTTP endpoints' settings. */
export interface HttpSectionConfig {
  /** Where they listen. */
  listen: SocketAddress;
  /** PEM certificate chain file (HTTPS with `keyFile`). */
  certFile?: string;
  /** PEM private key file. */
  keyFile?: string;
  /** `Access-Control-Allow-Origin`. */
  corsOrigin: string;
  /** The most bytes one download sends. */
  maxDownloadBytes: number;
  /** The most bytes one upload may send. */
  maxUploadBytes: number;
  /** WebSockets open at once per client. */
  maxWebSocketsPerAddress: number;
  /** How long a WebSocket may stay open, ms. */
  webSocketMaxDuration: number;
  /** The browser test pages (`web_app.ts`), when on. */
  web?: WebSectionConfig;
}

/** The browser test pages' settings (`[http] web = true` and the `test_*` keys). */
export interface WebSectionConfig {
  /** The SQLite file saved results go to. */
  resultsDb: string;
  /** Days a saved result is kept. */
  resultsRetentionDays: number;
  /** Caps of the test sessions. */
  sessions: {
    maxDuration: number;
    idleTimeout: number;
    testsPerHour: number;
    concurrentPerAddress: { single: number; household: number };
  };
}

/** What the two sections configure. */
export interface ThroughputServerConfig {
  /** The TCP service, or `undefined` when it is off. */
  throughput: ThroughputSectionConfig | undefined;
  /** The HTTP endpoints, or `undefined` when they are off. */
  http: HttpSectionConfig | undefined;
  /** Limits shared by both (build one `ThroughputLimiter` from them). */
  limits: ThroughputLimits;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Parses a byte size: a number of bytes, or text such as `"45GB"`, `"1 GiB"`, `"500kB"`.
 *
 * @param value A number or text.
 * @returns Whole bytes.
 * @throws {RangeError} When it is not a non-negative size.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./throughput_config.ts";
 * console.log(parseByteSize("45GB"), parseByteSize("1GiB"), parseByteSize(512)); // 45000000000 1073741824 512
 * ```
 */
export function parseByteSize(value: number | string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else {
    const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = match ? UNITS[(match[2] || "b").toLowerCase()] : undefined;
    if (match && unit !== undefined) return Math.floor(Number(match[1]) * unit);
  }
  throw new RangeError(
    `Invalid byte size ${JSON.stringify(value)}: expected bytes or text such as "45GB" or "1GiB"`,
  );
}

function parseAddress(text: string, defaultPort: number): SocketAddress {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text) ??
    /^([0-9a-fA-F:.]+)()$/.exec(text);
  const address = match?.[1] ?? "";
  const port = match?.[2] ? Number(match[2]) : defaultPort;
  if (ipFamily(address) === undefined || !(port >= 0 && port <= 65535)) {
    throw new RangeError(`expected an IP address and port such as "0.0.0.0:${defaultPort}"`);
  }
  return { address, port };
}

const duration = (min = 0) =>
  z.unknown().transform((value, context): number => {
    let ms: number | undefined;
    if (typeof value === "number" && value >= 0) ms = value;
    if (typeof value === "string") {
      try {
        ms = parseDuration(value);
      } catch { /* reported below */ }
    }
    if (ms === undefined) {
      context.addIssue({
        code: "custom",
        message: `expected a duration such as "30s", got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (ms < min) {
      context.addIssue({ code: "custom", message: `must be at least ${min} ms, got ${ms} ms` });
      return z.NEVER;
    }
    return ms;
  });

const byteSize = z.unknown().transform((value, context): number => {
  try {
    if (typeof value === "number" || typeof value === "string") {
      const bytes = parseByteSize(value);
      if (bytes > 0) return bytes;
    }
  } catch { /* reported below */ }
  context.addIssue({
    code: "custom",
    message: `expected a byte size above 0 such as "45GB" or "1GiB", got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const endpointList = (defaultPort: number) =>
  z.unknown().transform((value, context): SocketAddress[] => {
    if (value === "") return [];
    const list = Array.isArray(value) ? value : [value];
    const out: SocketAddress[] = [];
    for (const [i, item] of list.entries()) {
      try {
        if (typeof item === "string") {
          out.push(parseAddress(item, defaultPort));
          continue;
        }
      } catch { /* reported below */ }
      context.addIssue({
        code: "custom",
        path: Array.isArray(value) ? [i] : [],
        message: `expected an IP address and port such as "0.0.0.0:${defaultPort}" (or "" for ` +
          `off), got ${JSON.stringify(item)}`,
      });
    }
    return out;
  });

const positiveInt = z.number().int().positive();
const D = THROUGHPUT_LIMIT_DEFAULTS;

/**
 * The zod schema of `[throughput]` (with `[throughput.limits]`), defaults filled in.
 *
 * @example
 * ```ts
 * import { throughputSectionSchema } from "./throughput_config.ts";
 * const section = throughputSectionSchema.parse({ limits: { bytes_per_hour: "10GB" } });
 * console.log(section.listen, section.limits.bytes_per_hour); // [ { address: "0.0.0.0", port: 9876 } ] 10000000000
 * ```
 */
export const throughputSectionSchema = z.strictObject({
  listen: endpointList(DEFAULT_THROUGHPUT_PORT).prefault(`0.0.0.0:${DEFAULT_THROUGHPUT_PORT}`)
    .describe('Where the TCP service listens; "" turns it off (the limits still apply to HTTP)'),
  hello_timeout: duration(100).prefault("5s")
    .describe("How long a connection has to send its HELLO"),
  grace: duration().prefault("2s")
    .describe("How long past its granted time a stream may last"),
  connections_per_second: z.number().positive().default(20)
    .describe("New connections per second per client address (burst: twice as many)"),
  limits: z.strictObject({
    max_duration: duration(1000).prefault(`${D.maxDuration}ms`)
      .describe("The longest stream; longer requests are granted this"),
    max_streams_per_address: positiveInt.default(D.maxStreamsPerAddress)
      .describe("Streams at once per client (IPv4 address or IPv6 /64), both directions"),
    max_streams: positiveInt.default(D.maxStreams).describe("Streams at once, all clients"),
    bytes_per_hour: byteSize.prefault(D.bytesPerHour)
      .describe('Bytes per client per hour, both directions, e.g. "45GB"'),
    max_addresses: positiveInt.default(D.maxAddresses).describe("Clients tracked at once"),
  }).prefault({}),
});

/**
 * The zod schema of `[http]`, defaults filled in.
 *
 * @example
 * ```ts
 * import { httpSectionSchema } from "./throughput_config.ts";
 * const section = httpSectionSchema.parse({ listen: "[::]:8443" });
 * console.log(section.listen, section.max_download_bytes); // [ { address: "::", port: 8443 } ] 1073741824
 * ```
 */
export const httpSectionSchema = z.strictObject({
  listen: endpointList(DEFAULT_HTTP_PORT).prefault(`0.0.0.0:${DEFAULT_HTTP_PORT}`)
    .refine((list) => list.length === 1, "expected exactly one address")
    .describe("Where the HTTP endpoints listen"),
  cert_file: z.string().min(1).optional().describe("PEM certificate chain (HTTPS with key_file)"),
  key_file: z.string().min(1).optional().describe("PEM private key of cert_file"),
  cors_origin: z.string().min(1).default("*").describe("Access-Control-Allow-Origin"),
  max_download_bytes: byteSize.prefault("1GiB").describe("The most bytes one download sends"),
  max_upload_bytes: byteSize.prefault("1GiB").describe("The most bytes one upload may send"),
  max_websockets_per_address: positiveInt.default(4).describe("WebSockets at once per client"),
  websocket_max_duration: duration(1000).prefault("2m")
    .describe("How long a WebSocket may stay open"),
  web: z.boolean().default(false)
    .describe("Serve the browser bufferbloat test at / (every load then needs a test session)"),
  results_db: z.string().min(1).default("bufferbane-results.db")
    .describe("SQLite file of saved browser results (the share links)"),
  results_retention_days: positiveInt.default(90).describe("Days a saved result is kept"),
  test_max_duration: duration(1000).prefault("5m").describe("The longest browser test"),
  test_idle_timeout: duration(1000).prefault("30s")
    .describe("A browser test with no sign of life for this long ends, streams and all"),
  tests_per_hour: positiveInt.default(16).describe("Browser tests one client may start per hour"),
  tests_at_once_per_address: positiveInt.default(2)
    .describe("Single-user tests open at once per client"),
  household_sessions_per_address: positiveInt.default(4)
    .describe("Household sessions open at once per client"),
}).refine((s) => (s.cert_file === undefined) === (s.key_file === undefined), {
  message: "set both cert_file and key_file for HTTPS, or neither",
  path: ["cert_file"],
});

/**
 * The keys to add to the server configuration's root schema: both sections optional.
 *
 * @example Adding them to a root schema
 * ```ts
 * import { z } from "zod";
 * import { throughputConfigShape } from "./throughput_config.ts";
 * const root = z.strictObject({ log_level: z.string().default("info"), ...throughputConfigShape });
 * console.log(root.parse({ http: {} }).http?.listen); // [ { address: "0.0.0.0", port: 9878 } ]
 * ```
 */
export const throughputConfigShape = {
  throughput: throughputSectionSchema.optional(),
  http: httpSectionSchema.optional(),
};

/** The parsed document's two sections, as the root schema gives them. */
export interface ThroughputSections {
  /** `[throughput]`, when present. */
  throughput?: z.output<typeof throughputSectionSchema>;
  /** `[http]`, when present. */
  http?: z.output<typeof httpSectionSchema>;
}

/**
 * Turns the parsed sections into the services' settings.
 *
 * @param sections The root schema's output (only `throughput` and `http` are read).
 * @returns What to start, and the shared limits.
 *
 * @example Neither section: nothing starts
 * ```ts
 * import { resolveThroughputConfig, throughputSectionSchema } from "./throughput_config.ts";
 * console.log(resolveThroughputConfig({}).throughput, resolveThroughputConfig({}).http); // undefined undefined
 * const on = resolveThroughputConfig({ throughput: throughputSectionSchema.parse({}) });
 * console.log(on.throughput?.listen, on.limits.maxDuration); // [ { address: "0.0.0.0", port: 9876 } ] 30000
 * ```
 */
export function resolveThroughputConfig(sections: ThroughputSections): ThroughputServerConfig {
  const t = sections.throughput;
  const h = sections.http;
  const limits: ThroughputLimits = t
    ? {
      maxDuration: t.limits.max_duration,
      maxStreamsPerAddress: t.limits.max_streams_per_address,
      maxStreams: t.limits.max_streams,
      bytesPerHour: t.limits.bytes_per_hour,
      maxAddresses: t.limits.max_addresses,
    }
    : { ...THROUGHPUT_LIMIT_DEFAULTS };
  return {
    throughput: t && t.listen.length > 0
      ? {
        listen: t.listen,
        helloTimeout: t.hello_timeout,
        grace: t.grace,
        connectionsPerSecond: t.connections_per_second,
      }
      : undefined,
    http: h
      ? {
        listen: h.listen[0]!,
        ...(h.cert_file !== undefined ? { certFile: h.cert_file } : {}),
        ...(h.key_file !== undefined ? { keyFile: h.key_file } : {}),
        corsOrigin: h.cors_origin,
        maxDownloadBytes: h.max_download_bytes,
        maxUploadBytes: h.max_upload_bytes,
        maxWebSocketsPerAddress: h.max_websockets_per_address,
        webSocketMaxDuration: h.websocket_max_duration,
        ...(h.web
          ? {
            web: {
              resultsDb: h.results_db,
              resultsRetentionDays: h.results_retention_days,
              sessions: {
                maxDuration: h.test_max_duration,
                idleTimeout: h.test_idle_timeout,
                testsPerHour: h.tests_per_hour,
                concurrentPerAddress: {
                  single: h.tests_at_once_per_address,
                  household: h.household_sessions_per_address,
                },
              },
            },
          }
          : {}),
      }
      : undefined,
    limits,
  };
}

/**
 * Reads the HTTPS certificate and key files of `[http]`.
 *
 * @param http The HTTP settings.
 * @param readFile Reads a text file.
 * @returns The PEM texts, or `undefined` when HTTPS is not configured.
 * @throws {BufferbaneError} `SERVER` when a file cannot be read.
 *
 * @example Plain HTTP
 * ```ts
 * import { readHttpsFiles } from "./throughput_config.ts";
 * console.log(readHttpsFiles({
 *   listen: { address: "0.0.0.0", port: 9878 }, corsOrigin: "*", maxDownloadBytes: 1,
 *   maxUploadBytes: 1, maxWebSocketsPerAddress: 1, webSocketMaxDuration: 1000,
 * })); // undefined
 * ```
 */
export function readHttpsFiles(
  http: HttpSectionConfig,
  readFile: (path: string) => string = Deno.readTextFileSync,
): { cert: string; key: string } | undefined {
  if (http.certFile === undefined || http.keyFile === undefined) return undefined;
  const read = (path: string, what: string) => {
    try {
      return readFile(path);
    } catch (cause) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Cannot read the HTTPS ${what} "${path}": ${(cause as Error).message}`,
        {
          cause,
          hint: "check [http] cert_file and key_file, and that the service user may read them",
        },
      );
    }
  };
  return { cert: read(http.certFile, "certificate"), key: read(http.keyFile, "key") };
}
