/**
 * What the bufferbloat plugin needs of a latency probe: something that sends one probe per
 * interval to the server until stopped and reports each outcome. The real ones are the UDP echo
 * (`_bufferbloat_echo_probe.ts`, with raw one-way delays) and ICMP echo
 * (`_bufferbloat_icmp_probe.ts`); tests pass fakes.
 *
 * @module
 */
import type { PluginLogger, SampleStatus, ServerInfo } from "../core/contract.ts";
import type { OneWayDelay } from "../bufferbloat/queue_direction.ts";

/**
 * The probes the plugin can run beside the load: `"udp-echo"` or `"icmp"`.
 *
 * @example
 * ```ts
 * import type { LatencyProbeKind } from "./_bufferbloat_probe.ts";
 * const kind: LatencyProbeKind = "icmp";
 * ```
 */
export type LatencyProbeKind = "udp-echo" | "icmp";

/**
 * The outcome of one probe.
 *
 * @example A UDP echo answered in 12 ms, 8 ms of it upstream (server clock 1 s ahead)
 * ```ts
 * import type { LatencyRecord } from "./_bufferbloat_probe.ts";
 * const record: LatencyRecord = {
 *   seq: 7, sentAt: 1_700_000_000_000, status: "ok", rttMs: 12, oneWay: { upMs: 1008, downMs: -996 },
 * };
 * ```
 */
export interface LatencyRecord {
  /** The probe's sequence number. */
  seq: number;
  /** When it was sent, wall clock (the kernel's send stamp when known), ms. */
  sentAt: number;
  /** `"ok"`, `"lost"` (no answer in time) or `"failed"` (could not be sent). */
  status: SampleStatus;
  /** Round trip, ms; `null` unless `ok`. */
  rttMs: number | null;
  /** Why it is lost or failed. */
  reason?: string;
  /** Raw one-way delays (UDP echo), each with the clocks' offset in it. */
  oneWay?: OneWayDelay;
}

/**
 * A probe, open and ready to start.
 *
 * @example A probe that answers nothing
 * ```ts
 * import type { LatencyProbe } from "./_bufferbloat_probe.ts";
 * const silent: LatencyProbe = {
 *   kind: "icmp", intervalMs: 20, notes: [], start() {}, async stop() {},
 * };
 * ```
 */
export interface LatencyProbe {
  /** What it is. */
  readonly kind: LatencyProbeKind;
  /** The interval it probes at, ms (the server may have granted longer than asked). */
  readonly intervalMs: number;
  /** Things worth saying about how it runs (a capped interval, the socket kind). */
  readonly notes: readonly string[];
  /** Starts probing; each outcome goes to `onRecord` (in completion order). */
  start(onRecord: (record: LatencyRecord) => void): void;
  /** Stops sending and closes; probes still in flight are abandoned. */
  stop(): Promise<void>;
}

/**
 * What opening a probe needs.
 *
 * @example
 * ```ts
 * import type { LatencyProbeOptions } from "./_bufferbloat_probe.ts";
 * const options: LatencyProbeOptions = {
 *   server: { name: "lab", host: "10.77.3.2", port: 9876, secret: "s" }, device: undefined,
 *   intervalMs: 20, timeoutMs: 2000, durationMs: 60_000, signal: AbortSignal.timeout(1000),
 *   log: { debug() {}, info() {}, warn() {} },
 * };
 * ```
 */
export interface LatencyProbeOptions {
  /** The server (its host for ICMP; host, port and secret for the UDP echo). */
  server: ServerInfo;
  /** Interface to bind to, `undefined` for the default route. */
  device: string | undefined;
  /** How often to probe, ms. */
  intervalMs: number;
  /** How long to wait for an answer, ms. */
  timeoutMs: number;
  /** How long the probe will run at most, ms (a session's duration). */
  durationMs: number;
  /** Aborts opening. */
  signal: AbortSignal;
  /** Logging. */
  log: PluginLogger;
}

/**
 * Opens a probe; rejects when it cannot run at all (no permission, server silent...).
 *
 * @example
 * ```ts
 * import type { OpenLatencyProbe } from "./_bufferbloat_probe.ts";
 * const never: OpenLatencyProbe = () => Promise.reject(new Error("unavailable"));
 * ```
 */
export type OpenLatencyProbe = (options: LatencyProbeOptions) => Promise<LatencyProbe>;
