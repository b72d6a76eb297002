import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { resolveInterfaces } from "./resolve.ts";
import { FAKE, makeFakeSysfs } from "./testdata/fake_sysfs.ts";

const ALL = Object.values(FAKE);

Deno.test('resolveInterfaces() "auto" keeps interfaces that are up with a route, not loopback', () => {
  using tree = makeFakeSysfs(ALL);
  const notes: string[] = [];
  assertEquals(resolveInterfaces("auto", notes, tree), ["eth0", "wlan0", "veth0"]);
  assertEquals(notes, [
    'interfaces = "auto" chose eth0, wlan0, veth0; skipped lo (loopback), veth1 (no route), ' +
    "br0 (down), tun0 (down), wg0 (no route)",
  ]);
});

Deno.test('resolveInterfaces() "auto" with nothing usable falls back to the default route', () => {
  using tree = makeFakeSysfs([FAKE.lo, FAKE.bridge]);
  const notes: string[] = [];
  assertEquals(resolveInterfaces("auto", notes, tree), []);
  assertEquals(notes, [
    'interfaces = "auto" found no interface that is up with a route: using the default route; ' +
    "skipped lo (loopback), br0 (down)",
  ]);
});

Deno.test('resolveInterfaces() "auto" counts an unknown operstate with carrier as up', () => {
  using tree = makeFakeSysfs([{ name: "ppp0", index: 2, type: 512, operstate: "unknown" }]);
  Deno.writeTextFileSync(
    `${tree.procNet}/route`,
    "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
      "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\n",
  );
  assertEquals(resolveInterfaces("auto", [], tree), ["ppp0"]);
  Deno.writeTextFileSync(`${tree.sysfsNet}/ppp0/carrier`, "0\n");
  assertEquals(resolveInterfaces("auto", [], tree), []);
});

Deno.test("resolveInterfaces() keeps a list of existing names as given", () => {
  using tree = makeFakeSysfs(ALL);
  const notes: string[] = [];
  assertEquals(resolveInterfaces(["wlan0", "eth0", "lo"], notes, tree), ["wlan0", "eth0", "lo"]);
  assertEquals(notes, []);
});

Deno.test("resolveInterfaces() fails on a name that does not exist and lists those that do", () => {
  using tree = makeFakeSysfs([FAKE.wifi, FAKE.lo, FAKE.ethernet]);
  const error = assertThrows(
    () => resolveInterfaces(["eth0", "wlan9"], [], tree),
    BufferbaneError,
  );
  assertEquals(error.code, ErrorCode.InterfaceNotFound);
  assertEquals(error.code, "INTERFACE_NOT_FOUND");
  assertEquals(
    describeError(error),
    'Interface "wlan9" does not exist (existing interfaces: eth0, lo, wlan0)',
  );
});

Deno.test("resolveInterfaces() warns about a listed interface that is down, once", () => {
  using tree = makeFakeSysfs([
    FAKE.bridge,
    { name: "eth1", index: 9, operstate: "down", carrier: "0", driver: "r8169" },
    { name: "eth2", index: 10, carrier: "0", driver: "r8169" },
  ]);
  const notes: string[] = [];
  assertEquals(resolveInterfaces(["br0", "eth1", "eth2"], notes, tree), ["br0", "eth1", "eth2"]);
  resolveInterfaces(["br0"], notes, tree);
  assertEquals(notes, [
    'Interface "br0" is not up (operstate "down"): probes through it fail until it comes up',
    'Interface "eth1" is not up (operstate "down", no carrier): probes through it fail until it comes up',
    'Interface "eth2" has no carrier: probes through it fail until it comes up',
  ]);
});

Deno.test("resolveInterfaces() leaves an empty list alone: the default route", () => {
  const notes: string[] = [];
  assertEquals(resolveInterfaces([], notes, { sysfsNet: "/nonexistent" }), []);
  assertEquals(notes, []);
});

Deno.test("resolveInterfaces() keeps names it cannot check and says so", () => {
  const notes: string[] = [];
  assertEquals(resolveInterfaces(["en0"], notes, { sysfsNet: "/nonexistent" }), ["en0"]);
  assertEquals(notes, ['Cannot check interface names: "/nonexistent" is not readable']);
});
