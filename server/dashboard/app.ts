/**
 * The dashboard's HTTP app (its own listener, see `config.ts`): a page to pick a configured
 * target, start and stop a test, watch it live and read its summary, and the API behind it.
 *
 * | route                     | what                                                         |
 * | ------------------------- | ------------------------------------------------------------ |
 * | `GET /`                   | the page (it asks for the token, kept for the tab only)      |
 * | `GET /assets/dashboard.js`, `GET /assets/page.css` | its code and style                  |
 * | `GET /servers`            | the configured targets and what may be started toward each   |
 * | `POST /start_test`        | `{"target", "plugin", "intervalMs", "durationMs"}`: 201 `{id}` |
 * | `POST /stop_test/{id}`    | stops a running test (what it measured is kept)              |
 * | `GET /live/{id}`          | WebSocket: the samples so far, then each as it arrives, then the end |
 * | `GET /results/{id}`       | its figures per series and its samples (`?format=csv`: CSV)  |
 * | `GET /history`            | every dashboard test, newest first                           |
 * | `GET /health`             | `{"status": "ok"}`                                           |
 *
 * Every route but the page, its assets and `/health` needs the token: `Authorization: Bearer
 * TOKEN` (WebSockets, which browsers cannot give headers: `?token=`). A wrong token gets 401,
 * and an address that keeps guessing gets 429. Tokens are compared in constant time.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { RateLimiter } from "../rate_limit.ts";
import { bundleBrowserCode } from "../web_bundle.ts";
import { DASHBOARD_PLUGINS, type DashboardPlugin } from "./config.ts";
import { DashboardRequestError, type DashboardRuns } from "./runs.ts";

/** The shortest token accepted. */
export const MIN_DASHBOARD_TOKEN_LENGTH = 16;

/** Options of {@linkcode createDashboardApp}. */
export interface DashboardAppOptions {
  /** The tests. */
  runs: DashboardRuns;
  /** The token (at least {@linkcode MIN_DASHBOARD_TOKEN_LENGTH} characters). */
  token: string;
  /**
   * The page's code.
   *
   * @default {() => bundleBrowserCode("web/dashboard/main.ts")}
   */
  script?: () => Promise<string>;
}

/** The dashboard's handler. */
export interface DashboardApp {
  /**
   * Answers one request.
   *
   * @param request The request.
   * @param info Where it came from.
   * @returns The response.
   */
  fetch(request: Request, info?: { remoteAddr: Deno.Addr }): Promise<Response>;
}

const STYLE = new URL("../../web/bufferbloat/page.css", import.meta.url);
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Dashboard · bufferbane</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/page.css">
<script type="module" src="/assets/dashboard.js"></script>
</head>
<body data-page="dashboard">
<main>
<h1>Network dashboard</h1>
<p class="lead">Run a probe from this server toward one of its targets, watch it live, and keep
the history.</p>
<form id="login" class="controls" hidden>
<label>Token <input id="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Open</button>
</form>
<form id="controls" class="controls" hidden>
<label>Target <select id="target"></select></label>
<label>Probe <select id="plugin"></select></label>
<label>Every <select id="interval"><option value="200">200 ms</option><option value="1000" selected>1 s</option><option value="5000">5 s</option></select></label>
<label>For <select id="duration"><option value="10000">10 s</option><option value="60000" selected>1 min</option><option value="600000">10 min</option><option value="3600000">1 h</option></select></label>
<button id="start" type="submit">Start</button>
<button id="stop" type="button" class="secondary" hidden>Stop</button>
</form>
<p id="status" data-kind="busy" role="status" aria-live="polite">Loading…</p>
<div class="card" id="chart"></div>
<div id="summary"></div>
<h2>History</h2>
<div id="history"></div>
<footer>bufferbane dashboard · probes run from this server toward its configured targets only.</footer>
</main>
</body>
</html>
`;

function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/**
 * Creates the dashboard's handler (see the module documentation).
 *
 * @param options The tests, the token, the page's code.
 * @returns The handler.
 * @throws {RangeError} When the token is shorter than {@linkcode MIN_DASHBOARD_TOKEN_LENGTH}.
 *
 * @example Without the token, nothing
 * ```ts
 * import { createDashboardApp } from "./app.ts";
 * import { DashboardRuns } from "./runs.ts";
 * const runs = new DashboardRuns({ config: { targets: [], db: ":memory:", maxDuration: 60_000, maxRunning: 1 } });
 * const app = createDashboardApp({ runs, token: "correct horse battery staple" });
 * console.log((await app.fetch(new Request("http://x/servers"))).status); // 401
 * ```
 */
export function createDashboardApp(options: DashboardAppOptions): DashboardApp {
  if (options.token.length < MIN_DASHBOARD_TOKEN_LENGTH) {
    throw new RangeError(
      `Invalid dashboard token: expected at least ${MIN_DASHBOARD_TOKEN_LENGTH} characters`,
    );
  }
  const { runs } = options;
  const script = options.script ?? (() => bundleBrowserCode("web/dashboard/main.ts"));
  const expected = digest(options.token);
  const guesses = new RateLimiter({ rate: 0.2, burst: 10 });
  let style: string | undefined;

  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    });

  async function authorized(request: Request, url: URL): Promise<boolean> {
    const header = request.headers.get("authorization") ?? "";
    const given = header.startsWith("Bearer ")
      ? header.slice(7)
      : url.searchParams.get("token") ?? "";
    if (given === "") return false;
    return timingSafeEqual(
      new Uint8Array(await digest(given)),
      new Uint8Array(await expected),
    );
  }

  async function startTest(request: Request): Promise<Response> {
    let body: Record<string, unknown>;
    try {
      const text = await request.text();
      if (text.length > 4_096) return json({ error: "The body is too long" }, 413);
      body = JSON.parse(text);
      if (typeof body !== "object" || body === null) throw new Error();
    } catch {
      return json({ error: "The body is not a JSON object" }, 400);
    }
    const plugin = body.plugin;
    if (plugin !== undefined && !(DASHBOARD_PLUGINS as readonly unknown[]).includes(plugin)) {
      return json({ error: `plugin must be one of ${DASHBOARD_PLUGINS.join(", ")}` }, 400);
    }
    const number = (key: string) => body[key] === undefined ? undefined : Number(body[key]);
    try {
      const id = await runs.start({
        target: String(body.target ?? ""),
        ...(plugin !== undefined ? { plugin: plugin as DashboardPlugin } : {}),
        ...(number("intervalMs") !== undefined ? { intervalMs: number("intervalMs")! } : {}),
        ...(number("durationMs") !== undefined ? { durationMs: number("durationMs")! } : {}),
      });
      return json({ id }, 201, { location: `/results/${id}` });
    } catch (error) {
      if (error instanceof DashboardRequestError) {
        return json({ error: error.message }, error.status);
      }
      return json({ error: `The test could not start: ${(error as Error).message}` }, 500);
    }
  }

  function live(request: Request, id: number): Response {
    if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
      return json({ error: "Expected a WebSocket upgrade" }, 426);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    let unwatch: (() => void) | undefined;
    socket.onopen = () => {
      unwatch = runs.watch(id, (message) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(JSON.stringify(message));
        if (message.type === "end") socket.close(1000, "test over");
      });
      if (!unwatch) {
        socket.send(JSON.stringify({ type: "end", status: "not running" }));
        socket.close(1000, "test not running");
      }
    };
    socket.onclose = () => unwatch?.();
    socket.onerror = () => {};
    return response;
  }

  return {
    async fetch(request, info) {
      const url = new URL(request.url);
      const path = url.pathname;
      const method = request.method;
      if (method === "GET" && path === "/") {
        return new Response(PAGE, {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": CSP,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
          },
        });
      }
      if (method === "GET" && path === "/assets/dashboard.js") {
        try {
          return new Response(await script(), {
            headers: { "content-type": "text/javascript; charset=utf-8" },
          });
        } catch (error) {
          return new Response(`// ${(error as Error).message.replaceAll("\n", " ")}\n`, {
            status: 503,
            headers: { "content-type": "text/javascript; charset=utf-8" },
          });
        }
      }
      if (method === "GET" && path === "/assets/page.css") {
        style ??= await Deno.readTextFile(STYLE);
        return new Response(style, { headers: { "content-type": "text/css; charset=utf-8" } });
      }
      if (method === "GET" && path === "/health") return json({ status: "ok" });

      const address = info && "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unknown";
      if (!(await authorized(request, url))) {
        if (!guesses.take(address, performance.now())) {
          return json({ error: "Too many wrong tokens: wait a minute" }, 429, {
            "retry-after": "60",
          });
        }
        return json({ error: "A valid token is needed" }, 401, {
          "www-authenticate": 'Bearer realm="bufferbane dashboard"',
        });
      }
      if (method === "GET" && path === "/servers") {
        return json({
          targets: runs.targets.map((t) => ({ name: t.name, host: t.host, plugins: t.plugins })),
        });
      }
      if (method === "POST" && path === "/start_test") return startTest(request);
      if (method === "GET" && path === "/history") return json({ tests: runs.history() });
      const idMatch = /^\/(stop_test|live|results)\/([0-9]{1,12})$/.exec(path);
      if (idMatch) {
        const id = Number(idMatch[2]);
        if (idMatch[1] === "stop_test" && method === "POST") {
          return runs.stop(id)
            ? new Response(null, { status: 204 })
            : json({ error: "That test is not running" }, 404);
        }
        if (idMatch[1] === "live" && method === "GET") return live(request, id);
        if (idMatch[1] === "results" && method === "GET") {
          if (url.searchParams.get("format") === "csv") {
            const csv = runs.csv(id);
            return csv === undefined ? json({ error: "No such test" }, 404) : new Response(csv, {
              headers: {
                "content-type": "text/csv; charset=utf-8",
                "content-disposition": `attachment; filename="bufferbane-test-${id}.csv"`,
              },
            });
          }
          const results = runs.results(id);
          return results ? json(results) : json({ error: "No such test" }, 404);
        }
      }
      return json({ error: "Not found" }, 404);
    },
  };
}
