/**
 * The server's web app: the browser bufferbloat test and its shared results, on top of the
 * HTTP endpoints (`http_endpoints.ts`, which it wraps: every path it does not know goes there).
 *
 * | route                          | what                                                     |
 * | ------------------------------ | -------------------------------------------------------- |
 * | `GET /`                        | the single-user test page                                |
 * | `GET /results/{id}`            | a saved result (the share link)                          |
 * | `GET /household`               | the virtual household test                               |
 * | `GET /assets/bufferbloat.js`   | the pages' code, bundled on first use (`web_bundle.ts`)  |
 * | `GET /assets/household.js`     |                                                          |
 * | `GET /assets/page.css`         | its style (dark mode, phone layout)                      |
 * | `POST /api/sessions`           | `{"kind": "single"}`: a test session, or 429 and why     |
 * | `POST /api/sessions/{id}/end`  | ends a session (the page's Stop button)                  |
 * | `POST /api/results`            | the samples of a finished test: graded here, saved, 201  |
 * | `GET /api/results/{id}`        | a saved result as JSON, 404 when there is none           |
 * | `GET /api/stats`               | sessions, endpoints and results counters                 |
 * | `GET /health`                  | `{"status": "ok"}` while the app answers                 |
 *
 * Everything a page needs is served here (no external resources, a strict
 * `Content-Security-Policy`), so the pages work offline. Bodies posted to the API are capped
 * and checked before anything is done with them.
 *
 * @module
 */
import type { HttpEndpoints } from "./http_endpoints.ts";
import { type BrowserResults, resultUploadSchema } from "./browser_results.ts";
import type { TestSessionKind, TestSessions } from "./test_sessions.ts";
import { bundleBrowserCode } from "./web_bundle.ts";

/** Options of {@linkcode createWebApp}. */
export interface WebAppOptions {
  /** The endpoints the pages load the link with (created with the same `sessions`). */
  endpoints: HttpEndpoints;
  /** The test sessions. */
  sessions: TestSessions;
  /** Where results are saved. */
  results: BrowserResults;
  /**
   * A page's code; the default bundles `web/<page>/main.ts` on first use.
   *
   * @default {(page) => bundleBrowserCode(`web/${page}/main.ts`)}
   */
  script?: (page: WebPage) => Promise<string>;
  /**
   * The largest body `POST /api/results` takes, bytes.
   *
   * @default {524288}
   */
  maxResultBytes?: number;
}

/** The pages with code of their own. */
export type WebPage = "bufferbloat" | "household";

/** The web app's handler. */
export interface WebApp {
  /**
   * Answers one request (the endpoints' paths included).
   *
   * @param request The request.
   * @param info Where it came from.
   * @returns The response.
   */
  fetch(request: Request, info?: { remoteAddr: Deno.Addr }): Promise<Response>;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const STYLE = new URL("../web/bufferbloat/page.css", import.meta.url);

function page(kind: "test" | "result" | "household", resultId = ""): string {
  const title = kind === "test"
    ? "Bufferbloat test"
    : kind === "household"
    ? "Virtual household test"
    : "Bufferbloat test result";
  const script = kind === "household" ? "household" : "bufferbloat";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · bufferbane</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/page.css">
<script type="module" src="/assets/${script}.js"></script>
</head>
<body data-page="${kind}" data-result="${resultId}">
<main>
<nav><a href="/">Single-user test</a> · <a href="/household">Virtual household</a></nav>
<h1>${title}</h1>
${
    kind === "household"
      ? `<p class="lead">Four virtual users share your connection at once, each on its own
connection: a gamer, a video call, a streaming TV and a big download. Who gets what they need?</p>
<div class="controls">
<button id="start" disabled>Start</button>
<button id="stop" class="secondary" hidden>Stop</button>
</div>`
      : kind === "test"
      ? `<p class="lead">How much does your connection's latency rise when it is busy? The test
measures latency every 100 ms while it downloads, uploads, and does both at once, then grades
the increase from A+ to F.</p>
<div class="controls">
<button id="start" disabled>Start</button>
<button id="stop" class="secondary" hidden>Stop</button>
</div>`
      : `<p class="lead" id="taken"></p>
<div class="controls"><a href="/">Run your own test</a></div>`
  }
<p id="status" data-kind="busy" role="status" aria-live="polite">Loading…</p>
<div class="card" id="chart"></div>
<div id="result"></div>
${kind === "household" ? '<div id="users" class="users"></div>' : ""}
<p id="share" hidden>Share this result: <a id="share-link" href="#"></a></p>
<footer>bufferbane · the latency probes and the load come from this server only.</footer>
</main>
</body>
</html>
`;
}

/**
 * Creates the web app's handler (see the module documentation).
 *
 * @param options Endpoints, sessions, results store.
 * @returns The handler.
 *
 * @example In-process
 * ```ts
 * import { createWebApp } from "./web_app.ts";
 * import { createHttpEndpoints } from "./http_endpoints.ts";
 * import { TestSessions } from "./test_sessions.ts";
 * import { BrowserResults } from "./browser_results.ts";
 * const sessions = new TestSessions();
 * const results = new BrowserResults();
 * const app = createWebApp({
 *   endpoints: createHttpEndpoints({ sessions, requireSession: true }), sessions, results,
 *   script: () => Promise.resolve("// the bundle"),
 * });
 * const answer = await app.fetch(new Request("http://x/api/sessions", {
 *   method: "POST", body: JSON.stringify({ kind: "single" }),
 * }));
 * console.log(answer.status); // 201
 * sessions.close();
 * results.close();
 * ```
 */
export function createWebApp(options: WebAppOptions): WebApp {
  const { endpoints, sessions, results } = options;
  const script = options.script ?? ((name: WebPage) => bundleBrowserCode(`web/${name}/main.ts`));
  const maxResultBytes = options.maxResultBytes ?? 524_288;
  const started = performance.now();
  let style: string | undefined;

  const headers = (type: string, extra: Record<string, string> = {}) => ({
    "content-type": type,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    ...extra,
  });
  const json = (body: unknown, status = 200, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: headers("application/json", { "cache-control": "no-store", ...extra }),
    });
  const html = (body: string, status = 200) =>
    new Response(body, {
      status,
      headers: headers("text/html; charset=utf-8", {
        "content-security-policy": CSP,
        "cache-control": "no-cache",
      }),
    });

  async function readJson(request: Request, limit: number): Promise<unknown | Response> {
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > limit) return json({ error: `The body is over ${limit} bytes` }, 413);
    const reader = request.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return json({ error: `The body is over ${limit} bytes` }, 413);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return json({ error: "The body is not JSON" }, 400);
    }
  }

  async function startSession(request: Request, address: string): Promise<Response> {
    const body = await readJson(request, 1_024);
    if (body instanceof Response) return body;
    const kind = (body as { kind?: unknown } | null)?.kind ?? "single";
    if (kind !== "single" && kind !== "household") {
      return json({ error: 'kind must be "single" or "household"' }, 400);
    }
    const session = sessions.start(address, kind as TestSessionKind);
    if ("reason" in session) {
      return json(
        { error: session.message, reason: session.reason, retryAfter: session.retryAfter },
        429,
        { "retry-after": String(session.retryAfter) },
      );
    }
    return json({
      id: session.id,
      kind: session.kind,
      maxDurationMs: sessions.limits.maxDuration,
      idleTimeoutMs: sessions.limits.idleTimeout,
    }, 201);
  }

  async function saveResult(request: Request): Promise<Response> {
    const body = await readJson(request, maxResultBytes);
    if (body instanceof Response) return body;
    const parsed = resultUploadSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return json({
        error: `Invalid result: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "?"}`,
      }, 400);
    }
    // Only a live session's test is saved, once: it ends with the save.
    if (sessions.get(parsed.data.session) === undefined) {
      return json({ error: "This test session has ended or never was" }, 403);
    }
    sessions.end(parsed.data.session, "done");
    const stored = results.save(parsed.data);
    return json(stored, 201, { location: `/results/${stored.id}` });
  }

  return {
    async fetch(request, info) {
      const url = new URL(request.url);
      const address = info && "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unknown";
      const method = request.method;
      const path = url.pathname;
      if (method === "GET" && (path === "/" || path === "/index.html")) return html(page("test"));
      if (method === "GET" && path === "/household") return html(page("household"));
      const shared = /^\/results\/([A-Za-z0-9_-]{1,64})$/.exec(path);
      if (method === "GET" && shared) return html(page("result", shared[1]));
      const asset = /^\/assets\/(bufferbloat|household)\.js$/.exec(path);
      if (method === "GET" && asset) {
        try {
          return new Response(await script(asset[1] as WebPage), {
            headers: headers("text/javascript; charset=utf-8", { "cache-control": "no-cache" }),
          });
        } catch (error) {
          return new Response(`// ${(error as Error).message.replaceAll("\n", " ")}\n`, {
            status: 503,
            headers: headers("text/javascript; charset=utf-8"),
          });
        }
      }
      if (method === "GET" && path === "/assets/page.css") {
        style ??= await Deno.readTextFile(STYLE);
        return new Response(style, {
          headers: headers("text/css; charset=utf-8", { "cache-control": "no-cache" }),
        });
      }
      if (path === "/api/sessions" && method === "POST") return startSession(request, address);
      const end = /^\/api\/sessions\/([A-Za-z0-9_-]{22})\/end$/.exec(path);
      if (end && method === "POST") {
        sessions.end(end[1]!, "done");
        return new Response(null, { status: 204 });
      }
      if (path === "/api/results" && method === "POST") return saveResult(request);
      const saved = /^\/api\/results\/([A-Za-z0-9_-]{1,64})$/.exec(path);
      if (saved && method === "GET") {
        const stored = results.get(saved[1]!);
        return stored ? json(stored) : json({ error: "No such result" }, 404);
      }
      if (path === "/api/stats" && method === "GET") {
        return json({
          sessions: sessions.stats(),
          endpoints: endpoints.stats(),
          results: results.count,
        });
      }
      if (path === "/health" && method === "GET") {
        return json({ status: "ok", uptimeS: Math.round((performance.now() - started) / 1000) });
      }
      if (path.startsWith("/api/")) return json({ error: "Not found" }, 404);
      return endpoints.fetch(request, info);
    },
  };
}
