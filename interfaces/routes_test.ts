import { assertEquals } from "../tests/support/assert.ts";
import { parseIpv4Routes, parseIpv6Routes, readRoutedInterfaces } from "./routes.ts";
import { FAKE_PROC_NET } from "./testdata/fake_sysfs.ts";

const sorted = (set: Set<string>) => [...set].sort();

Deno.test("parseIpv4Routes() finds routed interfaces and the default route", () => {
  const routes = parseIpv4Routes(Deno.readTextFileSync(`${FAKE_PROC_NET}/route`));
  assertEquals(sorted(routes.withRoute), ["eth0", "veth0"]);
  assertEquals(sorted(routes.withDefaultRoute), ["eth0"]);
});

Deno.test("parseIpv4Routes() skips reject routes and routes that are not up", () => {
  const header = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n";
  const routes = parseIpv4Routes(
    header + "eth1\t00000000\t00000000\t0201\t0\t0\t0\t00000000\n" +
      "eth2\t0000A8C0\t00000000\t0000\t0\t0\t0\t0000FFFF\n",
  );
  assertEquals(sorted(routes.withRoute), []);
});

Deno.test("parseIpv6Routes() ignores local, reject, link-local and multicast routes", () => {
  const routes = parseIpv6Routes(Deno.readTextFileSync(`${FAKE_PROC_NET}/ipv6_route`));
  assertEquals(sorted(routes.withRoute), ["wlan0"]);
  assertEquals(sorted(routes.withDefaultRoute), ["wlan0"]);
});

Deno.test("readRoutedInterfaces() merges both files and tolerates missing ones", () => {
  const routes = readRoutedInterfaces(FAKE_PROC_NET);
  assertEquals(sorted(routes.withRoute), ["eth0", "veth0", "wlan0"]);
  assertEquals(sorted(routes.withDefaultRoute), ["eth0", "wlan0"]);
  assertEquals(readRoutedInterfaces("/nonexistent").withRoute.size, 0);
});
