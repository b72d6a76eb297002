/**
 * The `udp-echo` plugin: encrypted UDP echo against a bufferbane server, with kernel stamps at
 * both ends, one-way delays without synchronized clocks, and loss per direction.
 *
 * A recipe entry names its servers (`servers = ["vienna", "frankfurt"]`); each server, through
 * each interface of the recipe, is a series of its own, all probed at the same time, so the
 * servers (and the interfaces) are compared sample by sample. Each series opens a session
 * (knock, handshake) on a socket bound to its interface (`SO_BINDTODEVICE`) and sends one
 * request per slot of its absolute schedule, without waiting for replies: any number are in
 * flight, so a slow reply never delays the next request.
 *
 * Metrics:
 *
 * | metric      | unit | what                                                                |
 * | ----------- | ---- | ------------------------------------------------------------------- |
 * | `rtt`       | ms   | round trip from the client kernel's send stamp to its receive stamp,|
 * |             |      | less the time the request spent in the server; `lost` or `failed`   |
 * |             |      | with the reason (table below)                                       |
 * | `owd_up`    | ms   | one-way delay client to server, with the estimated clock offset     |
 * | `owd_down`  | ms   | one-way delay server to client; `owd_up + owd_down = rtt`           |
 * | `ipdv_up`   | ms   | \|difference\| of consecutive upstream delays (irtt's IPDV)         |
 * | `ipdv_down` | ms   | the same downstream                                                 |
 * | `late_rtt`  | ms   | round trip of a reply that came after its probe was counted lost    |
 * | `duplicate` |      | 1 for each extra copy of a reply                                    |
 * | `reordered` |      | 1 for each reply that came after a reply to a later request         |
 *
 * One-way delays: the offset of the server's clock is estimated from the fastest third of the
 * round trips of the last `offset_window` (the way crusader does; no NTP needed; at most 1,000
 * of them, every n-th reply at short intervals, so that an estimate never holds up the sends) and
 * re-estimated as the run goes on, so it follows the drift of the two clocks: on every reply
 * for the first 20, then at most once a second. The first delays of a session rest on few round
 * trips. IPDV needs no offset (it cancels out); it is taken between consecutive replies in send
 * order (a reordered reply gets none).
 *
 * Loss per direction: every reply carries the server's count of requests received, so a lost
 * request is given its direction once a reply to a later request comes (see
 * `_udp_echo_loss.ts`). The loss rate per direction over any span is the count of `rtt` samples
 * with that reason over the `rtt` samples sent (irtt's split: upstream over requests sent).
 *
 * | outcome                                                  | `rtt` sample | reason starts with |
 * | -------------------------------------------------------- | ------------ | ------------------ |
 * | a reply within the timeout (judged on kernel stamps)     | `ok`         |                    |
 * | no reply; the server never got the request               | `lost`       | `lost upstream`    |
 * | no reply; the server got it, the reply never came        | `lost`       | `lost downstream`  |
 * | no reply, and no later reply told which way (yet)        | `lost`       | `timeout`          |
 * | a reply after the timeout (also recorded as `late_rtt`)  | `lost`       | `timeout`          |
 * | no session: connecting, server silent, wrong secret, ... | `failed`     | the problem        |
 * | the request could not be sent (interface gone or down)   | `failed`     | `ENODEV`, ...      |
 *
 * Failover: with `failover = ["frankfurt", "paris"]` the series' own server comes first; when
 * it has not answered for `failover_after` (or a session cannot be opened), the series marks it
 * with a `udp_echo_failover` event and goes on with the next name, then the next, back to the
 * first after the last. It stays on a server that answers. The series keeps its own server's
 * name as its label (so a recipe's series stay stable); the events say which server answered
 * from when. Without `failover`, a silent server gets a new session after `failover_after`
 * (event `udp_echo_reconnect`), which is what a restarted server needs.
 *
 * Interfaces: a removed interface makes sends fail with `ENODEV`; the session is closed and a
 * new one is tried every second, so probing resumes by itself once the interface is back.
 * Events `udp_echo_interface_down` and `udp_echo_interface_up` mark such an outage.
 *
 * The server may grant less than asked: a longer interval (slots in between are left out) or
 * smaller packets; an `udp_echo_capped` event says so.
 *
 * Samples: `timestamp` is the kernel's send stamp in ms (the wall clock at send for a failed
 * probe), `seq` the slot number.
 *
 * Pacing: the interval goes down to 1 ms ({@linkcode UDP_ECHO_MIN_INTERVAL_MS}; other plugins
 * stop at 10 ms). The send loop waits for each slot of the absolute schedule on a `timerfd` in
 * the reactor's poll (`ffi/timer.ts`), not on `setTimeout`, whose 1 ms ticks and 4 ms clamp
 * miss most slots at 1 ms. A slot is sent while it is at most half an interval late (the
 * schedule's tolerance: 0.5 ms at 1 ms, 5 ms at 10 ms); later it is skipped and counted as
 * missed (the run's `missed_slots` event), never sent in a burst with the next one. At 5 ms and
 * faster the series' socket is read right after each request rather than polled (see
 * `protocol/client.ts`), so a probe costs one wake-up of the poll. The server must allow the
 * interval too (its `min_interval`), else it grants a longer one (event `udp_echo_capped`) and
 * the slots in between are left out.
 *
 * Measured at 1 ms on loopback (`bench/udp_echo_vs_irtt.ts`, 10 s runs, 2 vCPUs shared with
 * other jobs): 1.2% to 3.7% of the slots missed while the machine was otherwise quiet (the bare
 * timerfd loop, sending nothing, missed 0.7% to 1.4% in the same runs), 4% to 7% while other
 * jobs kept the CPUs busy (bare loop 1% to 3%); irtt missed 12% to 22% in the same runs although
 * it counts a slot missed only when a whole interval passed. The client used 0.25 to 0.42 ms of
 * CPU per probe (irtt 0.08 to 0.15). Most of the misses left are times the client waited for a
 * CPU, and the first second's (compiling, first collections).
 *
 * DSCP: `dscp = "EF"` (or a number, 0 to 63) marks the knocks and requests with that code
 * point (`IP_TOS` / `IPV6_TCLASS` on the series' socket), so that they meet the queue of the
 * traffic they stand for: WMM puts EF in the WiFi voice queue, CS1 and LE in background.
 * Names: `DF`, `LE`, `CS0` to `CS7`, `AF11` to `AF43`, `VA`, `EF` (see `ffi/dscp.ts`). The
 * replies carry the server's own marking.
 *
 * Needs `--allow-ffi` (and `--allow-net` to resolve a server's host name).
 *
 * @module
 */
import { z } from "zod";
import type { Plugin } from "../core/contract.ts";
import { durationSchema } from "../core/recipe_schema.ts";
import type { ScheduleSleep } from "../core/schedule.ts";
import { DSCP_MAX, parseDscp } from "../ffi/dscp.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import { preciseSleep } from "../ffi/timer.ts";
import { openSession } from "../protocol/client.ts";
import { ECHO_MIN_SIZE } from "../protocol/wire.ts";
import { type OpenEchoSession, runUdpEchoSeries } from "./_udp_echo_series.ts";

export type { EchoSessionLike, OpenEchoSession } from "./_udp_echo_series.ts";

/**
 * Options of the `udp-echo` plugin, as a recipe's `[probes.options]` table gives them
 * (durations as text such as `"5s"`, parsed to milliseconds).
 *
 * @example VoIP-sized packets marked as voice, with a fallback server
 * ```ts
 * import type { UdpEchoOptions } from "./udp_echo.ts";
 * const options: UdpEchoOptions = {
 *   packet_size: 172, failover: ["frankfurt"], failover_after: 5000, offset_window: 60000,
 *   dscp: 46,
 * };
 * ```
 */
export interface UdpEchoOptions {
  /**
   * Bytes per request (and reply), from the protocol's smallest echo packet (92) up to 1472.
   *
   * @default {92}
   */
  packet_size: number;
  /**
   * Names of servers (from `[[servers]]`) to go on with, in order, when the series' server
   * stops answering.
   *
   * @default {[]}
   */
  failover: readonly string[];
  /**
   * How long a server may stay silent before the next one is tried, ms (`"5s"` in a recipe).
   *
   * @default {5000}
   */
  failover_after: number;
  /**
   * The span of recent round trips the clock offset is estimated from, ms (`"60s"`).
   *
   * @default {60000}
   */
  offset_window: number;
  /**
   * DSCP of the requests: 0 to 63, or a name in a recipe (`"EF"`, `"AF41"`, `"CS1"`, ...),
   * parsed to its number.
   *
   * @default {undefined (not set: the system default, 0)}
   */
  dscp?: number | undefined;
}

/**
 * The documented defaults of {@linkcode UdpEchoOptions}.
 *
 * @example Reading a default
 * ```ts
 * import { udpEchoDefaults } from "./udp_echo.ts";
 * console.log(udpEchoDefaults.packet_size); // 92
 * ```
 */
export const udpEchoDefaults = {
  packet_size: ECHO_MIN_SIZE,
  failover: [],
  failover_after: 5_000,
  offset_window: 60_000,
} as const satisfies UdpEchoOptions;

/**
 * Largest packet: a 1500-byte MTU less the IPv4 and UDP headers (the server's default cap).
 *
 * @example
 * ```ts
 * import { UDP_ECHO_MAX_PACKET_SIZE } from "./udp_echo.ts";
 * console.log(UDP_ECHO_MAX_PACKET_SIZE); // 1472
 * ```
 */
export const UDP_ECHO_MAX_PACKET_SIZE = 1_472;

/**
 * The zod schema of {@linkcode UdpEchoOptions}: fills in {@linkcode udpEchoDefaults} and
 * rejects unknown keys.
 *
 * @example Parsing options
 * ```ts
 * import { udpEchoOptionsSchema } from "./udp_echo.ts";
 * console.log(udpEchoOptionsSchema.parse({ failover: ["paris"], failover_after: "3s" }));
 * // { packet_size: 92, failover: [ "paris" ], failover_after: 3000, offset_window: 60000 }
 * console.log(udpEchoOptionsSchema.safeParse({ packet_size: 64 }).success); // false
 * console.log(udpEchoOptionsSchema.parse({ dscp: "EF" }).dscp); // 46
 * ```
 */
export const udpEchoOptionsSchema: z.ZodType<UdpEchoOptions> = z.strictObject({
  packet_size: z.number().int().min(ECHO_MIN_SIZE).max(UDP_ECHO_MAX_PACKET_SIZE)
    .default(udpEchoDefaults.packet_size)
    .describe(`Bytes per request and reply, ${ECHO_MIN_SIZE} to ${UDP_ECHO_MAX_PACKET_SIZE}`),
  failover: z.array(z.string().min(1))
    .default([])
    .describe("Servers to go on with, in order, when the series' server stops answering"),
  failover_after: durationSchema()
    .default(udpEchoDefaults.failover_after)
    .describe('How long a server may stay silent before the next one is tried, e.g. "5s"'),
  offset_window: durationSchema({ min: 1_000 })
    .default(udpEchoDefaults.offset_window)
    .describe('Span of recent round trips the clock offset is estimated from, e.g. "60s"'),
  dscp: z.union([z.number(), z.string()], { error: dscpTypeError }).optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return parseDscp(value);
      } catch {
        ctx.issues.push({ code: "custom", message: dscpMessage(value), input: value });
        return z.NEVER;
      }
    })
    .describe(`DSCP of the requests: 0 to ${DSCP_MAX} or a name such as "EF", "AF41", "CS1"`),
});

function dscpMessage(value: unknown): string {
  return `expected a DSCP from 0 to ${DSCP_MAX} or a name such as "EF", "AF41", "CS1", got ${
    JSON.stringify(value) ?? String(value)
  }`;
}

function dscpTypeError(issue: { input?: unknown }): string {
  return dscpMessage(issue.input);
}

/**
 * Default probe interval: 100 ms.
 *
 * @example
 * ```ts
 * import { UDP_ECHO_DEFAULT_INTERVAL_MS } from "./udp_echo.ts";
 * console.log(UDP_ECHO_DEFAULT_INTERVAL_MS); // 100
 * ```
 */
export const UDP_ECHO_DEFAULT_INTERVAL_MS = 100;

/**
 * Shortest interval: 1 ms (the send loop paces on a `timerfd`; see the module documentation).
 *
 * @example Reading the minimum
 * ```ts
 * import { UDP_ECHO_MIN_INTERVAL_MS } from "./udp_echo.ts";
 * console.log(UDP_ECHO_MIN_INTERVAL_MS); // 1
 * ```
 */
export const UDP_ECHO_MIN_INTERVAL_MS = 1;

/**
 * Default timeout: 1 s.
 *
 * @example
 * ```ts
 * import { UDP_ECHO_DEFAULT_TIMEOUT_MS } from "./udp_echo.ts";
 * console.log(UDP_ECHO_DEFAULT_TIMEOUT_MS); // 1000
 * ```
 */
export const UDP_ECHO_DEFAULT_TIMEOUT_MS = 1_000;

/**
 * What {@linkcode createUdpEchoPlugin} may be given instead of the real thing (for tests).
 *
 * @example The real opener, named
 * ```ts
 * import { createUdpEchoPlugin, type UdpEchoPluginDeps } from "./udp_echo.ts";
 * import { openSession } from "../protocol/client.ts";
 * const deps: UdpEchoPluginDeps = { openSession };
 * console.log(createUdpEchoPlugin(deps).name); // udp-echo
 * ```
 */
export interface UdpEchoPluginDeps {
  /**
   * Opens an echo session.
   *
   * @default {openSession from protocol/client.ts}
   */
  openSession?: OpenEchoSession;
  /**
   * How the send loop waits for its slots.
   *
   * @default {preciseSleep from ffi/timer.ts (a timerfd) when --allow-ffi is granted, else the
   * schedule's own sleep}
   */
  sleep?: ScheduleSleep;
}

/**
 * Creates the `udp-echo` plugin.
 *
 * @param deps Replacements for tests; see {@linkcode UdpEchoPluginDeps}.
 * @returns The plugin.
 *
 * @example Probe a server for one second (needs --allow-ffi and a running server)
 * ```ts ignore
 * import { createUdpEchoPlugin } from "./udp_echo.ts";
 * import { Schedule } from "../core/schedule.ts";
 *
 * const plugin = createUdpEchoPlugin();
 * const server = { name: "local", host: "127.0.0.1", port: 9876, secret: "s3cret" };
 * const ctx = {
 *   target: "", interface: undefined, server, servers: new Map([["local", server]]),
 *   interval: 10, timeout: 1000, schedule: new Schedule({ interval: 10 }), now: Date.now,
 *   log: { debug() {}, info() {}, warn() {} }, event() {}, result() {},
 * };
 * const signal = AbortSignal.timeout(1000);
 * for await (const sample of plugin.run(ctx, plugin.options.parse({}), signal)) {
 *   console.log(sample.metric, sample.status, sample.value); // rtt ok 0.052
 * }
 * ```
 */
export function createUdpEchoPlugin(deps: UdpEchoPluginDeps = {}): Plugin<UdpEchoOptions> {
  const open: OpenEchoSession = deps.openSession ?? openSession;
  const sleep = deps.sleep ?? (ffiAllowed() ? preciseSleep : undefined);
  return {
    name: "udp-echo",
    description:
      "Encrypted UDP echo against bufferbane servers: RTT, one-way delays and loss per direction",
    kind: "probe",
    targets: "none",
    metrics: [
      {
        name: "rtt",
        unit: "ms",
        description: "Round-trip time from kernel stamps, less the time spent in the server",
      },
      {
        name: "owd_up",
        unit: "ms",
        description: "One-way delay client to server, with the estimated clock offset",
      },
      {
        name: "owd_down",
        unit: "ms",
        description: "One-way delay server to client, with the estimated clock offset",
      },
      {
        name: "ipdv_up",
        unit: "ms",
        description: "Absolute difference of consecutive client-to-server delays",
      },
      {
        name: "ipdv_down",
        unit: "ms",
        description: "Absolute difference of consecutive server-to-client delays",
      },
      {
        name: "late_rtt",
        unit: "ms",
        description: "Round-trip time of a reply that came after its probe was counted lost",
      },
      { name: "duplicate", unit: "", description: "1 for each extra copy of a reply" },
      {
        name: "reordered",
        unit: "",
        description: "1 for each reply that came after a reply to a later request",
      },
    ],
    options: udpEchoOptionsSchema,
    defaults: udpEchoDefaults,
    defaultInterval: UDP_ECHO_DEFAULT_INTERVAL_MS,
    defaultTimeout: UDP_ECHO_DEFAULT_TIMEOUT_MS,
    minInterval: UDP_ECHO_MIN_INTERVAL_MS,
    bindsInterface: true,
    run(ctx, options, signal) {
      return runUdpEchoSeries(
        ctx,
        {
          packetSize: options.packet_size,
          failover: options.failover,
          failoverAfter: options.failover_after,
          offsetWindow: options.offset_window,
          dscp: options.dscp,
          sleep,
        },
        open,
        signal,
      );
    },
  };
}
