import assert from "node:assert/strict";
import { interfaceKind, kindFromName, recordedKinds } from "./interface_kind.ts";

Deno.test("kindFromName() knows Linux's WiFi and Ethernet names", () => {
  for (const name of ["wlan0", "wlp3s0", "wlx00c0ca123456", "ath0"]) {
    assert.equal(kindFromName(name), "wifi", name);
  }
  for (const name of ["eth0", "enp0s31f6", "eno1", "ens3", "enx00e04c680001", "em1"]) {
    assert.equal(kindFromName(name), "ethernet", name);
  }
  assert.equal(kindFromName("lo"), "loopback");
  for (const name of ["veth12", "br0", "docker0", "wg0", "tun0"]) {
    assert.equal(kindFromName(name), "virtual", name);
  }
  for (const name of ["wwan0", "ppp0", "usb0"]) assert.equal(kindFromName(name), "other", name);
});

Deno.test("recordedKinds() reads used_interfaces, newest run last, and skips junk and unknown kinds", () => {
  const kinds = recordedKinds([
    {
      effectiveRecipe: {
        used_interfaces: [{ name: "eth1", kind: "ethernet" }, { name: "x", kind: "toaster" }],
      },
    },
    { effectiveRecipe: { used_interfaces: "nope" } },
    {
      effectiveRecipe: {
        used_interfaces: [null, 3, { name: "eth1", kind: "wifi" }, { name: "usb0", kind: "other" }],
      },
    },
    { effectiveRecipe: {} },
  ]);
  assert.deepEqual([...kinds], [["eth1", "wifi"]]);
  assert.equal(interfaceKind("eth1", kinds), "wifi");
  assert.equal(interfaceKind("usb0", kinds), "other");
  assert.equal(interfaceKind("wlan1", kinds), "wifi");
});
