/**
 * End to end: a recipe loads the example custom plugin from a path, the runner drives it
 * against a TCP listener on loopback, and the samples land in the store.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { loadRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { builtinRegistry } from "../plugins/builtin.ts";

const recipePath = new URL("../examples/recipes/custom_plugin.toml", import.meta.url).pathname;

Deno.test("a recipe loads a custom plugin from a path and stores its samples", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })().catch(() => {});
  const dir = await Deno.makeTempDir();
  try {
    const env: Record<string, string> = {
      TCP_TARGET: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      BUFFERBANE_DB: `${dir}/custom.db`,
    };
    const { recipe, registry } = await loadRecipe(recipePath, {
      registry: builtinRegistry(),
      env: (name) => env[name],
      overrides: { duration: "1500ms" },
    });
    assertOk(registry.has("tcp-connect"));
    assertOk(!builtinRegistry().has("tcp-connect"), "the built-in registry is not modified");
    const summary = await runRecipe({ recipe, registry, handleSignals: false });
    const series = summary.series.find((s) => s.series.plugin === "tcp-connect")!;
    assertOk(series.received >= 5, `received ${series.received}`);
    assertEquals(series.lost, 0);

    const db = new DatabaseSync(`${dir}/custom.db`, { readOnly: true });
    const row = db.prepare(
      `select count(*) as n, min(value) as min from samples join series on series.id = samples.series_id
       where series.plugin = 'tcp-connect' and samples.status = 0`,
    ).get() as { n: number; min: number };
    db.close();
    assertEquals(row.n, series.received);
    assertOk(row.min > 0);
  } finally {
    listener.close();
    await accepting;
    await Deno.remove(dir, { recursive: true });
  }
});
