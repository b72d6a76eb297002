/**
 * The icmp plugin against Debian's fping, in one run: 1000 echo requests at a 10 ms interval
 * to 127.0.0.1, then to a peer network namespace over a veth pair, first through the plugin
 * (RTT from kernel stamps) and then through `fping -C 1000 -p 10 -t 500 -q`. Prints, per path,
 * both medians and 99th percentiles and their ratios (the goal: the plugin's median within
 * 1.5x fping's), plus losses. Asserts nothing. The plugin's RTT runs from the kernel's send stamp
 * to its receive stamp; fping's from user-space clock reads around its calls, so it includes
 * some scheduling time the plugin leaves out.
 *
 * Needs root (raw ICMP sockets, namespaces); installs `fping` with apt-get when it is missing.
 * The namespace and veth pair are created for the run and always removed; only addresses in
 * 10.203.0.0/16 inside them and loopback are pinged.
 *
 * Run: `deno run -A bench/icmp_vs_fping.ts [probes=1000] [intervalMs=10]`
 *
 * @module
 */
import type { PluginContext, Sample } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { percentile } from "../core/stats/percentile.ts";
import { createIcmpPlugin } from "../plugins/icmp.ts";
import { checkNetns, withNetns } from "../tests/support/netns.ts";
import { ensureTool } from "../tools/debian.ts";

const PROBES = Number(Deno.args[0] ?? 1000);
const INTERVAL_MS = Number(Deno.args[1] ?? 10);
const TIMEOUT_MS = 500;

/** RTTs of the answered probes and how many were lost. */
interface Measured {
  rtts: number[];
  lost: number;
}

async function run(command: string, args: string[]) {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Pings `target` PROBES times through the icmp plugin. */
async function measurePlugin(target: string): Promise<Measured> {
  const plugin = createIcmpPlugin();
  const ctx: PluginContext = {
    target,
    interface: undefined,
    server: undefined,
    servers: new Map(),
    interval: INTERVAL_MS,
    timeout: TIMEOUT_MS,
    schedule: new Schedule({ interval: INTERVAL_MS }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
  const controller = new AbortController();
  const limit = setTimeout(() => controller.abort(), PROBES * INTERVAL_MS * 2 + 10_000);
  const samples: Sample[] = [];
  try {
    const options = plugin.options.parse({ record_ttl: false });
    for await (const sample of plugin.run(ctx, options, controller.signal)) {
      if (sample.metric === "rtt" && samples.push(sample) >= PROBES) break;
    }
  } finally {
    controller.abort();
    clearTimeout(limit);
  }
  return {
    rtts: samples.filter((s) => s.status === "ok").map((s) => s.value!),
    lost: samples.filter((s) => s.status !== "ok").length,
  };
}

/** Pings `target` PROBES times with fping and parses its per-probe RTTs. */
async function measureFping(fping: string, target: string): Promise<Measured> {
  const args = ["-C", String(PROBES), "-p", String(INTERVAL_MS), "-t", String(TIMEOUT_MS), "-q"];
  const { stderr } = await run(fping, [...args, target]);
  // "<target> : 0.031 0.027 - 0.030 ..." ("-" is a lost probe)
  const line = stderr.split("\n").find((l) => l.startsWith(`${target} :`));
  if (line === undefined) throw new Error(`Unexpected fping output: ${stderr.trim()}`);
  const fields = line.split(":")[1]!.trim().split(/\s+/);
  return {
    rtts: fields.filter((f) => f !== "-").map(Number),
    lost: fields.filter((f) => f === "-").length,
  };
}

function describe(measured: Measured) {
  return {
    median: percentile(measured.rtts, 50),
    p99: percentile(measured.rtts, 99),
    lost: measured.lost,
  };
}

async function compare(label: string, fping: string, target: string): Promise<void> {
  const ours = describe(await measurePlugin(target));
  const theirs = describe(await measureFping(fping, target));
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(
    `${label}: bufferbane median ${ms(ours.median)} p99 ${ms(ours.p99)} lost ${ours.lost}` +
      ` | fping median ${ms(theirs.median)} p99 ${ms(theirs.p99)} lost ${theirs.lost}` +
      ` | ratio median ${ratio(ours.median, theirs.median)} p99 ${ratio(ours.p99, theirs.p99)}` +
      ` (goal median <= 1.50x: ${ours.median <= 1.5 * theirs.median ? "met" : "missed"})`,
  );
}

if (Deno.uid() !== 0) {
  console.log("icmp_vs_fping: skipped (needs root for raw ICMP sockets and namespaces)");
  Deno.exit(0);
}
const fpingTool = await ensureTool("fping", "fping");
const fping = fpingTool.available ? fpingTool.path : undefined;
if (fping === undefined) {
  console.log("icmp_vs_fping: skipped (fping missing and apt-get could not install it)");
  Deno.exit(0);
}
console.log(`${PROBES} probes at ${INTERVAL_MS} ms, timeout ${TIMEOUT_MS} ms, one after the other`);
await compare("loopback", fping, "127.0.0.1");
const netns = await checkNetns();
if (!netns.available) {
  console.log(`veth peer: skipped (${netns.reason})`);
} else {
  await withNetns(async (lab) => {
    const peer = await lab.addNamespace("peer");
    const veth = await lab.addVeth({ namespace: peer });
    await compare("veth peer", fping, veth.peerAddress);
  });
}
