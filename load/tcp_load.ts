/**
 * The TCP load engine: N parallel streams per direction against a bufferbane throughput
 * service (`server/throughput_service.ts`), through FFI sockets (`ffi/tcp_socket.ts`) so that
 * the streams can leave by a chosen interface (`SO_BINDTODEVICE`) with a chosen congestion
 * control (`TCP_CONGESTION`), reading or writing as fast as the path takes it, with goodput
 * sampled every 100 ms in total and per stream.
 *
 * How a load goes:
 *
 * 1. Every stream connects and sends its HELLO (`protocol/throughput_wire.ts`), authorized by
 *    the open UDP echo session the caller passes ({@linkcode ThroughputAuthorization}: an
 *    `EchoSession` from `protocol/client.ts` is one); the server answers with a GRANT or
 *    closes without a word (then the error says so). Streams ask for the warm-up plus the
 *    duration plus one second, so that the server never stops a stream before the client does.
 * 2. When every stream has its GRANT, the load starts (`t = 0`, {@linkcode TcpLoad.ready}):
 *    downloads read, uploads write, each into or from one reused buffer (incompressible bytes).
 * 3. Every `sampleInterval` a {@linkcode GoodputSample} gives each direction's goodput in
 *    total and per stream. Samples that end within the warm-up (default 2 s: TCP's slow start
 *    and the queues filling) are flagged `warmup` and left out of the summary.
 * 4. At the warm-up plus the duration (or at the earliest end a GRANT allows, or at
 *    {@linkcode TcpLoad.stop} or the signal) the last sample is taken and every socket is
 *    closed. A load never outlives its end: closing the sockets ends every read and write.
 *
 * Counting (see `goodput.ts`): downloads count the bytes read; uploads count what the server
 * acknowledged (`TCP_INFO` `tcpi_bytes_acked`, so bytes still in the client's send buffer do
 * not count), or the bytes written where `TCP_INFO` is not available (the result says which).
 * Retransmissions and round-trip times come from `TCP_INFO` for uploads (the client sends);
 * for downloads the server sends, and they stay on the server.
 *
 * Congestion control: the sender's algorithm is what shapes a queue. For uploads the client
 * sends: `congestionControl` is set on each upload socket after it connects. For downloads the
 * server sends: each download's HELLO asks the server for the algorithm, the server sets it on
 * its socket, and the GRANT says which algorithm the server sends with (or that its kernel
 * refused the one asked for). When a kernel refuses the name (`ENOENT`: not loaded; `EPERM`:
 * not in `net.ipv4.tcp_allowed_congestion_control` without `CAP_NET_ADMIN`) the streams keep
 * that side's default and the result's `congestionControl.note` says why, unless
 * `strictCongestionControl` is set: then the load fails. Each stream's `congestionControl` is
 * its sender's algorithm.
 *
 * Needs `--allow-ffi`.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { openGrant, sealHello } from "../protocol/throughput_codec.ts";
import {
  CONGESTION_CONTROL_NAMES,
  CONGESTION_CONTROL_REFUSED,
  congestionControlCode,
  congestionControlName,
} from "../protocol/congestion_control.ts";
import { deriveThroughputKeys } from "../protocol/throughput_keys.ts";
import { GRANT_SIZE, MAX_STREAM_COUNT, StreamDirection } from "../protocol/throughput_wire.ts";
import { TcpSocket } from "../ffi/tcp_socket.ts";
import { formatEndpoint } from "../ffi/structs.ts";
import { readTcpInfo, type TcpInfo, TcpInfoScratch } from "./_tcp_info.ts";
import {
  type DirectionCounting,
  type DirectionGoodput,
  type DirectionResult,
  type GoodputSample,
  type LoadDirection,
  mbps,
  measuredPercentiles,
  type StreamResult,
} from "./goodput.ts";

export type { DirectionGoodput, DirectionResult, GoodputSample, LoadDirection, StreamResult };

/**
 * What authorizes the streams: the id and keys of an open UDP echo session with the same
 * server. An `EchoSession` (`protocol/client.ts`) has both.
 */
export interface ThroughputAuthorization {
  /** The session id. */
  readonly sessionId: bigint;
  /** The session's keys. */
  readonly keys: SessionKeys;
}

/** Which streams a load opens: one direction, or both at once. */
export type TcpLoadMode = LoadDirection | "bidirectional";

/** Options of {@linkcode startTcpLoad} and {@linkcode runTcpLoad}. */
export interface TcpLoadOptions {
  /** The server's address (an IP literal; resolve names first). */
  address: string;
  /** The server's throughput port (TCP). */
  port: number;
  /** The open UDP echo session that authorizes the streams. */
  session: ThroughputAuthorization;
  /**
   * `"download"`, `"upload"`, or `"bidirectional"` (both at once, `streams` each way).
   *
   * @default {"download"}
   */
  mode?: TcpLoadMode;
  /**
   * Streams per direction, 1 to 256.
   *
   * @default {4}
   */
  streams?: number;
  /**
   * How long the load is measured after the warm-up, ms.
   *
   * @default {10000}
   */
  duration?: number;
  /**
   * How long the load runs before it is measured, ms (0 for none).
   *
   * @default {2000}
   */
  warmup?: number;
  /**
   * Sampling interval, ms (at least 10).
   *
   * @default {100}
   */
  sampleInterval?: number;
  /** Interface the streams go through (`SO_BINDTODEVICE`); the default route when not set. */
  device?: string;
  /** Congestion control of the client's sockets, e.g. `"cubic"` or `"bbr"` (see the module). */
  congestionControl?: string;
  /**
   * Fail when the kernel refuses `congestionControl`, rather than keep the system default.
   *
   * @default {false}
   */
  strictCongestionControl?: boolean;
  /**
   * How long connecting and getting the GRANT may take, per stream, ms.
   *
   * @default {5000}
   */
  connectTimeout?: number;
  /**
   * Bytes per read and write (and the size of each socket's receive buffer in user space).
   *
   * @default {262144}
   */
  bufferSize?: number;
  /** Stops the load (as {@linkcode TcpLoad.stop}); before the start it cancels the handshakes. */
  signal?: AbortSignal;
}

/**
 * The documented defaults of {@linkcode TcpLoadOptions}.
 *
 * @example
 * ```ts
 * import { TCP_LOAD_DEFAULTS } from "./tcp_load.ts";
 * console.log(TCP_LOAD_DEFAULTS.streams, TCP_LOAD_DEFAULTS.warmup); // 4 2000
 * ```
 */
export const TCP_LOAD_DEFAULTS = {
  mode: "download",
  streams: 4,
  duration: 10_000,
  warmup: 2_000,
  sampleInterval: 100,
  strictCongestionControl: false,
  connectTimeout: 5_000,
  bufferSize: 262_144,
} as const satisfies Omit<TcpLoadOptions, "address" | "port" | "session">;

/** What a load measured. */
export interface TcpLoadResult {
  /** When the load started (every stream granted), ms since the Unix epoch. */
  startedAt: number;
  /** From the start to the last sample, ms. */
  durationMs: number;
  /** The warm-up actually left out, ms (from the start to the first measured sample). */
  warmupMs: number;
  /** The measured part, ms (0 when the load stopped within the warm-up). */
  measuredMs: number;
  /** What was asked. */
  requested: { mode: TcpLoadMode; streams: number; warmupMs: number; durationMs: number };
  /** The shortest duration the server granted a stream, ms. */
  grantedMs: number;
  /** Whether the server granted less than the warm-up plus the duration (the load was cut). */
  capped: boolean;
  /** Whether {@linkcode TcpLoad.stop} or the signal ended the load before its planned end. */
  stopped: boolean;
  /** The interface, when one was asked for. */
  device?: string;
  /** Congestion control: asked, used by the client's sockets, and why they differ. */
  congestionControl: { requested?: string; used: string[]; note?: string };
  /** Download figures, when the load downloaded. */
  download?: DirectionResult;
  /** Upload figures, when the load uploaded. */
  upload?: DirectionResult;
  /** Every sample, the warm-up's included, in order. */
  samples: GoodputSample[];
  /** Things worth knowing (streams that failed, a capped grant). */
  notes: string[];
}

/** A running load (see {@linkcode startTcpLoad}). */
export interface TcpLoad {
  /**
   * Resolves when every stream has its GRANT and data starts to flow (`t = 0`); rejects as
   * {@linkcode TcpLoad.done} does when the load cannot start.
   */
  readonly ready: Promise<void>;
  /**
   * The samples as they are taken (warm-up included, flagged), ending after the last. One
   * consumer; they are also in the result.
   */
  readonly samples: AsyncIterable<GoodputSample>;
  /**
   * The result once the load is over. Rejects when the load cannot start: a
   * `BufferbaneError` `SERVER` when the server refused every stream of a direction (no GRANT:
   * unknown or expired session, limits reached, no throughput service there), a `SocketError`
   * when connecting failed (`ECONNREFUSED`, `ENODEV`, `EPERM` for a strict congestion control
   * ...), or the signal's reason when aborted during the handshakes.
   */
  readonly done: Promise<TcpLoadResult>;
  /** Ends the load now (the result comes with `stopped: true`). Idempotent. */
  stop(): void;
}

interface Stream {
  direction: LoadDirection;
  index: number;
  socket: TcpSocket;
  grantedMs: number;
  grantedUntil: number;
  /** Bytes read (download) or written (upload) so far. */
  moved: number;
  /** Whether `TCP_INFO` gives bytes acknowledged (uploads). */
  acked: boolean;
  ackBase: number;
  scratch: TcpInfoScratch;
  last: number;
  atMeasureStart: number;
  atStart: number;
  final: number | undefined;
  finished: boolean;
  error: string | undefined;
  info: ReturnType<typeof readTcpInfo>;
  congestionControl: string | undefined;
}

class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#notify();
  }

  close(): void {
    this.#closed = true;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A loop that always has data yields to timers and the reactor at least this often, ms. */
const YIELD_EVERY_MS = 2;
/** Extra duration asked of the server beyond warm-up plus duration, ms. */
const REQUEST_SLACK_MS = 1_000;

function checkOptions(options: TcpLoadOptions) {
  const o = { ...TCP_LOAD_DEFAULTS, ...definedOnly(options) };
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`Invalid ${name} "${value}": expected an integer from ${min} to ${max}`);
    }
  };
  integer("streams", o.streams, 1, MAX_STREAM_COUNT);
  integer("duration", o.duration, 1);
  integer("warmup", o.warmup, 0);
  integer("sampleInterval", o.sampleInterval, 10);
  integer("connectTimeout", o.connectTimeout, 1);
  integer("bufferSize", o.bufferSize, 1024);
  integer("port", o.port, 1, 65535);
  if (!["download", "upload", "bidirectional"].includes(o.mode)) {
    throw new RangeError(`Invalid mode "${o.mode}": expected download, upload or bidirectional`);
  }
  if (o.warmup + o.duration + REQUEST_SLACK_MS > 0xffff_ffff) {
    throw new RangeError(`Invalid duration "${o.duration}": too long`);
  }
  return o;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Starts a load (see the module documentation): connects and handshakes every stream, then
 * reads and writes until the warm-up plus the duration is over.
 *
 * @param options Server, session, mode, streams, timing, interface, congestion control.
 * @returns The running load: `ready`, `samples`, `done`, `stop()`.
 * @throws {RangeError} (synchronously) When an option is out of range.
 *
 * @example A bufferbloat phase: download for 5 s, latency probed meanwhile
 * ```ts ignore
 * import { startTcpLoad } from "./tcp_load.ts";
 * import { openSession } from "../protocol/client.ts";
 * const session = await openSession({ host: "203.0.113.7", secret: "s3cret" });
 * const load = startTcpLoad({
 *   address: session.server.address, port: 9876, session, mode: "download", duration: 5000,
 * });
 * await load.ready; // data flows: start the latency probes now
 * for await (const sample of load.samples) console.log(sample.t, sample.download?.mbps);
 * const result = await load.done;
 * console.log(result.download?.meanMbps);
 * await session.close();
 * ```
 */
export function startTcpLoad(options: TcpLoadOptions): TcpLoad {
  const o = checkOptions(options);
  const channel = new Channel<GoodputSample>();
  const ready = Promise.withResolvers<void>();
  const stopper = new AbortController();
  const onAbort = () => stopper.abort(options.signal?.reason);
  if (options.signal?.aborted) stopper.abort(options.signal.reason);
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = runLoad(o, options.session, channel, ready, stopper.signal).finally(() => {
    options.signal?.removeEventListener("abort", onAbort);
    channel.close();
  });
  // A caller may await only `ready`: neither rejection goes unhandled (awaiting still throws).
  ready.promise.catch(() => {});
  done.catch(() => {});
  return {
    ready: ready.promise,
    samples: channel,
    done,
    stop: () => stopper.abort(new DOMException("The load was stopped", "AbortError")),
  };
}

/**
 * Runs a load to its end (see {@linkcode startTcpLoad}).
 *
 * @param options As {@linkcode startTcpLoad}, plus a callback for each sample.
 * @returns The result.
 * @throws As {@linkcode TcpLoad.done} rejects.
 *
 * @example Four download streams for 5 s through eth0
 * ```ts ignore
 * import { runTcpLoad } from "./tcp_load.ts";
 * const result = await runTcpLoad({
 *   address: "203.0.113.7", port: 9876, session, device: "eth0", duration: 5000,
 *   onSample: (sample) => console.log(sample.download?.mbps),
 * });
 * console.log(result.download?.meanMbps, result.download?.p90Mbps);
 * ```
 */
export async function runTcpLoad(
  options: TcpLoadOptions & { onSample?: (sample: GoodputSample) => void },
): Promise<TcpLoadResult> {
  const load = startTcpLoad(options);
  const consuming = (async () => {
    for await (const sample of load.samples) options.onSample?.(sample);
  })();
  const result = await load.done;
  await consuming;
  return result;
}

type Checked = ReturnType<typeof checkOptions>;

async function runLoad(
  o: Checked,
  session: ThroughputAuthorization,
  channel: Channel<GoodputSample>,
  ready: PromiseWithResolvers<void>,
  signal: AbortSignal,
): Promise<TcpLoadResult> {
  const directions: LoadDirection[] = o.mode === "bidirectional"
    ? ["download", "upload"]
    : [o.mode];
  const requested = o.warmup + o.duration + REQUEST_SLACK_MS;
  const keys = deriveThroughputKeys(session.keys, session.sessionId);
  const notes: string[] = [];
  const ccNotes = new Set<string>();
  const plans = directions.flatMap((direction) =>
    Array.from({ length: o.streams }, (_, index) => ({ direction, index }))
  );
  const opening = plans.map((plan) =>
    openStream(o, session.sessionId, keys, plan.direction, plan.index, requested, signal)
  );
  const settled = await Promise.allSettled(opening);
  const streams: Stream[] = [];
  const failures: { plan: typeof plans[number]; error: unknown }[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") {
      streams.push(outcome.value.stream);
      if (outcome.value.note) ccNotes.add(outcome.value.note);
    } else failures.push({ plan: plans[i]!, error: outcome.reason });
  });
  const fail = (error: unknown): never => {
    for (const stream of streams) stream.socket.close();
    ready.reject(error);
    throw error;
  };
  if (signal.aborted) fail(signal.reason);
  for (const direction of directions) {
    if (!streams.some((s) => s.direction === direction)) {
      fail(failures.find((f) => f.plan.direction === direction)!.error);
    }
  }
  for (const { plan, error } of failures) {
    notes.push(
      `${plan.direction} stream ${plan.index + 1} of ${o.streams} did not start: ${
        describeError(error)
      }`,
    );
  }

  // Every stream has its GRANT: the load starts.
  const t0 = performance.now();
  const startedAt = Date.now();
  const grantedMs = Math.min(...streams.map((s) => s.grantedMs));
  const serverEnd = Math.min(...streams.map((s) => s.grantedUntil));
  // Stop a little before the earliest server end, so that no stream is cut under a sample.
  const plannedEnd = Math.min(t0 + o.warmup + o.duration, serverEnd - 50);
  const capped = plannedEnd < t0 + o.warmup + o.duration;
  if (capped) {
    notes.push(
      `The server granted ${grantedMs} ms per stream: the load was cut to ${
        Math.max(0, Math.round(plannedEnd - t0))
      } ms of the ${o.warmup + o.duration} ms asked`,
    );
  }
  for (const stream of streams) {
    stream.atStart = current(stream);
    stream.last = stream.atStart;
    stream.atMeasureStart = stream.atStart;
  }
  ready.resolve();

  let finishing = false;
  const payload = randomPayload(o.bufferSize);
  const loops = streams.map((stream) =>
    stream.direction === "download"
      ? readLoop(stream, o.bufferSize, () => finishing)
      : writeLoop(stream, payload, () => finishing)
  );

  const samples: GoodputSample[] = [];
  let measureFrom: number | undefined = o.warmup === 0 ? t0 : undefined;
  let last = t0;
  let stopped = false;
  const allEnded = () => streams.every((s) => s.finished);
  /** Takes the sample of the interval that began at `plannedStart` (ms after t0) and ends now. */
  const takeSample = (now: number, plannedStart: number) => {
    // An interval that begins within the warm-up is part of it: the measured part starts at
    // the first tick at or after the warm-up's end.
    const warmup = plannedStart < o.warmup;
    const sample: GoodputSample = {
      t: Math.round((now - t0) * 1000) / 1000,
      timestamp: startedAt + (now - t0),
      intervalMs: now - last,
      warmup,
    };
    for (const direction of directions) {
      const goodput: DirectionGoodput = { mbps: 0, bytes: 0, streams: [], rttMs: [] };
      for (const stream of streams.filter((s) => s.direction === direction)) {
        const info = stream.final === undefined
          ? readTcpInfo(stream.socket.fd, stream.scratch)
          : undefined;
        const rtt = direction === "upload" ? info?.rttMs : info?.rcvRttMs;
        if (rtt !== undefined && rtt > 0) goodput.rttMs![stream.index] = rtt;
        const value = current(stream, info);
        const bytes = Math.max(0, value - stream.last);
        stream.last = value;
        goodput.bytes += bytes;
        goodput.streams[stream.index] = mbps(bytes, now - last);
        if (warmup) stream.atMeasureStart = value;
      }
      for (let i = 0; i < o.streams; i++) goodput.streams[i] ??= 0;
      goodput.rttMs = goodput.rttMs!.filter((rtt) => rtt !== undefined);
      goodput.mbps = mbps(goodput.bytes, now - last);
      sample[direction] = goodput;
    }
    if (warmup) measureFrom = now;
    last = now;
    samples.push(sample);
    channel.push(sample);
  };

  // The sampling schedule: ticks at t0 + k * interval, the last one at the planned end.
  const abortWait = Promise.withResolvers<void>();
  const onStop = () => abortWait.resolve();
  signal.addEventListener("abort", onStop, { once: true });
  try {
    for (let tick = 1;; tick++) {
      const plannedStart = (tick - 1) * o.sampleInterval;
      const plannedT = Math.min(tick * o.sampleInterval, plannedEnd - t0);
      const wait = t0 + plannedT - performance.now();
      if (wait > 0) await Promise.race([sleep(wait), abortWait.promise]);
      const now = performance.now();
      if (signal.aborted) {
        stopped = true;
        if (now - last >= 1) takeSample(now, plannedStart);
        break;
      }
      if (allEnded()) {
        if (now - last >= 1) takeSample(now, plannedStart);
        notes.push("Every stream ended before the planned end (the server closed them)");
        break;
      }
      takeSample(now, plannedStart);
      if (t0 + plannedT >= plannedEnd) break;
    }
  } finally {
    signal.removeEventListener("abort", onStop);
    finishing = true;
    for (const stream of streams) {
      stream.final = current(stream);
      if (stream.direction === "upload") {
        stream.info = readTcpInfo(stream.socket.fd, stream.scratch);
      }
      stream.socket.close();
    }
    await Promise.race([Promise.allSettled(loops), sleep(2_000)]);
  }

  const end = last;
  const measuredStart = measureFrom ?? end;
  const measuredMs = Math.max(0, end - measuredStart);
  const result: TcpLoadResult = {
    startedAt,
    durationMs: end - t0,
    warmupMs: measuredStart - t0,
    measuredMs,
    requested: { mode: o.mode, streams: o.streams, warmupMs: o.warmup, durationMs: o.duration },
    grantedMs,
    capped,
    stopped,
    ...(o.device !== undefined ? { device: o.device } : {}),
    congestionControl: {
      ...(o.congestionControl !== undefined ? { requested: o.congestionControl } : {}),
      used: [...new Set(streams.map((s) => s.congestionControl).filter((c) => c !== undefined))],
      ...(ccNotes.size > 0 ? { note: [...ccNotes].join("; ") } : {}),
    },
    samples,
    notes,
  };
  for (const direction of directions) {
    result[direction] = directionResult(
      direction,
      streams.filter((s) => s.direction === direction),
      samples,
      measuredMs,
    );
  }
  return result;
}

function directionResult(
  direction: LoadDirection,
  streams: Stream[],
  samples: GoodputSample[],
  measuredMs: number,
): DirectionResult {
  const counting: DirectionCounting = direction === "download"
    ? "received"
    : streams.every((s) => s.acked)
    ? "acked"
    : "written";
  const results: StreamResult[] = streams.map((s) => {
    const final = s.last; // the last sample's count: bytes after it are not in any sample
    const bytes = Math.max(0, final - s.atMeasureStart);
    const stream: StreamResult = {
      direction,
      index: s.index,
      bytes,
      bytesTotal: Math.max(0, final - s.atStart),
      meanMbps: measuredMs > 0 ? mbps(bytes, measuredMs) : NaN,
      grantedMs: s.grantedMs,
    };
    if (s.congestionControl !== undefined) stream.congestionControl = s.congestionControl;
    if (direction === "upload" && s.info) {
      if (s.info.retransmits !== undefined) stream.retransmits = s.info.retransmits;
      if (s.info.bytesRetransmitted !== undefined) {
        stream.bytesRetransmitted = s.info.bytesRetransmitted;
      }
      if (s.info.rttMs !== undefined) stream.rttMs = s.info.rttMs;
    }
    if (s.error !== undefined) stream.error = s.error;
    return stream;
  }).sort((a, b) => a.index - b.index);
  const bytes = results.reduce((sum, s) => sum + s.bytes, 0);
  const result: DirectionResult = {
    counting,
    bytes,
    bytesTotal: results.reduce((sum, s) => sum + s.bytesTotal, 0),
    meanMbps: measuredMs > 0 ? mbps(bytes, measuredMs) : NaN,
    ...measuredPercentiles(samples, direction),
    streams: results,
  };
  if (results.every((s) => s.retransmits !== undefined) && direction === "upload") {
    result.retransmits = results.reduce((sum, s) => sum + s.retransmits!, 0);
  }
  return result;
}

/**
 * The stream's delivered bytes now (see "Counting" in the module documentation); `info` is a
 * `TCP_INFO` just read, to save reading it again.
 */
function current(stream: Stream, info?: TcpInfo): number {
  if (stream.final !== undefined) return stream.final;
  if (stream.direction === "upload" && stream.acked) {
    const acked = (info ?? readTcpInfo(stream.socket.fd, stream.scratch))?.bytesAcked;
    if (acked !== undefined) return Math.max(0, acked - stream.ackBase);
  }
  return stream.moved;
}

async function readLoop(
  stream: Stream,
  bufferSize: number,
  finishing: () => boolean,
): Promise<void> {
  const buffer = new Uint8Array(bufferSize);
  let lastYield = performance.now();
  try {
    for (;;) {
      const n = await stream.socket.read(buffer);
      if (n === null) break;
      stream.moved += n;
      const now = performance.now();
      if (now - lastYield >= YIELD_EVERY_MS) {
        await macrotask();
        lastYield = performance.now();
      }
    }
  } catch (error) {
    if (!finishing()) stream.error = describeError(error);
  } finally {
    stream.finished = true;
  }
}

async function writeLoop(
  stream: Stream,
  payload: Uint8Array,
  finishing: () => boolean,
): Promise<void> {
  let lastYield = performance.now();
  try {
    while (!finishing()) {
      stream.moved += await stream.socket.write(payload);
      const now = performance.now();
      if (now - lastYield >= YIELD_EVERY_MS) {
        await macrotask();
        lastYield = performance.now();
      }
    }
  } catch (error) {
    if (!finishing()) stream.error = describeError(error);
  } finally {
    stream.finished = true;
  }
}

async function openStream(
  o: Checked,
  sessionId: bigint,
  keys: ReturnType<typeof deriveThroughputKeys>,
  direction: LoadDirection,
  index: number,
  requested: number,
  signal: AbortSignal,
): Promise<{ stream: Stream; note?: string }> {
  const endpoint = formatEndpoint({ address: o.address, port: o.port });
  const label = `${direction} stream ${index + 1} of ${o.streams}`;
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new BufferbaneError(
          ErrorCode.Server,
          `Throughput server "${endpoint}" did not grant ${label} within ${o.connectTimeout} ms`,
          {
            hint: "check that the server runs a throughput service on this TCP port",
          },
        ),
      ),
    o.connectTimeout,
  );
  const both = AbortSignal.any([signal, timeout.signal]);
  let socket: TcpSocket | undefined;
  const onAbort = () => socket?.close();
  both.addEventListener("abort", onAbort, { once: true });
  try {
    socket = await TcpSocket.connect({
      address: o.address,
      port: o.port,
      readBufferSize: o.bufferSize,
      signal: both,
      ...(o.device !== undefined ? { device: o.device } : {}),
    });
    let note: string | undefined;
    let askServer: number | undefined;
    if (o.congestionControl !== undefined && direction === "upload") {
      try {
        socket.setCongestionControl(o.congestionControl);
      } catch (error) {
        if (o.strictCongestionControl) throw error;
        note = `Congestion control "${o.congestionControl}" refused (${
          describeError(error)
        }): uploads use the system default`;
      }
    } else if (o.congestionControl !== undefined) {
      askServer = congestionControlCode(o.congestionControl);
      if (askServer === undefined) {
        const message = `Congestion control "${o.congestionControl}" cannot be asked of the ` +
          `server (the protocol knows ${CONGESTION_CONTROL_NAMES.join(", ")})`;
        if (o.strictCongestionControl) {
          throw new BufferbaneError(ErrorCode.InvalidArgument, message);
        }
        note = `${message}: downloads use the server's default`;
      }
    }
    const hello = {
      direction: direction === "download" ? StreamDirection.Download : StreamDirection.Upload,
      index,
      count: o.streams,
      duration: requested,
      ...(askServer !== undefined ? { congestionControl: askServer } : {}),
    } as const;
    const sealed = sealHello(keys.hello, sessionId, hello);
    await socket.writeAll(sealed.message);
    const buffer = new Uint8Array(Math.max(GRANT_SIZE, o.bufferSize));
    let got = 0;
    while (got < GRANT_SIZE) {
      const n = await socket.read(buffer.subarray(got));
      if (n === null) {
        throw new BufferbaneError(
          ErrorCode.Server,
          `Throughput server "${endpoint}" refused ${label}: it closed the connection without a grant`,
          {
            hint: "the UDP session may have ended, the server may be at its limits (streams, " +
              "bytes per hour), or the port runs no bufferbane throughput service",
          },
        );
      }
      got += n;
    }
    const grant = openGrant(keys.grant, buffer.subarray(0, GRANT_SIZE), {
      sessionId,
      nonce: sealed.nonce,
      body: hello,
    });
    if (!grant.ok) {
      throw new BufferbaneError(
        ErrorCode.Server,
        `Throughput server "${endpoint}" sent an invalid grant for ${label}: ${grant.reason}`,
        { hint: "is it a bufferbane server of the same version, and the session's own server?" },
      );
    }
    const granted = performance.now();
    const scratch = new TcpInfoScratch();
    const info = direction === "upload" ? readTcpInfo(socket.fd, scratch) : undefined;
    let congestionControl: string | undefined;
    if (direction === "download") {
      const code = grant.value.congestionControl ?? 0;
      if (code === CONGESTION_CONTROL_REFUSED) {
        const message = `The server refused congestion control "${o.congestionControl}" for ` +
          `downloads (its kernel lacks it or does not allow it)`;
        if (o.strictCongestionControl) throw new BufferbaneError(ErrorCode.Server, message);
        note = `${message}: it sends with its default`;
      } else {
        congestionControl = congestionControlName(code);
      }
    } else {
      try {
        congestionControl = socket.congestionControl;
      } catch { /* not Linux */ }
    }
    const stream: Stream = {
      direction,
      index,
      socket,
      grantedMs: grant.value.duration,
      grantedUntil: granted + grant.value.duration,
      moved: got - GRANT_SIZE, // data that came with the GRANT (downloads)
      acked: info?.bytesAcked !== undefined,
      ackBase: info?.bytesAcked ?? 0,
      scratch,
      last: 0,
      atMeasureStart: 0,
      atStart: 0,
      final: undefined,
      finished: false,
      error: undefined,
      info: undefined,
      congestionControl,
    };
    return note === undefined ? { stream } : { stream, note };
  } catch (error) {
    socket?.close();
    if (both.aborted) throw both.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    both.removeEventListener("abort", onAbort);
  }
}

/** Incompressible bytes for uploads. */
function randomPayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(payload.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return payload;
}
