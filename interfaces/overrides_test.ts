import { assertEquals } from "../tests/support/assert.ts";
import { applyTypeOverrides } from "./overrides.ts";
import type { NetworkInterface } from "./types.ts";

function iface(name: string, kind: NetworkInterface["kind"]): NetworkInterface {
  return {
    name,
    index: 1,
    kind,
    detectedKind: kind,
    detail: "",
    driver: null,
    typeSource: "detected",
    operstate: "up",
    carrier: true,
    up: true,
    mac: null,
    mtu: 1500,
    hardwareType: 1,
    addresses: [],
    hasRoute: true,
    hasDefaultRoute: false,
  };
}

Deno.test("applyTypeOverrides() lets a declared kind win and marks it", () => {
  const input = [iface("bb-wifi", "virtual"), iface("eth0", "ethernet")];
  const result = applyTypeOverrides(input, { "bb-wifi": "wifi" });
  assertEquals(
    result.map((i) => [i.name, i.kind, i.detectedKind, i.typeSource]),
    [["bb-wifi", "wifi", "virtual", "override"], ["eth0", "ethernet", "ethernet", "detected"]],
  );
  assertEquals(input[0]?.kind, "virtual");
});

Deno.test("applyTypeOverrides() marks a declared kind even when it matches detection", () => {
  const [result] = applyTypeOverrides([iface("eth0", "ethernet")], { eth0: "ethernet" });
  assertEquals(result?.typeSource, "override");
});

Deno.test("applyTypeOverrides() ignores inherited keys and names that do not exist", () => {
  const result = applyTypeOverrides([iface("constructor", "virtual")], { wlan9: "wifi" });
  assertEquals(result.map((i) => [i.kind, i.typeSource]), [["virtual", "detected"]]);
});
