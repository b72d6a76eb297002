/**
 * The `icmp` plugin: ping, with kernel timestamps, through each interface of a recipe.
 *
 * Each target (a host name, an IPv4 or an IPv6 address) gets one ICMP echo request per
 * interval, by default every second. With `interfaces` in the recipe, every target is pinged
 * through each interface at the same time, each series through its own socket bound to its
 * interface (`SO_BINDTODEVICE`), and every sample carries its interface.
 *
 * Metrics:
 *
 * | metric      | unit | what                                                                |
 * | ----------- | ---- | ------------------------------------------------------------------- |
 * | `rtt`       | ms   | round-trip time from the kernel's send stamp to its receive stamp;  |
 * |             |      | `lost` (no reply within the timeout, or an ICMP error) or `failed`  |
 * |             |      | (the request could not be sent) with the reason                     |
 * | `reply_ttl` |      | TTL (IPv4) or hop limit (IPv6) left in each reply (`record_ttl`)    |
 * | `late_rtt`  | ms   | whole round-trip time of a reply that came after its probe was      |
 * |             |      | counted lost: the probe stays lost, this records how late it was   |
 * | `duplicate` |      | 1 for each extra reply to a probe already answered                  |
 *
 * Matching: the ICMP identifier is the socket's, the sequence number is the schedule slot
 * number modulo 65536, and replies are matched to probes by it (see `_icmp_tracker.ts`), so a
 * late reply or a duplicate is never taken for the answer to a newer probe. Whether a reply
 * came within the timeout is judged on kernel stamps.
 *
 * Samples: `timestamp` is the kernel's send stamp in ms (the wall clock at send when a request
 * failed or got no stamp), `seq` the slot number.
 *
 * What goes wrong, and what the series records (no problem stops the run or the series):
 *
 * | problem                                       | sample                | reason starts with  |
 * | --------------------------------------------- | --------------------- | ------------------- |
 * | no reply within the timeout                   | `lost`                | `timeout`           |
 * | destination unreachable, time exceeded, ...   | `lost`                | the ICMP error      |
 * | interface removed (or never there)            | `failed`, every slot  | `ENODEV`            |
 * | interface down                                | `failed`, every slot  | `ENETUNREACH`       |
 * | neither ping nor raw sockets allowed          | `failed`, every slot  | `EACCES` / `EPERM`  |
 * | host name does not resolve                    | `failed`, every slot  | `Cannot resolve`    |
 *
 * - A removed interface: the socket is closed and a new one is opened at every following slot;
 *   once the interface exists again (a re-created one has a new index, and a fresh socket binds
 *   to it) probing resumes by itself. Events `icmp_interface_down` and `icmp_interface_up` mark
 *   the start and end of such an outage, once each.
 * - Permission: the reason and a `critical` `icmp_permission` event (once) say how to allow
 *   ICMP: `sysctl -w net.ipv4.ping_group_range="0 2147483647"` for ping sockets, or root /
 *   `CAP_NET_RAW` for raw ones. Opening is retried at every slot, so fixing it needs no
 *   restart. (Failed samples rather than a thrown error: the driver would restart a throwing
 *   plugin with a growing backoff and record fewer, later samples.)
 * - Host names are resolved once at start (with the system resolver, so `/etc/hosts` counts),
 *   again after `re_resolve_after` lost probes in a row, and every second while they do not
 *   resolve at all; an `icmp_address` event records each address used.
 *
 * Needs `--allow-ffi`, and root, `CAP_NET_RAW` or ping sockets allowed for the user's group.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { z } from "zod";
import type { Plugin } from "../core/contract.ts";
import { IcmpSocket } from "../ffi/icmp_socket.ts";
import type { HostLookup, IcmpFamily } from "./_icmp_address.ts";
import { type OpenEchoSocket, runIcmpSeries } from "./_icmp_series.ts";

export type { EchoSocket, OpenEchoSocket } from "./_icmp_series.ts";
export type { HostLookup, IcmpFamily, ResolvedAddress } from "./_icmp_address.ts";

/**
 * Options of the `icmp` plugin, as a recipe's `[probes.options]` table gives them.
 *
 * @example IPv6 with bigger packets and a hop limit
 * ```ts
 * import type { IcmpOptions } from "./icmp.ts";
 * const options: IcmpOptions = {
 *   payload_size: 1400, ttl: 16, family: 6, socket: "auto", re_resolve_after: 3, record_ttl: true,
 * };
 * ```
 */
export interface IcmpOptions {
  /**
   * Bytes of ICMP payload after the 8-byte header, as `ping -s` (56 makes 64-byte ICMP
   * messages, 84-byte IPv4 packets).
   *
   * @default {56}
   */
  payload_size: number;
  /**
   * TTL (IPv4) or hop limit (IPv6) of the requests, 1 to 255; the system default when not
   * set.
   *
   * @default {undefined}
   */
  ttl?: number | undefined;
  /**
   * IP version: `4`, `6`, or `"auto"` for the version of the target's address (a host name
   * then resolves to whichever the system resolver gives first).
   *
   * @default {"auto"}
   */
  family: IcmpFamily;
  /**
   * Socket kind: `"ping"` (unprivileged ICMP sockets, allowed by
   * `net.ipv4.ping_group_range`), `"raw"` (root or `CAP_NET_RAW`), or `"auto"` for a ping
   * socket when allowed, else a raw one.
   *
   * @default {"auto"}
   */
  socket: "auto" | "ping" | "raw";
  /**
   * Lost or unsendable probes in a row after which a host name is resolved again.
   *
   * @default {3}
   */
  re_resolve_after: number;
  /**
   * Whether the TTL left in each reply is recorded as a `reply_ttl` sample (a change means
   * the path changed).
   *
   * @default {true}
   */
  record_ttl: boolean;
}

/**
 * The documented defaults of {@linkcode IcmpOptions}.
 *
 * @example Reading a default
 * ```ts
 * import { icmpDefaults } from "./icmp.ts";
 * console.log(icmpDefaults.payload_size); // 56
 * ```
 */
export const icmpDefaults = {
  payload_size: 56,
  family: "auto",
  socket: "auto",
  re_resolve_after: 3,
  record_ttl: true,
} as const satisfies IcmpOptions;

/**
 * Largest ICMP payload: an IPv4 datagram of 65535 bytes less the IP and ICMP headers.
 *
 * @example The largest payload
 * ```ts
 * import { ICMP_MAX_PAYLOAD_SIZE } from "./icmp.ts";
 * console.log(ICMP_MAX_PAYLOAD_SIZE); // 65499
 * ```
 */
export const ICMP_MAX_PAYLOAD_SIZE = 65_507 - 8;

/**
 * The zod schema of {@linkcode IcmpOptions}: fills in {@linkcode icmpDefaults} and rejects
 * unknown keys.
 *
 * @example Parsing options
 * ```ts
 * import { icmpOptionsSchema } from "./icmp.ts";
 * console.log(icmpOptionsSchema.parse({ family: 6, ttl: 8 }));
 * // { payload_size: 56, ttl: 8, family: 6, socket: "auto", re_resolve_after: 3, record_ttl: true }
 * console.log(icmpOptionsSchema.safeParse({ ttl: 0 }).success); // false
 * ```
 */
export const icmpOptionsSchema: z.ZodType<IcmpOptions> = z.strictObject({
  payload_size: z.number().int().min(0).max(ICMP_MAX_PAYLOAD_SIZE)
    .default(icmpDefaults.payload_size)
    .describe("Bytes of ICMP payload after the 8-byte header, as ping -s"),
  ttl: z.number().int().min(1).max(255)
    .optional()
    .describe("TTL / hop limit of the requests, 1 to 255 (default: the system's)"),
  family: z.literal(["auto", 4, 6])
    .default(icmpDefaults.family)
    .describe('IP version: 4, 6, or "auto" for the version of the target\'s address'),
  socket: z.enum(["auto", "ping", "raw"])
    .default(icmpDefaults.socket)
    .describe('Socket kind: "ping" (ping_group_range), "raw" (CAP_NET_RAW) or "auto"'),
  re_resolve_after: z.number().int().min(1)
    .default(icmpDefaults.re_resolve_after)
    .describe("Lost probes in a row after which a host name is resolved again"),
  record_ttl: z.boolean()
    .default(icmpDefaults.record_ttl)
    .describe("Record the TTL left in each reply as reply_ttl"),
});

/**
 * Default probe interval: 1 s.
 *
 * @example Reading the default
 * ```ts
 * import { ICMP_DEFAULT_INTERVAL_MS } from "./icmp.ts";
 * console.log(ICMP_DEFAULT_INTERVAL_MS); // 1000
 * ```
 */
export const ICMP_DEFAULT_INTERVAL_MS = 1_000;

/**
 * Default timeout: 2 s.
 *
 * @example Reading the default
 * ```ts
 * import { ICMP_DEFAULT_TIMEOUT_MS } from "./icmp.ts";
 * console.log(ICMP_DEFAULT_TIMEOUT_MS); // 2000
 * ```
 */
export const ICMP_DEFAULT_TIMEOUT_MS = 2_000;

/**
 * What {@linkcode createIcmpPlugin} may be given instead of the real thing (for tests).
 *
 * @example A lookup that knows one name
 * ```ts
 * import { createIcmpPlugin, type IcmpPluginDeps } from "./icmp.ts";
 * const deps: IcmpPluginDeps = {
 *   lookup: (host) =>
 *     host === "gateway.test"
 *       ? Promise.resolve({ address: "192.0.2.1", family: 4 })
 *       : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`)),
 * };
 * console.log(createIcmpPlugin(deps).name); // icmp
 * ```
 */
export interface IcmpPluginDeps {
  /**
   * Opens an ICMP socket.
   *
   * @default {IcmpSocket.open}
   */
  openSocket?: OpenEchoSocket;
  /**
   * Resolves a host name (`family` `undefined` = any version).
   *
   * @default {the operating system's resolver (getaddrinfo, so /etc/hosts counts)}
   */
  lookup?: HostLookup;
}

const lookupWithSystem: HostLookup = async (host, family) => {
  const found = await lookup(host, { family: family ?? 0 });
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
};

/**
 * Creates the `icmp` plugin.
 *
 * @param deps Replacements for tests; see {@linkcode IcmpPluginDeps}.
 * @returns The plugin.
 *
 * @example Ping 127.0.0.1 a few times (needs --allow-ffi and root, CAP_NET_RAW or ping sockets)
 * ```ts ignore
 * import { createIcmpPlugin } from "./icmp.ts";
 * import { Schedule } from "../core/schedule.ts";
 *
 * const plugin = createIcmpPlugin();
 * const ctx = {
 *   target: "127.0.0.1", interface: undefined, server: undefined, servers: new Map(),
 *   interval: 100, timeout: 1000, schedule: new Schedule({ interval: 100 }), now: Date.now,
 *   log: { debug() {}, info() {}, warn() {} }, event() {}, result() {},
 * };
 * const signal = AbortSignal.timeout(1000);
 * for await (const sample of plugin.run(ctx, plugin.options.parse({}), signal)) {
 *   console.log(sample.metric, sample.status, sample.value); // rtt ok 0.031
 * }
 * ```
 */
export function createIcmpPlugin(deps: IcmpPluginDeps = {}): Plugin<IcmpOptions> {
  const resolved = {
    openSocket: deps.openSocket ?? ((options) => IcmpSocket.open(options)),
    lookup: deps.lookup ?? lookupWithSystem,
  } satisfies Required<IcmpPluginDeps>;
  return {
    name: "icmp",
    description: "Pings each target through each interface; round-trip times from kernel stamps",
    kind: "probe",
    targets: "required",
    metrics: [
      {
        name: "rtt",
        unit: "ms",
        description: "Round-trip time of an echo request, from kernel send and receive stamps",
      },
      {
        name: "reply_ttl",
        unit: "",
        description: "TTL (IPv4) or hop limit (IPv6) left in each reply",
      },
      {
        name: "late_rtt",
        unit: "ms",
        description: "Round-trip time of a reply that came after its probe was counted lost",
      },
      {
        name: "duplicate",
        unit: "",
        description: "1 for each extra reply to a probe that was already answered",
      },
    ],
    options: icmpOptionsSchema,
    defaults: icmpDefaults,
    defaultInterval: ICMP_DEFAULT_INTERVAL_MS,
    defaultTimeout: ICMP_DEFAULT_TIMEOUT_MS,
    bindsInterface: true,
    run(ctx, options, signal) {
      return runIcmpSeries(
        ctx,
        {
          payloadSize: options.payload_size,
          ttl: options.ttl,
          family: options.family,
          socket: options.socket,
          reResolveAfter: options.re_resolve_after,
          recordTtl: options.record_ttl,
        },
        resolved,
        signal,
      );
    },
  };
}
