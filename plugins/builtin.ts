/**
 * The plugins that ship with bufferbane, registered under their recipe ids.
 *
 * @module
 */
import type { AnyPlugin } from "../core/contract.ts";
import { PluginRegistry } from "../core/registry.ts";
import { createBufferbloatPlugin } from "./bufferbloat.ts";
import { createDnsPlugin } from "./dns.ts";
import { createIcmpPlugin } from "./icmp.ts";
import { createThroughputPlugin } from "./throughput.ts";
import { createTraceroutePlugin } from "./traceroute.ts";
import { createUdpEchoPlugin } from "./udp_echo.ts";

/**
 * Creates every built-in plugin.
 *
 * @returns Fresh plugin objects.
 *
 * @example
 * ```ts
 * import { builtinPlugins } from "./builtin.ts";
 * console.log(builtinPlugins().map((p) => p.name).includes("dns")); // true
 * ```
 */
export function builtinPlugins(): AnyPlugin[] {
  return [
    createDnsPlugin(),
    createIcmpPlugin(),
    createUdpEchoPlugin(),
    createBufferbloatPlugin(),
    createThroughputPlugin(),
    createTraceroutePlugin(),
  ];
}

/**
 * A registry holding the built-in plugins.
 *
 * @returns A new registry (callers may add custom plugins to it).
 *
 * @example
 * ```ts
 * import { builtinRegistry } from "./builtin.ts";
 * console.log(builtinRegistry().has("dns")); // true
 * ```
 */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of builtinPlugins()) registry.register(plugin);
  return registry;
}
