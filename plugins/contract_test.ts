/**
 * The contract every built-in plugin keeps (core/contract.ts), checked over all of them: a
 * recipe id, metrics, a strict options schema whose empty input gives the documented defaults,
 * and sane timing declarations.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { builtinPlugins } from "./builtin.ts";

for (const plugin of builtinPlugins()) {
  Deno.test(`plugin "${plugin.name}" keeps the plugin contract`, () => {
    assertOk(/^[a-z][a-z0-9-]*$/.test(plugin.name), `bad id "${plugin.name}"`);
    assertOk(plugin.description.length > 10, "a one-sentence description");
    assertOk(plugin.metrics.length > 0, "at least one metric");
    const names = plugin.metrics.map((m) => m.name);
    assertEquals(new Set(names).size, names.length, `duplicate metrics: ${names}`);
    for (const metric of plugin.metrics) {
      assertOk(/^[a-z][a-z0-9_]*$/.test(metric.name), `bad metric name "${metric.name}"`);
      assertOk(metric.description.length > 0, `metric ${metric.name} has no description`);
    }
    assertEquals(plugin.options.parse({}), plugin.defaults, "{} parses to the defaults");
    assertEquals(
      plugin.options.safeParse({ no_such_option: 1 }).success,
      false,
      "unknown options are rejected",
    );
    assertOk(["probe", "test"].includes(plugin.kind));
    assertOk(["required", "optional", "none"].includes(plugin.targets));
    for (const value of [plugin.defaultInterval, plugin.defaultTimeout, plugin.minInterval]) {
      assertOk(value === undefined || (Number.isFinite(value) && value >= 1), String(value));
    }
  });
}

Deno.test("built-in plugin ids are unique", () => {
  const names = builtinPlugins().map((p) => p.name);
  assertEquals(new Set(names).size, names.length, names.join(", "));
});
