/**
 * A real Prometheus server for tests: started on a free loopback port with a temporary
 * configuration and storage folder, scraping the given loopback targets every second, and
 * killed (and its folder removed) by `close()`.
 *
 * @module
 */
import { join } from "node:path";
import { ensureTool, type ToolAvailability } from "../../tools/debian.ts";

/**
 * Finds (or, as root, installs) Debian's `prometheus`.
 *
 * @returns Where it is, or why not.
 */
export function ensurePrometheus(): Promise<ToolAvailability> {
  return ensureTool("prometheus", "prometheus");
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Options of {@linkcode startPrometheus}. */
export interface PrometheusOptions {
  /** The binary. */
  path: string;
  /** Scrape targets, `host:port` on loopback. */
  targets: string[];
  /** Scrape interval. @default {"1s"} */
  scrapeInterval?: string;
  /** How long to wait for `/-/ready`, ms. @default {30000} */
  startTimeout?: number;
}

/** One element of an instant query's vector result. */
export interface PromVectorSample {
  /** Labels, `__name__` included. */
  metric: Record<string, string>;
  /** The value. */
  value: number;
}

/** A running Prometheus. */
export interface RunningPrometheus {
  /** Its base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Runs an instant query through `/api/v1/query`. */
  query(expr: string): Promise<PromVectorSample[]>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  close(): Promise<void>;
}

/**
 * Starts Prometheus and waits until it is ready.
 *
 * @param options Binary, targets, interval.
 * @returns The running server.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane-prometheus-" });
  const port = freePort();
  const interval = options.scrapeInterval ?? "1s";
  const config = [
    "global:",
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    "scrape_configs:",
    "  - job_name: bufferbane",
    "    static_configs:",
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(", ")}]`,
  ].join("\n");
  await Deno.writeTextFile(join(dir, "prometheus.yml"), config);
  const child = new Deno.Command(options.path, {
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    await child.status;
    clearTimeout(killer);
    await stderr.catch(() => "");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + (options.startTimeout ?? 30_000);
  let exited = false;
  child.status.then(() => exited = true);
  while (true) {
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (exited || Date.now() > deadline) {
      await close();
      throw new Error(`Prometheus did not become ready: ${(await stderr).slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async query(expr: string) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.json() as {
        status: string;
        error?: string;
        data?: {
          resultType: string;
          result: { metric: Record<string, string>; value: [number, string] }[];
        };
      };
      if (body.status !== "success" || body.data?.resultType !== "vector") {
        throw new Error(`Query ${expr} failed: ${body.error ?? body.data?.resultType}`);
      }
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    close,
  };
}
