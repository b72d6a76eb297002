/**
 * The `bufferbloat` plugin: a bounded test (`[[tests]]`) that loads the link to a bufferbane
 * server in phases and measures the latency that the load adds, and which direction holds the
 * queue.
 *
 * ```toml
 * [[tests]]
 * plugin = "bufferbloat"
 * servers = ["vienna"]
 * every = "1h"            # graded history: one test result per hour
 * [tests.options]
 * streams = 8
 * ```
 *
 * Phases: baseline (idle), download, upload, bidirectional. Each loaded phase runs its load
 * (`streams` TCP streams per direction, `load/tcp_load.ts`) for `warmup` before its measured
 * window, then idles for `gap` so that the queues drain before the next one. Latency is probed
 * throughout, every `probe_interval`, with encrypted UDP echo to the server (round trips, and
 * raw one-way delays that tell which direction holds the queue) and ICMP echo to the server's
 * host beside it (when ICMP is not allowed the test goes on with the UDP echo and says so).
 *
 * Defaults, and where they come from: baseline 5 s and a 10 s measured window per phase (the
 * LibreQoS test's baseline and saturation phases; crusader's 10 s load phases); a 2 s warm-up
 * (TCP's slow start and the queue filling, as LibreQoS's warm-up stages) and a 2 s idle gap
 * (crusader's grace between phases); 8 streams per direction (crusader's default; flent's RRUL
 * uses 4); cubic congestion control (it fills a buffer as most traffic does, where BBR keeps it
 * nearly empty and hides the bloat: `lab/README.md`); a probe every 20 ms per probe kind (100
 * probes/s with both kinds, the responsiveness draft's MPS). 47 s in all.
 *
 * What it reports (the test result's summary, `bufferbloat/summary.ts`): idle latency (p25,
 * median...), loaded latency per phase (median, p95, p99...), the increase (phase median minus
 * idle median, the largest over the phases), the grade (A+ below 5 ms, A below 30, B below 60,
 * C below 200, D below 400, F above) and LibreQoS's combined grade, RPM per the responsiveness
 * draft with its confidence, sample counts, goodput, and the queue's direction per phase and
 * overall. It is printed as a summary at the end of the test.
 *
 * Samples (stored per phase; probes sent during a warm-up or a gap are `*_transition`):
 *
 * | metric                          | unit   | what                                             |
 * | ------------------------------- | ------ | ------------------------------------------------ |
 * | `increase`                      | ms     | one per test: the graded latency increase        |
 * | `rtt_<phase>`                   | ms     | UDP echo round trips (`lost`, `failed` kept)     |
 * | `owd_up_<phase>`, `owd_down_<phase>` | ms | one-way delays, with the idle clock offset   |
 * | `icmp_rtt_<phase>`              | ms     | ICMP round trips                                 |
 * | `goodput_down`, `goodput_up`    | Mbit/s | the load's goodput every 100 ms                  |
 *
 * with `<phase>` one of `idle`, `download`, `upload`, `bidirectional`, `transition`
 * (`owd_*` without `transition`).
 *
 * The recipe's `timeout` is the latency probes' timeout (default 2 s). Needs `--allow-ffi`,
 * and a server that runs the throughput service.
 *
 * @module
 */
import { z } from "zod";
import { LOADED_PHASES } from "../charts/bufferbloat_summary.ts";
import type { MetricInfo, Plugin } from "../core/contract.ts";
import { durationSchema } from "../core/recipe_schema.ts";
import { timerSleep } from "../core/schedule.ts";
import { createEchoProbeOpener } from "./_bufferbloat_echo_probe.ts";
import { createIcmpProbeOpener } from "./_bufferbloat_icmp_probe.ts";
import { createTcpLoadGenerator, type LoadGenerator } from "./_bufferbloat_load.ts";
import type { LatencyProbeKind, OpenLatencyProbe } from "./_bufferbloat_probe.ts";
import { type BufferbloatRunDeps, runBufferbloat } from "./_bufferbloat_run.ts";

export type {
  LoadGenerator,
  LoadKind,
  LoadOutcome,
  LoadRequest,
  LoadRun,
  LoadSample,
} from "./_bufferbloat_load.ts";
export type {
  LatencyProbe,
  LatencyProbeKind,
  LatencyProbeOptions,
  LatencyRecord,
  OpenLatencyProbe,
} from "./_bufferbloat_probe.ts";

/**
 * Options of the `bufferbloat` plugin, as a recipe's `[tests.options]` gives them (durations
 * as text such as `"10s"`, parsed to ms).
 *
 * @example A short test
 * ```ts
 * import type { BufferbloatOptions } from "./bufferbloat.ts";
 * const options: BufferbloatOptions = {
 *   baseline: 2000, download: 3000, upload: 3000, bidirectional: 3000, warmup: 1000, gap: 1000,
 *   streams: 4, congestion_control: "cubic", probe_interval: 20, probes: ["udp-echo"],
 * };
 * ```
 */
export interface BufferbloatOptions {
  /**
   * The idle phase, ms.
   *
   * @default {5000}
   */
  baseline: number;
  /**
   * The download phase's measured window, ms.
   *
   * @default {10000}
   */
  download: number;
  /**
   * The upload phase's measured window, ms.
   *
   * @default {10000}
   */
  upload: number;
  /**
   * The bidirectional phase's measured window, ms.
   *
   * @default {10000}
   */
  bidirectional: number;
  /**
   * How long each load runs before its window, ms.
   *
   * @default {2000}
   */
  warmup: number;
  /**
   * Idle after each loaded phase, ms.
   *
   * @default {2000}
   */
  gap: number;
  /**
   * TCP streams per direction, 1 to 64.
   *
   * @default {8}
   */
  streams: number;
  /**
   * TCP congestion control of the load (`"cubic"`, `"bbr"`, `"reno"`...), or `"system"` for
   * the system's default.
   *
   * @default {"cubic"}
   */
  congestion_control: string;
  /**
   * How often each latency probe is sent, ms (1 ms to 1 s).
   *
   * @default {20}
   */
  probe_interval: number;
  /**
   * Which latency probes run: `"udp-echo"`, `"icmp"` or both.
   *
   * @default {["udp-echo", "icmp"]}
   */
  probes: readonly LatencyProbeKind[];
  /**
   * The server's throughput port (TCP).
   *
   * @default {undefined (the server's throughputPort, else its port number)}
   */
  port?: number | undefined;
}

/**
 * The documented defaults of {@linkcode BufferbloatOptions}.
 *
 * @example
 * ```ts
 * import { bufferbloatDefaults } from "./bufferbloat.ts";
 * console.log(bufferbloatDefaults.streams, bufferbloatDefaults.download); // 8 10000
 * ```
 */
export const bufferbloatDefaults = {
  baseline: 5_000,
  download: 10_000,
  upload: 10_000,
  bidirectional: 10_000,
  warmup: 2_000,
  gap: 2_000,
  streams: 8,
  congestion_control: "cubic",
  probe_interval: 20,
  probes: ["udp-echo", "icmp"],
} as const satisfies BufferbloatOptions;

/**
 * The zod schema of {@linkcode BufferbloatOptions}: fills in {@linkcode bufferbloatDefaults} and
 * rejects unknown keys.
 *
 * @example
 * ```ts
 * import { bufferbloatOptionsSchema } from "./bufferbloat.ts";
 * const options = bufferbloatOptionsSchema.parse({ upload: "20s", probes: ["udp-echo"] });
 * console.log(options.upload, options.baseline, options.probes); // 20000 5000 [ "udp-echo" ]
 * console.log(bufferbloatOptionsSchema.safeParse({ streams: 0 }).success); // false
 * ```
 */
export const bufferbloatOptionsSchema: z.ZodType<BufferbloatOptions> = z.strictObject({
  baseline: durationSchema({ min: 500 }).default(bufferbloatDefaults.baseline)
    .describe('The idle phase, e.g. "5s"'),
  download: durationSchema({ min: 1_000 }).default(bufferbloatDefaults.download)
    .describe("The download phase's measured window"),
  upload: durationSchema({ min: 1_000 }).default(bufferbloatDefaults.upload)
    .describe("The upload phase's measured window"),
  bidirectional: durationSchema({ min: 1_000 }).default(bufferbloatDefaults.bidirectional)
    .describe("The bidirectional phase's measured window"),
  warmup: durationSchema().default(bufferbloatDefaults.warmup)
    .describe("How long each load runs before its window"),
  gap: durationSchema().default(bufferbloatDefaults.gap)
    .describe("Idle after each loaded phase, for the queues to drain"),
  streams: z.number().int().min(1).max(64).default(bufferbloatDefaults.streams)
    .describe("TCP streams per direction, 1 to 64"),
  congestion_control: z.string().min(1).default(bufferbloatDefaults.congestion_control)
    .describe('TCP congestion control of the load ("cubic", "bbr"...), or "system"'),
  probe_interval: durationSchema({ min: 1 }).default(bufferbloatDefaults.probe_interval)
    .refine((ms) => ms <= 1_000, "must be at most 1s")
    .describe('How often each latency probe is sent, e.g. "20ms"'),
  probes: z.array(z.enum(["udp-echo", "icmp"])).min(1)
    .default([...bufferbloatDefaults.probes])
    .transform((probes) => [...new Set(probes)])
    .describe('Latency probes: "udp-echo", "icmp" or both'),
  port: z.number().int().min(1).max(65535).optional()
    .describe("The server's throughput port (TCP); default: the server's port number"),
});

/**
 * Replacements for the real load and probes (for tests).
 *
 * @example A load generator that refuses (the test then fails)
 * ```ts
 * import { createBufferbloatPlugin, type BufferbloatPluginDeps } from "./bufferbloat.ts";
 * const deps: BufferbloatPluginDeps = { load: () => Promise.reject(new Error("no service")) };
 * console.log(createBufferbloatPlugin(deps).kind); // test
 * ```
 */
export interface BufferbloatPluginDeps {
  /**
   * Starts loads.
   *
   * @default {createTcpLoadGenerator() (load/tcp_load.ts)}
   */
  load?: LoadGenerator;
  /**
   * Opens the UDP echo probe.
   *
   * @default {createEchoProbeOpener()}
   */
  openEchoProbe?: OpenLatencyProbe;
  /**
   * Opens the ICMP probe.
   *
   * @default {createIcmpProbeOpener()}
   */
  openIcmpProbe?: OpenLatencyProbe;
  /**
   * Waits between phases.
   *
   * @default {timerSleep from core/schedule.ts}
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Wall clock, ms.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

const SEGMENTS = ["idle", ...LOADED_PHASES, "transition"] as const;

function metrics(): MetricInfo[] {
  const list: MetricInfo[] = [{
    name: "increase",
    unit: "ms",
    description: "Latency the load adds: the largest phase median minus the idle median",
  }];
  for (const segment of SEGMENTS) {
    list.push({
      name: `rtt_${segment}`,
      unit: "ms",
      description: `UDP echo round trips, ${
        segment === "transition" ? "during warm-ups and gaps" : `${segment} phase`
      }`,
    });
  }
  for (const segment of SEGMENTS.slice(0, -1)) {
    for (const way of ["up", "down"] as const) {
      list.push({
        name: `owd_${way}_${segment}`,
        unit: "ms",
        description: `One-way delay ${
          way === "up" ? "client to server" : "server to client"
        }, ${segment} phase`,
      });
    }
  }
  for (const segment of SEGMENTS) {
    list.push({
      name: `icmp_rtt_${segment}`,
      unit: "ms",
      description: `ICMP round trips, ${
        segment === "transition" ? "during warm-ups and gaps" : `${segment} phase`
      }`,
    });
  }
  list.push(
    { name: "goodput_down", unit: "Mbit/s", description: "Download goodput of the load" },
    { name: "goodput_up", unit: "Mbit/s", description: "Upload goodput of the load" },
  );
  return list;
}

/**
 * Creates the `bufferbloat` plugin.
 *
 * @param deps Replacements for tests; see {@linkcode BufferbloatPluginDeps}.
 * @returns The plugin.
 *
 * @example
 * ```ts
 * import { createBufferbloatPlugin } from "./bufferbloat.ts";
 * const plugin = createBufferbloatPlugin();
 * console.log(plugin.name, plugin.kind, plugin.metrics[0]!.name); // bufferbloat test increase
 * ```
 */
export function createBufferbloatPlugin(
  deps: BufferbloatPluginDeps = {},
): Plugin<BufferbloatOptions> {
  return {
    name: "bufferbloat",
    description:
      "Loads the link in phases (download, upload, both) and grades the latency the load adds",
    kind: "test",
    targets: "none",
    metrics: metrics(),
    options: bufferbloatOptionsSchema,
    defaults: bufferbloatDefaults,
    defaultTimeout: 2_000,
    bindsInterface: true,
    run(ctx, options, signal) {
      const runDeps: BufferbloatRunDeps = {
        load: deps.load ?? createTcpLoadGenerator(),
        openProbe: {
          "udp-echo": deps.openEchoProbe ?? createEchoProbeOpener(),
          icmp: deps.openIcmpProbe ?? createIcmpProbeOpener(),
        },
        sleep: deps.sleep ?? timerSleep,
        now: deps.now ?? Date.now,
      };
      return runBufferbloat(
        ctx,
        {
          baselineMs: options.baseline,
          phaseMs: {
            download: options.download,
            upload: options.upload,
            bidirectional: options.bidirectional,
          },
          warmupMs: options.warmup,
          gapMs: options.gap,
          streams: options.streams,
          congestionControl: options.congestion_control === "system"
            ? undefined
            : options.congestion_control,
          probeIntervalMs: options.probe_interval,
          probes: options.probes,
          throughputPort: options.port,
        },
        runDeps,
        signal,
      );
    },
  };
}
