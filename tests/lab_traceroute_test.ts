/**
 * The traceroute plugin in the lab, run inside the client namespace as a user runs it
 * (`recipe` through the CLI, with a store):
 *
 * - clean: through `bb-eth` the router's `10.77.1.1` is hop 1 and the server `10.77.3.2` hop
 *   2; through `bb-wifi` (behind the delay relay, a bridge, not a hop) hop 1 is `10.77.2.1`;
 *   every round reaches the server; the run stores its path as a `traceroute_path` event;
 *   ICMP echo probes (`protocol = "icmp"`) see the same path.
 * - 25% loss upstream on the Ethernet-like path (nftables in the router, before routing): both
 *   hops' series show loss, neither all of it.
 *
 * Rounds every second: routers rate-limit their ICMP errors (1/s per source, burst 6), which a
 * faster interval would measure instead of the path. Needs root (skipped visibly otherwise).
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { parseScenario } from "../lab/scenario.ts";
import { checkLab, type RunningLab, withLab } from "../lab/with_lab.ts";

const lab = await checkLab();
const skipLab = lab.available ? undefined : lab.reason;
const named = (name: string) => skipLab === undefined ? name : `${name} (skipped: ${skipLab})`;
const ROOT = new URL("../", import.meta.url).pathname;

function traceRecipe(options: { duration: string; interfaces: string[] }) {
  return [
    'name = "lab traceroute"',
    `duration = "${options.duration}"`,
    `interfaces = [${options.interfaces.map((name) => `"${name}"`).join(", ")}]`,
    "[[probes]]",
    'plugin = "traceroute"',
    'targets = ["10.77.3.2"]',
    'interval = "1s"',
    'timeout = "1s"',
    "",
  ].join("\n");
}

async function runInClient(running: RunningLab, recipe: string, dir: string) {
  const file = `${dir}/recipe.toml`;
  const db = `${dir}/store.db`;
  await Deno.writeTextFile(file, recipe);
  const result = await running.exec(running.topology.namespaces.client, [
    ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
    ...["recipe", file, "--output", "quiet", "--db", db],
  ]);
  assertEquals(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  return db;
}

interface HopRow {
  interface: string;
  server: string;
  ok: number;
  lost: number;
}

/** Per series of hop_rtt: ok and lost counts, leaving out the rounds of the last 2 s. */
function hopSeries(db: string): HopRow[] {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    return store.prepare(
      `SELECT series.interface AS interface, series.server AS server,
         sum(samples.status = 0) AS ok, sum(samples.status = 1) AS lost
       FROM samples JOIN series ON series.id = samples.series_id
       WHERE series.plugin = 'traceroute' AND series.metric = 'hop_rtt'
         AND samples.ts <= (SELECT max(ts) FROM samples) - 2000
       GROUP BY series.id ORDER BY series.interface, series.server`,
    ).all() as unknown as HopRow[];
  } finally {
    store.close();
  }
}

function events(db: string, kind: string) {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    return store.prepare("SELECT message, data FROM events WHERE kind = ?").all(kind) as {
      message: string;
      data: string | null;
    }[];
  } finally {
    store.close();
  }
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bb-lab-trace-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: named("traceroute in the lab: the router is hop 1 and the server hop 2 on each path"),
  ignore: skipLab !== undefined,
  async fn() {
    await withLab("clean", (running) =>
      withTempDir(async (dir) => {
        const db = await runInClient(
          running,
          traceRecipe({ duration: "8s", interfaces: ["bb-eth", "bb-wifi"] }),
          dir,
        );
        const rows = hopSeries(db);
        console.log(JSON.stringify(rows));
        const servers = (iface: string) =>
          rows.filter((row) => row.interface === iface).map((row) => row.server);
        assertEquals(servers("bb-eth"), ["hop 1 10.77.1.1", "hop 2 10.77.3.2"]);
        assertEquals(servers("bb-wifi"), ["hop 1 10.77.2.1", "hop 2 10.77.3.2"]);
        for (const row of rows) {
          assertOk(row.ok >= 4, `too few answers: ${JSON.stringify(row)}`);
          assertEquals(row.lost, 0, JSON.stringify(row));
        }
        const paths = events(db, "traceroute_path");
        assertEquals(paths.length, 2, JSON.stringify(paths));
        const hops = paths.map((event) => JSON.parse(event.data!).hops).sort();
        assertEquals(hops, [["10.77.1.1", "10.77.3.2"], ["10.77.2.1", "10.77.3.2"]]);
        assertEquals(events(db, "path_change").length, 0);

        // The same path with ICMP echo probes (a raw socket here: the lab's client has no
        // ping sockets).
        const icmpDb = `${dir}/icmp.db`;
        const icmp = await running.exec(running.topology.namespaces.client, [
          ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
          ...["probe", "traceroute", "10.77.3.2", "--interface", "bb-eth"],
          ...["--option", "protocol=icmp", "--interval", "1s", "--duration", "5s"],
          ...["--db", icmpDb, "--output", "quiet"],
        ]);
        assertEquals(icmp.code, 0, icmp.stderr);
        const icmpRows = hopSeries(icmpDb);
        console.log(JSON.stringify(icmpRows));
        assertEquals(icmpRows.map((row) => row.server), ["hop 1 10.77.1.1", "hop 2 10.77.3.2"]);
        for (const row of icmpRows) assertEquals(row.lost, 0, JSON.stringify(row));
      }));
  },
});

Deno.test({
  name: named("traceroute in the lab: 25% loss upstream shows at both hops"),
  ignore: skipLab !== undefined,
  async fn() {
    const scenario = parseScenario(
      'description = "25% loss upstream on the Ethernet-like path"\n[eth]\nup = { loss_pct = 25 }\n',
      "eth-loss-up25.toml",
    );
    await withLab(scenario, (running) =>
      withTempDir(async (dir) => {
        const db = await runInClient(
          running,
          traceRecipe({ duration: "32s", interfaces: ["bb-eth"] }),
          dir,
        );
        const rows = hopSeries(db);
        console.log(JSON.stringify(rows));
        // A lost hop keeps the series of its known address, so the two hops hold the rounds.
        // Before the path is known, the discovery round may lose a hop (a "hop N *" series) or
        // see the destination one hop too far (its own probe lost): a sample or two, no more.
        const main = ["hop 1 10.77.1.1", "hop 2 10.77.3.2"];
        assertEquals(
          rows.filter((row) => main.includes(row.server)).map((row) => row.server),
          main,
        );
        for (const row of rows.filter((row) => !main.includes(row.server))) {
          assertOk(
            /^hop [0-9]+ \*$|^hop 3 10\.77\.3\.2$/.test(row.server) && row.ok + row.lost <= 3,
            `an unexpected series: ${JSON.stringify(row)}`,
          );
        }
        for (const row of rows.filter((row) => main.includes(row.server))) {
          const sent = row.ok + row.lost;
          assertOk(sent >= 20, `too few rounds: ${JSON.stringify(row)}`);
          const lossPct = 100 * row.lost / sent;
          // 25% of ~30 probes: 3 binomial SD is +-24 points.
          assertOk(lossPct > 0 && lossPct < 60, `loss ${lossPct}% at ${row.server}`);
        }
      }));
  },
});
