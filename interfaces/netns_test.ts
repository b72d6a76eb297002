/**
 * Discovery on real kernel interfaces: a veth pair, and inside a throwaway namespace a bridge,
 * a tun and a tap, read through `ip netns exec` (which mounts the namespace's own sysfs).
 * Needs root and iproute2; skips visibly otherwise.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { checkNetns, withNetns } from "../tests/support/netns.ts";
import { discoverInterfaces } from "./discover.ts";
import { resolveInterfaces } from "./resolve.ts";
import type { NetworkInterface } from "./types.ts";

const netns = await checkNetns();
const skip = netns.available ? "" : ` (skipped: ${netns.reason})`;
const MOD = new URL("../mod.ts", import.meta.url).pathname;
const RESOLVE = new URL("./resolve.ts", import.meta.url).href;

Deno.test({
  name: `discoverInterfaces() classifies a real veth and warns when it goes down${skip}`,
  ignore: !netns.available,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      const host = discoverInterfaces().find((iface) => iface.name === veth.hostName);
      assertOk(host, `${veth.hostName} not discovered`);
      assertEquals(
        [host.kind, host.detail, host.up, host.hasRoute, host.driver],
        ["virtual", "veth", true, true, null],
      );
      assertOk(
        host.addresses.some((a) => a.address === veth.hostAddress && a.prefix === 30),
        JSON.stringify(host.addresses),
      );
      await lab.setLink(veth.hostName, "down");
      const notes: string[] = [];
      assertEquals(resolveInterfaces([veth.hostName], notes), [veth.hostName]);
      assertEquals(notes, [
        `Interface "${veth.hostName}" is not up (operstate "down"): probes through it fail until it comes up`,
      ]);
    });
  },
});

Deno.test({
  name: `interfaces --json inside a namespace tells veth, bridge, tun and tap apart${skip}`,
  ignore: !netns.available,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      await lab.ip("-n", peer, "link", "add", "bbtbr", "type", "bridge");
      await lab.ip("-n", peer, "tuntap", "add", "mode", "tun", "name", "bbttun");
      await lab.ip("-n", peer, "tuntap", "add", "mode", "tap", "name", "bbttap");
      const listed = await lab.exec(peer, Deno.execPath(), [
        "run",
        "-A",
        MOD,
        "interfaces",
        "--json",
        "--all",
      ]);
      assertEquals(listed.code, 0, listed.stderr);
      const found: NetworkInterface[] = JSON.parse(listed.stdout);
      const summary = Object.fromEntries(
        found.map((i) => [i.name, `${i.kind}/${i.detail}/${i.up ? "up" : "down"}`]),
      );
      assertEquals(summary, {
        lo: "loopback//up",
        [veth.peerName]: "virtual/veth/up",
        bbtbr: "virtual/bridge/down",
        bbttun: "virtual/tun/down",
        bbttap: "virtual/tap/down",
      });
      assertEquals(found.find((i) => i.name === "lo")?.index, 1);
      const auto = await lab.exec(peer, Deno.execPath(), [
        "eval",
        `import { resolveInterfaces } from "${RESOLVE}";` +
        `console.log(JSON.stringify(resolveInterfaces("auto", [])));`,
      ]);
      assertEquals(auto.code, 0, auto.stderr);
      assertEquals(JSON.parse(auto.stdout), [veth.peerName]);
    });
  },
});
