/**
 * The `dns` plugin: how long a resolver takes to answer a name.
 *
 * Each target is a name to resolve; every interval one lookup is launched, without waiting for
 * the previous one (a lookup slower than the interval never delays the next slot), and each
 * lookup yields one `resolve_time` sample when it completes.
 *
 * Which resolver is asked:
 * - `resolver = "system"` (the default): the resolvers configured for the machine
 *   (`/etc/resolv.conf`), through `Deno.resolveDns`.
 * - `resolver = "192.0.2.53"`, `"192.0.2.53:5353"`, `"2001:db8::53"` or
 *   `"[2001:db8::53]:5353"` (port 53 when omitted): that server, with one UDP query per lookup.
 * - `resolver = "<server name>"`: a server declared in the recipe's `[[servers]]` that has a DNS
 *   port, one UDP query per lookup to its host and DNS port.
 * - A recipe entry that names `servers` asks each of them on its DNS port; `resolver` applies
 *   only to entries without servers, so the series' server always says who was asked.
 *
 * Samples:
 * - `timestamp` is the wall-clock time the lookup was launched (`ctx.now()` at launch), not the
 *   planned slot time: they differ by the slot's lateness, and the launch is when the query
 *   really left. `seq` is the slot number.
 * - `value` is the lookup's elapsed time in ms, measured in user space with
 *   `performance.now()`: DNS has no kernel timestamps here, so the figure includes the delay
 *   between a datagram's arrival and the event loop running our callback (usually well under
 *   a millisecond on an idle machine, more when it is busy). For an explicit resolver it spans
 *   one datagram exchange; for `"system"` it spans the whole `Deno.resolveDns` call (resolver
 *   setup, the resolver's own retries and fail-over to the next configured server).
 *
 * Outcomes and their `reason`:
 *
 * | Outcome                                      | status                   | reason      |
 * | -------------------------------------------- | ------------------------ | ----------- |
 * | an answer with records                       | `ok`                     |             |
 * | NOERROR without records (NODATA)             | `ok` (`lost` when        | `NODATA`    |
 * |                                              | `expect_answer` is set)  |             |
 * | a truncated (TC) NOERROR answer              | `ok`                     |             |
 * | no answer within the timeout                 | `lost`                   | `timeout`   |
 * | NXDOMAIN, SERVFAIL, REFUSED, any other rcode | `lost`                   | its name    |
 * | `"system"`: no records (see below)           | `lost`                   | `NORECORDS` |
 * | a bad name, unusable resolver, socket error  | `failed`                 | the message |
 *
 * `Deno.resolveDns` rejects NXDOMAIN, NODATA, SERVFAIL and REFUSED alike with
 * `Deno.errors.NotFound` ("no records found"), so with `resolver = "system"` they cannot be told
 * apart and are all recorded as `NORECORDS`; name an explicit resolver to see the rcode. Its
 * `Deno.errors.TimedOut` is recorded as `timeout`.
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import { lookup } from "node:dns/promises";
import { z } from "zod";
import type { Plugin, PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import { probeEachSlot } from "../core/concurrent_probes.ts";
import { DNS_QUERY_TYPES, queryDns } from "./_dns_query.ts";
import type { DnsQueryResult, DnsQueryType } from "./_dns_query.ts";

/**
 * The record types the plugin can ask for.
 *
 * @example
 * ```ts
 * import { dnsRecordTypes } from "./dns.ts";
 * console.log(dnsRecordTypes.includes("MX")); // true
 * ```
 */
export const dnsRecordTypes: readonly DnsQueryType[] = DNS_QUERY_TYPES;

/** One of {@linkcode dnsRecordTypes}. */
export type DnsRecordType = DnsQueryType;

/** Options of the `dns` plugin, as a recipe's `[probes.options]` table gives them. */
export interface DnsOptions {
  /**
   * Who to ask: `"system"` (the machine's resolvers), an IP address with an optional port
   * (`"192.0.2.53"`, `"192.0.2.53:5353"`, `"2001:db8::53"`, `"[2001:db8::53]:5353"`; port 53
   * when omitted), or the name of a recipe server that has a DNS port.
   *
   * @default {"system"}
   */
  resolver: string;
  /**
   * The record type to ask for. For `PTR`, the target is the reverse name, e.g.
   * `"10.2.0.192.in-addr.arpa"`.
   *
   * @default {"A"}
   */
  record_type: DnsRecordType;
  /**
   * Whether an answer without records (NOERROR but empty, "NODATA") counts as lost with reason
   * `NODATA`. Off by default, because the resolver did answer and its time is a valid
   * measurement (an `AAAA` lookup of an IPv4-only name); turn it on to watch that a record
   * exists.
   *
   * @default {false}
   */
  expect_answer: boolean;
}

/**
 * The documented defaults of {@linkcode DnsOptions}.
 *
 * @example
 * ```ts
 * import { dnsDefaults } from "./dns.ts";
 * console.log(dnsDefaults.resolver); // system
 * ```
 */
export const dnsDefaults = {
  resolver: "system",
  record_type: "A",
  expect_answer: false,
} as const satisfies DnsOptions;

/**
 * A parsed {@linkcode DnsOptions.resolver}.
 *
 * @example
 * ```ts
 * import type { DnsResolver } from "./dns.ts";
 * const resolver: DnsResolver = { kind: "address", address: "192.0.2.53", port: 53 };
 * ```
 */
export type DnsResolver =
  | { kind: "system" }
  | { kind: "address"; address: string; port: number }
  | { kind: "server"; name: string };

const DNS_PORT = 53;

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Parses a resolver as written in a recipe.
 *
 * @param text `"system"`, an IP address with an optional port, or a server name.
 * @returns The resolver, or `undefined` when the text looks like an address but is not a valid
 *   one (`"192.0.2.300"`, `"192.0.2.1:70000"`, `"[192.0.2.1]"`) or contains white space.
 *
 * @example
 * ```ts
 * import { parseDnsResolver } from "./dns.ts";
 * console.log(parseDnsResolver("[2001:db8::53]:5353"));
 * // { kind: "address", address: "2001:db8::53", port: 5353 }
 * console.log(parseDnsResolver("vienna")); // { kind: "server", name: "vienna" }
 * ```
 */
export function parseDnsResolver(text: string): DnsResolver | undefined {
  if (text === "system") return { kind: "system" };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    const address = bracketed[1]!.toLowerCase();
    const port = bracketed[2] === undefined ? DNS_PORT : parsePort(bracketed[2]);
    return isIPv6(address) && port !== undefined ? { kind: "address", address, port } : undefined;
  }
  if (isIPv6(text)) return { kind: "address", address: text.toLowerCase(), port: DNS_PORT };
  const [host, portText, ...rest] = text.split(":");
  if (isIPv4(host!) && rest.length === 0) {
    const port = portText === undefined ? DNS_PORT : parsePort(portText);
    return port === undefined ? undefined : { kind: "address", address: host!, port };
  }
  // Anything else that looks like an address attempt is a mistake, not a server name.
  if (/^[\d.:[\]]+$/.test(text) || /[\s:[\]]/.test(text) || text === "") return undefined;
  return { kind: "server", name: text };
}

/**
 * The series' `server` label for a dns entry without servers: `"system"`, the resolver's
 * address in one canonical form (port 53 left out, so `"192.0.2.53"` and `"192.0.2.53:53"` are
 * one series), or the server name. The runner stores it as the series' server.
 *
 * @param options The plugin options (only `resolver` is read).
 * @returns The label.
 *
 * @example
 * ```ts
 * import { dnsSeriesServer } from "./dns.ts";
 * console.log(dnsSeriesServer({ resolver: "192.0.2.53:53" })); // 192.0.2.53
 * console.log(dnsSeriesServer({ resolver: "[2001:DB8::53]:5353" })); // [2001:db8::53]:5353
 * ```
 */
export function dnsSeriesServer(options: Pick<DnsOptions, "resolver">): string {
  const resolver = parseDnsResolver(options.resolver);
  if (resolver === undefined) return options.resolver;
  switch (resolver.kind) {
    case "system":
      return "system";
    case "server":
      return resolver.name;
    case "address": {
      if (resolver.port === DNS_PORT) return resolver.address;
      const host = isIPv6(resolver.address) ? `[${resolver.address}]` : resolver.address;
      return `${host}:${resolver.port}`;
    }
  }
}

/**
 * The zod schema of {@linkcode DnsOptions}: fills in {@linkcode dnsDefaults} and rejects
 * unknown keys.
 *
 * @example
 * ```ts
 * import { dnsOptionsSchema } from "./dns.ts";
 * console.log(dnsOptionsSchema.parse({ record_type: "AAAA" }));
 * // { resolver: "system", record_type: "AAAA", expect_answer: false }
 * console.log(dnsOptionsSchema.safeParse({ resolver: "192.0.2.1:99999" }).success); // false
 * ```
 */
export const dnsOptionsSchema: z.ZodType<DnsOptions> = z.strictObject({
  resolver: z.string()
    .refine((text) => parseDnsResolver(text) !== undefined, {
      message: 'expected "system", an IP address with an optional port, or a server name',
    })
    .default(dnsDefaults.resolver)
    .describe(
      'Who to ask: "system", an IP address with optional port (53 by default), or a server name',
    ),
  record_type: z.enum(DNS_QUERY_TYPES)
    .default(dnsDefaults.record_type)
    .describe(`Record type to ask for: ${DNS_QUERY_TYPES.join(", ")}`),
  expect_answer: z.boolean()
    .default(dnsDefaults.expect_answer)
    .describe("Count an answer without records (NODATA) as lost"),
});

/** How the plugin resolves with the system configuration; `Deno.resolveDns` fits. */
export type DnsResolveFunction = (
  query: string,
  recordType: DnsRecordType,
  options: Deno.ResolveDnsOptions,
) => Promise<readonly unknown[]>;

/** What {@linkcode createDnsPlugin} may be given instead of the real thing (for tests). */
export interface DnsPluginDeps {
  /**
   * Resolves with the system configuration (`resolver = "system"`).
   *
   * @default {Deno.resolveDns}
   */
  resolve?: DnsResolveFunction;
  /**
   * Turns a recipe server's host name into an address (a server given by address skips it).
   *
   * @default {the operating system's resolver (getaddrinfo, so /etc/hosts counts)}
   */
  lookupHost?: (host: string) => Promise<string>;
}

const lookupWithSystem = async (host: string) => (await lookup(host)).address;

/** Default probe interval: 5 s. */
export const DNS_DEFAULT_INTERVAL_MS = 5_000;
/** Default timeout: 2 s. */
export const DNS_DEFAULT_TIMEOUT_MS = 2_000;

/** A lookup's answer, whatever asked. */
type Answer = Pick<DnsQueryResult, "rcode" | "answers" | "truncated" | "elapsed">;
/** One lookup with a deadline. */
type Lookup = (signal: AbortSignal) => Promise<Answer>;

function serverLookup(
  server: ServerInfo,
  ctx: PluginContext,
  recordType: DnsRecordType,
  lookupHost: (host: string) => Promise<string>,
): Lookup {
  const dnsPort = server.dnsPort;
  if (dnsPort === undefined) {
    const reason = `Server "${server.name}" has no DNS port`;
    return () => Promise.reject(new Error(reason));
  }
  // A host name is resolved once; a failure is retried at the next slot.
  let address: Promise<string> | undefined;
  const resolveHost = () =>
    address ??= (isIPv4(server.host) || isIPv6(server.host)
      ? Promise.resolve(server.host)
      : lookupHost(server.host)).catch((error: Error) => {
        address = undefined;
        throw new Error(
          `Cannot resolve server "${server.name}" host "${server.host}": ${error.message}`,
        );
      });
  return async (signal) => {
    const host = await abortable(resolveHost(), signal);
    return queryDns({ name: ctx.target, recordType, address: host, port: dnsPort }, signal);
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function chooseLookup(
  ctx: PluginContext,
  options: DnsOptions,
  deps: Required<DnsPluginDeps>,
): Lookup {
  const recordType = options.record_type;
  if (ctx.server !== undefined) return serverLookup(ctx.server, ctx, recordType, deps.lookupHost);
  const resolver = parseDnsResolver(options.resolver);
  if (resolver === undefined) {
    const reason = `Invalid resolver "${options.resolver}"`;
    return () => Promise.reject(new Error(reason));
  }
  switch (resolver.kind) {
    case "system":
      return async (signal) => {
        const startedAt = performance.now();
        const records = await deps.resolve(ctx.target, recordType, { signal });
        const elapsed = performance.now() - startedAt;
        return { rcode: "NOERROR", answers: records.length, truncated: false, elapsed };
      };
    case "address":
      return (signal) =>
        queryDns(
          { name: ctx.target, recordType, address: resolver.address, port: resolver.port },
          signal,
        );
    case "server": {
      const server = ctx.servers.get(resolver.name);
      if (server === undefined) {
        const reason =
          `Resolver "${resolver.name}" is not "system", an IP address or a declared server`;
        return () => Promise.reject(new Error(reason));
      }
      return serverLookup(server, ctx, recordType, deps.lookupHost);
    }
  }
}

/** Turns a lookup failure into the reason and status of its sample. */
function classifyFailure(error: unknown, timedOut: boolean): Pick<Sample, "status" | "reason"> {
  if (timedOut || error instanceof Deno.errors.TimedOut) {
    return { status: "lost", reason: "timeout" };
  }
  if (error instanceof Deno.errors.NotFound) return { status: "lost", reason: "NORECORDS" };
  const message = error instanceof Error ? error.message : String(error);
  return { status: "failed", reason: message };
}

/**
 * Creates the `dns` plugin.
 *
 * The default interval is 5 s rather than the usual 1 s: a lookup measures a resolver whose
 * answers mostly come from its cache and whose latency changes slowly, public resolvers may
 * rate-limit a client that asks every second, and 5 s still notices an outage within seconds.
 *
 * @param deps Replacements for tests; see {@linkcode DnsPluginDeps}.
 * @returns The plugin.
 *
 * @example Measure a name against a loopback responder
 * ```ts
 * import { createDnsPlugin } from "./dns.ts";
 * import { startDnsResponder } from "../server/dns_responder.ts";
 * import { Schedule } from "../core/schedule.ts";
 *
 * const responder = await startDnsResponder({ records: { "a.test": { A: ["192.0.2.1"] } } });
 * const plugin = createDnsPlugin();
 * const options = plugin.options.parse({ resolver: `127.0.0.1:${responder.port}` });
 * const controller = new AbortController();
 * const ctx = {
 *   target: "a.test", interface: undefined, server: undefined, servers: new Map(),
 *   interval: 50, timeout: 1000, schedule: new Schedule({ interval: 50 }), now: Date.now,
 *   log: { debug() {}, info() {}, warn() {} }, event() {}, result() {},
 * };
 * try {
 *   for await (const sample of plugin.run(ctx, options, controller.signal)) {
 *     console.log(sample.status, sample.metric); // ok resolve_time
 *     break;
 *   }
 * } finally {
 *   controller.abort();
 *   await responder.close();
 * }
 * ```
 */
export function createDnsPlugin(deps: DnsPluginDeps = {}): Plugin<DnsOptions> {
  const resolved: Required<DnsPluginDeps> = {
    resolve: deps.resolve ?? Deno.resolveDns,
    lookupHost: deps.lookupHost ?? lookupWithSystem,
  };
  return {
    name: "dns",
    description: "Measures how long a resolver takes to answer a name",
    kind: "probe",
    targets: "required",
    metrics: [{
      name: "resolve_time",
      unit: "ms",
      description: "Time from sending a lookup to receiving its answer",
    }],
    options: dnsOptionsSchema,
    defaults: dnsDefaults,
    defaultInterval: DNS_DEFAULT_INTERVAL_MS,
    defaultTimeout: DNS_DEFAULT_TIMEOUT_MS,
    // Neither Deno.resolveDns nor node:dgram can bind a socket to a device.
    bindsInterface: false,
    seriesServer: dnsSeriesServer,
    async *run(ctx, options, signal) {
      const lookupOnce = chooseLookup(ctx, options, resolved);
      yield* probeEachSlot(ctx.schedule.slots(signal), async (slot, stop): Promise<Sample> => {
        const launched = { timestamp: ctx.now(), metric: "resolve_time", seq: slot.seq };
        const lost = (reason: string): Sample => ({
          ...launched,
          value: null,
          status: "lost",
          reason,
        });
        const deadline = new AbortController();
        const timer = setTimeout(
          () => deadline.abort(new DOMException("Lookup timed out", "TimeoutError")),
          ctx.timeout,
        );
        const onStop = () => deadline.abort(stop.reason);
        stop.addEventListener("abort", onStop, { once: true });
        try {
          // abortable(): the deadline ends the wait even if a lookup ignores its signal.
          const answer = await abortable(lookupOnce(deadline.signal), deadline.signal);
          if (answer.rcode !== "NOERROR") return lost(answer.rcode);
          if (answer.answers === 0 && !answer.truncated && options.expect_answer) {
            return lost("NODATA");
          }
          return { ...launched, value: answer.elapsed, status: "ok" };
        } catch (error) {
          if (stop.aborted) throw error; // abandoned: the run is over
          return { ...launched, value: null, ...classifyFailure(error, deadline.signal.aborted) };
        } finally {
          clearTimeout(timer);
          stop.removeEventListener("abort", onStop);
        }
      }, signal);
    },
  };
}
