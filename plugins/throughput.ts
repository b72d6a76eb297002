/**
 * The `throughput` test plugin: TCP goodput against a bufferbane server, N parallel streams per
 * direction, through the recipe's interfaces (FFI sockets bound with `SO_BINDTODEVICE`).
 *
 * A `[[tests]]` entry names its servers and runs every `every`:
 *
 * ```toml
 * [[tests]]
 * plugin = "throughput"
 * every = "1h"
 * servers = ["vienna"]
 * options = { direction = "both", streams = 4, duration = "10s", warmup = "2s" }
 * ```
 *
 * For each server (and interface), the test opens a UDP echo session (the session authorizes
 * the TCP streams: see `protocol/throughput_wire.ts`), then runs each direction with the load
 * engine (`load/tcp_load.ts`): `"both"` downloads, then uploads; `"bidirectional"` does both at
 * once. The first `warmup` of each direction is left out (slow start, queues filling); goodput
 * is sampled every 100 ms.
 *
 * Metrics (Mbit/s; only the measured part, after the warm-up; `timestamp` is the end of the
 * 100 ms interval):
 *
 * | metric            | what                                                              |
 * | ----------------- | ----------------------------------------------------------------- |
 * | `download`        | goodput of all download streams together, every 100 ms           |
 * | `upload`          | goodput of all upload streams together (what the server's TCP     |
 * |                   | acknowledged), every 100 ms                                       |
 * | `download_stream` | goodput of each download stream; `seq` is the stream's index      |
 * | `upload_stream`   | goodput of each upload stream; `seq` is the stream's index        |
 *
 * The test result's summary holds, per direction, the mean (measured bytes over measured
 * time), median and 90th percentile of the 100 ms samples, bytes, each stream's mean, the
 * client's retransmissions (uploads), the congestion control used and any note (a grant the
 * server cut, streams it refused, a congestion control the kernel refused). A direction that
 * fails is recorded (a failed sample on its metric, its error in the summary) and the test's
 * status is `"failed"`; the other direction still runs.
 *
 * The TCP port: the `port` option, else the server entry's `throughputPort` when it has one,
 * else its port number (the bufferbane server listens for throughput on TCP at its UDP echo
 * port's number by default). On a terminal a
 * progress bar is drawn on stderr while the test runs.
 *
 * Needs `--allow-ffi` (and `--allow-net` to resolve a server's host name).
 *
 * @module
 */
import { z } from "zod";
import type { Plugin, PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { durationSchema } from "../core/recipe_schema.ts";
import type { SocketAddress } from "../ffi/structs.ts";
import { openSession, type OpenSessionOptions } from "../protocol/client.ts";
import type { DirectionResult, GoodputSample, LoadDirection } from "../load/goodput.ts";
import {
  startTcpLoad,
  type TcpLoad,
  type TcpLoadMode,
  type TcpLoadOptions,
  type TcpLoadResult,
  type ThroughputAuthorization,
} from "../load/tcp_load.ts";
import { ProgressBar, type ProgressOutput, stderrOutput } from "./_throughput_progress.ts";

/** Which directions a test runs: one, both in turn (download first), or both at once. */
export type ThroughputDirection = "download" | "upload" | "both" | "bidirectional";

/**
 * Options of the `throughput` plugin, as a recipe's `[tests.options]` table gives them
 * (durations as text such as `"10s"`, parsed to milliseconds).
 *
 * @example Upload only, 8 streams, cubic
 * ```ts
 * import type { ThroughputOptions } from "./throughput.ts";
 * const options: ThroughputOptions = {
 *   direction: "upload", streams: 8, duration: 10_000, warmup: 2_000, per_stream: true,
 *   congestion_control: "cubic", strict_congestion_control: false, progress: true,
 * };
 * ```
 */
export interface ThroughputOptions {
  /**
   * `"download"`, `"upload"`, `"both"` (download, then upload) or `"bidirectional"` (both at
   * once).
   *
   * @default {"both"}
   */
  direction: ThroughputDirection;
  /**
   * Parallel TCP streams per direction, 1 to 64.
   *
   * @default {4}
   */
  streams: number;
  /**
   * How long each direction is measured, after its warm-up, ms (`"10s"` in a recipe).
   *
   * @default {10000}
   */
  duration: number;
  /**
   * How long each direction runs before it is measured, ms (`"2s"`; `"0s"` for none).
   *
   * @default {2000}
   */
  warmup: number;
  /**
   * The server's throughput port (TCP).
   *
   * @default {undefined (the server's throughputPort, else its port number)}
   */
  port?: number | undefined;
  /**
   * Congestion control of the client's sockets (it governs uploads), e.g. `"cubic"`, `"bbr"`.
   *
   * @default {undefined (the system default)}
   */
  congestion_control?: string | undefined;
  /**
   * Fail when the kernel refuses `congestion_control`, rather than use the system default.
   *
   * @default {false}
   */
  strict_congestion_control: boolean;
  /**
   * Store each stream's goodput (`download_stream`, `upload_stream`) besides the totals.
   *
   * @default {true}
   */
  per_stream: boolean;
  /**
   * Draw a progress bar on stderr when it is a terminal.
   *
   * @default {true}
   */
  progress: boolean;
}

/**
 * The documented defaults of {@linkcode ThroughputOptions}.
 *
 * @example
 * ```ts
 * import { throughputDefaults } from "./throughput.ts";
 * console.log(throughputDefaults.streams, throughputDefaults.direction); // 4 both
 * ```
 */
export const throughputDefaults = {
  direction: "both",
  streams: 4,
  duration: 10_000,
  warmup: 2_000,
  strict_congestion_control: false,
  per_stream: true,
  progress: true,
} as const satisfies ThroughputOptions;

/** The most streams per direction a recipe may ask for. */
export const THROUGHPUT_MAX_STREAMS = 64;

/**
 * The zod schema of {@linkcode ThroughputOptions}: fills in {@linkcode throughputDefaults} and
 * rejects unknown keys.
 *
 * @example
 * ```ts
 * import { throughputOptionsSchema } from "./throughput.ts";
 * const options = throughputOptionsSchema.parse({ direction: "download", duration: "5s", warmup: "0s" });
 * console.log(options.direction, options.duration, options.warmup, options.streams); // download 5000 0 4
 * console.log(throughputOptionsSchema.safeParse({ streams: 0 }).success); // false
 * ```
 */
export const throughputOptionsSchema: z.ZodType<ThroughputOptions> = z.strictObject({
  direction: z.enum(["download", "upload", "both", "bidirectional"])
    .default(throughputDefaults.direction)
    .describe('"download", "upload", "both" (one after the other) or "bidirectional" (at once)'),
  streams: z.number().int().min(1).max(THROUGHPUT_MAX_STREAMS)
    .default(throughputDefaults.streams)
    .describe(`Parallel TCP streams per direction, 1 to ${THROUGHPUT_MAX_STREAMS}`),
  duration: durationSchema({ min: 100 })
    .default(throughputDefaults.duration)
    .describe('How long each direction is measured after its warm-up, e.g. "10s"'),
  warmup: z.union([z.literal("0s").transform(() => 0), durationSchema()])
    .default(throughputDefaults.warmup)
    .describe('How long each direction runs before it is measured, e.g. "2s" ("0s": none)'),
  port: z.number().int().min(1).max(65535).optional()
    .describe("The server's throughput port (TCP); default: the server's port number"),
  congestion_control: z.string().regex(/^[a-z0-9_]{1,15}$/, {
    error: 'expected a congestion control name such as "cubic" or "bbr"',
  }).optional()
    .describe('Congestion control of the client\'s sockets (uploads), e.g. "cubic", "bbr"'),
  strict_congestion_control: z.boolean().default(false)
    .describe("Fail when the kernel refuses congestion_control instead of using the default"),
  per_stream: z.boolean().default(true)
    .describe("Store each stream's goodput (download_stream, upload_stream) too"),
  progress: z.boolean().default(true)
    .describe("Draw a progress bar on stderr when it is a terminal"),
});

/** The part of an echo session the plugin uses (an `EchoSession` is one). */
export interface ThroughputSessionLike extends ThroughputAuthorization {
  /** The server's address (resolved) and UDP port. */
  readonly server: SocketAddress;
  /** Whether the session ended. */
  readonly closed: boolean;
  /** One echo (keeps the session alive between directions). */
  echo(seq: number, options?: { timeout?: number }): Promise<unknown>;
  /** Ends the session. */
  close(): Promise<void>;
}

/** What {@linkcode createThroughputPlugin} may be given instead of the real thing (for tests). */
export interface ThroughputPluginDeps {
  /**
   * Opens the UDP echo session that authorizes the streams.
   *
   * @default {openSession from protocol/client.ts}
   */
  openSession?: (options: OpenSessionOptions) => Promise<ThroughputSessionLike>;
  /**
   * Starts a load.
   *
   * @default {startTcpLoad from load/tcp_load.ts}
   */
  startLoad?: (options: TcpLoadOptions) => TcpLoad;
  /**
   * Where the progress bar draws.
   *
   * @default {stderr}
   */
  progressOutput?: ProgressOutput;
}

const METRIC: Record<LoadDirection, string> = { download: "download", upload: "upload" };
const STREAM_METRIC: Record<LoadDirection, string> = {
  download: "download_stream",
  upload: "upload_stream",
};

function phasesOf(direction: ThroughputDirection): TcpLoadMode[] {
  if (direction === "both") return ["download", "upload"];
  return [direction];
}

function directionsOf(mode: TcpLoadMode): LoadDirection[] {
  return mode === "bidirectional" ? ["download", "upload"] : [mode];
}

function round(value: number, digits = 3): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function summarizeDirection(result: TcpLoadResult, figures: DirectionResult) {
  return {
    mean_mbps: round(figures.meanMbps),
    median_mbps: round(figures.medianMbps),
    p90_mbps: round(figures.p90Mbps),
    bytes: figures.bytes,
    bytes_total: figures.bytesTotal,
    counting: figures.counting,
    measured_ms: round(result.measuredMs, 1),
    warmup_ms: round(result.warmupMs, 1),
    granted_ms: result.grantedMs,
    ...(figures.retransmits !== undefined ? { retransmits: figures.retransmits } : {}),
    congestion_control: result.congestionControl.used,
    ...(result.congestionControl.note
      ? { congestion_control_note: result.congestionControl.note }
      : {}),
    streams: figures.streams.map((s) => ({
      index: s.index,
      mean_mbps: round(s.meanMbps),
      bytes: s.bytes,
      ...(s.retransmits !== undefined ? { retransmits: s.retransmits } : {}),
      ...(s.rttMs !== undefined ? { rtt_ms: s.rttMs } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
    })),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.capped ? { capped: true } : {}),
    ...(result.stopped ? { stopped: true } : {}),
  };
}

/**
 * Creates the `throughput` plugin.
 *
 * @param deps Replacements for tests; see {@linkcode ThroughputPluginDeps}.
 * @returns The plugin.
 *
 * @example Its metrics
 * ```ts
 * import { createThroughputPlugin } from "./throughput.ts";
 * const plugin = createThroughputPlugin();
 * console.log(plugin.kind, plugin.metrics.map((m) => m.name).join(" "));
 * // test download upload download_stream upload_stream
 * ```
 */
export function createThroughputPlugin(deps: ThroughputPluginDeps = {}): Plugin<ThroughputOptions> {
  const open = deps.openSession ?? openSession;
  const start = deps.startLoad ?? startTcpLoad;
  return {
    name: "throughput",
    description:
      "TCP goodput against bufferbane servers: parallel streams per direction, per interface",
    kind: "test",
    targets: "none",
    metrics: [
      {
        name: "download",
        unit: "Mbit/s",
        description: "Download goodput, all streams, per 100 ms",
      },
      { name: "upload", unit: "Mbit/s", description: "Upload goodput, all streams, per 100 ms" },
      {
        name: "download_stream",
        unit: "Mbit/s",
        description: "Download goodput of one stream (seq = stream index), per 100 ms",
      },
      {
        name: "upload_stream",
        unit: "Mbit/s",
        description: "Upload goodput of one stream (seq = stream index), per 100 ms",
      },
    ],
    options: throughputOptionsSchema,
    defaults: throughputDefaults,
    defaultTimeout: 5_000,
    bindsInterface: true,
    run(ctx, options, signal) {
      return runThroughput(ctx, options, signal, open, start, deps.progressOutput ?? stderrOutput);
    },
  };
}

async function* runThroughput(
  ctx: PluginContext,
  options: ThroughputOptions,
  signal: AbortSignal,
  open: NonNullable<ThroughputPluginDeps["openSession"]>,
  start: NonNullable<ThroughputPluginDeps["startLoad"]>,
  output: ProgressOutput,
): AsyncGenerator<Sample> {
  const server = requireServer(ctx.server);
  const session = await open({
    host: server.host,
    port: server.port,
    secret: server.secret!,
    ...(ctx.interface !== undefined ? { device: ctx.interface } : {}),
    handshakeTimeout: Math.min(ctx.timeout, 5_000),
    signal,
  });
  const progress = new ProgressBar(
    options.progress ? output : { isTerminal: () => false, write() {} },
  );
  const phases = phasesOf(options.direction);
  const port = options.port ?? throughputPortOf(server);
  const summary: Record<string, unknown> = {
    server: server.name,
    address: session.server.address,
    port,
    ...(ctx.interface !== undefined ? { interface: ctx.interface } : {}),
    direction: options.direction,
    streams: options.streams,
    warmup_ms: options.warmup,
    duration_ms: options.duration,
  };
  let failed = false;
  let stopped = false;
  try {
    for (const [phaseIndex, mode] of phases.entries()) {
      if (signal.aborted) break;
      // One echo before each direction keeps the session from going idle.
      await session.echo(phaseIndex, { timeout: 1_000 }).catch(() => undefined);
      const label = `throughput ${server.name}${ctx.interface ? ` ${ctx.interface}` : ""} ${mode}`;
      const total = options.warmup + options.duration;
      let load: TcpLoad;
      try {
        load = start({
          address: session.server.address,
          port,
          session,
          mode,
          streams: options.streams,
          duration: options.duration,
          warmup: options.warmup,
          connectTimeout: ctx.timeout,
          strictCongestionControl: options.strict_congestion_control,
          ...(options.congestion_control !== undefined
            ? { congestionControl: options.congestion_control }
            : {}),
          ...(ctx.interface !== undefined ? { device: ctx.interface } : {}),
          signal,
        });
      } catch (error) {
        failed = true;
        for (const direction of directionsOf(mode)) {
          yield failedSample(ctx, direction, error);
          summary[direction] = { error: describeError(error) };
        }
        continue;
      }
      for await (const sample of load.samples) {
        progress.update(label, Math.min(1, sample.t / total), headline(sample));
        if (sample.warmup) continue;
        yield* toSamples(sample, options.per_stream);
      }
      try {
        const result = await load.done;
        stopped ||= result.stopped;
        for (const direction of directionsOf(mode)) {
          summary[direction] = summarizeDirection(result, result[direction]!);
        }
        if (mode === "bidirectional") summary.bidirectional = true;
      } catch (error) {
        if (signal.aborted) {
          stopped = true;
          break;
        }
        failed = true;
        for (const direction of directionsOf(mode)) {
          yield failedSample(ctx, direction, error);
          summary[direction] = { error: describeError(error) };
        }
      }
    }
  } finally {
    progress.clear();
    await session.close().catch(() => {});
  }
  if (stopped) summary.stopped = true;
  const figures = (["download", "upload"] as const).flatMap((direction) => {
    const mean = (summary[direction] as { mean_mbps?: number | null } | undefined)?.mean_mbps;
    return typeof mean === "number" ? [`${direction} ${formatMbps(mean)} Mbit/s`] : [];
  });
  ctx.result({
    status: failed || stopped ? "failed" : "ok",
    ...(figures.length > 0 ? { headline: figures.join(", ") } : {}),
    summary,
  });
}

/** Mbit/s with three significant digits at most (941, 38.2, 0.512), whole from 1000. */
function formatMbps(mbps: number): string {
  return mbps >= 1000 ? Math.round(mbps).toString() : Number(mbps.toPrecision(3)).toString();
}

function requireServer(server: ServerInfo | undefined): ServerInfo {
  if (server === undefined) {
    throw new BufferbaneError(
      ErrorCode.PluginOptions,
      'The throughput test needs a server: name one with servers = ["..."]',
    );
  }
  if (server.secret === undefined || server.secret === "") {
    throw new BufferbaneError(
      ErrorCode.Server,
      `Server "${server.name}" has no secret: the throughput streams are authorized by an echo session`,
      { hint: 'set secret = "${BUFFERBANE_SECRET}" in its [[servers]] entry' },
    );
  }
  return server;
}

/** The server entry's throughput port when it has one (`throughputPort`), else its port. */
function throughputPortOf(server: ServerInfo): number {
  const port = (server as ServerInfo & { throughputPort?: number }).throughputPort;
  return typeof port === "number" ? port : server.port;
}

function headline(sample: GoodputSample): number {
  return (sample.download?.mbps ?? 0) + (sample.upload?.mbps ?? 0);
}

function* toSamples(sample: GoodputSample, perStream: boolean): Generator<Sample> {
  const timestamp = Math.round(sample.timestamp);
  for (const direction of ["download", "upload"] as const) {
    const goodput = sample[direction];
    if (goodput === undefined) continue;
    yield { timestamp, metric: METRIC[direction], value: goodput.mbps, status: "ok" };
    if (!perStream) continue;
    for (const [index, value] of goodput.streams.entries()) {
      yield { timestamp, metric: STREAM_METRIC[direction], value, status: "ok", seq: index };
    }
  }
}

function failedSample(ctx: PluginContext, direction: LoadDirection, error: unknown): Sample {
  return {
    timestamp: ctx.now(),
    metric: METRIC[direction],
    value: null,
    status: "failed",
    reason: describeError(error),
  };
}
