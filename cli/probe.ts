/**
 * `probe PLUGIN TARGET...`: a one-off measurement without a recipe. It builds a one-entry recipe
 * and runs it through the same validation and runner as `recipe`.
 *
 * @module
 */
import { stringify } from "smol-toml";
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { loadPluginFile } from "../core/plugin_loader.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import { outputMode, parsePairs } from "./options.ts";
import { viewFor } from "./views.ts";

/** Flags of the `probe` command. */
export interface ProbeCommandOptions {
  /** Probe interval, e.g. `"1s"`. */
  interval?: string;
  /** Timeout, e.g. `"2s"`. */
  timeout?: string;
  /** Run length; default 10 s; `"0"` = until Ctrl-C. */
  duration?: string;
  /** Plugin options as `key=value` (values parsed as JSON when they parse). */
  option?: string[];
  /** Interfaces to bind to. */
  interface?: string[];
  /** Extra plugin files. */
  plugin?: string[];
  /** Store path; default: nothing stored. */
  db?: string;
  /** Output mode. */
  output?: string;
}

function parseOptionValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Builds the TOML of the one-entry recipe a `probe` call stands for.
 *
 * @example
 * ```ts
 * import { probeRecipeText } from "./probe.ts";
 * console.log(probeRecipeText("dns", ["example.com"], { interval: "1s" }).includes('plugin = "dns"')); // true
 * ```
 */
export function probeRecipeText(
  plugin: string,
  targets: string[],
  flags: ProbeCommandOptions,
): string {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsePairs(flags.option ?? [], "--option"))) {
    options[key] = parseOptionValue(value);
  }
  const probe: Record<string, unknown> = { plugin, targets };
  if (flags.interval) probe.interval = flags.interval;
  if (flags.timeout) probe.timeout = flags.timeout;
  if (flags.interface?.length) probe.interfaces = flags.interface;
  probe.options = options;
  const recipe: Record<string, unknown> = { name: `probe ${plugin}` };
  const duration = flags.duration ?? "10s";
  if (duration !== "0") recipe.duration = duration;
  recipe.probes = [probe];
  return stringify(recipe);
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { probeCommand } from "./probe.ts";
 * await probeCommand("dns", ["example.com"], { duration: "3s", output: "json" });
 * ```
 */
export async function probeCommand(
  plugin: string,
  targets: string[],
  flags: ProbeCommandOptions,
): Promise<number> {
  const registry = builtinRegistry();
  for (const path of flags.plugin ?? []) {
    registry.register((await loadPluginFile(path)).plugin, path);
  }
  const { recipe, registry: extended } = await parseRecipe(
    probeRecipeText(plugin, targets, flags),
    {
      path: "<command line>",
      registry,
    },
  );
  const summary = await runRecipe({
    recipe,
    registry: extended,
    storePath: flags.db ?? ":memory:",
    observer: viewFor(outputMode(flags.output)),
  });
  return summary.droppedRows > 0 ? 1 : 0;
}
