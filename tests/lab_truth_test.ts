/**
 * Truth tests: the namespace lab knows the truth (rate, buffer, delay, loss), and bufferbane,
 * run INSIDE the lab's client namespace as a user would run it, must find it.
 *
 * - lossy-wifi: icmp on both interfaces at once: median RTT(wifi) - median RTT(eth) = 20 ms
 *   (10 ms each way) within 1 ms; round-trip loss on wifi within 3 binomial SD of 3.96%
 *   (2% each way); no loss on eth.
 * - DNS: the shipped wifi-vs-ethernet recipe, run through `lab exec`, resolves the lab's names
 *   through the lab's dnsmasq (its log shows the queries), with an explicit resolver and with
 *   the `system` one; the same run measures the udp echo (rtt, owd_up, owd_down) off the lab's
 *   bufferbane server on both interfaces.
 * - bloated / managed: a cubic iperf3 upload (Debian `iperf3`) while icmp probes: the loaded
 *   RTT reaches the queue limit (rate x buffer + burst = 301.6 ms) within 10%; with a 10 ms
 *   buffer it stays under 20 ms. "Reaches" is the peak, the p99 over the whole upload: cubic
 *   fills the buffer in slow start, then saws between the limit and 70% of it (less after two
 *   losses close together), and with a base RTT near zero each climb back takes ~7 s (K =
 *   cbrt(W * 0.3 / 0.4) for W ~ 500 packets), so a median or a p95 over a 10 s window depends on
 *   where the backoffs fell (p95 was seen from 105 to 300 ms on the same link).
 *
 * Needs root (skipped visibly otherwise). About a minute and a half in all.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertOk } from "./support/assert.ts";
import { ensureTool } from "../tools/debian.ts";
import { runCli } from "./support/cli.ts";
import type { RunSummary, SeriesSummary } from "../core/run_observer.ts";
import { checkLab, type RunningLab, withLab } from "../lab/with_lab.ts";

const lab = await checkLab();
const iperf3 = lab.available ? await ensureTool("iperf3", "iperf3") : undefined;
const skipLab = lab.available ? undefined : lab.reason;
const skipIperf = skipLab ?? (iperf3?.available ? undefined : iperf3?.reason);
const named = (name: string, skip: string | undefined) =>
  skip === undefined ? name : `${name} (skipped: ${skip})`;

const ROOT = new URL("../", import.meta.url).pathname;

/** What one bufferbane run inside the lab produced. */
interface LabRun {
  summary: RunSummary;
  /** The store, for per-sample queries; removed by the caller's `finally`. */
  db: string;
  stderr: string;
}

/**
 * Runs `deno run -A mod.ts recipe <file>` inside bb-client, as `lab exec` would, with an
 * NDJSON summary and a store of its own.
 */
async function runRecipeInClient(
  running: RunningLab,
  recipe: string,
  dir: string,
  extraArgs: string[] = [],
): Promise<LabRun> {
  const file = `${dir}/recipe.toml`;
  const db = `${dir}/store.db`;
  await Deno.writeTextFile(file, recipe);
  const result = await running.exec(running.topology.namespaces.client, [
    ...[Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}mod.ts`],
    ...["recipe", file, "--output", "json", "--db", db, ...extraArgs],
  ]);
  const lines = result.stdout.trim().split("\n").filter((line) => line.startsWith("{"));
  const summary = lines.map((line) => JSON.parse(line)).find((line) => line.type === "summary");
  assertOk(summary, `no summary (exit ${result.code}): ${result.stderr}`);
  return { summary: summary as RunSummary, db, stderr: result.stderr };
}

function series(summary: RunSummary, plugin: string, iface: string, metric: string) {
  const found = summary.series.find((s) =>
    s.series.plugin === plugin && s.series.interface === iface && s.series.metric === metric
  );
  assertOk(found, `no ${plugin} ${metric} series on "${iface}"`);
  return found;
}

function icmpRecipe(options: {
  target: string;
  interfaces: string[];
  interval: string;
  timeout: string;
  duration: string;
}): string {
  return [
    `name = "lab truth"`,
    `duration = "${options.duration}"`,
    `interfaces = ${JSON.stringify(options.interfaces)}`,
    "[[probes]]",
    `plugin = "icmp"`,
    `targets = ["${options.target}"]`,
    `interval = "${options.interval}"`,
    `timeout = "${options.timeout}"`,
    "",
  ].join("\n");
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bb-lab-truth-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function describe(s: SeriesSummary): string {
  return `sent ${s.sent} lost ${s.lost} failed ${s.failed} p50 ${s.p50} p95 ${s.p95}`;
}

Deno.test({
  name: named(
    "lossy-wifi: icmp on both interfaces finds +20 ms RTT and 3.96% loss on wifi, none on eth",
    skipLab,
  ),
  ignore: skipLab !== undefined,
  async fn() {
    await withLab("lossy-wifi", (running) =>
      withTempDir(async (dir) => {
        const { summary } = await runRecipeInClient(
          running,
          icmpRecipe({
            target: running.topology.addresses.server,
            interfaces: ["bb-wifi", "bb-eth"],
            interval: "10ms",
            timeout: "500ms",
            duration: "12s",
          }),
          dir,
        );
        const wifi = series(summary, "icmp", "bb-wifi", "rtt");
        const eth = series(summary, "icmp", "bb-eth", "rtt");
        console.log(`wifi: ${describe(wifi)}; eth: ${describe(eth)}`);

        const delta = wifi.p50! - eth.p50!;
        const expectedDelta = running.groundTruth.wifiExtraRttMs;
        assertOk(
          Math.abs(delta - expectedDelta) <= 1,
          `median RTT wifi - eth = ${delta.toFixed(3)} ms; expected ${expectedDelta} +- 1`,
        );

        const probes = wifi.received + wifi.lost;
        assertOk(probes >= 800, `only ${probes} probes on wifi`);
        assertEquals(wifi.failed, 0);
        const p = running.groundTruth.wifiRoundTripLossPct / 100;
        const sd = 100 * Math.sqrt(p * (1 - p) / probes);
        const loss = 100 * wifi.lost / probes;
        console.log(
          `wifi loss ${loss.toFixed(2)}% (expected ${(100 * p).toFixed(2)}% +- ${
            (3 * sd).toFixed(2)
          })`,
        );
        assertOk(
          Math.abs(loss - 100 * p) <= 3 * sd,
          `wifi loss ${loss.toFixed(2)}% over ${probes}; expected ${(100 * p).toFixed(2)}% +- ${
            (3 * sd).toFixed(2)
          }`,
        );
        assertOk(eth.received >= 800, describe(eth));
        assertEquals([eth.lost, eth.failed], [0, 0], `eth: ${describe(eth)}`);
      }));
  },
});

Deno.test({
  name: named(
    "the wifi-vs-ethernet recipe resolves the lab's names through the lab's dnsmasq and echoes off its server",
    skipLab,
  ),
  ignore: skipLab !== undefined,
  async fn() {
    await withLab("clean", (running) =>
      withTempDir(async (dir) => {
        // The shipped recipe, unchanged, through `lab exec` as a user runs it.
        const result = await runCli([
          ...["lab", "exec", "--", Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`],
          ...[`${ROOT}mod.ts`, "recipe", `${ROOT}recipes/wifi-vs-ethernet.toml`],
          ...["--set", "interfaces=bb-wifi,bb-eth", "--set", "duration=3s"],
          ...["--output", "json", "--db", `${dir}/store.db`],
        ]);
        assertEquals(result.code, 0, result.stderr);
        const summary = result.stdout.trim().split("\n").map((line) => JSON.parse(line))
          .find((line) => line.type === "summary") as RunSummary;
        const dns = summary.series.find((s) => s.series.plugin === "dns");
        assertOk(dns, JSON.stringify(summary.series.map((s) => s.series)));
        assertEquals(
          [dns.series.target, dns.series.server],
          ["server.lab.bufferbane.test", running.topology.addresses.server],
        );
        assertOk(dns.received >= 2 && dns.lost === 0 && dns.failed === 0, describe(dns));
        for (const iface of ["bb-wifi", "bb-eth"]) {
          const icmp = series(summary, "icmp", iface, "rtt");
          assertOk(icmp.received >= 20 && icmp.lost === 0, `${iface}: ${describe(icmp)}`);
          // The same run's udp-echo against the lab's bufferbane server (lab exec hands the
          // recipe its address and secret).
          for (const metric of ["rtt", "owd_up", "owd_down"]) {
            const echo = series(summary, "udp-echo", iface, metric);
            assertOk(echo.received >= 15, `${iface} ${metric}: ${JSON.stringify(echo)}`);
            assertEquals(echo.series.server, "echo");
          }
        }

        // The system resolver inside bb-client is the lab's dnsmasq too.
        const system = await runRecipeInClient(
          running,
          [
            'name = "lab dns"',
            'duration = "2s"',
            "[[probes]]",
            'plugin = "dns"',
            'targets = ["dns.lab.bufferbane.test", "router.lab.bufferbane.test"]',
            'interval = "500ms"',
            "[probes.options]",
            'resolver = "system"',
            "",
          ].join("\n"),
          dir,
        );
        const answered = system.summary.series.filter((s) => s.series.plugin === "dns");
        assertEquals(answered.length, 2);
        for (const s of answered) assertOk(s.received >= 2 && s.lost + s.failed === 0, describe(s));

        const log = await Deno.readTextFile("/run/bufferbane-lab/dnsmasq.log");
        for (const name of ["server", "dns", "router"]) {
          assertOk(
            new RegExp(`query\\[A\\] ${name}\\.lab\\.bufferbane\\.test from 10\\.77\\.`).test(log),
            `dnsmasq did not see ${name}.lab.bufferbane.test`,
          );
        }
      }));
  },
});

/** RTTs (ms) of the ok icmp samples on `iface` between two wall-clock times. */
function rttsBetween(db: string, iface: string, from: number, to: number): number[] {
  const store = new DatabaseSync(db, { readOnly: true });
  try {
    const rows = store.prepare(
      `SELECT samples.value AS value FROM samples JOIN series ON series.id = samples.series_id
       WHERE series.plugin = 'icmp' AND series.metric = 'rtt' AND series.interface = ?
         AND samples.status = 0 AND samples.ts >= ? AND samples.ts <= ?`,
    ).all(iface, from, to) as { value: number }[];
    return rows.map((row) => row.value).sort((a, b) => a - b);
  } finally {
    store.close();
  }
}

/** Loaded RTT under a 15 s cubic iperf3 upload; idle RTT before it. */
async function loadedRtt(running: RunningLab, dir: string) {
  const { client, server } = running.topology.namespaces;
  const target = running.topology.addresses.server;
  const started = await running.exec(server, [
    ...[iperf3!.available ? iperf3!.path : "iperf3", "-s", "-D", "-1", "-B", target],
    ...["-I", `${dir}/iperf3.pid`],
  ]);
  assertEquals(started.code, 0, started.stderr);
  const probing = runRecipeInClient(
    running,
    icmpRecipe({
      target,
      interfaces: ["bb-eth"],
      interval: "20ms",
      timeout: "2s",
      duration: "22s",
    }),
    dir,
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const loadStart = Date.now();
  const upload = await running.exec(client, [
    ...["timeout", "40", iperf3!.available ? iperf3!.path : "iperf3"],
    ...["-c", target, "-t", "15", "-C", "cubic", "-f", "m"],
  ]);
  const loadEnd = Date.now();
  assertEquals(upload.code, 0, upload.stdout + upload.stderr);
  const goodput = /([\d.]+) Mbits\/sec\s+receiver/.exec(upload.stdout)?.[1];
  const { db } = await probing;
  // The loaded part: from 1 s into the upload (slow start has filled the buffer) to its end.
  const loaded = rttsBetween(db, "bb-eth", loadStart + 1000, loadEnd - 500);
  const idle = rttsBetween(db, "bb-eth", 0, loadStart - 100);
  assertOk(loaded.length >= 300 && idle.length >= 50, `${loaded.length} / ${idle.length} samples`);
  return {
    idleP50: percentile(idle, 0.5),
    p50: percentile(loaded, 0.5),
    p95: percentile(loaded, 0.95),
    p99: percentile(loaded, 0.99),
    max: loaded.at(-1)!,
    goodputMbps: Number(goodput),
  };
}

Deno.test({
  name: named(
    "bloated: under a cubic upload the loaded RTT reaches the queue limit (301.6 ms) within 10%",
    skipIperf,
  ),
  ignore: skipIperf !== undefined,
  async fn() {
    await withLab("bloated", (running) =>
      withTempDir(async (dir) => {
        const limit = running.groundTruth.upQueueLimitMs!;
        const rtt = await loadedRtt(running, dir);
        console.log(`bloated (limit ${limit} ms): ${JSON.stringify(rtt)}`);
        assertOk(rtt.idleP50 < 1, `idle RTT ${rtt.idleP50} ms`);
        assertOk(
          Math.abs(rtt.p99 - limit) <= 0.1 * limit,
          `loaded RTT p99 ${rtt.p99} ms; queue limit ${limit} ms +- 10%`,
        );
        assertOk(rtt.goodputMbps > 17 && rtt.goodputMbps < 20.5, `goodput ${rtt.goodputMbps}`);
      }));
  },
});

Deno.test({
  name: named("managed: under a cubic upload the loaded RTT stays under 20 ms", skipIperf),
  ignore: skipIperf !== undefined,
  async fn() {
    await withLab("managed", (running) =>
      withTempDir(async (dir) => {
        const rtt = await loadedRtt(running, dir);
        console.log(
          `managed (limit ${running.groundTruth.upQueueLimitMs} ms): ${JSON.stringify(rtt)}`,
        );
        assertOk(rtt.p99 < 20, `loaded RTT p99 ${rtt.p99} ms`);
        assertOk(rtt.p50 > 2, `the queue was used: p50 ${rtt.p50} ms`);
        assertOk(rtt.goodputMbps > 17 && rtt.goodputMbps < 20.5, `goodput ${rtt.goodputMbps}`);
      }));
  },
});
