/**
 * The `traceroute` plugin: the path to each target, hop by hop, every interval, like mtr.
 *
 * Every round (one per interval) sends one UDP probe per hop with TTL 1, 2, ... to a high port
 * of the target (`base_port` upward, one port per probe), through an FFI socket bound to the
 * series' interface (`SO_BINDTODEVICE`). Routers on the way answer "time exceeded", the
 * target "port unreachable"; the kernel hands both to the socket's error queue (`IP_RECVERR`,
 * `IPV6_RECVERR`) with the answering address. With `protocol = "icmp"` the probes are echo
 * requests (sequence number instead of port) and the target answers with an echo reply, for
 * targets that drop UDP but answer ping. The RTT runs from the kernel's send stamp to
 * the kernel's receive stamp. Rounds run on the absolute schedule and may overlap (a round
 * waits up to the timeout for its slowest hop). Once the target's distance is known a round
 * probes up to it and no further; while searching, it goes four hops at a time and gives up
 * after eight silent hops in a row (see `_traceroute_round.ts`).
 *
 * Metrics:
 *
 * | metric    | unit | series `server` column  | what                                        |
 * | --------- | ---- | ----------------------- | ------------------------------------------- |
 * | `rtt`     | ms   | (none)                  | RTT to the target; `lost` when it did not   |
 * |           |      |                         | answer (the reason says where the path      |
 * |           |      |                         | ended)                                      |
 * | `hop_rtt` | ms   | `hop N ADDRESS`         | RTT to hop N; `lost` when it did not answer |
 * |           |      | (`hop N *` if unknown)  | in time, so per-hop loss is the series' loss|
 * | `hops`    |      | (none)                  | hop number of the target, per round         |
 *
 * A hop that stays silent in a round is counted lost on the series of the address it had
 * (so loss at hop 3 shows on `hop 3 192.0.2.7`); a hop that never answered is `hop N *`.
 *
 * Path changes are events, with the path in the event's data (`{ hops, reached }`):
 *
 * - the first round of a run that reaches its end is compared with the path the previous run
 *   stored for the same target and interface (read back from the store): `path_change`
 *   (`warn`, with `changed: [{ hop, from, to }]`) when it differs, else `traceroute_path`
 *   (`info`), so each run stores its path;
 * - every later round is compared with the path known in this run: `path_change` naming the
 *   hops that changed. A silent hop is loss, never a change; a destination answering at another
 *   hop number is one (the path got longer or shorter).
 *
 * Problems are recorded, never fatal: a socket that cannot be opened or a send that fails
 * (`ENODEV`, `ENETUNREACH`) is a `failed` `rtt` sample, retried at the next round; a host name
 * that does not resolve likewise.
 *
 * IPv4 and IPv6 (`IPV6_UNICAST_HOPS`, `IPV6_RECVERR`). Needs `--allow-ffi`; no privileges
 * for UDP probes, ping sockets or `CAP_NET_RAW` for ICMP ones; routers and the target must
 * answer with ICMP.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { z } from "zod";
import type { Plugin, PluginContext, Sample } from "../core/contract.ts";
import { SampleChannel } from "../core/sample_channel.ts";
import { type IpFamily, ipFamily } from "../ffi/ip_address.ts";
import { IcmpSocket } from "../ffi/icmp_socket.ts";
import { UdpSocket } from "../ffi/udp_socket.ts";
import { icmpTraceSocket } from "./_traceroute_icmp.ts";
import {
  describeChanges,
  mergePath,
  pathChanges,
  pathFromData,
  type TracePath,
} from "./_traceroute_path.ts";
import { type OpenTraceSocket, PORT_CYCLE, TraceProber } from "./_traceroute_prober.ts";
import { type RoundResult, traceRound } from "./_traceroute_round.ts";

export type { OpenTraceSocket, TraceSocket } from "./_traceroute_prober.ts";

/**
 * Options of the `traceroute` plugin, as a recipe's `[probes.options]` table gives them.
 *
 * @example At most 16 hops, IPv6
 * ```ts
 * import type { TracerouteOptions } from "./traceroute.ts";
 * const options: TracerouteOptions = {
 *   max_hops: 16, base_port: 33434, payload_size: 32, family: 6, protocol: "udp",
 * };
 * ```
 */
export interface TracerouteOptions {
  /**
   * Highest TTL / hop limit probed.
   *
   * @default {30}
   */
  max_hops: number;
  /**
   * First destination port; probes use the next {@linkcode PORT_CYCLE} ports in turn (as
   * traceroute's 33434 upward, where nothing listens).
   *
   * @default {33434}
   */
  base_port: number;
  /**
   * UDP payload bytes of each probe.
   *
   * @default {32}
   */
  payload_size: number;
  /**
   * IP version: `4`, `6`, or `"auto"` for the version of the target's address.
   *
   * @default {"auto"}
   */
  family: "auto" | 4 | 6;
  /**
   * Probe kind: `"udp"` (datagrams to high ports; no privileges needed) or `"icmp"` (echo
   * requests, for targets that drop UDP but answer ping; needs ping sockets or `CAP_NET_RAW`).
   *
   * @default {"udp"}
   */
  protocol: "udp" | "icmp";
}

/**
 * The documented defaults of {@linkcode TracerouteOptions}.
 *
 * @example
 * ```ts
 * import { tracerouteDefaults } from "./traceroute.ts";
 * console.log(tracerouteDefaults.max_hops); // 30
 * ```
 */
export const tracerouteDefaults = {
  max_hops: 30,
  base_port: 33434,
  payload_size: 32,
  family: "auto",
  protocol: "udp",
} as const satisfies TracerouteOptions;

/**
 * The zod schema of {@linkcode TracerouteOptions}.
 *
 * @example
 * ```ts
 * import { tracerouteOptionsSchema } from "./traceroute.ts";
 * console.log(tracerouteOptionsSchema.parse({ max_hops: 8 }).max_hops); // 8
 * console.log(tracerouteOptionsSchema.safeParse({ max_hops: 0 }).success); // false
 * ```
 */
export const tracerouteOptionsSchema: z.ZodType<TracerouteOptions> = z.strictObject({
  max_hops: z.number().int().min(1).max(64)
    .default(tracerouteDefaults.max_hops)
    .describe("Highest TTL / hop limit probed, 1 to 64"),
  base_port: z.number().int().min(1).max(65535 - PORT_CYCLE)
    .default(tracerouteDefaults.base_port)
    .describe(`First destination port; probes cycle over the next ${PORT_CYCLE} ports`),
  payload_size: z.number().int().min(0).max(1400)
    .default(tracerouteDefaults.payload_size)
    .describe("UDP payload bytes of each probe"),
  family: z.literal(["auto", 4, 6])
    .default(tracerouteDefaults.family)
    .describe('IP version: 4, 6, or "auto" for the version of the target\'s address'),
  protocol: z.enum(["udp", "icmp"])
    .default(tracerouteDefaults.protocol)
    .describe('Probe kind: "udp" (high ports) or "icmp" (echo requests; ping permission)'),
});

/** Event kinds that carry a stored path, newest first wins. */
export const PATH_EVENT_KINDS: readonly string[] = ["traceroute_path", "path_change"];

/**
 * What {@linkcode createTraceroutePlugin} may be given instead of the real thing (for tests).
 *
 * @example A lookup that knows one name
 * ```ts
 * import { createTraceroutePlugin } from "./traceroute.ts";
 * const plugin = createTraceroutePlugin({
 *   lookup: () => Promise.resolve({ address: "192.0.2.9", family: 4 }),
 * });
 * console.log(plugin.name); // traceroute
 * ```
 */
export interface TraceroutePluginDeps {
  /**
   * Opens the probe socket (`protocol` says which kind).
   *
   * @default {UdpSocket.open, or IcmpSocket.open for "icmp"}
   */
  openSocket?: OpenTraceSocket;
  /**
   * Resolves a host name.
   *
   * @default {the system resolver}
   */
  lookup?: (host: string, family: IpFamily | undefined) => Promise<{
    address: string;
    family: IpFamily;
  }>;
}

const systemLookup: Required<TraceroutePluginDeps>["lookup"] = async (host, family) => {
  const found = await lookup(host, { family: family ?? 0 });
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a round that did not reach the target ended: where its path went silent. */
function silentAfter(round: RoundResult): string {
  const last = round.path.hops.length;
  const probed = round.outcomes.length;
  return last === 0
    ? `no answer from the target: no hop answered (up to hop ${probed})`
    : `no answer from the target: nothing answered after hop ${last} (up to hop ${probed})`;
}

function describePath(path: TracePath): string {
  const hops = path.hops.map((hop, i) => `${i + 1} ${hop ?? "*"}`).join(", ");
  return path.reached ? hops : `${hops} (target not reached)`;
}

/** The state of one series across rounds. */
class TraceSeries {
  known: TracePath | undefined;
  comparedWithStore = false;
  knownDistance: number | undefined;

  constructor(
    readonly ctx: PluginContext,
    readonly options: TracerouteOptions,
  ) {}

  /** Turns a finished round into samples and path events. */
  samples(round: RoundResult, seq: number): Sample[] {
    const { ctx } = this;
    const before = this.known;
    const merged = mergePath(before, round.path);
    // The end's hop number is in doubt (it came right after a silent hop while searching): the
    // hops from the silent one on, and silent hops of unknown address, are not reported, and
    // the next round probes up to the end again, where a known distance settles it.
    const uncertain = round.uncertainEnd;
    const out: Sample[] = [];
    const reported = uncertain ? round.end!.ttl - 2 : Math.min(
      round.outcomes.length,
      Math.max(round.path.hops.length, round.end ? 0 : (before?.hops.length ?? 0)),
    );
    for (const outcome of round.outcomes.slice(0, reported)) {
      if (outcome.kind === "failed") continue;
      const known = outcome.from ?? merged.hops[outcome.ttl - 1];
      // While the end is in doubt, so is a silent hop no round has named yet.
      if (uncertain && (known === null || known === undefined)) continue;
      const address = known ?? "*";
      const seriesServer = `hop ${outcome.ttl} ${address}`;
      out.push(
        outcome.rttMs !== undefined
          ? {
            timestamp: outcome.sentAtMs,
            metric: "hop_rtt",
            value: outcome.rttMs,
            status: "ok",
            seq,
            seriesServer,
          }
          : {
            timestamp: outcome.sentAtMs,
            metric: "hop_rtt",
            value: null,
            status: "lost",
            reason: outcome.reason ?? "timeout",
            seq,
            seriesServer,
          },
      );
    }
    const failed = round.outcomes.find((o) => o.kind === "failed");
    const at = round.outcomes[0]?.sentAtMs ?? ctx.now();
    if (failed && round.end === undefined) {
      out.push({
        timestamp: at,
        metric: "rtt",
        value: null,
        status: "failed",
        reason: failed.reason ?? "send failed",
        seq,
      });
      return out; // a failed send says nothing about the path
    }
    const end = round.end;
    if (end?.kind === "destination" && end.rttMs !== undefined) {
      out.push({ timestamp: end.sentAtMs, metric: "rtt", value: end.rttMs, status: "ok", seq });
      if (uncertain) {
        this.knownDistance = end.ttl;
        return out;
      }
      out.push({ timestamp: end.sentAtMs, metric: "hops", value: end.ttl, status: "ok", seq });
      this.knownDistance = end.ttl;
    } else {
      const reason = end
        ? `${end.reason ?? "unreachable"} from hop ${end.ttl} (${end.from ?? "?"})`
        : merged.reached
        ? "timeout"
        : silentAfter(round);
      out.push({ timestamp: at, metric: "rtt", value: null, status: "lost", reason, seq });
      out.push({ timestamp: at, metric: "hops", value: null, status: "lost", reason, seq });
      if (uncertain) {
        this.knownDistance = end!.ttl;
        return out;
      }
      if (end) this.knownDistance = end.ttl;
      else if (!merged.reached) this.knownDistance = undefined;
    }
    this.#comparePaths(before, merged);
    return out;
  }

  #comparePaths(before: TracePath | undefined, merged: TracePath): void {
    const { ctx } = this;
    this.known = merged;
    if (!this.comparedWithStore) {
      this.comparedWithStore = true;
      const stored = ctx.previousEvent?.(PATH_EVENT_KINDS);
      const previous = pathFromData(stored?.data);
      const changed = previous ? pathChanges(previous, merged) : [];
      if (previous && changed.length > 0) {
        ctx.event({
          kind: "path_change",
          severity: "warn",
          metric: "hops",
          message: `Path to ${ctx.target} changed since the last run: ${describeChanges(changed)}`,
          data: { hops: merged.hops, reached: merged.reached, previous: previous.hops, changed },
        });
      } else {
        ctx.event({
          kind: "traceroute_path",
          severity: "info",
          metric: "hops",
          message: `Path to ${ctx.target}${previous ? " (as in the last run)" : ""}: ${
            describePath(merged)
          }`,
          data: { hops: merged.hops, reached: merged.reached },
        });
      }
      return;
    }
    if (before === undefined) return;
    const changed = pathChanges(before, merged);
    if (changed.length === 0) return;
    ctx.event({
      kind: "path_change",
      severity: "warn",
      metric: "hops",
      message: `Path to ${ctx.target} changed: ${describeChanges(changed)}`,
      data: { hops: merged.hops, reached: merged.reached, previous: before.hops, changed },
    });
  }
}

/**
 * Creates the `traceroute` plugin.
 *
 * @param deps Replacements for tests; see {@linkcode TraceroutePluginDeps}.
 * @returns The plugin.
 *
 * @example The metrics it yields
 * ```ts
 * import { createTraceroutePlugin } from "./traceroute.ts";
 * console.log(createTraceroutePlugin().metrics.map((m) => m.name)); // [ "rtt", "hop_rtt", "hops" ]
 * ```
 */
export function createTraceroutePlugin(
  deps: TraceroutePluginDeps = {},
): Plugin<TracerouteOptions> {
  const openSocket: OpenTraceSocket = deps.openSocket ??
    ((options) =>
      options.protocol === "icmp"
        ? icmpTraceSocket(IcmpSocket.open({ family: options.family, device: options.device }))
        : UdpSocket.open({ family: options.family, device: options.device }));
  const resolve = deps.lookup ?? systemLookup;
  return {
    name: "traceroute",
    description: "The path to each target hop by hop, every interval (mtr-like): per-hop RTT " +
      "and loss, and path changes as events",
    kind: "probe",
    targets: "required",
    metrics: [
      { name: "rtt", unit: "ms", description: "Round-trip time to the target, per round" },
      {
        name: "hop_rtt",
        unit: "ms",
        description: 'Round-trip time to each hop; one series per hop ("hop N ADDRESS")',
      },
      { name: "hops", unit: "", description: "Hop number of the target, per round" },
    ],
    options: tracerouteOptionsSchema,
    defaults: tracerouteDefaults,
    defaultInterval: 1_000,
    defaultTimeout: 1_000,
    minInterval: 100,
    bindsInterface: true,
    async *run(ctx, options, signal) {
      const series = new TraceSeries(ctx, options);
      const channel = new SampleChannel();
      const wanted = options.family === "auto" ? undefined : options.family;
      let address: { address: string; family: IpFamily } | undefined;
      let prober: TraceProber | undefined;
      let order: Promise<void> = Promise.resolve();
      const inFlight = new Set<Promise<unknown>>();

      const prepare = async (): Promise<TraceProber> => {
        if (address === undefined) {
          const literal = ipFamily(ctx.target);
          address = literal !== undefined
            ? { address: ctx.target, family: literal }
            : await resolve(ctx.target, wanted);
          if (wanted !== undefined && address.family !== wanted) {
            const found = address.address;
            address = undefined;
            throw new Error(`"${ctx.target}" is ${found}, not an IPv${wanted} address`);
          }
        }
        prober ??= new TraceProber(
          openSocket({
            family: address.family,
            protocol: options.protocol,
            ...(ctx.interface !== undefined ? { device: ctx.interface } : {}),
          }),
          { basePort: options.base_port, payloadSize: options.payload_size },
        );
        return prober;
      };

      const producer = (async () => {
        for await (const slot of ctx.schedule.slots(signal)) {
          let ready: TraceProber;
          try {
            ready = await prepare();
          } catch (error) {
            channel.push({
              timestamp: slot.at,
              metric: "rtt",
              value: null,
              status: "failed",
              reason: message(error),
              seq: slot.seq,
            });
            continue;
          }
          const target = address!.address;
          const round = traceRound(ready, target, {
            maxHops: options.max_hops,
            timeoutMs: ctx.timeout,
            knownDistance: series.knownDistance,
          });
          // Rounds may overlap; their results are turned into samples in slot order.
          const done = order.then(() => round).then((result) => {
            for (const sample of series.samples(result, slot.seq)) channel.push(sample);
            if (result.outcomes.some((o) => o.kind === "failed")) {
              // The interface may be gone: a fresh socket binds to a re-created one.
              prober?.close();
              prober = undefined;
            }
          });
          order = done.catch(() => {});
          inFlight.add(done);
          done.finally(() => inFlight.delete(done)).catch(() => {});
        }
      })();
      producer.then(
        () => channel.close(),
        (error) => channel.fail(error),
      );
      try {
        yield* channel.drain();
      } finally {
        prober?.close();
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
