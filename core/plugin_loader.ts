/**
 * Loads custom plugins from files (`plugins = ["./my_plugin.ts"]` in a recipe, or
 * `--plugin FILE` on the command line).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import type { AnyPlugin } from "./contract.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";

const pluginShape = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
  description: z.string().min(1),
  kind: z.enum(["probe", "test"]),
  targets: z.enum(["required", "optional", "none"]),
  metrics: z.array(z.object({ name: z.string(), unit: z.string(), description: z.string() }))
    .min(1),
  options: z.custom<z.ZodType>((v) => v instanceof Object && "safeParse" in v, "a zod schema"),
  defaults: z.unknown(),
  run: z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function", "a function"),
});

/**
 * Checks that a value is a plugin object and says which field is wrong if not.
 *
 * @param value The candidate.
 * @param where Where it came from, for the message.
 * @returns The plugin.
 * @throws {BufferbaneError} `PLUGIN_LOAD`.
 *
 * @example
 * ```ts
 * import { assertPlugin } from "./plugin_loader.ts";
 * try { assertPlugin({ name: "x" }, "test"); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function assertPlugin(value: unknown, where: string): AnyPlugin {
  const result = pluginShape.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join(".") || "(plugin)";
    throw new BufferbaneError(
      ErrorCode.PluginLoad,
      `${where}: not a plugin: ${path}: ${issue.message}`,
      { hint: "export default a plugin object or a factory returning one (see README)" },
    );
  }
  return value as AnyPlugin;
}

/**
 * Imports a plugin file. The file's default export may be a plugin or a factory returning one;
 * without a default export, a named export `plugin` is used.
 *
 * @param path The file path, relative to `baseDir`.
 * @param baseDir Folder relative paths are resolved from. Default: the current directory.
 * @returns The plugin and the absolute path it came from.
 * @throws {BufferbaneError} `PLUGIN_LOAD` naming the file.
 *
 * @example
 * ```ts ignore
 * import { loadPluginFile } from "./plugin_loader.ts";
 * const { plugin } = await loadPluginFile("./examples/plugins/tcp_connect.ts");
 * console.log(plugin.name);
 * ```
 */
export async function loadPluginFile(
  path: string,
  baseDir: string = Deno.cwd(),
): Promise<{ plugin: AnyPlugin; path: string }> {
  const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    Deno.statSync(absolute);
  } catch (cause) {
    throw new BufferbaneError(ErrorCode.PluginLoad, `Plugin file "${path}" not found`, {
      cause,
      hint: `looked at ${absolute}`,
    });
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (cause) {
    throw new BufferbaneError(
      ErrorCode.PluginLoad,
      `Plugin file "${path}" failed to load: ${(cause as Error).message?.split("\n")[0]}`,
      { cause },
    );
  }
  let candidate = module.default ?? module.plugin;
  if (typeof candidate === "function") {
    try {
      candidate = await (candidate as () => unknown)();
    } catch (cause) {
      throw new BufferbaneError(
        ErrorCode.PluginLoad,
        `Plugin file "${path}": factory threw: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (candidate === undefined) {
    throw new BufferbaneError(ErrorCode.PluginLoad, `Plugin file "${path}" exports no plugin`, {
      hint: "add `export default` with the plugin or its factory",
    });
  }
  return { plugin: assertPlugin(candidate, `Plugin file "${path}"`), path: absolute };
}
