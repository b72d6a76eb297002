/**
 * HTTP endpoints for browser tests (speed and latency under load), served by `Deno.serve`,
 * HTTPS when a certificate and key are given:
 *
 * | endpoint              | what                                                             |
 * | --------------------- | ---------------------------------------------------------------- |
 * | `GET /download?bytes=N` | N incompressible bytes, streamed (at most `maxDownloadBytes`;  |
 * |                       | `bytes` left out: that many); stops early at `maxDuration`       |
 * | `POST /upload`        | reads and drops the body (at most `maxUploadBytes`, at most      |
 * |                       | `maxDuration`), answers `{"bytes": n, "ms": t}` (JSON); a body    |
 * |                       | over the cap gets 413 with the same JSON and `"capped": "bytes"` |
 * | `GET /ping`           | 204, nothing else (`Cache-Control: no-store`): for time to first |
 * |                       | byte                                                             |
 * | `GET /ws`             | a WebSocket that answers each text message `{"t": x}` with       |
 * |                       | `{"t": x, "s": <server ms since the epoch>}` and echoes small    |
 * |                       | binary messages as they are (latency under load in browsers)     |
 *
 * Every response allows any origin by default (`corsOrigin`), answers preflights, and carries
 * `Timing-Allow-Origin` so that a page can read resource timings. These endpoints are open to
 * anyone who can reach them (a browser cannot hold a UDP session): they are off unless
 * configured, and every download and upload counts against the same per-client limits as the
 * TCP throughput service (`throughput_limits.ts`: streams at once, bytes per hour) when both get
 * the same limiter; over a limit the answer is 429 with `Retry-After`. WebSockets are capped per
 * client and in lifetime, and their messages are rate-limited (excess messages are dropped).
 *
 * The handler is a plain function of a `Request` (hono-style), so tests call it in-process.
 *
 * @module
 */
import type { SocketAddress } from "../ffi/structs.ts";
import {
  clientKey,
  type StreamRefusal,
  ThroughputLimiter,
  type ThroughputLimits,
} from "./throughput_limits.ts";
import { TokenBucket } from "./rate_limit.ts";
import { type TestSessionLimits, TestSessions } from "./test_sessions.ts";
import { BrowserResults } from "./browser_results.ts";
import { createWebApp, type WebPage } from "./web_app.ts";
import { householdSocket } from "./household_socket.ts";

/** Options of {@linkcode createHttpEndpoints}. */
export interface HttpEndpointsOptions {
  /** Caps (see `THROUGHPUT_LIMIT_DEFAULTS`); ignored when `limiter` is given. */
  limits?: Partial<ThroughputLimits>;
  /**
   * The limiter downloads and uploads are counted with; pass the TCP service's so that a
   * client's streams count once.
   *
   * @default {a new ThroughputLimiter(limits)}
   */
  limiter?: ThroughputLimiter;
  /**
   * The most bytes one download sends (and what `bytes` defaults to).
   *
   * @default {1073741824 (1 GiB)}
   */
  maxDownloadBytes?: number;
  /**
   * The most bytes one upload may send; beyond it the answer is 413.
   *
   * @default {1073741824 (1 GiB)}
   */
  maxUploadBytes?: number;
  /**
   * `Access-Control-Allow-Origin` of every answer.
   *
   * @default {"*"}
   */
  corsOrigin?: string;
  /**
   * WebSockets open at once per client (IPv4 address or IPv6 /64).
   *
   * @default {4}
   */
  maxWebSocketsPerAddress?: number;
  /**
   * How long a WebSocket may stay open, ms.
   *
   * @default {120000}
   */
  webSocketMaxDuration?: number;
  /**
   * Messages per second a WebSocket may send (with a burst of as many); excess is dropped.
   *
   * @default {100}
   */
  webSocketMessagesPerSecond?: number;
  /**
   * Bytes per chunk of a download (one random buffer, shared by every download).
   *
   * @default {1048576}
   */
  chunkSize?: number;
  /**
   * Browser test sessions (`test_sessions.ts`): a download, upload or WebSocket that names one
   * (`?session=ID`) is attached to it, keeps it alive while it moves, and is cut when it ends;
   * one that names an unknown or ended session gets 403.
   */
  sessions?: TestSessions;
  /**
   * Refuse (403) downloads, uploads and WebSockets that name no live session, so that every
   * load belongs to a bounded test.
   *
   * @default {false}
   */
  requireSession?: boolean;
}

/** What the endpoints have served. */
export interface HttpEndpointsStats {
  /** Requests by endpoint (`other` for the rest). */
  requests: { download: number; upload: number; ping: number; ws: number; other: number };
  /** Answers 429, by the limit that refused. */
  limited: Record<StreamRefusal | "websockets", number>;
  /** Answers 403: no live test session named where one is needed. */
  noSession: number;
  /** Body bytes sent by downloads and read from uploads. */
  bytes: { sent: number; received: number };
  /** WebSockets open now. */
  webSockets: number;
}

/** The endpoints: a handler plus counters. */
export interface HttpEndpoints {
  /**
   * Answers one request.
   *
   * @param request The request.
   * @param info Where it came from (`Deno.serve` passes it); without it the client counts as
   * `"unknown"`.
   * @returns The response.
   */
  fetch(request: Request, info?: { remoteAddr: Deno.Addr }): Promise<Response>;
  /**
   * Counters so far.
   *
   * @returns A copy.
   */
  stats(): HttpEndpointsStats;
  /** The limiter charged (shared with the TCP service when it was given). */
  readonly limiter: ThroughputLimiter;
  /** Cuts every open download and upload and closes every WebSocket (at shutdown). */
  closeAll(): void;
}

const GIB = 1_073_741_824;

/**
 * Creates the endpoints' handler (see the module documentation).
 *
 * @param options Limits, caps and CORS.
 * @returns The handler and its counters.
 *
 * @example In-process, no network
 * ```ts
 * import { createHttpEndpoints } from "./http_endpoints.ts";
 * const endpoints = createHttpEndpoints({ maxDownloadBytes: 1000 });
 * const ping = await endpoints.fetch(new Request("http://x/ping"));
 * console.log(ping.status, ping.headers.get("cache-control")); // 204 no-store
 * const download = await endpoints.fetch(new Request("http://x/download?bytes=5000"));
 * console.log((await download.bytes()).length); // 1000
 * const upload = await endpoints.fetch(
 *   new Request("http://x/upload", { method: "POST", body: new Uint8Array(300) }),
 * );
 * console.log(await upload.json()); // { bytes: 300, ms: ... }
 * ```
 */
export function createHttpEndpoints(options: HttpEndpointsOptions = {}): HttpEndpoints {
  const limiter = options.limiter ?? new ThroughputLimiter(options.limits ?? {});
  const maxDownload = options.maxDownloadBytes ?? GIB;
  const maxUpload = options.maxUploadBytes ?? GIB;
  const origin = options.corsOrigin ?? "*";
  const maxSockets = options.maxWebSocketsPerAddress ?? 4;
  const socketLife = options.webSocketMaxDuration ?? 120_000;
  const messageRate = options.webSocketMessagesPerSecond ?? 100;
  const chunk = randomPayload(options.chunkSize ?? 1_048_576);
  const stats: HttpEndpointsStats = {
    requests: { download: 0, upload: 0, ping: 0, ws: 0, other: 0 },
    limited: { address_streams: 0, server_streams: 0, bytes_per_hour: 0, websockets: 0 },
    noSession: 0,
    bytes: { sent: 0, received: 0 },
    webSockets: 0,
  };
  const socketsByClient = new Map<string, number>();
  /** How to cut each open download, upload and WebSocket. */
  const cutters = new Set<() => void>();

  const cors = (headers: HeadersInit = {}): Headers => {
    const out = new Headers(headers);
    out.set("access-control-allow-origin", origin);
    out.set("timing-allow-origin", origin);
    if (origin !== "*") out.append("vary", "Origin");
    return out;
  };
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: cors({ "content-type": "application/json", "cache-control": "no-store" }),
    });
  const text = (body: string, status: number, headers: HeadersInit = {}) =>
    new Response(body, {
      status,
      headers: cors({ "content-type": "text/plain; charset=utf-8", ...headers }),
    });
  const tooMany = (refusal: StreamRefusal, address: string) => {
    stats.limited[refusal]++;
    const retry = refusal === "bytes_per_hour" ? retryAfterBytes(limiter, address) : 1;
    return text(`Too many requests: ${refusal.replaceAll("_", " ")}\n`, 429, {
      "retry-after": String(retry),
    });
  };

  const sessions = options.sessions;
  const requireSession = options.requireSession ?? false;
  /**
   * The live session a request names, `null` when it names none (and none is required), or
   * the 403 to answer.
   */
  const sessionOf = (url: URL): string | null | Response => {
    const id = url.searchParams.get("session");
    if (id !== null && sessions?.get(id) !== undefined) return id;
    if (id === null && !requireSession) return null;
    stats.noSession++;
    return text(
      id === null
        ? "Forbidden: start a test first (POST /api/sessions)\n"
        : "Forbidden: this test session has ended or never was\n",
      403,
    );
  };
  /** Attaches a stream to its session (when it has one): `cut` runs when the session ends. */
  const attach = (session: string | null, cut: () => void): () => void =>
    (session === null ? undefined : sessions?.attach(session, cut)) ?? (() => {});
  const touch = (session: string | null) => {
    if (session !== null) sessions?.touch(session);
  };

  function download(url: URL, address: string): Response {
    const session = sessionOf(url);
    if (session instanceof Response) return session;
    const asked = url.searchParams.get("bytes");
    let total = maxDownload;
    if (asked !== null) {
      const n = Number(asked);
      if (!/^[0-9]+$/.test(asked) || !Number.isSafeInteger(n)) {
        return text(`Invalid bytes "${asked}": expected a whole number\n`, 400);
      }
      total = Math.min(n, maxDownload);
    }
    const ticket = limiter.open(address);
    if (typeof ticket === "string") return tooMany(ticket, address);
    const started = performance.now();
    const deadline = started + limiter.limits.maxDuration;
    let left = total;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cut: (() => void) | undefined;
    let detach = () => {};
    const finish = () => {
      clearTimeout(timer);
      ticket.close();
      detach();
      if (cut) cutters.delete(cut);
    };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        cut = () => {
          finish();
          try {
            controller.error(new Error("The download was cut"));
          } catch { /* already closed */ }
        };
        cutters.add(cut);
        detach = attach(session, cut);
        // Bounded whatever the client does: one that stops reading is cut off.
        timer = setTimeout(cut, limiter.limits.maxDuration + 2_000);
      },
      pull(controller) {
        if (left <= 0 || performance.now() >= deadline) {
          finish();
          controller.close();
          return;
        }
        const piece = left >= chunk.byteLength ? chunk : chunk.subarray(0, left);
        left -= piece.byteLength;
        stats.bytes.sent += piece.byteLength;
        touch(session);
        controller.enqueue(piece);
        if (!ticket.charge(piece.byteLength)) left = 0;
      },
      cancel() {
        finish();
      },
    }, { highWaterMark: 1 });
    return new Response(body, {
      headers: cors({
        "content-type": "application/octet-stream",
        "cache-control": "no-store",
        "x-bufferbane-bytes": String(total),
        "access-control-expose-headers": "X-Bufferbane-Bytes",
      }),
    });
  }

  async function upload(request: Request, url: URL, address: string): Promise<Response> {
    const session = sessionOf(url);
    if (session instanceof Response) {
      await request.body?.cancel().catch(() => {});
      return session;
    }
    const ticket = limiter.open(address);
    if (typeof ticket === "string") {
      await request.body?.cancel().catch(() => {});
      return tooMany(ticket, address);
    }
    const started = performance.now();
    let bytes = 0;
    let capped: "bytes" | "duration" | "bytes_per_hour" | undefined;
    const reader = request.body ? new BodyDrain(request.body) : undefined;
    const cut = () => reader?.cancel();
    cutters.add(cut);
    const detach = attach(session, cut);
    const timer = setTimeout(() => {
      capped ??= "duration";
      cut();
    }, limiter.limits.maxDuration);
    try {
      while (reader) {
        const value = await reader.next();
        if (value === undefined) break;
        bytes += value.byteLength;
        stats.bytes.received += value.byteLength;
        touch(session);
        if (bytes > maxUpload) {
          capped = "bytes";
          break;
        }
        if (!ticket.charge(value.byteLength)) {
          capped = "bytes_per_hour";
          break;
        }
      }
    } finally {
      cutters.delete(cut);
      detach();
      clearTimeout(timer);
      ticket.close();
      if (capped !== undefined) await reader?.cancel();
    }
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const status = capped === "bytes" ? 413 : capped === "bytes_per_hour" ? 429 : 200;
    return json({ bytes, ms, ...(capped ? { capped } : {}) }, status);
  }

  function webSocket(request: Request, url: URL, address: string): Response {
    if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
      return text("Expected a WebSocket upgrade\n", 426, { upgrade: "websocket" });
    }
    const session = sessionOf(url);
    if (session instanceof Response) return session;
    const key = clientKey(address);
    const open = socketsByClient.get(key) ?? 0;
    if (open >= maxSockets) {
      stats.limited.websockets++;
      return text("Too many requests: WebSockets\n", 429, { "retry-after": "1" });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socketsByClient.set(key, open + 1);
    stats.webSockets++;
    const bucket = new TokenBucket({ rate: messageRate, burst: messageRate }, performance.now());
    const cut = () => socket.close(1001, "server shutting down");
    cutters.add(cut);
    const detach = attach(session, () => socket.close(1000, "test session ended"));
    const life = setTimeout(() => socket.close(1000, "longest duration reached"), socketLife);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      if (!bucket.take(performance.now())) return;
      touch(session);
      const data = event.data;
      if (typeof data === "string") {
        if (data.length > 1024) return socket.close(1009, "message too big");
        let t: unknown;
        try {
          t = (JSON.parse(data) as { t?: unknown })?.t;
        } catch {
          t = undefined;
        }
        if (typeof t === "number" && Number.isFinite(t)) {
          socket.send(JSON.stringify({ t, s: Date.now() }));
        }
      } else if (data instanceof ArrayBuffer) {
        if (data.byteLength > 1024) return socket.close(1009, "message too big");
        socket.send(data);
      }
    };
    socket.onclose = () => {
      cutters.delete(cut);
      detach();
      clearTimeout(life);
      stats.webSockets--;
      const left = (socketsByClient.get(key) ?? 1) - 1;
      if (left <= 0) socketsByClient.delete(key);
      else socketsByClient.set(key, left);
    };
    socket.onerror = () => {};
    return response;
  }

  return {
    limiter,
    stats: () => structuredClone(stats),
    closeAll() {
      for (const cut of [...cutters]) {
        try {
          cut();
        } catch { /* already gone */ }
      }
    },
    // deno-lint-ignore require-await
    async fetch(request, info) {
      const url = new URL(request.url);
      const address = info && "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unknown";
      const method = request.method;
      if (method === "OPTIONS") {
        return new Response(null, {
          status: 204,
          headers: cors({
            "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
            "access-control-allow-headers": "Content-Type",
            "access-control-max-age": "86400",
          }),
        });
      }
      switch (url.pathname) {
        case "/download":
          stats.requests.download++;
          if (method !== "GET") return notAllowed("GET");
          return download(url, address);
        case "/upload":
          stats.requests.upload++;
          if (method !== "POST") return notAllowed("POST");
          return upload(request, url, address);
        case "/ping":
          stats.requests.ping++;
          if (method !== "GET" && method !== "HEAD") return notAllowed("GET, HEAD");
          return new Response(null, {
            status: 204,
            headers: cors({ "cache-control": "no-store" }),
          });
        case "/ws/household":
          stats.requests.ws++;
          if (method !== "GET") return notAllowed("GET");
          if (!sessions) return text("Not found\n", 404);
          return householdSocket(request, { sessions, limiter, address });
        case "/ws":
          stats.requests.ws++;
          if (method !== "GET") return notAllowed("GET");
          return webSocket(request, url, address);
        default:
          stats.requests.other++;
          return text("Not found\n", 404);
      }
    },
  };

  function notAllowed(allow: string): Response {
    return text("Method not allowed\n", 405, { allow });
  }
}

/**
 * Reads a request body chunk by chunk. A network body is a byte stream: it is read with a BYOB
 * reader into one reused buffer, since the default reader allocates a chunk per read, which
 * made this sink the slower end of an upload (bench/throughput_vs_iperf3.ts). Other bodies (an
 * in-process `Request`) fall back to the default reader.
 */
class BodyDrain {
  #byob: ReadableStreamBYOBReader | undefined;
  #plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #buffer = new Uint8Array(1_048_576);

  constructor(body: ReadableStream<Uint8Array>) {
    try {
      this.#byob = body.getReader({ mode: "byob" });
    } catch {
      this.#plain = body.getReader();
    }
  }

  /** The next chunk (valid until the next call); `undefined` at the end or on a failure. */
  async next(): Promise<Uint8Array | undefined> {
    try {
      if (this.#byob) {
        const { done, value } = await this.#byob.read(this.#buffer);
        if (done || value === undefined) return undefined;
        this.#buffer = new Uint8Array(value.buffer);
        return value;
      }
      const { done, value } = await this.#plain!.read();
      return done ? undefined : value;
    } catch {
      return undefined;
    }
  }

  /** Stops reading (the client's body is dropped). */
  cancel(): Promise<void> {
    return (this.#byob ?? this.#plain)!.cancel().catch(() => {});
  }
}

function retryAfterBytes(limiter: ThroughputLimiter, address: string): number {
  // Seconds until the allowance has refilled by a tenth (a useful test's worth, roughly).
  const missing = limiter.limits.bytesPerHour / 10 - limiter.remaining(address);
  return Math.max(1, Math.ceil(missing / (limiter.limits.bytesPerHour / 3600)));
}

/** Incompressible bytes. */
function randomPayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(payload.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return payload;
}

/** Options of {@linkcode startHttpEndpoints}. */
export interface HttpServerOptions extends HttpEndpointsOptions {
  /**
   * Where to listen; port 0 picks a free port.
   *
   * @default {{ address: "127.0.0.1", port: 0 }}
   */
  listen?: SocketAddress;
  /** PEM certificate chain: with `key`, the endpoints are served over HTTPS. */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
  /**
   * Serve the browser test pages too (`web_app.ts`); every download, upload and WebSocket then
   * needs a live test session.
   */
  web?: {
    /**
     * SQLite file of saved results.
     *
     * @default {":memory:"}
     */
    resultsDb?: string;
    /**
     * Days a saved result is kept.
     *
     * @default {90}
     */
    resultsRetentionDays?: number;
    /** Caps of the test sessions (see `TEST_SESSION_DEFAULTS`). */
    sessions?: Partial<TestSessionLimits>;
    /** The pages' code (tests may stub it); bundled from `web/` by default. */
    script?: (page: WebPage) => Promise<string>;
  };
}

/** Running HTTP endpoints. */
export interface HttpServer {
  /** Where it listens (with the port picked). */
  readonly address: SocketAddress;
  /** `http://` or `https://`, host and port. */
  readonly url: string;
  /** The endpoints (their counters and limiter). */
  readonly endpoints: HttpEndpoints;
  /** The test sessions and saved results, when the web pages are served. */
  readonly web?: { sessions: TestSessions; results: BrowserResults };
  /** Stops the server (open downloads and uploads are cut). */
  close(): Promise<void>;
}

/**
 * Serves the endpoints with `Deno.serve` (HTTPS when `cert` and `key` are given).
 *
 * @param options Where to listen, TLS, and the endpoints' options.
 * @returns The running server.
 * @throws {TypeError} When only one of `cert` and `key` is given.
 *
 * @example On loopback
 * ```ts
 * import { startHttpEndpoints } from "./http_endpoints.ts";
 * const server = await startHttpEndpoints({});
 * const response = await fetch(`${server.url}/ping`);
 * console.log(response.status); // 204
 * await server.close();
 * ```
 */
export async function startHttpEndpoints(options: HttpServerOptions): Promise<HttpServer> {
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TypeError("Invalid HTTPS setup: give both a certificate and its key, or neither");
  }
  const web = options.web === undefined ? undefined : {
    sessions: new TestSessions(options.web.sessions ? { limits: options.web.sessions } : {}),
    results: new BrowserResults({
      path: options.web.resultsDb ?? ":memory:",
      retentionDays: options.web.resultsRetentionDays ?? 90,
    }),
  };
  const endpoints = createHttpEndpoints({
    ...options,
    ...(web ? { sessions: web.sessions, requireSession: true } : {}),
  });
  const app = web
    ? createWebApp({
      endpoints,
      ...web,
      ...(options.web?.script ? { script: options.web.script } : {}),
    })
    : endpoints;
  const listen = options.listen ?? { address: "127.0.0.1", port: 0 };
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: listen.address,
    port: listen.port,
    ...(options.cert !== undefined ? { cert: options.cert, key: options.key! } : {}),
    onListen: (addr) => listening.resolve(addr as Deno.NetAddr),
    onError: () => new Response("Internal error\n", { status: 500 }),
  }, (request, info) => app.fetch(request, info));
  const addr = await listening.promise;
  const scheme = options.cert !== undefined ? "https" : "http";
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    address: { address: addr.hostname, port: addr.port },
    url: `${scheme}://${host}:${addr.port}`,
    endpoints,
    ...(web ? { web } : {}),
    async close() {
      const stopping = server.shutdown();
      web?.sessions.close();
      endpoints.closeAll();
      await stopping;
      web?.results.close();
    },
  };
}
