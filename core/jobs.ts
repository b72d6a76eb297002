/**
 * Expands recipe entries into jobs: every entry x target x interface x server.
 *
 * @module
 */
import type { AdaptiveIntervalOptions } from "./adaptive_interval.ts";
import type { ServerInfo } from "./contract.ts";
import type { Job } from "./job.ts";
import { jobId } from "./job.ts";
import type { PluginRegistry } from "./registry.ts";

/** A recipe entry as the expansion needs it (a `[[probes]]` or `[[tests]]` table). */
export interface EntryForJobs {
  /** Plugin id. */
  plugin: string;
  /** Targets ([] when the plugin takes none). */
  targets?: string[];
  /** Interval (probes) or repeat period (tests), ms. */
  interval: number;
  /** Timeout, ms. */
  timeout: number;
  /** Interfaces ([] = default route). */
  interfaces: string[];
  /** Server names ([] = none). */
  servers?: string[];
  /** Validated options. */
  options: unknown;
  /** Adaptive interval settings (probes only). */
  adaptive?: AdaptiveIntervalOptions | undefined;
}

/**
 * Expands one entry into jobs. A plugin that cannot bind to interfaces runs once on the default
 * route, and a note says so.
 *
 * @param entry The recipe entry with interfaces already resolved.
 * @param registry Where the plugin is looked up.
 * @param servers Declared servers by name (embedded ones already started).
 * @param notes Collects notes about how the entry was applied.
 * @returns The jobs.
 *
 * @example
 * ```ts
 * import { expandJobs } from "./jobs.ts";
 * import { PluginRegistry } from "./registry.ts";
 * import { createDnsPlugin } from "../plugins/dns.ts";
 * const registry = new PluginRegistry().register(createDnsPlugin());
 * const jobs = expandJobs({
 *   plugin: "dns", targets: ["a.test", "b.test"], interval: 1000, timeout: 500, interfaces: [],
 *   options: registry.get("dns").defaults,
 * }, registry, new Map(), []);
 * console.log(jobs.length); // 2
 * ```
 */
export function expandJobs(
  entry: EntryForJobs,
  registry: PluginRegistry,
  servers: ReadonlyMap<string, ServerInfo>,
  notes: string[],
): Job[] {
  const plugin = registry.get(entry.plugin);
  const targets = entry.targets && entry.targets.length > 0 ? entry.targets : [""];
  let interfaces: (string | undefined)[] = entry.interfaces.length > 0
    ? entry.interfaces
    : [undefined];
  if (entry.interfaces.length > 0 && !plugin.bindsInterface) {
    notes.push(
      `${plugin.name} cannot bind to an interface: it runs once on the default route instead of on ${
        entry.interfaces.join(", ")
      }`,
    );
    interfaces = [undefined];
  }
  let serverList: (ServerInfo | undefined)[] = [undefined];
  if (entry.servers && entry.servers.length > 0) {
    // Servers the runner left out (declared without a host) are skipped; an entry left with
    // none is skipped entirely.
    serverList = entry.servers.flatMap((name) => servers.get(name) ?? []);
    if (serverList.length === 0) {
      notes.push(
        `${plugin.name}: none of its servers (${entry.servers.join(", ")}) is configured: left out`,
      );
      return [];
    }
  }
  const jobs: Job[] = [];
  for (const target of targets) {
    for (const iface of interfaces) {
      for (const server of serverList) {
        const serverLabel = server?.name ?? plugin.seriesServer?.(entry.options) ?? "";
        jobs.push({
          id: jobId(plugin.name, target, iface, serverLabel),
          plugin,
          options: entry.options,
          target,
          interface: iface,
          server,
          serverLabel,
          interval: entry.interval,
          timeout: entry.timeout,
          ...(entry.adaptive ? { adaptive: entry.adaptive } : {}),
        });
      }
    }
  }
  return jobs;
}
