import { assertEquals } from "../tests/support/assert.ts";
import { groupAddresses } from "./addresses.ts";

Deno.test("groupAddresses() groups by name with prefixes, IPv4 first", () => {
  const grouped = groupAddresses([
    { name: "eth0", family: "IPv6", address: "fe80::1", cidr: "fe80::1/64" },
    { name: "lo", family: "IPv4", address: "127.0.0.1", cidr: "127.0.0.1/8" },
    { name: "eth0", family: "IPv4", address: "192.0.2.2", cidr: "192.0.2.2/24" },
  ]);
  assertEquals(grouped.get("eth0"), [
    { family: "IPv4", address: "192.0.2.2", prefix: 24 },
    { family: "IPv6", address: "fe80::1", prefix: 64 },
  ]);
  assertEquals(grouped.get("lo"), [{ family: "IPv4", address: "127.0.0.1", prefix: 8 }]);
});

Deno.test("groupAddresses() falls back to a host prefix when the CIDR has none", () => {
  const grouped = groupAddresses([
    { name: "tun0", family: "IPv6", address: "fd00::9", cidr: "fd00::9" },
  ]);
  assertEquals(grouped.get("tun0")?.[0]?.prefix, 128);
});
