import { assertEquals } from "../tests/support/assert.ts";
import { classifyInterface, type InterfaceFacts } from "./classify.ts";

function facts(overrides: Partial<InterfaceFacts>): InterfaceFacts {
  return {
    hardwareType: 1,
    flags: 0x1003,
    devtype: null,
    index: 2,
    iflink: 2,
    wireless: false,
    bridge: false,
    bonding: false,
    tunFlags: null,
    physical: false,
    ...overrides,
  };
}

Deno.test("classifyInterface() finds loopback by type or by flag", () => {
  assertEquals(classifyInterface(facts({ hardwareType: 772, flags: 0 })), {
    kind: "loopback",
    detail: "",
  });
  assertEquals(classifyInterface(facts({ flags: 0x9 })).kind, "loopback");
});

Deno.test("classifyInterface() finds WiFi by DEVTYPE or by its wireless markers", () => {
  assertEquals(classifyInterface(facts({ devtype: "wlan", physical: true })), {
    kind: "wifi",
    detail: "",
  });
  assertEquals(classifyInterface(facts({ wireless: true, physical: true })).kind, "wifi");
});

Deno.test("classifyInterface() tells a physical Ethernet NIC from a veth", () => {
  assertEquals(classifyInterface(facts({ physical: true })), { kind: "ethernet", detail: "" });
  assertEquals(classifyInterface(facts({ index: 6, iflink: 5 })), {
    kind: "virtual",
    detail: "veth",
  });
  assertEquals(classifyInterface(facts({})), { kind: "virtual", detail: "" });
});

Deno.test("classifyInterface() names bridges, bonds, tun and tap", () => {
  assertEquals(classifyInterface(facts({ bridge: true })), { kind: "virtual", detail: "bridge" });
  assertEquals(classifyInterface(facts({ devtype: "bridge" })).detail, "bridge");
  assertEquals(classifyInterface(facts({ bonding: true })).detail, "bond");
  assertEquals(
    classifyInterface(facts({ hardwareType: 65534, tunFlags: 0x1001 })),
    { kind: "virtual", detail: "tun" },
  );
  assertEquals(classifyInterface(facts({ tunFlags: 0x1002 })).detail, "tap");
});

Deno.test("classifyInterface() reads software devices from DEVTYPE", () => {
  for (const devtype of ["wireguard", "vlan", "macvlan", "vxlan"]) {
    assertEquals(
      classifyInterface(facts({ hardwareType: 65534, devtype, index: 9, iflink: 2 })),
      { kind: "virtual", detail: devtype },
    );
  }
});

Deno.test("classifyInterface() puts PPP, cellular and unknown hardware under other", () => {
  assertEquals(classifyInterface(facts({ hardwareType: 512, devtype: "ppp" })), {
    kind: "other",
    detail: "ppp",
  });
  assertEquals(classifyInterface(facts({ devtype: "wwan", physical: true })), {
    kind: "other",
    detail: "wwan",
  });
  assertEquals(classifyInterface(facts({ hardwareType: 32, physical: true })), {
    kind: "other",
    detail: "infiniband",
  });
});

Deno.test("classifyInterface() treats tunnels as virtual", () => {
  assertEquals(classifyInterface(facts({ hardwareType: 778 })), { kind: "virtual", detail: "gre" });
  assertEquals(classifyInterface(facts({ hardwareType: 65534 })), { kind: "virtual", detail: "" });
});
