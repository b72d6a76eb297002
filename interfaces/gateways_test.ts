import { assertEquals } from "../tests/support/assert.ts";
import { parseIpv4Gateways, parseIpv6Gateways, readDefaultGateways } from "./gateways.ts";

const HEADER =
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

Deno.test("parseIpv4Gateways() reads default routes with a gateway, lowest metric first", () => {
  const text = HEADER +
    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
    "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
    "eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" + // on-link subnet
    "tun0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0\n" + // default without gateway
    "eth1\t00000000\t010300C0\t0202\t0\t0\t10\t00000000\t0\t0\t0\n"; // down, reject
  assertEquals(parseIpv4Gateways(text), [
    { family: 4, address: "192.0.2.1", interface: "eth0", metric: 100 },
    { family: 4, address: "192.168.1.1", interface: "wlan0", metric: 600 },
  ]);
});

Deno.test("parseIpv6Gateways() reads ::/0 routes with a next hop", () => {
  const zero = "0".repeat(32);
  const lines = [
    `${zero} 00 ${zero} 00 fe80000000000000021122fffe334455 00000400 00000001 00000000 00000003 eth0`,
    `${zero} 00 ${zero} 00 ${zero} 00000400 00000001 00000000 00000001 wg0`, // no next hop
    `20010db8000000000000000000000000 40 ${zero} 00 ${zero} 00000100 00000001 00000000 00000001 eth0`,
  ].join("\n");
  assertEquals(parseIpv6Gateways(lines), [
    { family: 6, address: "fe80::211:22ff:fe33:4455", interface: "eth0", metric: 1024 },
  ]);
});

Deno.test("readDefaultGateways() reads both files of a folder; missing files mean none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(readDefaultGateways(dir), []);
    await Deno.writeTextFile(
      `${dir}/route`,
      HEADER + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
    );
    assertEquals(readDefaultGateways(dir).map((g) => g.address), ["192.0.2.1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
