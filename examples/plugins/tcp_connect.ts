/**
 * An example custom plugin: TCP connect time. It measures how long the TCP handshake to
 * `host:port` takes, which is close to one round trip and works where ICMP is filtered.
 *
 * Load it from a recipe with `plugins = ["../examples/plugins/tcp_connect.ts"]` or on the
 * command line with `--plugin examples/plugins/tcp_connect.ts`.
 *
 * Timing is taken in user space around `Deno.connect`, so it includes event-loop delay
 * (typically tens of microseconds); the built-in socket plugins use kernel timestamps instead.
 *
 * @module
 */
import { z } from "zod";
import { definePlugin, probeEachSlot } from "../../mod.ts";

/** Options of the tcp-connect plugin. */
export interface TcpConnectOptions {
  /** TCP port to connect to when the target has none. @default 80 */
  port: number;
}

/** Documented defaults. */
export const tcpConnectDefaults: TcpConnectOptions = { port: 80 };

/** Splits `host`, `host:port` or `[v6]:port`. */
function splitTarget(target: string, defaultPort: number): { hostname: string; port: number } {
  const v6 = /^\[(.+)\](?::(\d+))?$/.exec(target);
  if (v6) return { hostname: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const parts = target.split(":");
  if (parts.length === 2) return { hostname: parts[0]!, port: Number(parts[1]) };
  return { hostname: target, port: defaultPort };
}

/**
 * Creates the tcp-connect plugin.
 *
 * @example
 * ```ts ignore
 * import createTcpConnectPlugin from "./tcp_connect.ts";
 * console.log(createTcpConnectPlugin().name); // tcp-connect
 * ```
 */
export default function createTcpConnectPlugin() {
  return definePlugin<TcpConnectOptions>({
    name: "tcp-connect",
    description: "TCP handshake time to host:port (user-space timing)",
    kind: "probe",
    targets: "required",
    metrics: [{ name: "connect_time", unit: "ms", description: "Time to complete connect()" }],
    options: z.strictObject({
      port: z.number().int().min(1).max(65535).default(tcpConnectDefaults.port)
        .describe("TCP port when the target names none"),
    }),
    defaults: tcpConnectDefaults,
    defaultInterval: 1000,
    run(ctx, options, signal) {
      const { hostname, port } = splitTarget(ctx.target, options.port);
      return probeEachSlot(ctx.schedule.slots(signal), async (slot, probeSignal) => {
        const timestamp = ctx.now();
        const started = performance.now();
        const timeout = AbortSignal.timeout(ctx.timeout);
        const connecting = Deno.connect({ hostname, port });
        try {
          const conn = await Promise.race([
            connecting,
            new Promise<never>((_, reject) => {
              const fail = () => reject(new Error("timeout"));
              timeout.addEventListener("abort", fail, { once: true });
              probeSignal.addEventListener("abort", fail, { once: true });
            }),
          ]);
          const elapsed = performance.now() - started;
          conn.close();
          return {
            timestamp,
            metric: "connect_time",
            value: elapsed,
            status: "ok" as const,
            seq: slot.seq,
          };
        } catch (error) {
          // A connect that completes after the timeout must not leak its socket.
          connecting.then((late) => late.close(), () => {});
          const reason = error instanceof Deno.errors.ConnectionRefused
            ? "refused"
            : (error as Error).message;
          return {
            timestamp,
            metric: "connect_time",
            value: null,
            status: reason === "timeout" || reason === "refused"
              ? "lost" as const
              : "failed" as const,
            reason,
            seq: slot.seq,
          };
        }
      }, signal);
    },
  });
}
