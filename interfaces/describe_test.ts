import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { describeInterfaces } from "./describe.ts";
import { FAKE, makeFakeSysfs } from "./testdata/fake_sysfs.ts";

Deno.test("describeInterfaces() describes the named interfaces in order", () => {
  using tree = makeFakeSysfs(Object.values(FAKE));
  assertEquals(describeInterfaces(["veth0", "wlan0"], { sysfsNet: tree.sysfsNet }), [
    {
      name: "veth0",
      kind: "virtual",
      detail: "veth",
      driver: null,
      mac: "02:00:00:00:00:04",
      typeSource: "detected",
      found: true,
    },
    {
      name: "wlan0",
      kind: "wifi",
      detail: "",
      driver: "iwlwifi",
      mac: "02:00:00:00:00:03",
      typeSource: "detected",
      found: true,
    },
  ]);
});

Deno.test("describeInterfaces() uses declared kinds, also for interfaces that are gone", () => {
  using tree = makeFakeSysfs([FAKE.veth]);
  const result = describeInterfaces(["veth0", "bb-gone", "x9"], {
    sysfsNet: tree.sysfsNet,
    overrides: { veth0: "wifi", "bb-gone": "ethernet" },
  });
  assertEquals(
    result.map((d) => [d.name, d.kind, d.detail, d.typeSource, d.found]),
    [
      ["veth0", "wifi", "veth", "override", true],
      ["bb-gone", "ethernet", "", "override", false],
      ["x9", "other", "", "detected", false],
    ],
  );
});

Deno.test("describeInterfaces() describes this machine's loopback interface", () => {
  const [lo] = describeInterfaces(["lo"]);
  assertOk(lo);
  assertEquals([lo.kind, lo.typeSource, lo.found], ["loopback", "detected", true]);
});
