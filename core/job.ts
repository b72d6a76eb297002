/**
 * A job is one series source: one recipe entry's plugin applied to one target, one interface
 * and one server. The runner expands recipe entries into jobs; the driver runs them.
 *
 * @module
 */
import type { AdaptiveIntervalOptions } from "./adaptive_interval.ts";
import type { AnyPlugin, ServerInfo } from "./contract.ts";

/**
 * One plugin x target x interface x server, with its validated options.
 *
 * @example
 * ```ts
 * import type { Job } from "./job.ts";
 * import { createDnsPlugin } from "../plugins/dns.ts";
 * const plugin = createDnsPlugin();
 * const job: Job = {
 *   id: "dns|example.com||system", plugin, options: plugin.defaults, target: "example.com",
 *   interface: undefined, server: undefined, serverLabel: "system", interval: 5000, timeout: 2000,
 * };
 * ```
 */
export interface Job {
  /** Stable identity: `plugin|target|interface|server`. */
  id: string;
  /** The plugin that runs. */
  plugin: AnyPlugin;
  /** Options already validated by the plugin's schema. */
  options: unknown;
  /** Target as written in the recipe ("" when the plugin takes none). */
  target: string;
  /** Interface to bind to, or `undefined` for the default route. */
  interface: string | undefined;
  /** Server measured against, when the recipe entry names servers. */
  server: ServerInfo | undefined;
  /** What the series' `server` column holds: the server's name, the plugin's label or "". */
  serverLabel: string;
  /** Probe interval (probes) or repeat period (tests), in ms. */
  interval: number;
  /** Per-probe timeout in ms. */
  timeout: number;
  /** Bounds and thresholds when the probe's interval adapts to the series (probes only). */
  adaptive?: AdaptiveIntervalOptions;
}

/**
 * Builds the stable id of a job.
 *
 * @example
 * ```ts
 * import { jobId } from "./job.ts";
 * console.log(jobId("dns", "example.com", undefined, "system")); // dns|example.com||system
 * ```
 */
export function jobId(
  plugin: string,
  target: string,
  iface: string | undefined,
  serverLabel: string,
): string {
  return [plugin, target, iface ?? "", serverLabel].join("|");
}
