/**
 * The udp-echo plugin against Debian's irtt on loopback, at a 10 ms and a 1 ms interval, in one
 * run. Each side gets its own server process (`server/main.ts`; `irtt server`) and sends for the
 * same time. Prints, per interval: median and 99th-percentile RTT and their ratios to irtt's
 * (goals: median <= 0.5x, p99 <= 1x), missed send slots (goal < 2% at 1 ms), loss, and CPU
 * seconds of client and server. Asserts nothing.
 *
 * The plugin runs as the runner runs it: on `new Schedule({ interval })`, whose late tolerance
 * is half the interval. A second line per interval runs it on a schedule with a 5 ms
 * tolerance (slots that come late are still sent, on the absolute grid, within 5 ms) to show
 * what catch-up pacing gives at 1 ms.
 *
 * RTTs: the plugin's run from the client kernel's send stamp to its receive stamp, less the
 * server's time (its kernel receive stamp to its estimated send time); irtt's likewise from
 * its own client and server stamps (`-ts both`, its default). Missed slots: the schedule's
 * skipped slots for the plugin; irtt's `timer_misses` over packets sent plus misses.
 *
 * Needs `irtt` (installed with apt-get when missing) and `--allow-all`.
 *
 * Run: `deno run -A bench/udp_echo_vs_irtt.ts [seconds=10]`
 *
 * @module
 */
import type { PluginContext, Sample } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { percentile } from "../core/stats/percentile.ts";
import { UdpSocket } from "../ffi/mod.ts";
import { createUdpEchoPlugin } from "../plugins/udp_echo.ts";
import { ensureTool } from "../tools/debian.ts";

const SECONDS = Number(Deno.args[0] ?? 10);
const SECRET = crypto.randomUUID();
const TICKS_PER_SECOND = 100;

/** What one side measured. */
interface Measured {
  rtts: number[];
  lost: number;
  missed: number;
  slots: number;
  clientCpu: number;
  serverCpu: number;
}

function freePort(): number {
  using socket = UdpSocket.open({ bind: { address: "127.0.0.1" } });
  return socket.localAddress.port;
}

/** CPU seconds (user + system) of a process so far, from /proc. */
async function processCpu(pid: number | "self"): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function startBufferbaneServer(port: number) {
  const dir = await Deno.makeTempDir();
  const config = `${dir}/server.toml`;
  await Deno.writeTextFile(
    config,
    `listen = "127.0.0.1:${port}"\nlog_level = "warn"\n[limits]\nmin_interval = "1ms"\n` +
      `[health]\nlisten = ""\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../server/main.ts", import.meta.url).pathname, "--config", config],
    env: { BUFFERBANE_SECRET: SECRET },
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // start-up and JIT
  return {
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function measurePlugin(intervalMs: number, lateTolerance?: number): Promise<Measured> {
  const port = freePort();
  const server = await startBufferbaneServer(port);
  try {
    const serverCpuStart = await processCpu(server.pid);
    const clientCpuStart = await processCpu("self");
    const info = { name: "bench", host: "127.0.0.1", port, secret: SECRET };
    const schedule = new Schedule({
      interval: intervalMs,
      ...(lateTolerance !== undefined ? { lateTolerance } : {}),
    });
    const ctx: PluginContext = {
      target: "",
      interface: undefined,
      server: info,
      servers: new Map([["bench", info]]),
      interval: intervalMs,
      timeout: 1000,
      schedule,
      now: Date.now,
      log: { debug() {}, info() {}, warn() {} },
      event() {},
      result() {},
    };
    const plugin = createUdpEchoPlugin();
    const samples: Sample[] = [];
    const signal = AbortSignal.timeout(SECONDS * 1000 + 1500);
    for await (const sample of plugin.run(ctx, plugin.defaults, signal)) {
      if (sample.metric === "rtt") samples.push(sample);
    }
    const clientCpu = await processCpu("self") - clientCpuStart;
    const serverCpu = await processCpu(server.pid) - serverCpuStart;
    // Only slots old enough to have an outcome (the last second may still be in flight).
    const last = Math.max(...samples.map((s) => s.seq ?? 0)) - Math.ceil(1000 / intervalMs);
    const settled = samples.filter((s) => (s.seq ?? 0) <= last);
    return {
      rtts: settled.filter((s) => s.status === "ok").map((s) => s.value!),
      lost: settled.filter((s) => s.status !== "ok").length,
      missed: schedule.missed,
      slots: schedule.missed + schedule.delivered,
      clientCpu,
      serverCpu,
    };
  } finally {
    await server.stop();
  }
}

interface IrttJson {
  stats: { packets_sent: number; packets_received: number; timer_misses?: number };
  round_trips: { lost: string; delay?: { rtt?: number } }[];
}

async function measureIrtt(intervalMs: number): Promise<Measured> {
  const port = freePort();
  const server = new Deno.Command("irtt", {
    args: ["server", "-b", `127.0.0.1:${port}`, "-i", "0", "-l", "0", "-d", "0"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const dir = await Deno.makeTempDir();
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const serverCpuStart = await processCpu(server.pid);
    const output = `${dir}/out.json`;
    const client = new Deno.Command("irtt", {
      args: [
        "client",
        "-i",
        `${intervalMs}ms`,
        "-d",
        `${SECONDS}s`,
        "-l",
        "92",
        "-Q",
        "-o",
        output,
        `127.0.0.1:${port}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const clientPid = client.pid;
    let clientCpu = 0;
    const poll = setInterval(async () => {
      try {
        clientCpu = await processCpu(clientPid);
      } catch { /* exited */ }
    }, 200);
    const status = await client.output();
    clearInterval(poll);
    if (!status.success) throw new Error(new TextDecoder().decode(status.stderr));
    const serverCpu = await processCpu(server.pid) - serverCpuStart;
    const json = JSON.parse(await Deno.readTextFile(output)) as IrttJson;
    const rtts = json.round_trips.filter((r) => r.lost === "false" && r.delay?.rtt !== undefined)
      .map((r) => r.delay!.rtt! / 1e6);
    const misses = json.stats.timer_misses ?? 0;
    return {
      rtts,
      lost: json.stats.packets_sent - json.stats.packets_received,
      missed: misses,
      slots: json.stats.packets_sent + misses,
      clientCpu,
      serverCpu,
    };
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
}

function line(name: string, m: Measured, irtt?: Measured): string {
  const median = percentile(m.rtts, 50);
  const p99 = percentile(m.rtts, 99);
  const ratios = irtt
    ? ` (x${(median / percentile(irtt.rtts, 50)).toFixed(2)}, x${
      (p99 / percentile(irtt.rtts, 99)).toFixed(2)
    })`
    : "";
  return `${name.padEnd(28)} median ${(median * 1000).toFixed(0).padStart(5)} us  p99 ${
    (p99 * 1000).toFixed(0).padStart(6)
  } us${ratios.padEnd(16)}  missed ${(m.missed * 100 / Math.max(1, m.slots)).toFixed(2)}% ` +
    `(${m.missed}/${m.slots})  lost ${m.lost}  cpu client ${m.clientCpu.toFixed(2)} s` +
    `  server ${m.serverCpu.toFixed(2)} s`;
}

if (import.meta.main) {
  const tool = await ensureTool("irtt", "irtt");
  if (!tool.available) {
    console.log(`irtt is not available (${tool.reason}): skipped`);
    Deno.exit(0);
  }
  console.log(`loopback, ${SECONDS} s per run, 92-byte packets`);
  for (const interval of [10, 1]) {
    const irtt = await measureIrtt(interval);
    const plugin = await measurePlugin(interval);
    const catchUp = await measurePlugin(interval, 5);
    console.log(`\ninterval ${interval} ms`);
    console.log(line("irtt", irtt));
    console.log(line("udp-echo (runner schedule)", plugin, irtt));
    console.log(line("udp-echo (5 ms tolerance)", catchUp, irtt));
  }
}
