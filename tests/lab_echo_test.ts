/**
 * The udp-echo plugin against the bufferbane server in the lab, run inside the client namespace
 * as a user runs it:
 *
 * - nftables drops 5% of the Ethernet-like path's packets upstream only: the plugin reports
 *   upstream loss within 3 binomial SD of 5% and no downstream loss; then the reverse.
 * - A cubic iperf3 upload through `bloated` (20 Mbit/s, 300 ms buffer): at least 95% of the
 *   added delay is attributed to the upstream direction by the one-way delays.
 *
 * The shipped `recipes/wifi-vs-ethernet.toml` measuring the echo on both interfaces is checked in
 * `lab_truth_test.ts`, in the same run that checks its DNS.
 *
 * Needs root (skipped visibly otherwise). About a minute in all.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { ensureTool } from "../tools/debian.ts";
import type { RunSummary } from "../core/run_observer.ts";
import { parseScenario } from "../lab/scenario.ts";
import { checkLab, type RunningLab, withLab } from "../lab/with_lab.ts";

const lab = await checkLab();
const skipLab = lab.available ? undefined : lab.reason;
const iperf3 = lab.available ? await ensureTool("iperf3", "iperf3") : undefined;
const skipIperf = skipLab ?? (iperf3?.available ? undefined : iperf3?.reason);
const named = (name: string, skip: string | undefined) =>
  skip === undefined ? name : `${name} (skipped: ${skip})`;

const ROOT = new URL("../", import.meta.url).pathname;

function echoRecipe(running: RunningLab, options: { duration: string; interval: string }) {
  const { host, port, secret } = running.echoServer;
  return [
    'name = "lab echo"',
    `duration = "${options.duration}"`,
    'interfaces = ["bb-eth"]',
    "[[servers]]",
    'name = "lab"',
    `host = "${host}"`,
    `port = ${port}`,
    `secret = "${secret}"`,
    "[[probes]]",
    'plugin = "udp-echo"',
    'servers = ["lab"]',
    `interval = "${options.interval}"`,
    'timeout = "2s"',
    "",
  ].join("\n");
}

/** Runs a recipe inside bb-client with an NDJSON summary and a store in `dir`. */
async function runInClient(running: RunningLab, recipe: string, dir: string) {
  const file = `${dir}/recipe.toml`;
  const db = `${dir}/store.db`;
  await Deno.writeTextFile(file, recipe);
  const result = await running.exec(running.topology.namespaces.client, [
    ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
    ...["recipe", file, "--output", "json", "--db", db],
  ]);
  const summary = result.stdout.trim().split("\n").filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line)).find((line) => line.type === "summary");
  assertOk(summary, `no summary (exit ${result.code}): ${result.stderr}`);
  return { summary: summary as RunSummary, db };
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bb-lab-echo-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The run's last requests are left out of loss counts: a loss is only known a timeout (2 s) after
 * the request, and its direction once a later reply came.
 */
const SETTLE_MS = 3000;

/** Counts of the udp-echo rtt samples by status and reason, but for the last `SETTLE_MS`. */
function echoOutcomes(db: string) {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = store.prepare(
      `SELECT samples.status AS status, samples.reason AS reason, count(*) AS n
       FROM samples JOIN series ON series.id = samples.series_id
       WHERE series.plugin = 'udp-echo' AND series.metric = 'rtt'
         AND samples.ts <= (SELECT max(ts) FROM samples) - ?
       GROUP BY samples.status, samples.reason`,
    ).all(SETTLE_MS) as { status: number; reason: string | null; n: number }[];
    const count = (status: number, reason?: string) =>
      rows.filter((row) => row.status === status && (reason === undefined || row.reason === reason))
        .reduce((sum, row) => sum + row.n, 0);
    return {
      ok: count(0),
      lostUp: count(1, "lost upstream"),
      lostDown: count(1, "lost downstream"),
      lost: count(1),
      failed: count(2),
      rows,
    };
  } finally {
    store.close();
  }
}

function scenarioWithEthLoss(up: number, down: number) {
  return parseScenario(
    [
      `description = "5% loss one way on the Ethernet-like path"`,
      `[eth]`,
      `up = { loss_pct = ${up} }`,
      `down = { loss_pct = ${down} }`,
      "",
    ].join("\n"),
    `eth-loss-up${up}-down${down}.toml`,
  );
}

for (const [up, down, direction] of [[5, 0, "upstream"], [0, 5, "downstream"]] as const) {
  Deno.test({
    name: named(
      `udp-echo reports 5% loss ${direction} within 3 SD and none the other way`,
      skipLab,
    ),
    ignore: skipLab !== undefined,
    async fn() {
      await withLab(scenarioWithEthLoss(up, down), (running) =>
        withTempDir(async (dir) => {
          const { db } = await runInClient(
            running,
            echoRecipe(running, { duration: "12s", interval: "10ms" }),
            dir,
          );
          const outcome = echoOutcomes(db);
          const sent = outcome.ok + outcome.lost;
          console.log(`${direction}: ${JSON.stringify({ ...outcome, rows: undefined, sent })}`);
          assertOk(sent >= 600, `only ${sent} requests: ${JSON.stringify(outcome.rows)}`);
          assertEquals(outcome.failed, 0, JSON.stringify(outcome.rows));
          // Upstream loss is over requests sent; downstream over requests that reached the
          // server (irtt's split).
          const [lossy, clean] = direction === "upstream"
            ? [outcome.lostUp, outcome.lostDown]
            : [outcome.lostDown, outcome.lostUp];
          const trials = direction === "upstream" ? sent : sent - outcome.lostUp;
          const p = 0.05;
          const sd = Math.sqrt(p * (1 - p) / trials);
          const rate = lossy / trials;
          assertOk(
            Math.abs(rate - p) <= 3 * sd,
            `${direction} loss ${(100 * rate).toFixed(2)}% over ${trials}; expected 5% +- ${
              (300 * sd).toFixed(2)
            }`,
          );
          assertEquals(clean, 0, `loss reported the other way: ${JSON.stringify(outcome.rows)}`);
        }));
    },
  });
}

/** Values of one udp-echo metric between two wall-clock times. */
function metricBetween(db: string, metric: string, from: number, to: number): number[] {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = store.prepare(
      `SELECT samples.value AS value FROM samples JOIN series ON series.id = samples.series_id
       WHERE series.plugin = 'udp-echo' AND series.metric = ? AND samples.status = 0
         AND samples.ts >= ? AND samples.ts <= ?`,
    ).all(metric, from, to) as { value: number }[];
    return rows.map((row) => row.value).sort((a, b) => a - b);
  } finally {
    store.close();
  }
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

Deno.test({
  name: named(
    "under a cubic upload through bloated, >= 95% of the added delay is attributed upstream",
    skipIperf,
  ),
  ignore: skipIperf !== undefined,
  async fn() {
    await withLab("bloated", (running) =>
      withTempDir(async (dir) => {
        const { client, server } = running.topology.namespaces;
        const target = running.topology.addresses.server;
        const iperf = iperf3!.available ? iperf3!.path : "iperf3";
        const started = await running.exec(server, [
          ...[iperf, "-s", "-D", "-1", "-B", target, "-I", `${dir}/iperf3.pid`],
        ]);
        assertEquals(started.code, 0, started.stderr);
        const probing = runInClient(
          running,
          echoRecipe(running, { duration: "24s", interval: "20ms" }),
          dir,
        );
        await new Promise((resolve) => setTimeout(resolve, 5000));
        const loadStart = Date.now();
        const upload = await running.exec(client, [
          ...["timeout", "40", iperf, "-c", target, "-t", "15", "-C", "cubic", "-f", "m"],
        ]);
        const loadEnd = Date.now();
        assertEquals(upload.code, 0, upload.stdout + upload.stderr);
        const { db } = await probing;

        const idle = (metric: string) => metricBetween(db, metric, 0, loadStart - 100);
        const loaded = (metric: string) =>
          metricBetween(db, metric, loadStart + 1000, loadEnd - 500);
        const idleUp = idle("owd_up"), idleDown = idle("owd_down");
        const loadedUp = loaded("owd_up"), loadedDown = loaded("owd_down");
        assertOk(
          idleUp.length >= 100 && loadedUp.length >= 300,
          `${idleUp.length} / ${loadedUp.length}`,
        );
        const addedUp = median(loadedUp) - median(idleUp);
        const addedDown = median(loadedDown) - median(idleDown);
        const upShare = addedUp / (addedUp + Math.max(0, addedDown));
        console.log(
          `bloated upload: added up ${addedUp.toFixed(2)} ms, down ${addedDown.toFixed(2)} ms, ` +
            `upstream share ${(100 * upShare).toFixed(1)}% (idle up ${
              median(idleUp).toFixed(3)
            }, ` +
            `down ${median(idleDown).toFixed(3)})`,
        );
        assertOk(addedUp > 100, `the upload did not fill the queue: +${addedUp} ms up`);
        assertOk(upShare >= 0.95, `only ${(100 * upShare).toFixed(1)}% attributed upstream`);
      }));
  },
});
