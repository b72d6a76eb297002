/**
 * Test helper: one bufferbloat test run the way the `[[tests]]` driver runs it, in this process,
 * with the latency probes against one server and the load against another (the lab's
 * bufferbane server has kernel stamps for the probes; the throughput service may run
 * elsewhere). Run as a script inside a namespace, it prints one JSON line
 * `{"result": TestResult, "samples": {metric: count}, "log": [lines]}`:
 *
 * ```text
 * deno run -A tests/support/bufferbloat_client.ts '<BufferbloatClientConfig as JSON>'
 * ```
 *
 * @example In-process
 * ```ts ignore
 * import { runBufferbloatClient } from "./bufferbloat_client.ts";
 * const { result } = await runBufferbloatClient({
 *   probeServer: { name: "lab", host: "10.77.3.2", port: 9876, secret: "..." },
 *   loadServer: { host: "10.77.3.2", udpPort: 40000, tcpPort: 40001, secret: "..." },
 *   device: "bb-eth", options: { upload: "8s" },
 * });
 * console.log(result.grade);
 * ```
 *
 * @module
 */
import type { Sample, ServerInfo, TestResult } from "../../core/contract.ts";
import { driveTest } from "../../core/driver.ts";
import { Schedule } from "../../core/schedule.ts";
import { openSession } from "../../protocol/client.ts";
import { createBufferbloatPlugin } from "../../plugins/bufferbloat.ts";
import { createTcpLoadGenerator } from "../../plugins/_bufferbloat_load.ts";

/** What one run needs. */
export interface BufferbloatClientConfig {
  /** The server the latency probes go to (its UDP echo service). */
  probeServer: ServerInfo;
  /** The server that takes the load: its echo port and secret authorize the TCP streams. */
  loadServer: { host: string; udpPort: number; tcpPort: number; secret: string };
  /** Interface to bind to. */
  device?: string;
  /** The plugin's options, as a recipe writes them. */
  options: Record<string, unknown>;
  /**
   * Probe timeout, ms.
   *
   * @default {2000}
   */
  timeoutMs?: number;
}

/** What one run gives. */
export interface BufferbloatClientOutput {
  /** The test's result. */
  result: TestResult;
  /** Samples per metric. */
  samples: Record<string, number>;
  /** What the plugin logged. */
  log: string[];
}

/**
 * Runs one bufferbloat test (see the module documentation).
 *
 * @param config Servers, interface, options.
 * @returns The result, sample counts and log.
 */
export async function runBufferbloatClient(
  config: BufferbloatClientConfig,
): Promise<BufferbloatClientOutput> {
  const { loadServer } = config;
  const plugin = createBufferbloatPlugin({
    load: createTcpLoadGenerator({
      openSession: (options) =>
        openSession({
          ...options,
          host: loadServer.host,
          port: loadServer.udpPort,
          secret: loadServer.secret,
        }),
      throughputPort: () => loadServer.tcpPort,
    }),
  });
  const log: string[] = [];
  const samples: Record<string, number> = {};
  const server = config.probeServer;
  const result = await driveTest({
    id: `bufferbloat||${config.device ?? ""}|${server.name}`,
    plugin,
    options: plugin.options.parse(config.options),
    target: "",
    interface: config.device,
    server,
    serverLabel: server.name,
    interval: 3_600_000,
    timeout: config.timeoutMs ?? 2_000,
  }, {
    sample: (_job, sample: Sample) => {
      samples[sample.metric] = (samples[sample.metric] ?? 0) + 1;
    },
    event: (_job, event) => log.push(`${event.severity} ${event.kind}: ${event.message}`),
    result: () => {},
  }, {
    signal: AbortSignal.timeout(180_000),
    schedule: new Schedule({ interval: 3_600_000 }),
    servers: new Map([[server.name, server]]),
    log: { debug() {}, info: (m) => log.push(m), warn: (m) => log.push(`warn: ${m}`) },
  });
  return { result, samples, log };
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0] ?? "{}") as BufferbloatClientConfig;
  console.log(JSON.stringify(await runBufferbloatClient(config)));
}
