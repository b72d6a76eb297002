/**
 * The traceroute plugin over IPv6 (hop limit through `IPV6_UNICAST_HOPS`, answers through
 * `IPV6_RECVERR`), in namespaces this test creates: client -> router -> server on ULA
 * addresses. The router is hop 1 and the server hop 2. Needs root (skipped visibly otherwise).
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "./support/assert.ts";
import { checkNetns, withNetns } from "./support/netns.ts";

const netns = await checkNetns();
const skip = netns.available ? undefined : netns.reason;
const ROOT = new URL("../", import.meta.url).pathname;

Deno.test({
  name: `traceroute over IPv6: the router is hop 1, the server hop 2${
    skip === undefined ? "" : ` (skipped: ${skip})`
  }`,
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bb-trace6-" });
    try {
      await withNetns(async (lab) => {
        const client = await lab.addNamespace("client6");
        const router = await lab.addNamespace("router6");
        const server = await lab.addNamespace("server6");
        const up = await lab.addVeth({ namespace: router, hostNamespace: client });
        const down = await lab.addVeth({ namespace: server, hostNamespace: router });
        for (const namespace of [client, router, server]) {
          await lab.sysctl(namespace, "net.ipv6.conf.all.disable_ipv6", "0");
        }
        await lab.sysctl(router, "net.ipv6.conf.all.forwarding", "1");
        // A per-test prefix from the tag, so parallel runs never share addresses.
        const prefix = `fd77:${lab.tag}`;
        const address = (ns: string, text: string, dev: string) =>
          lab.ip("-n", ns, "addr", "add", text, "dev", dev, "nodad");
        await address(client, `${prefix}:1::2/64`, up.hostName);
        await address(router, `${prefix}:1::1/64`, up.peerName);
        await address(router, `${prefix}:2::1/64`, down.hostName);
        await address(server, `${prefix}:2::2/64`, down.peerName);
        await lab.ip("-n", client, "-6", "route", "add", "default", "via", `${prefix}:1::1`);
        await lab.ip("-n", server, "-6", "route", "add", "default", "via", `${prefix}:2::1`);
        // Link-local addresses (neighbour discovery's source) are tentative until DAD ends;
        // until then nothing answers, which would be the test's start-up, not the path.
        for (let i = 0; i < 50; i++) {
          const tentative = await Promise.all(
            [client, router, server].map((ns) =>
              lab.ip("-n", ns, "-6", "addr", "show", "tentative")
            ),
          );
          if (tentative.every((text) => text.trim() === "")) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        const db = `${dir}/store.db`;
        const result = await lab.exec(client, Deno.execPath(), [
          ...["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
          ...["probe", "traceroute", `${prefix}:2::2`, "--duration", "4s", "--interval", "1s"],
          ...["--db", db, "--output", "quiet"],
        ]);
        assertEquals(result.code, 0, result.stderr);
        const store = new DatabaseSync(db, { readOnly: true });
        try {
          const rows = store.prepare(
            `SELECT series.server AS server, sum(samples.status = 0) AS ok,
               sum(samples.status <> 0) AS other
             FROM samples JOIN series ON series.id = samples.series_id
             WHERE series.metric = 'hop_rtt' GROUP BY series.id ORDER BY series.server`,
          ).all() as { server: string; ok: number; other: number }[];
          assertEquals(rows.map((row) => row.server), [
            `hop 1 ${prefix}:1::1`,
            `hop 2 ${prefix}:2::2`,
          ]);
          for (const row of rows) assertEquals(row.other, 0, JSON.stringify(rows));
        } finally {
          store.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
