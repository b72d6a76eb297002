/**
 * The `[dashboard]` section of `server.toml`: the self-hosted dashboard that runs probes from
 * the server toward configured internal targets (the packet-loss-analyzer use), on its own
 * listener, behind a token.
 *
 * ```toml
 * [dashboard]
 * listen = "127.0.0.1:9879"          # its own port; put it behind TLS or keep it on a VPN
 * token_env = "BUFFERBANE_DASHBOARD_TOKEN"   # or token_file = "/etc/bufferbane/dashboard.token"
 * db = "dashboard.db"                # the bufferbane store its tests write to
 * max_duration = "1h"                # the longest test
 * max_running = 4                    # tests at once
 *
 * [[dashboard.targets]]
 * name = "core-router"
 * host = "10.0.0.1"
 * plugins = ["icmp", "udp-echo"]     # what may be started toward it (default: icmp)
 * ```
 *
 * Only configured targets can be probed: the token lets someone start probes, not choose where
 * the server's traffic goes.
 *
 * @module
 */
import { z } from "zod";

/** Plugins the dashboard may start. */
export const DASHBOARD_PLUGINS = ["icmp", "dns", "udp-echo"] as const;

/** One of {@linkcode DASHBOARD_PLUGINS}. */
export type DashboardPlugin = typeof DASHBOARD_PLUGINS[number];

/** A target the dashboard may probe. */
export interface DashboardTarget {
  /** Its name in the page and the API. */
  name: string;
  /** Address or host name (for `dns`: the name to resolve). */
  host: string;
  /** For `udp-echo`: the bufferbane server's UDP port (its secret is the server's own). */
  port?: number;
  /** For `dns`: the resolver to ask (`"system"`, `ip` or `ip:port`). */
  resolver?: string;
  /** What may be started toward it. */
  plugins: DashboardPlugin[];
}

/** The dashboard's settings. */
export interface DashboardConfig {
  /** Where it listens. */
  listen: { address: string; port: number };
  /** Variable holding the token, when it comes from the environment. */
  tokenEnv: string;
  /** File holding the token (takes precedence). */
  tokenFile?: string;
  /** The store its tests write to. */
  db: string;
  /** The longest test, ms. */
  maxDuration: number;
  /** Tests at once. */
  maxRunning: number;
  /** What may be probed. */
  targets: DashboardTarget[];
}

const durationText = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'expected a duration such as "30s"')
  .transform((text) => {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
      ms += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as "ms"];
    }
    return ms;
  });

/**
 * The zod schema of `[dashboard]`, defaults filled in.
 *
 * @example
 * ```ts
 * import { dashboardSectionSchema } from "./config.ts";
 * const section = dashboardSectionSchema.parse({ targets: [{ name: "gw", host: "10.0.0.1" }] });
 * console.log(section.listen, section.targets[0]!.plugins); // 127.0.0.1:9879 [ "icmp" ]
 * ```
 */
export const dashboardSectionSchema = z.strictObject({
  listen: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/, "expected address:port")
    .default("127.0.0.1:9879"),
  token_env: z.string().min(1).default("BUFFERBANE_DASHBOARD_TOKEN"),
  token_file: z.string().min(1).optional(),
  db: z.string().min(1).default("bufferbane-dashboard.db"),
  max_duration: durationText.prefault("1h"),
  max_running: z.number().int().positive().default(4),
  targets: z.array(z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, . _ - (64 at most)"),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).optional(),
    resolver: z.string().min(1).optional(),
    plugins: z.array(z.enum(DASHBOARD_PLUGINS)).min(1).default(["icmp"]),
  })).default([]),
}).superRefine((section, ctx) => {
  const names = new Set<string>();
  section.targets.forEach((target, i) => {
    if (names.has(target.name)) {
      ctx.addIssue({ code: "custom", path: ["targets", i, "name"], message: "used twice" });
    }
    names.add(target.name);
  });
});

/**
 * Turns the parsed section into the dashboard's settings.
 *
 * @param section The schema's output.
 * @returns The settings.
 *
 * @example
 * ```ts
 * import { dashboardSectionSchema, resolveDashboardConfig } from "./config.ts";
 * const config = resolveDashboardConfig(dashboardSectionSchema.parse({ max_duration: "10m" }));
 * console.log(config.listen, config.maxDuration); // { address: "127.0.0.1", port: 9879 } 600000
 * ```
 */
export function resolveDashboardConfig(
  section: z.output<typeof dashboardSectionSchema>,
): DashboardConfig {
  const at = section.listen.lastIndexOf(":");
  return {
    listen: {
      address: section.listen.slice(0, at).replace(/^\[(.*)\]$/, "$1"),
      port: Number(section.listen.slice(at + 1)),
    },
    tokenEnv: section.token_env,
    ...(section.token_file !== undefined ? { tokenFile: section.token_file } : {}),
    db: section.db,
    maxDuration: section.max_duration,
    maxRunning: section.max_running,
    targets: section.targets.map((t) => ({
      name: t.name,
      host: t.host,
      ...(t.port !== undefined ? { port: t.port } : {}),
      ...(t.resolver !== undefined ? { resolver: t.resolver } : {}),
      plugins: t.plugins,
    })),
  };
}
