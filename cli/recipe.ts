/**
 * `recipe FILE`: validate (`--check`) or run a recipe.
 *
 * @module
 */
import { describeRecipe, loadRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { loadPluginFile } from "../core/plugin_loader.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import { outputMode, parsePairs } from "./options.ts";
import { viewFor } from "./views.ts";

/** Flags of the `recipe` command. */
export interface RecipeCommandOptions {
  /** Validate only. */
  check?: boolean;
  /** `key=value` overrides. */
  set?: string[];
  /** Extra plugin files. */
  plugin?: string[];
  /** Store path override. */
  db?: string;
  /** Output mode. */
  output?: string;
}

/**
 * Runs the command; returns the process exit code.
 *
 * @example
 * ```ts ignore
 * import { recipeCommand } from "./recipe.ts";
 * Deno.exit(await recipeCommand("recipes/quickstart.toml", { check: true }));
 * ```
 */
export async function recipeCommand(file: string, flags: RecipeCommandOptions): Promise<number> {
  const base = builtinRegistry();
  for (const path of flags.plugin ?? []) base.register((await loadPluginFile(path)).plugin, path);
  const { recipe, registry } = await loadRecipe(file, {
    registry: base,
    overrides: parsePairs(flags.set ?? [], "--set"),
  });
  if (flags.check) {
    console.log(`${file}: ok`);
    for (const line of describeRecipe(recipe)) console.log(`  ${line}`);
    return 0;
  }
  const mode = outputMode(flags.output);
  const summary = await runRecipe({
    recipe,
    registry,
    ...(flags.db !== undefined ? { storePath: flags.db } : {}),
    observer: viewFor(mode),
  });
  return summary.droppedRows > 0 ? 1 : 0;
}
