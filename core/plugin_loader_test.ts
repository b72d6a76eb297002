import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { BufferbaneError } from "./errors.ts";
import { loadPluginFile } from "./plugin_loader.ts";

const here = new URL("./testdata/plugins/", import.meta.url).pathname;

Deno.test("loadPluginFile() loads a factory default export relative to a folder", async () => {
  const { plugin, path } = await loadPluginFile("./counter.ts", here);
  assertEquals(plugin.name, "counter");
  assertOk(path.endsWith("core/testdata/plugins/counter.ts"));
});

Deno.test("loadPluginFile() names the file and the missing field", async () => {
  const error = await assertRejects(() => loadPluginFile("not_a_plugin.ts", here), BufferbaneError);
  assertEquals(error.code, "PLUGIN_LOAD");
  assertOk(
    error.message.startsWith('Plugin file "not_a_plugin.ts": not a plugin: kind'),
    error.message,
  );
});

Deno.test("loadPluginFile() reports a missing file and an import failure", async () => {
  const missing = await assertRejects(() => loadPluginFile("nope.ts", here), BufferbaneError);
  assertEquals(missing.message, 'Plugin file "nope.ts" not found');
  const broken = await assertRejects(
    () => loadPluginFile("throws_on_import.ts", here),
    BufferbaneError,
  );
  assertOk(broken.message.includes("fixture exploded on import"), broken.message);
});
