import { assertEquals } from "../tests/support/assert.ts";
import { listSysfsInterfaces, parseUevent, readSysfsInterface } from "./sysfs.ts";
import { FAKE, makeFakeSysfs } from "./testdata/fake_sysfs.ts";

Deno.test("parseUevent() reads KEY=VALUE lines", () => {
  const values = parseUevent("DEVTYPE=wlan\nINTERFACE=wlan0\nIFINDEX=3\n");
  assertEquals(Object.fromEntries(values), {
    DEVTYPE: "wlan",
    INTERFACE: "wlan0",
    IFINDEX: "3",
  });
});

Deno.test("listSysfsInterfaces() lists linked folders, sorted, and null when unreadable", () => {
  using tree = makeFakeSysfs([FAKE.wifi, FAKE.lo, FAKE.ethernet]);
  assertEquals(listSysfsInterfaces(tree.sysfsNet), ["eth0", "lo", "wlan0"]);
  assertEquals(listSysfsInterfaces(`${tree.root}/missing`), null);
});

Deno.test("readSysfsInterface() reads a WiFi interface with its driver and markers", () => {
  using tree = makeFakeSysfs([FAKE.wifi]);
  const wifi = readSysfsInterface(tree.sysfsNet, "wlan0");
  assertEquals(wifi, {
    name: "wlan0",
    facts: {
      hardwareType: 1,
      flags: 0x1003,
      devtype: "wlan",
      index: 3,
      iflink: 3,
      wireless: true,
      bridge: false,
      bonding: false,
      tunFlags: null,
      physical: true,
    },
    operstate: "up",
    carrier: true,
    mac: "02:00:00:00:00:03",
    mtu: 1500,
    driver: "iwlwifi",
  });
});

Deno.test("readSysfsInterface() turns missing and empty files into null", () => {
  using tree = makeFakeSysfs([FAKE.tun]);
  const tun = readSysfsInterface(tree.sysfsNet, "tun0");
  assertEquals(tun.carrier, null);
  assertEquals(tun.mac, null);
  assertEquals(tun.driver, null);
  assertEquals(tun.facts.tunFlags, 0x1001);
  assertEquals(tun.facts.devtype, null);
  assertEquals(tun.facts.physical, false);
});
