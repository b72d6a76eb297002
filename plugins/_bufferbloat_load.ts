/**
 * The load of a bufferbloat test: what the plugin asks of a load generator
 * ({@linkcode LoadGenerator}, injected so that tests can fake it), and the adapter that maps it
 * onto the TCP load engine (`load/tcp_load.ts`).
 *
 * The adapter opens a UDP echo session of its own with the server for each load (the engine's
 * streams are authorized by an open session: their HELLO is keyed with the session's keys),
 * starts the engine on the server's throughput port through the same interface, resolves once
 * every stream has its grant and data flows, and closes the session when the load is over.
 *
 * The throughput port: the request's `throughputPort` (the plugin's `port` option), else
 * `ServerInfo.throughputPort` when the server entry has one, else the UDP echo port's number
 * (the bufferbane server listens for throughput on TCP at that number by default).
 *
 * @module
 */
import type { ServerInfo } from "../core/contract.ts";
import { type GoodputSample, startTcpLoad, type TcpLoadResult } from "../load/tcp_load.ts";
import { openSession, type OpenSessionOptions } from "../protocol/client.ts";
import type { SessionKeys } from "../protocol/keys.ts";

/**
 * What a load does: `"download"`, `"upload"`, or `"both"` at once.
 *
 * @example
 * ```ts
 * import type { LoadKind } from "./_bufferbloat_load.ts";
 * const kind: LoadKind = "both";
 * ```
 */
export type LoadKind = "download" | "upload" | "both";

/**
 * One load, as the plugin asks for it.
 *
 * @example
 * ```ts
 * import type { LoadRequest } from "./_bufferbloat_load.ts";
 * const request: LoadRequest = {
 *   kind: "upload", warmupMs: 2000, durationMs: 10_000, streams: 8,
 *   server: { name: "lab", host: "10.77.3.2", port: 9876, secret: "s" }, device: "bb-eth",
 *   congestionControl: "cubic",
 * };
 * ```
 */
export interface LoadRequest {
  /** Direction. */
  kind: LoadKind;
  /** How long the load runs before it is measured, ms. */
  warmupMs: number;
  /** How long it is measured after the warm-up, ms (the plugin may stop it earlier). */
  durationMs: number;
  /** Streams per direction. */
  streams: number;
  /** The server. */
  server: ServerInfo;
  /** Interface to load, `undefined` for the default route. */
  device: string | undefined;
  /** TCP congestion control of the client's sockets; `undefined` for the system default. */
  congestionControl: string | undefined;
  /** The server's TCP throughput port; `undefined` for the generator's default. */
  throughputPort?: number | undefined;
}

/**
 * Goodput over one sampling interval.
 *
 * @example
 * ```ts
 * import type { LoadSample } from "./_bufferbloat_load.ts";
 * const sample: LoadSample = { at: 1_700_000_000_100, intervalMs: 100, warmup: false, uploadMbps: 19.1 };
 * ```
 */
export interface LoadSample {
  /** End of the interval, wall clock, ms. */
  at: number;
  /** Length of the interval, ms. */
  intervalMs: number;
  /** Whether it falls in the warm-up. */
  warmup: boolean;
  /** Download goodput, Mbit/s, when the load downloads. */
  downloadMbps?: number;
  /** Upload goodput, Mbit/s, when the load uploads. */
  uploadMbps?: number;
  /**
   * Round trips measured on the loaded connections themselves in the interval, ms (the RPM's
   * self probes), when the engine reports them.
   */
  selfRttMs?: readonly number[];
}

/**
 * What a load measured in the end.
 *
 * @example
 * ```ts
 * import type { LoadOutcome } from "./_bufferbloat_load.ts";
 * const outcome: LoadOutcome = { uploadMbps: 19.02, congestionControl: "cubic", notes: [] };
 * ```
 */
export interface LoadOutcome {
  /** Mean download goodput over the measured part, Mbit/s. */
  downloadMbps?: number;
  /** Mean upload goodput over the measured part, Mbit/s. */
  uploadMbps?: number;
  /** The congestion control the client's sockets used. */
  congestionControl?: string;
  /** Things worth knowing (streams that failed, a refused congestion control...). */
  notes: string[];
}

/**
 * A running load.
 *
 * @example
 * ```ts
 * import type { LoadRun } from "./_bufferbloat_load.ts";
 * const idle: LoadRun = {
 *   samples: (async function* () {})(), done: Promise.resolve({ notes: [] }), stop() {},
 * };
 * ```
 */
export interface LoadRun {
  /** Goodput samples as they are taken (warm-up included, flagged), ending with the load. */
  samples: AsyncIterable<LoadSample>;
  /** The outcome once the load is over. */
  done: Promise<LoadOutcome>;
  /** Ends the load now. Idempotent. */
  stop(): void;
}

/**
 * Starts a load: resolves once data flows (every stream connected and granted), rejects when
 * the load cannot start.
 *
 * @example A generator that refuses
 * ```ts
 * import type { LoadGenerator } from "./_bufferbloat_load.ts";
 * const none: LoadGenerator = () => Promise.reject(new Error("no throughput service"));
 * ```
 */
export type LoadGenerator = (request: LoadRequest, signal: AbortSignal) => Promise<LoadRun>;

/** What the adapter needs of the session that authorizes the streams. */
export interface AuthorizingSession {
  /** The session id. */
  readonly sessionId: bigint;
  /** The session's keys. */
  readonly keys: SessionKeys;
  /** The server's resolved address. */
  readonly server: { address: string };
  /** Ends the session. */
  close(): Promise<void>;
}

/**
 * Replacements for tests.
 *
 * @example
 * ```ts
 * import type { TcpLoadGeneratorDeps } from "./_bufferbloat_load.ts";
 * const deps: TcpLoadGeneratorDeps = { throughputPort: () => 5201 };
 * ```
 */
export interface TcpLoadGeneratorDeps {
  /**
   * Opens the session that authorizes the streams.
   *
   * @default {openSession from protocol/client.ts}
   */
  openSession?: (options: OpenSessionOptions) => Promise<AuthorizingSession>;
  /**
   * The engine.
   *
   * @default {startTcpLoad from load/tcp_load.ts}
   */
  startTcpLoad?: typeof startTcpLoad;
  /**
   * The server's TCP throughput port.
   *
   * @default {server.throughputPort when set, else server.port}
   */
  throughputPort?: (server: ServerInfo) => number;
}

function defaultThroughputPort(server: ServerInfo): number {
  const port = (server as ServerInfo & { throughputPort?: number }).throughputPort;
  return typeof port === "number" && port > 0 ? port : server.port;
}

/** The loaded connections' own round trips in a sample (both directions), as self probes. */
function selfRtt(sample: GoodputSample): { selfRttMs?: number[] } {
  const rtts = [...sample.download?.rttMs ?? [], ...sample.upload?.rttMs ?? []];
  return rtts.length > 0 ? { selfRttMs: rtts } : {};
}

async function* loadSamples(samples: AsyncIterable<GoodputSample>): AsyncGenerator<LoadSample> {
  for await (const sample of samples) {
    yield {
      at: sample.timestamp,
      intervalMs: sample.intervalMs,
      warmup: sample.warmup,
      ...(sample.download ? { downloadMbps: sample.download.mbps } : {}),
      ...(sample.upload ? { uploadMbps: sample.upload.mbps } : {}),
      ...selfRtt(sample),
    };
  }
}

function outcome(result: TcpLoadResult): LoadOutcome {
  const used = [...new Set(result.congestionControl.used)];
  const notes = [...result.notes];
  if (result.congestionControl.note) notes.push(result.congestionControl.note);
  if (result.capped) notes.push(`The server granted ${result.grantedMs} ms: the load was cut`);
  return {
    ...(result.download ? { downloadMbps: result.download.meanMbps } : {}),
    ...(result.upload ? { uploadMbps: result.upload.meanMbps } : {}),
    ...(used.length > 0 ? { congestionControl: used.join(", ") } : {}),
    notes,
  };
}

/**
 * Creates the load generator backed by the TCP load engine (see the module documentation).
 *
 * @param deps Replacements for tests.
 * @returns The generator.
 *
 * @example The load cannot start when the server refuses the session
 * ```ts
 * import { createTcpLoadGenerator } from "./_bufferbloat_load.ts";
 * const load = createTcpLoadGenerator({
 *   openSession: () => Promise.reject(new Error('Server "127.0.0.1:9" is unreachable')),
 * });
 * const error = await load({
 *   kind: "upload", warmupMs: 2000, durationMs: 10_000, streams: 8, device: undefined,
 *   congestionControl: "cubic", server: { name: "local", host: "127.0.0.1", port: 9, secret: "s" },
 * }, AbortSignal.timeout(1000)).catch((e) => e.message);
 * console.log(error); // Server "127.0.0.1:9" is unreachable
 * ```
 */
export function createTcpLoadGenerator(deps: TcpLoadGeneratorDeps = {}): LoadGenerator {
  const open = deps.openSession ?? openSession;
  const start = deps.startTcpLoad ?? startTcpLoad;
  const portOf = deps.throughputPort ?? defaultThroughputPort;
  return async (request, signal) => {
    const { server } = request;
    const session = await open({
      host: server.host,
      port: server.port,
      secret: server.secret ?? "",
      // the session only authorizes the streams: no echoes are sent on it
      interval: 1_000,
      duration: request.warmupMs + request.durationMs + 30_000,
      signal,
      ...(request.device !== undefined ? { device: request.device } : {}),
    });
    try {
      const load = start({
        address: session.server.address,
        port: request.throughputPort ?? portOf(server),
        session,
        mode: request.kind === "both" ? "bidirectional" : request.kind,
        streams: request.streams,
        warmup: request.warmupMs,
        duration: request.durationMs,
        signal,
        ...(request.device !== undefined ? { device: request.device } : {}),
        ...(request.congestionControl !== undefined
          ? { congestionControl: request.congestionControl }
          : {}),
      });
      const done = load.done.then(outcome).finally(() => session.close().catch(() => {}));
      done.catch(() => {});
      await load.ready;
      return { samples: loadSamples(load.samples), done, stop: () => load.stop() };
    } catch (error) {
      await session.close().catch(() => {});
      throw error;
    }
  };
}
