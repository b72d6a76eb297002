import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { runCli } from "../tests/support/cli.ts";
import { FAKE, makeFakeSysfs } from "../interfaces/testdata/fake_sysfs.ts";
import { discoverInterfaces } from "../interfaces/discover.ts";
import { formatInterfaceTable, hiddenByDefault, interfacesCommand } from "./interfaces.ts";

function captureLog(fn: () => number): { code: number; output: string } {
  const original = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return { code: fn(), output: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

Deno.test("formatInterfaceTable() shows kind, state, addresses and routes", () => {
  using tree = makeFakeSysfs([FAKE.lo, FAKE.ethernet, FAKE.wifi, FAKE.bridge, FAKE.veth]);
  const found = discoverInterfaces({
    ...tree,
    addresses: () => [{ name: "eth0", family: "IPv4", address: "192.0.2.2", cidr: "192.0.2.2/24" }],
    overrides: { veth0: "wifi" },
  });
  assertEquals(formatInterfaceTable(found), [
    "name   index  kind               state         MAC                addresses     route",
    "lo         1  loopback           up (unknown)  00:00:00:00:00:00  none          no",
    "eth0       2  ethernet (e1000e)  up            02:00:00:00:00:02  192.0.2.2/24  default",
    "wlan0      3  wifi (iwlwifi)     up            02:00:00:00:00:03  none          default",
    "veth0      4  wifi (declared)    up            02:00:00:00:00:04  none          yes",
    "br0        6  virtual (bridge)   down          02:00:00:00:00:06  none          no",
  ]);
});

Deno.test("hiddenByDefault() hides only virtual interfaces that are down", () => {
  assertEquals(hiddenByDefault({ kind: "virtual", up: false }), true);
  assertEquals(hiddenByDefault({ kind: "virtual", up: true }), false);
  assertEquals(hiddenByDefault({ kind: "ethernet", up: false }), false);
});

Deno.test("interfacesCommand() hides down virtual interfaces unless --all", () => {
  using tree = makeFakeSysfs(Object.values(FAKE));
  const options = { ...tree, addresses: () => [] };
  const table = captureLog(() => interfacesCommand({}, options));
  assertEquals(table.code, 0);
  assertOk(!/^br0 /m.test(table.output), table.output);
  assertOk(table.output.includes("hidden (virtual and down, --all shows them): br0, tun0"));
  assertOk(table.output.includes('interfaces = "auto" would pick: eth0, wlan0, veth0'));
  const all = captureLog(() => interfacesCommand({ all: true }, options));
  assertOk(/^br0 /m.test(all.output), all.output);
  const json = captureLog(() => interfacesCommand({ json: true }, options));
  const names = JSON.parse(json.output).map((iface: { name: string }) => iface.name);
  assertEquals(names, ["lo", "eth0", "wlan0", "veth0", "veth1", "wg0"]);
});

Deno.test("interfacesCommand() fails when no interface can be read", () => {
  const original = console.error;
  let message = "";
  console.error = (text: string) => message = text;
  try {
    assertEquals(interfacesCommand({}, { sysfsNet: "/nonexistent" }), 1);
  } finally {
    console.error = original;
  }
  assertEquals(
    message,
    'bufferbane: No interfaces found: "/nonexistent" is not readable (Linux only, run with -A)',
  );
});

Deno.test("interfaces --json lists this machine's loopback interface", async () => {
  const { code, stdout, stderr } = await runCli(["interfaces", "--json"]);
  assertEquals(code, 0, stderr);
  const lo = JSON.parse(stdout).find((iface: { name: string }) => iface.name === "lo");
  assertEquals([lo?.kind, lo?.index, lo?.up], ["loopback", 1, true]);
  const table = await runCli(["interfaces"]);
  assertEquals(table.code, 0, table.stderr);
  assertOk(/^lo +1 +loopback/m.test(table.stdout), table.stdout);
});
