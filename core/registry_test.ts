import { z } from "zod";
import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import type { AnyPlugin } from "./contract.ts";
import { BufferbaneError } from "./errors.ts";
import { PluginRegistry } from "./registry.ts";

function fake(name: string): AnyPlugin {
  return {
    name,
    description: "fake",
    kind: "probe",
    targets: "none",
    metrics: [{ name: "m", unit: "", description: "m" }],
    options: z.strictObject({}),
    defaults: {},
    async *run() {},
  };
}

Deno.test("PluginRegistry.register() rejects duplicate names", () => {
  const registry = new PluginRegistry().register(fake("a"));
  const error = assertThrows(() => registry.register(fake("a"), "./mine.ts"), BufferbaneError);
  assertEquals(error.code, "DUPLICATE_PLUGIN");
  assertEquals(error.message, 'Plugin "a" from ./mine.ts is already registered (from built-in)');
});

Deno.test("PluginRegistry.get() lists the known ids for an unknown one", () => {
  const registry = new PluginRegistry().register(fake("b")).register(fake("a"));
  const error = assertThrows(() => registry.get("c"), BufferbaneError);
  assertEquals(error.code, "UNKNOWN_PLUGIN");
  assertEquals(error.hint, "known plugins: a, b");
  assertEquals(registry.names(), ["a", "b"]);
});

Deno.test("PluginRegistry.clone() leaves the original untouched", () => {
  const registry = new PluginRegistry().register(fake("a"));
  const copy = registry.clone().register(fake("b"), "./b.ts");
  assertEquals(registry.names(), ["a"]);
  assertEquals(copy.list().map((e) => e.origin), ["built-in", "./b.ts"]);
});
