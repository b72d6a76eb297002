/**
 * The plugin registry: one place that knows every plugin by its recipe id. CLI help, recipe
 * validation and the runner all read it.
 *
 * @module
 */
import type { AnyPlugin } from "./contract.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";

/**
 * Plugins by name. Rejects duplicates; an unknown id fails with the list of known ids.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from "./registry.ts";
 * import { createDnsPlugin } from "../plugins/dns.ts";
 * const registry = new PluginRegistry().register(createDnsPlugin());
 * console.log(registry.get("dns").name); // dns
 * ```
 */
export class PluginRegistry {
  #plugins = new Map<string, AnyPlugin>();
  #origins = new Map<string, string>();

  /**
   * Adds a plugin.
   *
   * @param plugin The plugin.
   * @param origin Where it came from (`"built-in"` or a file path), shown in listings.
   * @returns This registry, for chaining.
   * @throws {BufferbaneError} `DUPLICATE_PLUGIN` when the name is taken.
   */
  register(plugin: AnyPlugin, origin = "built-in"): this {
    const existing = this.#origins.get(plugin.name);
    if (existing !== undefined) {
      throw new BufferbaneError(
        ErrorCode.DuplicatePlugin,
        `Plugin "${plugin.name}" from ${origin} is already registered (from ${existing})`,
        { hint: "give the custom plugin another name" },
      );
    }
    this.#plugins.set(plugin.name, plugin);
    this.#origins.set(plugin.name, origin);
    return this;
  }

  /**
   * Looks a plugin up by id.
   *
   * @param name The recipe id, e.g. `"dns"`.
   * @returns The plugin.
   * @throws {BufferbaneError} `UNKNOWN_PLUGIN`, listing the known ids.
   */
  get(name: string): AnyPlugin {
    const plugin = this.#plugins.get(name);
    if (!plugin) {
      throw new BufferbaneError(ErrorCode.UnknownPlugin, `Unknown plugin "${name}"`, {
        hint: `known plugins: ${this.names().join(", ") || "none"}`,
      });
    }
    return plugin;
  }

  /** @returns Whether a plugin with this id is registered. */
  has(name: string): boolean {
    return this.#plugins.has(name);
  }

  /** @returns The registered ids, sorted. */
  names(): string[] {
    return [...this.#plugins.keys()].sort();
  }

  /** @returns Every plugin with its origin, sorted by name. */
  list(): { plugin: AnyPlugin; origin: string }[] {
    return this.names().map((name) => ({
      plugin: this.#plugins.get(name)!,
      origin: this.#origins.get(name)!,
    }));
  }

  /** @returns A copy, so a run can add custom plugins without touching the original. */
  clone(): PluginRegistry {
    const copy = new PluginRegistry();
    for (const { plugin, origin } of this.list()) copy.register(plugin, origin);
    return copy;
  }
}
