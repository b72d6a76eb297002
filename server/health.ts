/**
 * A tiny HTTP view of a running server, meant for loopback (`curl 127.0.0.1:9877/health`):
 * `GET /health` answers `{"status": "ok", ...stats}` as JSON; anything else is a 404.
 *
 * @module
 */

/** Options of {@linkcode startHealthServer}. */
export interface HealthServerOptions {
  /**
   * Address to listen on; keep it loopback unless a firewall guards it.
   *
   * @default {"127.0.0.1"}
   */
  address?: string;
  /**
   * TCP port; 0 picks a free one.
   *
   * @default {9877}
   */
  port?: number;
  /** The stats to show. */
  stats: () => unknown;
}

/** A running health view. */
export interface HealthServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts the health view.
 *
 * @param options Address, port and the stats to show.
 * @returns The running view.
 *
 * @example
 * ```ts
 * import { startHealthServer } from "./health.ts";
 * const health = startHealthServer({ port: 0, stats: () => ({ sessions: 0 }) });
 * const response = await fetch(`http://127.0.0.1:${health.port}/health`);
 * console.log(await response.json()); // { status: "ok", sessions: 0 }
 * await health.close();
 * ```
 */
export function startHealthServer(options: HealthServerOptions): HealthServer {
  const server = Deno.serve({
    hostname: options.address ?? "127.0.0.1",
    port: options.port ?? 9877,
    onListen: () => {},
  }, (request) => {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== "/health") {
      return new Response("not found\n", { status: 404 });
    }
    const stats = options.stats();
    const body = JSON.stringify(
      { status: "ok", ...(typeof stats === "object" ? stats : { stats }) },
      (_key, value) => typeof value === "bigint" ? value.toString() : value,
    );
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  return { port: server.addr.port, close: () => server.shutdown() };
}
