/**
 * Path changes seen by the traceroute plugin, in namespaces this test creates: a client with
 * two routers to one server, and the client's route to the server's address switched from one
 * router to the other.
 *
 * ```text
 *            +-- r1 --+
 *  client ---+        +--- server (target 10.203.x.250 on lo)
 *            +-- r2 --+
 * ```
 *
 * - run 1 through r1 stores its path (`traceroute_path`: r1, target);
 * - run 2 starts through r1 (same path as stored: `traceroute_path`), the route moves to r2
 *   during the run: a `path_change` event names hop 1 from r1 to r2 and nothing else;
 * - the route goes back to r1 between runs: run 3's first round differs from what run 2 stored
 *   (`path_change` "since the last run", hop 1 from r2 to r1), read back from the store.
 *
 * The recipe runs through the CLI inside the client namespace, as a user runs it. Needs root
 * (skipped visibly otherwise).
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { checkNetns, type NetnsLab, withNetns } from "./support/netns.ts";

const netns = await checkNetns();
const skip = netns.available ? undefined : netns.reason;
const ROOT = new URL("../", import.meta.url).pathname;

interface Topology {
  client: string;
  target: string;
  viaR1: string;
  viaR2: string;
}

/** Builds client, r1, r2 and server; the client reaches the target through r1. */
async function buildTopology(lab: NetnsLab): Promise<Topology> {
  const client = await lab.addNamespace("client");
  const r1 = await lab.addNamespace("r1");
  const r2 = await lab.addNamespace("r2");
  const server = await lab.addNamespace("server");
  const c1 = await lab.addVeth({ namespace: r1, hostNamespace: client });
  const c2 = await lab.addVeth({ namespace: r2, hostNamespace: client });
  const s1 = await lab.addVeth({ namespace: server, hostNamespace: r1 });
  const s2 = await lab.addVeth({ namespace: server, hostNamespace: r2 });
  const target = `${c1.hostAddress.split(".").slice(0, 3).join(".")}.250`;
  await lab.ip("-n", server, "addr", "add", `${target}/32`, "dev", "lo");
  for (const router of [r1, r2]) await lab.sysctl(router, "net.ipv4.ip_forward", "1");
  await lab.ip("-n", r1, "route", "add", `${target}/32`, "via", s1.peerAddress);
  await lab.ip("-n", r2, "route", "add", `${target}/32`, "via", s2.peerAddress);
  await lab.ip("-n", server, "route", "add", `${c1.hostAddress}/32`, "via", s1.hostAddress);
  await lab.ip("-n", server, "route", "add", `${c2.hostAddress}/32`, "via", s2.hostAddress);
  await lab.ip("-n", client, "route", "add", `${target}/32`, "via", c1.peerAddress);
  return { client, target, viaR1: c1.peerAddress, viaR2: c2.peerAddress };
}

async function switchRoute(lab: NetnsLab, topology: Topology, via: string): Promise<void> {
  await lab.ip("-n", topology.client, "route", "replace", `${topology.target}/32`, "via", via);
}

async function runTrace(
  lab: NetnsLab,
  topology: Topology,
  dir: string,
  duration: string,
): Promise<void> {
  const file = `${dir}/trace.toml`;
  await Deno.writeTextFile(
    file,
    [
      'name = "path change"',
      `duration = "${duration}"`,
      "[[probes]]",
      'plugin = "traceroute"',
      `targets = ["${topology.target}"]`,
      'interval = "1s"',
      'timeout = "800ms"',
      "",
    ].join("\n"),
  );
  const result = await lab.exec(topology.client, Deno.execPath(), [
    ...["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
    ...["recipe", file, "--db", `${dir}/store.db`, "--output", "quiet"],
  ]);
  assertEquals(result.code, 0, `exit ${result.code}: ${result.stderr}`);
}

interface PathEvent {
  run: number;
  kind: string;
  message: string;
  data: { hops: string[]; changed?: { hop: number; from: string | null; to: string | null }[] };
}

function pathEvents(db: string): PathEvent[] {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = store.prepare(
      `SELECT run_id AS run, kind, message, data FROM events
       WHERE kind IN ('traceroute_path', 'path_change') ORDER BY ts, id`,
    ).all() as { run: number; kind: string; message: string; data: string }[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) }));
  } finally {
    store.close();
  }
}

Deno.test({
  name: `traceroute reports a changed hop within a run and since the last run${
    skip === undefined ? "" : ` (skipped: ${skip})`
  }`,
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bb-trace-change-" });
    try {
      await withNetns(async (lab) => {
        const topology = await buildTopology(lab);
        const { target, viaR1, viaR2 } = topology;

        await runTrace(lab, topology, dir, "3s");
        let events = pathEvents(`${dir}/store.db`);
        assertEquals(events.map((e) => [e.run, e.kind, e.data.hops]), [
          [1, "traceroute_path", [viaR1, target]],
        ]);

        const running = runTrace(lab, topology, dir, "7s");
        await new Promise((resolve) => setTimeout(resolve, 3500));
        await switchRoute(lab, topology, viaR2);
        await running;
        events = pathEvents(`${dir}/store.db`).filter((e) => e.run === 2);
        console.log(events.map((e) => e.message).join("\n"));
        assertEquals(events[0]?.kind, "traceroute_path");
        assertOk(events[0]!.message.includes("as in the last run"), events[0]!.message);
        const changes = events.filter((e) => e.kind === "path_change");
        assertEquals(changes.length, 1, JSON.stringify(events));
        assertEquals(changes[0]!.data.changed, [{ hop: 1, from: viaR1, to: viaR2 }]);
        assertEquals(changes[0]!.data.hops, [viaR2, target]);
        assertOk(changes[0]!.message.includes(`hop 1: ${viaR1} -> ${viaR2}`), changes[0]!.message);

        await switchRoute(lab, topology, viaR1);
        await runTrace(lab, topology, dir, "3s");
        events = pathEvents(`${dir}/store.db`).filter((e) => e.run === 3);
        console.log(events.map((e) => e.message).join("\n"));
        assertEquals(events.length, 1, JSON.stringify(events));
        assertEquals(events[0]!.kind, "path_change");
        assertOk(events[0]!.message.includes("since the last run"), events[0]!.message);
        assertEquals(events[0]!.data.changed, [{ hop: 1, from: viaR2, to: viaR1 }]);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
