/**
 * The HTTP load engine: N parallel downloads (`GET /download`) and uploads (`POST /upload`)
 * against a bufferbane server's HTTP endpoints (`server/http_endpoints.ts`), with goodput
 * sampled every 100 ms in total and per stream, the warm-up left out of the summary: the same
 * samples and result shapes as the TCP engine (`tcp_load.ts`), for servers reached over HTTP
 * only and to compare the two paths.
 *
 * Downloads use `fetch`; uploads use `node:http` (`node:https`), whose request body is written
 * from one reused buffer: Deno's `fetch` with a body cost the client about five times the CPU
 * per byte and capped an upload at a tenth of iperf3's rate on loopback (measured with
 * `bench/throughput_vs_iperf3.ts`). Neither can bind to an interface or pick a congestion
 * control (use the TCP engine for that), and neither needs a session: the endpoints are open,
 * within their limits.
 *
 * Downloads: each stream asks for more than it can move in the time (`maxBytesPerStream`),
 * counts the body bytes as it reads them, and is cut at the end; a stream the server ends early
 * (its byte cap, its duration cap) starts a new request.
 *
 * Uploads: each stream posts bodies of a known length one after the other on a kept-alive
 * connection, as a browser does (a streamed, chunked body costs the server more CPU per byte),
 * each sized to take about 25 ms at the rate the previous one went (64 KiB to 16 MiB), and
 * counts a body when the server has answered it (`"answered"`: the server read all of it). The
 * body in flight at the end is not counted.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { describeError } from "../core/errors.ts";
import { BodyPoster } from "./_body_poster.ts";
import {
  type DirectionGoodput,
  type DirectionResult,
  type GoodputSample,
  type LoadDirection,
  mbps,
  measuredPercentiles,
  type StreamResult,
} from "./goodput.ts";

/** Options of {@linkcode runHttpLoad}. */
export interface HttpLoadOptions {
  /** The endpoints' base URL, e.g. `"https://speed.example.org:9878"`. */
  url: string;
  /**
   * `"download"`, `"upload"` or `"bidirectional"`.
   *
   * @default {"download"}
   */
  mode?: LoadDirection | "bidirectional";
  /**
   * Parallel requests per direction.
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
   * How long the load runs before it is measured, ms.
   *
   * @default {2000}
   */
  warmup?: number;
  /**
   * Sampling interval, ms.
   *
   * @default {100}
   */
  sampleInterval?: number;
  /**
   * Bytes a download asks for (`?bytes=`); the server caps it.
   *
   * @default {1073741824 (1 GiB)}
   */
  maxBytesPerStream?: number;
  /** Called with each sample. */
  onSample?: (sample: GoodputSample) => void;
  /** Stops the load early (the result comes with `stopped: true`). */
  signal?: AbortSignal;
  /**
   * PEM certificates to trust besides the system's (e.g. a test server's self-signed one).
   *
   * @default {[]}
   */
  caCerts?: string[];
}

/** What an HTTP load measured. */
export interface HttpLoadResult {
  /** When the load started, ms since the Unix epoch. */
  startedAt: number;
  /** From the start to the last sample, ms. */
  durationMs: number;
  /** The warm-up left out, ms. */
  warmupMs: number;
  /** The measured part, ms. */
  measuredMs: number;
  /** Whether the signal ended the load before its end. */
  stopped: boolean;
  /** Download figures. */
  download?: DirectionResult;
  /** Upload figures. */
  upload?: DirectionResult;
  /** Every sample, warm-up included. */
  samples: GoodputSample[];
  /** Requests that failed, and other things worth knowing. */
  notes: string[];
}

interface HttpStream {
  direction: LoadDirection;
  index: number;
  moved: number;
  last: number;
  atMeasureStart: number;
  requests: number;
  error: string | undefined;
}

/** Smallest and largest upload body, bytes (powers of two in between). */
const MIN_UPLOAD_BYTES = 65_536;
const MAX_UPLOAD_BYTES = 16_777_216;
/** How long an upload body should take, ms. */
const UPLOAD_TARGET_MS = 25;

/** The power of two nearest below `bytes`, within the upload bounds. */
function nextUploadSize(bytes: number): number {
  let size = MIN_UPLOAD_BYTES;
  while (size * 2 <= bytes && size < MAX_UPLOAD_BYTES) size *= 2;
  return size;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs an HTTP load to its end (see the module documentation).
 *
 * @param options Where, which directions, how many streams, how long.
 * @returns The result.
 * @throws {TypeError} When the URL is not a valid http(s) URL.
 *
 * @example Against in-process endpoints served on loopback
 * ```ts
 * import { runHttpLoad } from "./http_load.ts";
 * import { startHttpEndpoints } from "../server/http_endpoints.ts";
 * const server = await startHttpEndpoints({});
 * const result = await runHttpLoad({ url: server.url, streams: 2, warmup: 100, duration: 200 });
 * console.log(result.download!.bytes > 0, result.download!.counting); // true received
 * await server.close();
 * ```
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const base = new URL(options.url);
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(`Invalid URL "${options.url}": expected http or https`);
  }
  const mode = options.mode ?? "download";
  const count = options.streams ?? 4;
  const duration = options.duration ?? 10_000;
  const warmup = options.warmup ?? 2_000;
  const interval = options.sampleInterval ?? 100;
  const askBytes = options.maxBytesPerStream ?? 1_073_741_824;
  const payload = mode === "download" ? new Uint8Array(0) : randomPayload(MAX_UPLOAD_BYTES);
  const readBufferSize = 1_048_576;
  const directions: LoadDirection[] = mode === "bidirectional" ? ["download", "upload"] : [mode];
  const streams: HttpStream[] = directions.flatMap((direction) =>
    Array.from({ length: count }, (_, index) => ({
      direction,
      index,
      moved: 0,
      last: 0,
      atMeasureStart: 0,
      requests: 0,
      error: undefined,
    }))
  );
  const notes: string[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const caCerts = options.caCerts ?? [];
  const client = caCerts.length > 0 ? Deno.createHttpClient({ caCerts }) : undefined;
  const fetchOptions = client ? { client } : {};
  const poster = mode === "download"
    ? undefined
    : await BodyPoster.open(base, { streams: count, caCerts, signal: stop.signal });

  const download = async (stream: HttpStream) => {
    while (!stop.signal.aborted) {
      stream.requests++;
      const url = new URL(`/download?bytes=${askBytes}`, base);
      const response = await fetch(url, { signal: stop.signal, ...fetchOptions });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`GET /download answered ${response.status}`);
      }
      // A BYOB reader into one reused buffer: about twice the goodput of the default reader
      // on loopback (no new chunk allocated per read).
      const reader = response.body!.getReader({ mode: "byob" });
      let buffer = new Uint8Array(readBufferSize);
      let lastYield = performance.now();
      for (;;) {
        const { done, value } = await reader.read(buffer);
        if (done || value === undefined) break;
        stream.moved += value.byteLength;
        buffer = new Uint8Array(value.buffer);
        if (performance.now() - lastYield >= 2) {
          await macrotask();
          lastYield = performance.now();
        }
      }
    }
  };
  // Uploads send bodies of a known length (as browsers do), sized to take about
  // `UPLOAD_TARGET_MS` at the rate the last one went, so that the 100 ms samples stay smooth
  // at any rate; each body counts when the server has answered (it read it all).
  const upload = async (stream: HttpStream) => {
    let size = MIN_UPLOAD_BYTES;
    while (!stop.signal.aborted) {
      stream.requests++;
      const started = performance.now();
      const status = await poster!.post("/upload", payload.subarray(0, size));
      if (status !== 200) throw new Error(`POST /upload answered ${status}`);
      stream.moved += size;
      const ms = Math.max(0.1, performance.now() - started);
      size = nextUploadSize(size * UPLOAD_TARGET_MS / ms);
    }
  };
  const run = (stream: HttpStream) =>
    (stream.direction === "download" ? download : upload)(stream).catch((error) => {
      if (!stop.signal.aborted) stream.error = describeError(error);
    });

  const t0 = performance.now();
  const startedAt = Date.now();
  const loops = streams.map(run);
  const end = t0 + warmup + duration;
  const samples: GoodputSample[] = [];
  let last = t0;
  let measureFrom: number | undefined = warmup === 0 ? t0 : undefined;
  let stopped = false;
  for (let tick = 1;; tick++) {
    const plannedStart = (tick - 1) * interval;
    const planned = Math.min(t0 + tick * interval, end);
    const wait = planned - performance.now();
    if (wait > 0) await Promise.race([sleep(wait), abortPromise(stop.signal)]);
    const now = performance.now();
    if (stop.signal.aborted) stopped = true;
    const isWarmup = plannedStart < warmup;
    const sample: GoodputSample = {
      t: now - t0,
      timestamp: startedAt + (now - t0),
      intervalMs: now - last,
      warmup: isWarmup,
    };
    for (const direction of directions) {
      const goodput: DirectionGoodput = { mbps: 0, bytes: 0, streams: [] };
      for (const stream of streams.filter((s) => s.direction === direction)) {
        const bytes = stream.moved - stream.last;
        stream.last = stream.moved;
        goodput.bytes += bytes;
        goodput.streams[stream.index] = mbps(bytes, now - last);
        if (isWarmup) stream.atMeasureStart = stream.moved;
      }
      goodput.mbps = mbps(goodput.bytes, now - last);
      sample[direction] = goodput;
    }
    if (isWarmup) measureFrom = now;
    last = now;
    samples.push(sample);
    options.onSample?.(sample);
    if (stopped || planned >= end) break;
  }
  stop.abort();
  options.signal?.removeEventListener("abort", onAbort);
  await Promise.race([Promise.allSettled(loops), sleep(2_000)]);
  poster?.close();
  client?.close();
  for (const stream of streams) {
    if (stream.error) notes.push(`${stream.direction} stream ${stream.index + 1}: ${stream.error}`);
  }
  const measuredStart = measureFrom ?? last;
  const measuredMs = Math.max(0, last - measuredStart);
  const result: HttpLoadResult = {
    startedAt,
    durationMs: last - t0,
    warmupMs: measuredStart - t0,
    measuredMs,
    stopped,
    samples,
    notes,
  };
  for (const direction of directions) {
    const own = streams.filter((s) => s.direction === direction);
    const results: StreamResult[] = own.map((s) => {
      const bytes = s.last - s.atMeasureStart;
      return {
        direction,
        index: s.index,
        bytes,
        bytesTotal: s.last,
        meanMbps: measuredMs > 0 ? mbps(bytes, measuredMs) : NaN,
        ...(s.error !== undefined ? { error: s.error } : {}),
      };
    });
    const bytes = results.reduce((sum, s) => sum + s.bytes, 0);
    result[direction] = {
      counting: direction === "download" ? "received" : "answered",
      bytes,
      bytesTotal: results.reduce((sum, s) => sum + s.bytesTotal, 0),
      meanMbps: measuredMs > 0 ? mbps(bytes, measuredMs) : NaN,
      ...measuredPercentiles(samples, direction),
      streams: results,
    };
  }
  return result;
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Incompressible bytes. */
function randomPayload(size: number): Uint8Array<ArrayBuffer> {
  const payload = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(payload.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return payload;
}
