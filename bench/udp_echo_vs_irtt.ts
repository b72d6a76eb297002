/**
 * The udp-echo plugin against Debian's irtt on loopback, at a 10 ms and a 1 ms interval, in one
 * run. Each side gets its own server process (`server/main.ts`; `irtt server`) and sends for the
 * same time. Prints, per interval, for irtt and for the plugin: median and 99th-percentile RTT,
 * missed send slots, loss, and CPU seconds of client and server, with the plugin's ratios to
 * irtt's, then whether the goals are met (median <= 0.5x irtt's, p99 <= 1x, missed slots < 2% at
 * 1 ms). Asserts nothing.
 *
 * The plugin runs as the runner runs it: on `new Schedule({ interval })`, whose late tolerance
 * is half the interval (a slot more than 0.5 ms late at 1 ms is skipped and counted missed),
 * pacing on its default sleep (a `timerfd` in the reactor's poll, `ffi/timer.ts`). A third line
 * per interval paces the same plugin on `setTimeout` (the schedule's `timerSleep`), to show what
 * the timerfd gives, and a fourth line runs the bare pacing loop (the same schedule on the same
 * timerfd, sending nothing) for the floor that the machine's load alone sets.
 *
 * RTTs: the plugin's run from the client kernel's send stamp to its receive stamp, less the
 * server's time (its kernel receive stamp to its estimated send time); irtt's likewise from
 * its own client and server stamps (`-ts both`, its default). Missed slots: the schedule's
 * skipped slots for the plugin (including the few that pass while the session opens); irtt's
 * `timer_misses` over packets sent plus misses (irtt counts a miss only when a whole interval
 * passed, a looser test than the plugin's half interval).
 *
 * CPU: user + system seconds from `/proc/<pid>/stat` (irtt's client: bash's `times`); the
 * plugin's client is this process (the bench's own bookkeeping included). "Client waited for a
 * CPU" is the run delay of the plugin's threads (`/proc/self/task/<tid>/schedstat`): time they
 * were ready to run while other processes had both CPUs, which turns into missed slots on a busy
 * machine whatever the pacing does.
 *
 * Needs `irtt` (installed with apt-get when missing) and `--allow-all`. `BENCH_SERVER_MAIN`
 * names another `server/main.ts` to run the plugin against (e.g. of a checked-out release).
 *
 * Run: `deno run -A bench/udp_echo_vs_irtt.ts [seconds=10]`
 *
 * @module
 */
import type { PluginContext, Sample } from "../core/contract.ts";
import { Schedule, type ScheduleSleep, timerSleep } from "../core/schedule.ts";
import { percentile } from "../core/stats/percentile.ts";
import { UdpSocket } from "../ffi/mod.ts";
import { preciseSleep } from "../ffi/timer.ts";
import { createUdpEchoPlugin } from "../plugins/udp_echo.ts";
import { ensureTool } from "../tools/debian.ts";

const SECONDS = Number(Deno.args[0] ?? 10);
const SECRET = crypto.randomUUID();
const TICKS_PER_SECOND = 100;

/** Delay before the plugin's first slot, ms, so that its session is open by then. */
const START_DELAY_MS = 300;

/** What one side measured. */
interface Measured {
  rtts: number[];
  lost: number;
  missed: number;
  slots: number;
  clientCpu: number;
  serverCpu: number;
  /** Time the client's threads were ready to run but waited for a CPU, s (when known). */
  clientCpuWait?: number;
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

/**
 * Seconds the threads of a process spent ready to run but waiting for a CPU (the run delay of
 * `/proc/<pid>/task/<tid>/schedstat`), summed over its threads alive now.
 */
async function processCpuWait(pid: number | "self"): Promise<number> {
  let total = 0;
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    try {
      const fields = (await Deno.readTextFile(`/proc/${pid}/task/${task.name}/schedstat`)).split(
        " ",
      );
      total += Number(fields[1]) / 1e9;
    } catch { /* the thread ended */ }
  }
  return total;
}

/** The server to run: `server/main.ts` of this tree, or the one `BENCH_SERVER_MAIN` names. */
function serverMain(): string {
  return Deno.env.get("BENCH_SERVER_MAIN") ??
    new URL("../server/main.ts", import.meta.url).pathname;
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
    args: ["run", "-A", serverMain(), "--config", config],
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

async function measurePlugin(intervalMs: number, sleep?: ScheduleSleep): Promise<Measured> {
  const port = freePort();
  const server = await startBufferbaneServer(port);
  try {
    const serverCpuStart = await processCpu(server.pid);
    const clientCpuStart = await processCpu("self");
    const clientWaitStart = await processCpuWait("self");
    const info = { name: "bench", host: "127.0.0.1", port, secret: SECRET };
    // As many slots as irtt sends; the session opens before the first one.
    const schedule = new Schedule({ interval: intervalMs, start: Date.now() + START_DELAY_MS });
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
    const plugin = createUdpEchoPlugin(sleep !== undefined ? { sleep } : {});
    const samples: Sample[] = [];
    const signal = AbortSignal.timeout(START_DELAY_MS + SECONDS * 1000);
    for await (const sample of plugin.run(ctx, plugin.defaults, signal)) {
      if (sample.metric === "rtt") samples.push(sample);
    }
    const clientCpu = await processCpu("self") - clientCpuStart;
    const clientCpuWait = await processCpuWait("self") - clientWaitStart;
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
      clientCpuWait,
    };
  } finally {
    await server.stop();
  }
}

/** The schedule alone on the plugin's sleep, sending nothing: the misses the machine causes. */
async function measureBarePacing(intervalMs: number): Promise<Measured> {
  const cpuStart = await processCpu("self");
  const waitStart = await processCpuWait("self");
  const schedule = new Schedule({ interval: intervalMs, start: Date.now() + START_DELAY_MS });
  const signal = AbortSignal.timeout(START_DELAY_MS + SECONDS * 1000);
  for await (const _ of schedule.slots(signal, undefined, { sleep: preciseSleep })) {
    // nothing to send
  }
  return {
    rtts: [],
    lost: 0,
    missed: schedule.missed,
    slots: schedule.missed + schedule.delivered,
    clientCpu: await processCpu("self") - cpuStart,
    serverCpu: 0,
    clientCpuWait: await processCpuWait("self") - waitStart,
  };
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
    // `times` after the client ends prints its exact user and system time (second line).
    const command = `irtt client -i ${intervalMs}ms -d ${SECONDS}s -l 92 -Q -o ${output} ` +
      `127.0.0.1:${port} && times`;
    const client = new Deno.Command("bash", {
      args: ["-c", command],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const status = await client.output();
    if (!status.success) throw new Error(new TextDecoder().decode(status.stderr));
    const clientCpu = new TextDecoder().decode(status.stdout).trim().split("\n")[1]!
      .split(" ").map((time) => {
        const [, minutes, seconds] = time.match(/(\d+)m([\d.]+)s/) ?? [];
        return Number(minutes) * 60 + Number(seconds);
      }).reduce((a, b) => a + b, 0);
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

function missedPercent(m: Measured): number {
  return m.missed * 100 / Math.max(1, m.slots);
}

function ratio(ours: number, theirs: number): string {
  return theirs > 0 ? `x${(ours / theirs).toFixed(2)}` : "x-";
}

function line(name: string, m: Measured, irtt?: Measured): string {
  if (m.rtts.length === 0) {
    return [
      name.padEnd(26),
      "".padEnd(50),
      `missed ${missedPercent(m).toFixed(2).padStart(5)}% (${m.missed}/${m.slots})`.padEnd(38),
      `cpu ${m.clientCpu.toFixed(2)} s`.padEnd(34),
      m.clientCpuWait === undefined
        ? ""
        : `client waited for a CPU ${m.clientCpuWait.toFixed(2)} s`,
    ].join(" ").trimEnd();
  }
  const median = percentile(m.rtts, 50);
  const p99 = percentile(m.rtts, 99);
  const cpu = m.clientCpu + m.serverCpu;
  const vs = (text: string, ours: number, theirs: number | undefined) =>
    theirs === undefined ? text : `${text} (${ratio(ours, theirs)})`;
  return [
    name.padEnd(26),
    vs(
      `median ${(median * 1000).toFixed(0).padStart(4)} us`,
      median,
      irtt && percentile(irtt.rtts, 50),
    )
      .padEnd(26),
    vs(`p99 ${(p99 * 1000).toFixed(0).padStart(5)} us`, p99, irtt && percentile(irtt.rtts, 99))
      .padEnd(24),
    `missed ${missedPercent(m).toFixed(2).padStart(5)}% (${m.missed}/${m.slots})`.padEnd(28),
    `lost ${m.lost}`.padEnd(9),
    vs(
      `cpu ${m.clientCpu.toFixed(2)} + ${m.serverCpu.toFixed(2)} = ${cpu.toFixed(2)} s`,
      cpu,
      irtt && irtt.clientCpu + irtt.serverCpu,
    ).padEnd(34),
    m.clientCpuWait === undefined ? "" : `client waited for a CPU ${m.clientCpuWait.toFixed(2)} s`,
  ].join(" ").trimEnd();
}

function goals(interval: number, ours: Measured, irtt: Measured): string {
  const median = percentile(ours.rtts, 50) / percentile(irtt.rtts, 50);
  const p99 = percentile(ours.rtts, 99) / percentile(irtt.rtts, 99);
  const verdict = (met: boolean) => met ? "met" : "MISSED";
  const parts = [
    `median x${median.toFixed(2)} <= 0.5: ${verdict(median <= 0.5)}`,
    `p99 x${p99.toFixed(2)} <= 1: ${verdict(p99 <= 1)}`,
  ];
  if (interval === 1) {
    parts.push(
      `missed ${missedPercent(ours).toFixed(2)}% < 2%: ${verdict(missedPercent(ours) < 2)}` +
        ` (irtt ${missedPercent(irtt).toFixed(2)}%)`,
    );
  }
  return `goals (udp-echo vs irtt): ${parts.join("; ")}`;
}

if (import.meta.main) {
  const tool = await ensureTool("irtt", "irtt");
  if (!tool.available) {
    console.log(`irtt is not available (${tool.reason}): skipped`);
    Deno.exit(0);
  }
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(
    `loopback, ${SECONDS} s per run, 92-byte packets, ${navigator.hardwareConcurrency} CPUs, ` +
      `load average ${load} at the start`,
  );
  for (const interval of [10, 1]) {
    const irtt = await measureIrtt(interval);
    const plugin = await measurePlugin(interval);
    const timers = await measurePlugin(interval, timerSleep);
    const bare = await measureBarePacing(interval);
    console.log(`\ninterval ${interval} ms`);
    console.log(line("irtt", irtt));
    console.log(line("udp-echo (timerfd pacing)", plugin, irtt));
    console.log(line("udp-echo (setTimeout)", timers, irtt));
    console.log(line("timerfd alone (no probe)", bare));
    console.log(goals(interval, plugin, irtt));
  }
}
