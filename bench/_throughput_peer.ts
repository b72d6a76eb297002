/**
 * The bench's own processes for `throughput_vs_iperf3.ts`, so that CPU is counted per process
 * as iperf3's is:
 *
 * - `server`: the TCP throughput service and the HTTP endpoints on loopback, authorizing one
 *   fixed session; prints `{"tcpPort": n, "httpPort": n}` and serves until SIGTERM.
 * - `client <tcp|http> <download|upload> <port> <streams> <warmupMs> <durationMs> [device]`:
 *   runs one load and prints one JSON line: measured goodput (Mbit/s), bytes over the whole
 *   load, and this process's CPU seconds during the load (read from `/proc/self/stat`, so that
 *   Deno's start-up is not counted).
 *
 * @module
 */
import { runTcpLoad } from "../load/tcp_load.ts";
import { runHttpLoad } from "../load/http_load.ts";
import { startThroughputService } from "../server/throughput_service.ts";
import { startHttpEndpoints } from "../server/http_endpoints.ts";
import { ThroughputLimiter } from "../server/throughput_limits.ts";

/** The fixed session both ends use (loopback only). */
const KEYS = {
  clientToServer: new Uint8Array(32).fill(0x42),
  serverToClient: new Uint8Array(32).fill(0x43),
};
const SESSION_ID = 1n;

function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const [role, ...rest] = Deno.args;
if (role === "server") {
  const limiter = new ThroughputLimiter({
    bytesPerHour: 1e15,
    maxDuration: 600_000,
    maxStreams: 1024,
    maxStreamsPerAddress: 1024,
  });
  const service = await startThroughputService({
    authorize: (id) => id === SESSION_ID ? KEYS : undefined,
    limiter,
    connectionsPerSecond: 1000,
  });
  const http = await startHttpEndpoints({ limiter, maxDownloadBytes: 1e15, maxUploadBytes: 1e15 });
  console.log(JSON.stringify({ tcpPort: service.addresses[0]!.port, httpPort: http.address.port }));
  const stop = async () => {
    await http.close();
    await service.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
} else if (role === "client") {
  const [transport, direction, port, streams, warmup, duration, device] = rest;
  const mode = direction as "download" | "upload";
  const before = cpuSeconds();
  const result = transport === "http"
    ? await runHttpLoad({
      url: `http://127.0.0.1:${port}`,
      mode,
      streams: Number(streams),
      warmup: Number(warmup),
      duration: Number(duration),
    })
    : await runTcpLoad({
      address: "127.0.0.1",
      port: Number(port),
      session: { sessionId: SESSION_ID, keys: KEYS },
      mode,
      streams: Number(streams),
      warmup: Number(warmup),
      duration: Number(duration),
      ...(device ? { device } : {}),
    });
  const cpu = cpuSeconds() - before;
  const figures = result[mode]!;
  console.log(JSON.stringify({
    mbps: figures.meanMbps,
    bytesTotal: figures.bytesTotal,
    cpu,
    notes: result.notes,
  }));
} else {
  console.error(
    "usage: _throughput_peer.ts server | client <tcp|http> <download|upload> <port> <streams> <warmupMs> <durationMs> [device]",
  );
  Deno.exit(2);
}
