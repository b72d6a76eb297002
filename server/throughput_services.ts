/**
 * Starts what `[throughput]` and `[http]` configure (`throughput_config.ts`), with one shared
 * limiter, so that `server/main.ts` needs a few lines: nothing starts when neither section is
 * there. Stream events are logged at debug level (granted, ended, refused: a stranger's
 * connection is logged, never answered).
 *
 * @module
 */
import { formatEndpoint } from "../ffi/structs.ts";
import { type HttpServer, startHttpEndpoints } from "./http_endpoints.ts";
import type { Logger } from "./log.ts";
import type { AuthorizeSession } from "./throughput_admission.ts";
import { readHttpsFiles, type ThroughputServerConfig } from "./throughput_config.ts";
import { ThroughputLimiter } from "./throughput_limits.ts";
import {
  startThroughputService,
  type ThroughputService,
  type ThroughputServiceStats,
} from "./throughput_service.ts";

/** Options of {@linkcode startThroughputServices}. */
export interface ThroughputServicesOptions {
  /** What the two sections configure. */
  config: ThroughputServerConfig;
  /** Finds a live UDP echo session's keys (the echo server's `sessionKeys`). */
  authorize: AuthorizeSession;
  /** Where events go (debug level); nothing is logged without one. */
  logger?: Logger;
  /**
   * Reads the HTTPS certificate and key.
   *
   * @default {Deno.readTextFileSync}
   */
  readFile?: (path: string) => string;
}

/** The running services. */
export interface ThroughputServices {
  /** The TCP service, when configured. */
  throughput: ThroughputService | undefined;
  /** The HTTP endpoints, when configured. */
  http: HttpServer | undefined;
  /** The limiter both charge. */
  limiter: ThroughputLimiter;
  /**
   * Where they listen, for the start-up log line.
   *
   * @returns `{ throughput: ["0.0.0.0:9876"], http: "https://0.0.0.0:9878" }` (keys of the
   * services that run).
   */
  describe(): Record<string, unknown>;
  /**
   * Counters of both, for the stats log line and the health view.
   *
   * @returns The TCP service's stats and the HTTP endpoints' stats.
   */
  stats(): {
    throughput?: ThroughputServiceStats;
    http?: ReturnType<HttpServer["endpoints"]["stats"]>;
  };
  /** Stops both. */
  close(): Promise<void>;
}

/**
 * Starts the configured services, or nothing.
 *
 * @param options The configuration, the session lookup, a logger.
 * @returns The services, or `undefined` when neither section is configured.
 * @throws {BufferbaneError} `SERVER` when the HTTPS files cannot be read; listen errors
 * (`AddrInUse`, ...) as `Deno.listen` and `Deno.serve` throw them (what started is stopped).
 *
 * @example Neither section: nothing starts
 * ```ts
 * import { startThroughputServices } from "./throughput_services.ts";
 * import { resolveThroughputConfig } from "./throughput_config.ts";
 * const services = await startThroughputServices({
 *   config: resolveThroughputConfig({}), authorize: () => undefined,
 * });
 * console.log(services); // undefined
 * ```
 */
export async function startThroughputServices(
  options: ThroughputServicesOptions,
): Promise<ThroughputServices | undefined> {
  const { config, logger } = options;
  if (config.throughput === undefined && config.http === undefined) return undefined;
  const limiter = new ThroughputLimiter(config.limits);
  let throughput: ThroughputService | undefined;
  let http: HttpServer | undefined;
  try {
    if (config.throughput) {
      throughput = await startThroughputService({
        authorize: options.authorize,
        listen: config.throughput.listen,
        limiter,
        helloTimeout: config.throughput.helloTimeout,
        grace: config.throughput.grace,
        connectionsPerSecond: config.throughput.connectionsPerSecond,
        ...(logger ? { onEvent: (event) => logger.debug(`throughput ${event.kind}`, event) } : {}),
      });
    }
    if (config.http) {
      const tls = readHttpsFiles(config.http, options.readFile);
      http = await startHttpEndpoints({
        listen: config.http.listen,
        limiter,
        corsOrigin: config.http.corsOrigin,
        maxDownloadBytes: config.http.maxDownloadBytes,
        maxUploadBytes: config.http.maxUploadBytes,
        maxWebSocketsPerAddress: config.http.maxWebSocketsPerAddress,
        webSocketMaxDuration: config.http.webSocketMaxDuration,
        ...(config.http.web
          ? {
            web: {
              resultsDb: config.http.web.resultsDb,
              resultsRetentionDays: config.http.web.resultsRetentionDays,
              sessions: config.http.web.sessions,
            },
          }
          : {}),
        ...(tls ?? {}),
      });
    }
  } catch (error) {
    await throughput?.close();
    await http?.close();
    throw error;
  }
  return {
    throughput,
    http,
    limiter,
    describe: () => ({
      ...(throughput ? { throughput: throughput.addresses.map(formatEndpoint) } : {}),
      ...(http ? { http: http.url } : {}),
      throughputLimits: config.limits,
    }),
    stats: () => ({
      ...(throughput ? { throughput: throughput.stats() } : {}),
      ...(http ? { http: http.endpoints.stats() } : {}),
    }),
    async close() {
      await throughput?.close();
      await http?.close();
    },
  };
}
