/**
 * Starts the dashboard on its own listener (`[dashboard]` in `server.toml`): reads its token,
 * opens its tests' store and serves `app.ts` with `Deno.serve` (HTTPS when a certificate and
 * key are configured).
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../../core/errors.ts";
import { createDashboardApp, MIN_DASHBOARD_TOKEN_LENGTH } from "./app.ts";
import type { DashboardConfig } from "./config.ts";
import { DashboardRuns } from "./runs.ts";

/** Options of {@linkcode startDashboard}. */
export interface StartDashboardOptions {
  /** The section's settings. */
  config: DashboardConfig;
  /** The server's secret (for `udp-echo` targets). */
  secret?: string;
  /**
   * Reads the token file.
   *
   * @default {Deno.readTextFileSync}
   */
  readFile?: (path: string) => string;
  /**
   * Reads the environment.
   *
   * @default {Deno.env.get}
   */
  env?: (name: string) => string | undefined;
  /** PEM certificate and key: HTTPS. */
  tls?: { cert: string; key: string };
  /** The page's code (tests may stub it). */
  script?: () => Promise<string>;
}

/** The running dashboard. */
export interface Dashboard {
  /** `http(s)://host:port`. */
  url: string;
  /** Its tests. */
  runs: DashboardRuns;
  /** Stops serving and every running test. */
  close(): Promise<void>;
}

/**
 * Reads the dashboard's token from its file or variable.
 *
 * @param config Where it is.
 * @param readFile Reads a file.
 * @param env Reads a variable.
 * @returns The token.
 * @throws {BufferbaneError} `SERVER` when it is missing or shorter than 16 characters.
 *
 * @example
 * ```ts
 * import { dashboardToken } from "./start.ts";
 * const token = dashboardToken(
 *   { tokenEnv: "T" }, () => "", (name) => name === "T" ? "0123456789abcdefXYZ" : undefined,
 * );
 * console.log(token.length); // 19
 * ```
 */
export function dashboardToken(
  config: Pick<DashboardConfig, "tokenEnv" | "tokenFile">,
  readFile: (path: string) => string = Deno.readTextFileSync,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  let token: string | undefined;
  let source: string;
  if (config.tokenFile !== undefined) {
    source = `file ${config.tokenFile}`;
    try {
      token = readFile(config.tokenFile).trim();
    } catch (cause) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Cannot read the dashboard token file "${config.tokenFile}": ${(cause as Error).message}`,
        { cause },
      );
    }
  } else {
    source = `env ${config.tokenEnv}`;
    token = env(config.tokenEnv)?.trim();
  }
  if (!token || token.length < MIN_DASHBOARD_TOKEN_LENGTH) {
    throw new BufferbaneError(
      ErrorCode.Server,
      `The dashboard needs a token of ${MIN_DASHBOARD_TOKEN_LENGTH} characters or more: ${source} ` +
        (token ? "is too short" : "is empty"),
      { hint: "make one with `openssl rand -base64 24`" },
    );
  }
  return token;
}

/**
 * Starts the dashboard.
 *
 * @param options Settings, secret, readers, TLS.
 * @returns The running dashboard.
 * @throws {BufferbaneError} When the token is missing or too short.
 *
 * @example
 * ```ts ignore
 * import { startDashboard } from "./start.ts";
 * const dashboard = await startDashboard({ config, secret });
 * await dashboard.close();
 * ```
 */
export async function startDashboard(options: StartDashboardOptions): Promise<Dashboard> {
  const token = dashboardToken(options.config, options.readFile, options.env);
  const runs = new DashboardRuns({
    config: options.config,
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
  });
  const app = createDashboardApp({
    runs,
    token,
    ...(options.script ? { script: options.script } : {}),
  });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.config.listen.address,
    port: options.config.listen.port,
    ...(options.tls ?? {}),
    onListen: (addr) => listening.resolve(addr as Deno.NetAddr),
    onError: () => new Response("Internal error\n", { status: 500 }),
  }, (request, info) => app.fetch(request, info));
  const addr = await listening.promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${addr.port}`,
    runs,
    async close() {
      await runs.close();
      await server.shutdown();
    },
  };
}
