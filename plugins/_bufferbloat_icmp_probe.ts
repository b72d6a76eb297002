/**
 * The bufferbloat plugin's ICMP probe: the `icmp` plugin (kernel-stamped ping, see
 * `plugins/icmp.ts`) run as one series against the server's host, its `rtt` samples turned
 * into latency records. Opening checks that an ICMP socket can be opened at all (a ping socket,
 * else a raw one): without the permission the probe is unavailable and the test goes on with
 * the UDP echo alone.
 *
 * @module
 */
import type { Plugin, PluginContext } from "../core/contract.ts";
import { describeError } from "../core/errors.ts";
import { Schedule } from "../core/schedule.ts";
import { IcmpSocket } from "../ffi/icmp_socket.ts";
import { ipFamily } from "../ffi/ip_address.ts";
import { createIcmpPlugin, type IcmpOptions } from "./icmp.ts";
import type { LatencyProbe, LatencyRecord, OpenLatencyProbe } from "./_bufferbloat_probe.ts";

/**
 * Replacements for tests.
 *
 * @example
 * ```ts
 * import type { IcmpProbeDeps } from "./_bufferbloat_icmp_probe.ts";
 * const deps: IcmpProbeDeps = { checkPermission: () => {} };
 * ```
 */
export interface IcmpProbeDeps {
  /**
   * The icmp plugin that does the pinging.
   *
   * @default {createIcmpPlugin()}
   */
  plugin?: Plugin<IcmpOptions>;
  /**
   * Throws when no ICMP socket can be opened for the family.
   *
   * @default {opens and closes an IcmpSocket}
   */
  checkPermission?: (family: 4 | 6) => void;
}

function openAndClose(family: 4 | 6): void {
  IcmpSocket.open({ family, sendTimestamps: false }).close();
}

/**
 * Creates the opener of the ICMP probe.
 *
 * @param deps Replacements for tests.
 * @returns An opener that rejects when ICMP sockets are not allowed (the error says how to allow
 * them) and otherwise resolves with a probe of `server.host`.
 *
 * @example Unavailable without permission
 * ```ts
 * import { createIcmpProbeOpener } from "./_bufferbloat_icmp_probe.ts";
 * const open = createIcmpProbeOpener({ checkPermission: () => { throw new Error("EPERM") } });
 * const reason = await open({
 *   server: { name: "lab", host: "127.0.0.1", port: 9876 }, device: undefined, intervalMs: 20,
 *   timeoutMs: 1000, durationMs: 10_000, signal: AbortSignal.timeout(1000),
 *   log: { debug() {}, info() {}, warn() {} },
 * }).catch((e) => e.message);
 * console.log(reason); // EPERM
 * ```
 */
export function createIcmpProbeOpener(deps: IcmpProbeDeps = {}): OpenLatencyProbe {
  const check = deps.checkPermission ?? openAndClose;
  return (options) => {
    try {
      check(ipFamily(options.server.host) ?? 4);
    } catch (error) {
      return Promise.reject(error);
    }
    const plugin = deps.plugin ?? createIcmpPlugin();
    const notes: string[] = [];
    const stop = new AbortController();
    let running: Promise<void> | undefined;
    const probe: LatencyProbe = {
      kind: "icmp",
      intervalMs: options.intervalMs,
      notes,
      start(onRecord: (record: LatencyRecord) => void) {
        const ctx: PluginContext = {
          target: options.server.host,
          interface: options.device,
          server: undefined,
          servers: new Map(),
          interval: options.intervalMs,
          timeout: options.timeoutMs,
          schedule: new Schedule({ interval: options.intervalMs }),
          now: Date.now,
          log: options.log,
          event: (event) => {
            if (event.severity !== "info" && !notes.includes(event.message)) {
              notes.push(event.message);
            }
          },
          result() {},
        };
        const icmpOptions = plugin.options.parse({ record_ttl: false });
        running = (async () => {
          for await (const sample of plugin.run(ctx, icmpOptions, stop.signal)) {
            if (sample.metric !== "rtt") continue;
            onRecord({
              seq: sample.seq ?? -1,
              sentAt: sample.timestamp,
              status: sample.status,
              rttMs: sample.status === "ok" ? sample.value : null,
              ...(sample.reason !== undefined ? { reason: sample.reason } : {}),
            });
          }
        })().catch((error: unknown) => {
          notes.push(`ICMP probe failed: ${describeError(error)}`);
        });
      },
      async stop() {
        stop.abort();
        await running;
      },
    };
    return Promise.resolve(probe);
  };
}
