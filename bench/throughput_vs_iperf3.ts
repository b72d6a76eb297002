/**
 * The throughput load engine against Debian's iperf3 on loopback: the same number of streams,
 * download and upload, a 2 s warm-up left out of the goodput on both sides (iperf3 `-O 2`),
 * runs interleaved so that the load of the shared machine falls on every side alike. Prints per
 * path and direction the median goodput of the runs, the CPU seconds per GB moved (client and
 * server together, warm-up included), and the ratio to iperf3's median goodput, then whether the
 * goals are met. Asserts nothing. The order of the paths rotates from run to run.
 *
 * Paths:
 * - `iperf3`: `iperf3 -s` and `iperf3 -c -P <streams> [-R]`;
 * - `ffi`: the TCP engine (`load/tcp_load.ts`, FFI sockets) against the throughput service
 *   (`server/throughput_service.ts`), each in its own process (`_throughput_peer.ts`);
 * - `ffi+lo`: the same, the sockets bound to `lo` (`SO_BINDTODEVICE`: the per-interface path);
 * - `http`: `fetch` (`load/http_load.ts`) against the HTTP endpoints (`Deno.serve`).
 *
 * Goals: `ffi` >= 1.0x iperf3, `ffi+lo` >= 0.8x, `http` >= 0.6x.
 *
 * CPU: user + system seconds of the server process over the run (`/proc/<pid>/stat`), plus the
 * client's: iperf3's from bash's `times`, ours from the client process's own `/proc/self/stat`
 * around the load (Deno's start-up left out).
 *
 * Needs `iperf3` (installed with apt-get when missing) and `--allow-all`.
 *
 * Run: `deno run -A bench/throughput_vs_iperf3.ts [seconds=5] [runs=3] [streams=4]`
 *
 * @module
 */
import { percentile } from "../core/stats/percentile.ts";
import { ensureTool } from "../tools/debian.ts";

const SECONDS = Number(Deno.args[0] ?? 5);
const RUNS = Number(Deno.args[1] ?? 3);
const STREAMS = Number(Deno.args[2] ?? 4);
const WARMUP_S = 2;
const TICKS_PER_SECOND = 100;
const PEER = new URL("./_throughput_peer.ts", import.meta.url).pathname;

type Path = "iperf3" | "ffi" | "ffi+lo" | "http";
type Direction = "download" | "upload";

interface Run {
  mbps: number;
  bytesTotal: number;
  cpu: number;
}

async function processCpu(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0]!;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function runIperf3(
  iperf3: string,
  serverPid: number,
  port: number,
  direction: Direction,
): Promise<Run> {
  const before = await processCpu(serverPid);
  const args = [
    "-c",
    "127.0.0.1",
    "-p",
    String(port),
    "-P",
    String(STREAMS),
    "-t",
    String(SECONDS),
    "-O",
    String(WARMUP_S),
    "-J",
    ...(direction === "download" ? ["-R"] : []),
  ].join(" ");
  const { stdout } = await new Deno.Command("bash", {
    args: ["-c", `${iperf3} ${args}; times`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const server = await processCpu(serverPid) - before;
  const text = new TextDecoder().decode(stdout);
  const jsonEnd = text.lastIndexOf("}");
  const report = JSON.parse(text.slice(0, jsonEnd + 1));
  // `times`: the shell's line, then its children's: "0m0.123s 0m1.456s".
  const children = text.slice(jsonEnd + 1).trim().split("\n").at(-1)!;
  const client = children.split(/\s+/).map((part) => {
    const match = /(\d+)m([\d.]+)s/.exec(part);
    return match ? Number(match[1]) * 60 + Number(match[2]) : 0;
  }).reduce((a, b) => a + b, 0);
  const omitted = (report.intervals as { sum: { bytes: number; omitted: boolean } }[])
    .filter((interval) => interval.sum.omitted)
    .reduce((sum, interval) => sum + interval.sum.bytes, 0);
  const received = report.end.sum_received;
  return {
    mbps: received.bits_per_second / 1e6,
    bytesTotal: omitted + received.bytes,
    cpu: client + server,
  };
}

async function runOurs(
  serverPid: number,
  transport: "tcp" | "http",
  port: number,
  direction: Direction,
  device?: string,
): Promise<Run> {
  const before = await processCpu(serverPid);
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      PEER,
      "client",
      transport,
      direction,
      String(port),
      String(STREAMS),
      String(WARMUP_S * 1000),
      String(SECONDS * 1000),
      ...(device ? [device] : []),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const server = await processCpu(serverPid) - before;
  if (!success) throw new Error(`The ${transport} client failed`);
  const result = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  if (result.notes.length > 0) console.log(`  notes: ${result.notes.join("; ")}`);
  return { mbps: result.mbps, bytesTotal: result.bytesTotal, cpu: result.cpu + server };
}

async function main(): Promise<void> {
  const tool = await ensureTool("iperf3", "iperf3");
  if (!tool.available) {
    console.log(`skipped: ${tool.reason}`);
    return;
  }
  console.log(
    `Loopback, ${STREAMS} streams, ${WARMUP_S} s warm-up + ${SECONDS} s measured, ${RUNS} runs ` +
      `each, interleaved; ${Deno.build.os} ${Deno.osRelease()}, deno ${Deno.version.deno}, ` +
      `load average ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
  );
  const iperfPort = freePort();
  const iperfServer = new Deno.Command(tool.path, {
    args: ["-s", "-p", String(iperfPort)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ours = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PEER, "server"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const runs = new Map<string, Run[]>();
  try {
    const { tcpPort, httpPort } = JSON.parse(await firstLine(ours.stdout));
    await new Promise((resolve) => setTimeout(resolve, 300)); // iperf3 -s listening
    const paths: Path[] = ["iperf3", "ffi", "ffi+lo", "http"];
    for (let run = 0; run < RUNS; run++) {
      for (const direction of ["download", "upload"] as const) {
        // The order rotates from run to run, so that no path always follows the same one.
        const order = [...paths.slice(run % paths.length), ...paths.slice(0, run % paths.length)];
        for (const path of order) {
          const result = path === "iperf3"
            ? await runIperf3(tool.path, iperfServer.pid, iperfPort, direction)
            : path === "http"
            ? await runOurs(ours.pid, "http", httpPort, direction)
            : await runOurs(
              ours.pid,
              "tcp",
              tcpPort,
              direction,
              path === "ffi+lo" ? "lo" : undefined,
            );
          const key = `${path} ${direction}`;
          runs.set(key, [...runs.get(key) ?? [], result]);
          console.log(
            `  run ${run + 1} ${key.padEnd(16)} ${
              (result.mbps / 1000).toFixed(2).padStart(6)
            } Gbit/s  ` +
              `${(result.cpu / (result.bytesTotal / 1e9)).toFixed(3)} CPU-s/GB`,
          );
        }
      }
    }
  } finally {
    iperfServer.kill("SIGTERM");
    ours.kill("SIGTERM");
    await iperfServer.status;
    await ours.status;
    ours.stdout.cancel().catch(() => {});
  }

  const goals: Record<Exclude<Path, "iperf3">, number> = { ffi: 1.0, "ffi+lo": 0.8, http: 0.6 };
  console.log(
    `\n${"path".padEnd(8)}${"direction".padEnd(10)}${"Gbit/s".padStart(8)}${
      "CPU-s/GB".padStart(10)
    }` +
      `${"x iperf3".padStart(10)}${"goal".padStart(7)}`,
  );
  const summary: string[] = [];
  for (const direction of ["download", "upload"] as const) {
    const median = (path: Path) =>
      percentile(runs.get(`${path} ${direction}`)!.map((r) => r.mbps), 50);
    const cpuPerGb = (path: Path) =>
      percentile(runs.get(`${path} ${direction}`)!.map((r) => r.cpu / (r.bytesTotal / 1e9)), 50);
    const reference = median("iperf3");
    for (const path of ["iperf3", "ffi", "ffi+lo", "http"] as const) {
      const ratio = median(path) / reference;
      const goal = path === "iperf3" ? undefined : goals[path];
      console.log(
        `${path.padEnd(8)}${direction.padEnd(10)}${(median(path) / 1000).toFixed(2).padStart(8)}` +
          `${cpuPerGb(path).toFixed(3).padStart(10)}${ratio.toFixed(2).padStart(10)}` +
          `${goal === undefined ? "" : `>=${goal.toFixed(1)}`.padStart(7)}`,
      );
      if (goal !== undefined) {
        summary.push(
          `${path} ${direction}: ${ratio.toFixed(2)}x iperf3 (goal >= ${goal}x) ${
            ratio >= goal ? "met" : "NOT met"
          }`,
        );
      }
    }
  }
  console.log(`\n${summary.join("\n")}`);
}

await main();
