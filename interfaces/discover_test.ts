import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { discoverInterfaces } from "./discover.ts";
import { FAKE, makeFakeSysfs } from "./testdata/fake_sysfs.ts";
import type { NetworkInterface } from "./types.ts";

const ALL = Object.values(FAKE);

function byName(interfaces: NetworkInterface[]): Map<string, NetworkInterface> {
  return new Map(interfaces.map((iface) => [iface.name, iface]));
}

Deno.test("discoverInterfaces() classifies every kind on a fake sysfs tree", () => {
  using tree = makeFakeSysfs([
    ...ALL,
    { name: "wlan1", index: 11, phy80211: true, driver: "ath9k" },
    { name: "wlan2", index: 12, dirs: ["wireless"], driver: "b43" },
  ]);
  const found = byName(discoverInterfaces({ ...tree, addresses: () => [] }));
  const summary = Object.fromEntries(
    [...found.values()].map((iface) => [iface.name, `${iface.kind}/${iface.detail}`]),
  );
  assertEquals(summary, {
    lo: "loopback/",
    eth0: "ethernet/",
    wlan0: "wifi/",
    veth0: "virtual/veth",
    veth1: "virtual/veth",
    br0: "virtual/bridge",
    tun0: "virtual/tun",
    wg0: "virtual/wireguard",
    wlan1: "wifi/",
    wlan2: "wifi/",
  });
  assertEquals(found.get("eth0")?.driver, "e1000e");
  assertEquals(found.get("wlan0")?.driver, "iwlwifi");
  assertEquals(found.get("veth0")?.driver, null);
});

Deno.test("discoverInterfaces() sorts by index and reports state, MAC and routes", () => {
  using tree = makeFakeSysfs([FAKE.bridge, FAKE.wifi, FAKE.lo, FAKE.ethernet]);
  const found = discoverInterfaces({ ...tree, addresses: () => [] });
  assertEquals(found.map((iface) => iface.name), ["lo", "eth0", "wlan0", "br0"]);
  const [lo, eth0, wlan0, br0] = found;
  assertEquals(
    [lo?.up, lo?.operstate, lo?.carrier, lo?.hasRoute, lo?.mac, lo?.hardwareType],
    [true, "unknown", true, false, "00:00:00:00:00:00", 772],
  );
  assertEquals([eth0?.index, eth0?.up, eth0?.hasRoute, eth0?.hasDefaultRoute], [
    2,
    true,
    true,
    true,
  ]);
  assertEquals([wlan0?.hasRoute, wlan0?.hasDefaultRoute], [true, true]);
  assertEquals([br0?.up, br0?.operstate, br0?.carrier, br0?.hasRoute], [
    false,
    "down",
    null,
    false,
  ]);
  assertEquals([eth0?.mtu, eth0?.typeSource, eth0?.detectedKind], [1500, "detected", "ethernet"]);
});

Deno.test("discoverInterfaces() merges addresses by name", () => {
  using tree = makeFakeSysfs([FAKE.lo, FAKE.ethernet]);
  const found = byName(discoverInterfaces({
    ...tree,
    addresses: () => [
      { name: "eth0", family: "IPv6", address: "fd00::2", cidr: "fd00::2/64" },
      { name: "eth0", family: "IPv4", address: "192.0.2.2", cidr: "192.0.2.2/24" },
      { name: "gone0", family: "IPv4", address: "192.0.2.9", cidr: "192.0.2.9/24" },
    ],
  }));
  assertEquals(found.get("eth0")?.addresses, [
    { family: "IPv4", address: "192.0.2.2", prefix: 24 },
    { family: "IPv6", address: "fd00::2", prefix: 64 },
  ]);
  assertEquals(found.get("lo")?.addresses, []);
  assertEquals(found.has("gone0"), false);
});

Deno.test("discoverInterfaces() applies declared kinds over detected ones", () => {
  using tree = makeFakeSysfs([FAKE.veth, FAKE.ethernet]);
  const found = byName(discoverInterfaces({ ...tree, overrides: { veth0: "wifi" } }));
  const veth = found.get("veth0");
  assertEquals(
    [veth?.kind, veth?.detectedKind, veth?.detail, veth?.typeSource],
    ["wifi", "virtual", "veth", "override"],
  );
  assertEquals(found.get("eth0")?.typeSource, "detected");
});

Deno.test("discoverInterfaces() returns nothing when sysfs cannot be read", () => {
  assertEquals(discoverInterfaces({ sysfsNet: "/nonexistent/sys/class/net" }), []);
});

Deno.test("discoverInterfaces() finds this machine's loopback interface", () => {
  const lo = discoverInterfaces().find((iface) => iface.name === "lo");
  assertOk(lo, "no lo in /sys/class/net");
  assertEquals([lo.kind, lo.index, lo.typeSource], ["loopback", 1, "detected"]);
  assertOk(lo.addresses.some((a) => a.address === "127.0.0.1" && a.prefix === 8), "no 127.0.0.1/8");
});
