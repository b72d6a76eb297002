/**
 * `bufferbane doctor` for real, inside namespaces this test creates:
 *
 * ```text
 *  client ---------- router ----(mtu 1400)---- server
 *  default route via router
 * ```
 *
 * - the gateway check pings the router through the client's interface, over IPv4 and over
 *   IPv6 to its link-local address;
 * - the path MTU to the server comes out as 1400, the router's "fragmentation needed" saying so,
 *   and the kernel's own path MTU (`IP_MTU`) agrees;
 * - with the router dropping those ICMP messages (nftables), the search meets a black hole and
 *   still finds 1400, as a warning;
 * - the interface check sees the client's interface up and routed, and fails for an interface
 *   the recipe names that does not exist (exit code 1).
 *
 * The CLI runs inside the client namespace as a user runs it. Needs root (skipped visibly
 * otherwise); nftables for the black hole part.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { checkNetns, type NetnsLab, withNetns } from "./support/netns.ts";
import { ensureTool } from "../tools/debian.ts";
import type { CheckResult } from "../doctor/types.ts";

const netns = await checkNetns();
const skip = netns.available ? undefined : netns.reason;
const nft = netns.available ? await ensureTool("nft", "nftables") : undefined;
const skipNft = skip ?? (nft?.available ? undefined : nft?.reason);
const named = (name: string, reason: string | undefined) =>
  reason === undefined ? name : `${name} (skipped: ${reason})`;
const ROOT = new URL("../", import.meta.url).pathname;

interface Topology {
  client: string;
  router: string;
  clientLink: string;
  gateway: string;
  server: string;
}

async function build(lab: NetnsLab): Promise<Topology> {
  const client = await lab.addNamespace("client");
  const router = await lab.addNamespace("router");
  const server = await lab.addNamespace("server");
  const up = await lab.addVeth({ namespace: router, hostNamespace: client });
  const down = await lab.addVeth({ namespace: server, hostNamespace: router });
  await lab.sysctl(router, "net.ipv4.ip_forward", "1");
  for (const [namespace, link] of [[router, down.hostName], [server, down.peerName]]) {
    await lab.ip("-n", namespace!, "link", "set", link!, "mtu", "1400");
  }
  await lab.ip("-n", client, "route", "add", "default", "via", up.peerAddress);
  await lab.ip("-n", server, "route", "add", "default", "via", down.hostAddress);
  // An IPv6 default route via the router's link-local address, as routers announce it.
  for (
    const [namespace, link, address] of [
      [client, up.hostName, "fe80::2"],
      [router, up.peerName, "fe80::1"],
    ] as const
  ) {
    await lab.sysctl(namespace, `net.ipv6.conf.${link}.accept_dad`, "0");
    await lab.sysctl(namespace, `net.ipv6.conf.${link}.disable_ipv6`, "0");
    await lab.ip("-n", namespace, "addr", "add", `${address}/64`, "dev", link, "nodad");
  }
  await lab.ip("-n", client, "-6", "route", "add", "default", "via", "fe80::1", "dev", up.hostName);
  return {
    client,
    router,
    clientLink: up.hostName,
    gateway: up.peerAddress,
    server: down.peerAddress,
  };
}

async function doctor(
  lab: NetnsLab,
  topology: Topology,
  dir: string,
  recipeLines: string[],
): Promise<{ code: number; results: CheckResult[] }> {
  const file = `${dir}/doctor.toml`;
  await Deno.writeTextFile(
    file,
    [
      'name = "doctor"',
      ...recipeLines,
      "[[servers]]",
      'name = "far"',
      `host = "${topology.server}"`,
      "",
    ].join("\n"),
  );
  const result = await lab.exec(topology.client, Deno.execPath(), [
    ...["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`, "doctor"],
    ...["--recipe", file, "--json", "--checks", "icmp,gateway,path-mtu,interface"],
  ]);
  assertOk(result.stdout.trim().startsWith("{"), `no JSON (exit ${result.code}): ${result.stderr}`);
  return { code: result.code, results: JSON.parse(result.stdout).results };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bb-doctor-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: named("doctor measures a 1400-byte path MTU and pings the gateway in namespaces", skip),
  ignore: skip !== undefined,
  async fn() {
    await withDir((dir) =>
      withNetns(async (lab) => {
        const topology = await build(lab);
        const { code, results } = await doctor(lab, topology, dir, []);
        console.log(results.map((r) => `${r.verdict} ${r.check} ${r.subject}: ${r.message}`));
        assertEquals(code, 0);
        const find = (check: string) => results.filter((r) => r.check === check);
        assertEquals(find("icmp")[0]?.verdict, "ok");

        const [gateway, gateway6] = find("gateway");
        assertEquals(gateway?.subject, `${topology.gateway} via ${topology.clientLink}`);
        assertEquals(gateway?.verdict, "ok");
        assertEquals((gateway?.data as { received: number }).received, 3);
        assertEquals(gateway6?.subject, `fe80::1 via ${topology.clientLink}`);
        assertEquals(gateway6?.verdict, "ok", JSON.stringify(gateway6));

        const [mtu] = find("path-mtu");
        assertEquals(mtu?.subject, `far (${topology.server})`);
        assertEquals((mtu?.data as { mtu: number }).mtu, 1400);
        assertEquals((mtu?.data as { reported: number[] }).reported.includes(1400), true);
        assertEquals((mtu?.data as { blackHole: boolean }).blackHole, false);
        assertEquals((mtu?.data as { kernelMtu: number }).kernelMtu, 1400); // IP_MTU agrees
        assertEquals(mtu?.verdict, "warn"); // below 1500: a hint says what it means

        const link = find("interface").find((r) => r.subject === topology.clientLink);
        assertEquals(link?.verdict, "ok", JSON.stringify(link));
        assertEquals(results.some((r) => r.verdict === "fail"), false);
      })
    );
  },
});

Deno.test({
  name: named("doctor finds a PMTU black hole, and fails for a missing interface", skipNft),
  ignore: skipNft !== undefined,
  async fn() {
    await withDir((dir) =>
      withNetns(async (lab) => {
        const topology = await build(lab);
        // The router stops saying "fragmentation needed": big packets just vanish.
        const rules = [
          "table inet bbt_doctor {",
          "  chain out { type filter hook output priority 0; icmp type destination-unreachable " +
          "icmp code frag-needed drop; }",
          "}",
        ].join("\n");
        await Deno.writeTextFile(`${dir}/rules.nft`, rules);
        const loaded = await lab.exec(topology.router, "nft", ["-f", `${dir}/rules.nft`]);
        assertEquals(loaded.code, 0, loaded.stderr);
        const { code, results } = await doctor(lab, topology, dir, [
          'interfaces = ["bbt-missing0"]',
        ]);
        console.log(results.map((r) => `${r.verdict} ${r.check} ${r.subject}: ${r.message}`));
        const [mtu] = results.filter((r) => r.check === "path-mtu");
        assertEquals((mtu?.data as { mtu: number }).mtu, 1400);
        assertEquals((mtu?.data as { blackHole: boolean }).blackHole, true);
        // Nobody told the kernel: it still holds the first link's MTU.
        assertEquals((mtu?.data as { kernelMtu: number }).kernelMtu, 1500);
        assertEquals(mtu?.verdict, "warn");
        assertOk(mtu?.hint?.includes("black hole"), mtu?.hint);
        const missing = results.find((r) => r.subject === "bbt-missing0");
        assertEquals(missing?.verdict, "fail");
        assertEquals(code, 1);
      })
    );
  },
});

Deno.test({
  name: named("doctor measures the path MTU through ping sockets too", skip),
  ignore: skip !== undefined,
  async fn() {
    await withDir((dir) =>
      withNetns(async (lab) => {
        const topology = await build(lab);
        // Ping sockets report "fragmentation needed" through the error queue (ee_info).
        await lab.sysctl(topology.client, "net.ipv4.ping_group_range", "0 2147483647");
        const { code, results } = await doctor(lab, topology, dir, []);
        console.log(results.map((r) => `${r.verdict} ${r.check} ${r.subject}: ${r.message}`));
        assertEquals(code, 0);
        const [icmp] = results.filter((r) => r.check === "icmp");
        assertOk(icmp?.message.startsWith("ping sockets allowed"), icmp?.message);
        const [mtu] = results.filter((r) => r.check === "path-mtu");
        assertEquals((mtu?.data as { mtu: number }).mtu, 1400);
        assertEquals((mtu?.data as { reported: number[] }).reported.includes(1400), true);
      })
    );
  },
});
