/**
 * End to end, on a real link: the `udp-echo` plugin with `dscp` set, bound to the host end of a
 * veth pair, against a bufferbane server running in the peer namespace. An nftables rule in that
 * namespace counts the requests by their DSCP as they come in off the veth, so what is checked
 * is the IP header on the wire, counted by the kernel, not what the socket says it asked for.
 *
 * Needs root, `ip` and `nft`; skipped (saying why) otherwise.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { checkNetns, type NetnsLab, withNetns } from "./support/netns.ts";
import type { PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { createUdpEchoPlugin, udpEchoOptionsSchema } from "../plugins/udp_echo.ts";
import { openSession } from "../protocol/client.ts";

const SECRET = "udp-echo-dscp-test-secret";
const PORT = 9876;
const TABLE = "bbt_dscp";

async function nftAvailable(): Promise<string | undefined> {
  try {
    const { success } = await new Deno.Command("nft", { args: ["--version"], stdout: "null" })
      .output();
    return success ? undefined : "nft does not run";
  } catch {
    return "nft is not installed";
  }
}

const netns = await checkNetns();
const skip = netns.available ? await nftAvailable() : netns.reason;

/** Counters `ef`, `cs1` and `other` of UDP packets to the server's port, by DSCP. */
async function addCounters(lab: NetnsLab, namespace: string, dir: string): Promise<void> {
  const rules = `${dir}/dscp.nft`;
  await Deno.writeTextFile(
    rules,
    `table inet ${TABLE} {
  counter ef {}
  counter cs1 {}
  counter other {}
  chain input {
    type filter hook input priority 0; policy accept;
    meta nfproto ipv4 udp dport ${PORT} ip dscp ef counter name "ef"
    meta nfproto ipv4 udp dport ${PORT} ip dscp cs1 counter name "cs1"
    meta nfproto ipv4 udp dport ${PORT} ip dscp != { ef, cs1 } counter name "other"
  }
}
`,
  );
  const result = await lab.exec(namespace, "nft", ["-f", rules]);
  if (result.code !== 0) throw new Error(`nft -f failed: ${result.stderr.trim()}`);
}

async function readCounters(
  lab: NetnsLab,
  namespace: string,
): Promise<Record<"ef" | "cs1" | "other", number>> {
  const result = await lab.exec(namespace, "nft", [
    "-j",
    "list",
    "counters",
    "table",
    "inet",
    TABLE,
  ]);
  if (result.code !== 0) throw new Error(`nft list counters failed: ${result.stderr.trim()}`);
  const counts = { ef: 0, cs1: 0, other: 0 };
  const entries = (JSON.parse(result.stdout) as { nftables: Record<string, unknown>[] }).nftables;
  for (const entry of entries) {
    const counter = entry.counter as { name?: string; packets?: number } | undefined;
    if (counter?.name !== undefined && counter.name in counts) {
      counts[counter.name as keyof typeof counts] = counter.packets ?? 0;
    }
  }
  return counts;
}

/** Starts `server/main.ts` inside the namespace and waits until it answers a handshake. */
async function startServerIn(
  namespace: string,
  address: string,
  device: string,
  dir: string,
) {
  const config = `${dir}/server.toml`;
  await Deno.writeTextFile(
    config,
    `listen = "${address}:${PORT}"\nlog_level = "warn"\n[limits]\nmin_interval = "1ms"\n` +
      `[health]\nlisten = ""\n`,
  );
  const main = new URL("../server/main.ts", import.meta.url).pathname;
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", namespace, Deno.execPath(), "run", "-A", main, "--config", config],
    env: { BUFFERBANE_SECRET: SECRET },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.output();
  };
  const deadline = Date.now() + 15_000;
  while (true) {
    try {
      // Marked like the first run, so that the readiness check counts as EF too.
      const session = await openSession({
        host: address,
        port: PORT,
        secret: SECRET,
        device,
        dscp: "EF",
        handshakeTimeout: 300,
        attempts: 1,
      });
      await session.close();
      return { stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the server in ${namespace} did not answer`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function probe(server: ServerInfo, device: string, dscp: string, ms: number) {
  const interval = 10;
  const ctx: PluginContext = {
    target: "",
    interface: device,
    server,
    servers: new Map([[server.name, server]]),
    interval,
    timeout: 500,
    schedule: new Schedule({ interval }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
  const plugin = createUdpEchoPlugin();
  const samples: Sample[] = [];
  const options = udpEchoOptionsSchema.parse({ dscp });
  for await (const sample of plugin.run(ctx, options, AbortSignal.timeout(ms))) {
    samples.push(sample);
  }
  return samples.filter((s) => s.metric === "rtt" && s.status === "ok").length;
}

Deno.test({
  name: `udp-echo requests carry the DSCP asked for on the wire (nftables counts them)${
    skip === undefined ? "" : ` (skipped: ${skip})`
  }`,
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bbt-dscp-" });
    try {
      await withNetns(async (lab) => {
        const peer = await lab.addNamespace("dscp");
        const veth = await lab.addVeth({ namespace: peer });
        await addCounters(lab, peer, dir);
        const server = await startServerIn(peer, veth.peerAddress, veth.hostName, dir);
        try {
          const info: ServerInfo = {
            name: "peer",
            host: veth.peerAddress,
            port: PORT,
            secret: SECRET,
          };
          const ready = await readCounters(lab, peer);
          assertOk(
            ready.ef >= 2,
            `the readiness handshake was not counted: ${JSON.stringify(ready)}`,
          );
          assertEquals([ready.cs1, ready.other], [0, 0]);

          const efReplies = await probe(info, veth.hostName, "EF", 800);
          const afterEf = await readCounters(lab, peer);
          assertOk(efReplies >= 20, `only ${efReplies} replies`);
          // Every request answered went through the counter as EF (plus knock and close).
          assertOk(afterEf.ef - ready.ef >= efReplies + 1, JSON.stringify({ efReplies, afterEf }));
          assertEquals([afterEf.cs1, afterEf.other], [0, 0]);

          const cs1Replies = await probe(info, veth.hostName, "cs1", 500);
          const afterCs1 = await readCounters(lab, peer);
          assertOk(cs1Replies >= 10, `only ${cs1Replies} replies`);
          assertEquals(afterCs1.ef, afterEf.ef, "nothing more was marked EF");
          assertOk(afterCs1.cs1 >= cs1Replies + 1, JSON.stringify({ cs1Replies, afterCs1 }));
          assertEquals(afterCs1.other, 0);
        } finally {
          await server.stop();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
