/**
 * `deno task server`: runs the bufferbane echo server from `server.toml`.
 *
 * ```text
 * deno run -A server/main.ts [--config server.toml] [--check]
 * ```
 *
 * Without the file named by `--config` (default `server.toml`), safe defaults are used; the
 * secret must still be given (`BUFFERBANE_SECRET`). `--check` validates the configuration, prints
 * it (secret redacted) and exits. Logs are JSON lines on stderr. `SIGUSR2` logs the stats (not SIGUSR1: Deno opens its inspector on that one);
 * `SIGINT`/`SIGTERM` close every session (telling clients), log the final stats and exit 0.
 * With `[throughput]` or `[http]` in the file, the TCP throughput service (authorized by the
 * echo server's live sessions) or the HTTP endpoints start too (`throughput_services.ts`).
 * See `server/README.md` for a VPS setup.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type BufferbaneError, describeError } from "../core/errors.ts";
import { formatEndpoint } from "../ffi/mod.ts";
import { loadServerConfig, type ServerConfig } from "./config.ts";
import { type HealthServer, startHealthServer } from "./health.ts";
import { type Dashboard, startDashboard } from "./dashboard/start.ts";
import { createLogger, type Logger } from "./log.ts";
import { startEchoServer } from "./udp_echo_server.ts";
import { startThroughputServices, type ThroughputServices } from "./throughput_services.ts";

const DEFAULT_CONFIG = "server.toml";

const USAGE = `Usage: deno run -A server/main.ts [--config <file>] [--check]

  --config <file>  server configuration (default: ${DEFAULT_CONFIG}; defaults when it is missing)
  --check          validate the configuration, print it (secret redacted) and exit
  --help           show this help
`;

/** Options of {@linkcode main}. */
export interface MainOptions {
  /**
   * Stops the server (besides SIGINT and SIGTERM).
   *
   * @default {none}
   */
  signal?: AbortSignal;
  /**
   * Where JSON log lines go.
   *
   * @default {stderr}
   */
  write?: (line: string) => void;
}

function redacted(config: ServerConfig) {
  return {
    ...config,
    secret: "(redacted)",
    listen: config.listen.map(formatEndpoint),
    health: config.health && formatEndpoint(config.health),
  };
}

/**
 * Runs the server until a signal; returns the exit code.
 *
 * @param args Command-line arguments.
 * @param options A stop signal and a log sink, for tests.
 * @returns 0 after a clean shutdown or check, 1 on a configuration or start-up error, 2 on
 * bad arguments.
 *
 * @example Checking a configuration
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(["--config", "server.toml", "--check"]));
 * ```
 */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      options: {
        config: { type: "string" },
        check: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const configPath = flags.config ?? DEFAULT_CONFIG;
  let log: Logger = createLogger(options.write ? { write: options.write } : {});
  let config: ServerConfig;
  try {
    config = await loadServerConfig(configPath, { optional: configPath === DEFAULT_CONFIG });
  } catch (error) {
    log.error(describeError(error), { code: (error as BufferbaneError).code });
    return 1;
  }
  if (flags.check) {
    console.log(JSON.stringify(redacted(config), null, 2));
    return 0;
  }
  log = createLogger({
    level: config.logLevel,
    ...(options.write ? { write: options.write } : {}),
  });
  return await serve(config, log, options.signal);
}

async function serve(config: ServerConfig, log: Logger, signal?: AbortSignal): Promise<number> {
  let server;
  let health: HealthServer | undefined;
  let tp: ThroughputServices | undefined;
  let dashboard: Dashboard | undefined;
  try {
    server = await startEchoServer({
      secret: config.secret,
      listen: config.listen,
      limits: config.limits,
      rateLimits: config.rateLimits,
      kernelSendStamps: config.kernelSendStamps,
      logger: log,
    });
    tp = await startThroughputServices({
      config: config.throughput,
      authorize: server.sessionKeys,
      logger: log,
    });
    if (config.health) {
      health = startHealthServer({ ...config.health, stats: () => server!.stats() });
    }
    if (config.dashboard) {
      dashboard = await startDashboard({ config: config.dashboard, secret: config.secret });
    }
  } catch (error) {
    await dashboard?.close();
    await health?.close();
    await tp?.close();
    await server?.close();
    log.error(`Cannot start the server: ${describeError(error)}`);
    return 1;
  }
  log.info("listening", {
    addresses: server.addresses.map(formatEndpoint),
    health: health && formatEndpoint({ address: config.health!.address, port: health.port }),
    secret: config.secretSource,
    limits: config.limits,
    rateLimits: config.rateLimits,
    ...tp?.describe(),
    ...(dashboard ? { dashboard: dashboard.url } : {}),
  });
  const stats = () => ({ ...server.stats(), ...tp?.stats() }) as unknown as Record<string, unknown>;

  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  const onSignal = (name: Deno.Signal) => () => stop(name);
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", onSignal("SIGINT")],
    ["SIGTERM", onSignal("SIGTERM")],
    ["SIGUSR2", () => log.info("stats", stats())],
  ];
  for (const [name, handler] of handlers) Deno.addSignalListener(name, handler);
  signal?.addEventListener("abort", () => stop("abort"), { once: true });
  const statsTimer = config.statsInterval > 0
    ? setInterval(() => log.info("stats", stats()), config.statsInterval)
    : undefined;

  const reason = await stopped;
  log.info("shutting down", { reason });
  clearInterval(statsTimer);
  for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  await dashboard?.close();
  await tp?.close();
  await server.close();
  await health?.close();
  log.info("final stats", stats());
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
