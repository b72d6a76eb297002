/**
 * One bufferbloat test, start to end: the latency probes run throughout; the phases follow
 * one another on the wall clock (baseline, then each loaded phase: its load's warm-up, the
 * measured window, an idle gap for the queues to drain); then every probe is put in its phase
 * by its send time, the analyses of `bufferbloat/` run, the samples are yielded and the summary
 * is stored as the test's result and printed.
 *
 * ```text
 * |-- baseline --|-- warm-up --|==== download ====|-- gap --|-- warm-up --|==== upload ====|-- gap --| ...
 *   idle probes     (transition)  measured window   (trans.)                measured window
 * ```
 *
 * Probes sent in a warm-up or a gap are stored (as `*_transition`) but left out of the figures.
 * A load that cannot start fails the test (a bufferbloat test without load measures nothing); a
 * probe that cannot open is left out with a note, as long as one remains.
 *
 * @module
 */
import { LOADED_PHASES, type LoadedPhase } from "../charts/bufferbloat_summary.ts";
import type { PluginContext, Sample } from "../core/contract.ts";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { percentile } from "../core/stats/percentile.ts";
import { type Phase, PHASES } from "../bufferbloat/phase_stats.ts";
import type { OneWayDelay, QueueInput } from "../bufferbloat/queue_direction.ts";
import { phaseResponsiveness, type TimedValue } from "../bufferbloat/rpm.ts";
import {
  type BufferbloatResult,
  buildBufferbloatSummary,
  formatBufferbloatSummary,
} from "../bufferbloat/summary.ts";
import type { LoadGenerator, LoadKind, LoadRun, LoadSample } from "./_bufferbloat_load.ts";
import type {
  LatencyProbe,
  LatencyProbeKind,
  LatencyRecord,
  OpenLatencyProbe,
} from "./_bufferbloat_probe.ts";

/**
 * The test's settings, in ms.
 *
 * @example The plugin's defaults
 * ```ts
 * import type { BufferbloatSettings } from "./_bufferbloat_run.ts";
 * const settings: BufferbloatSettings = {
 *   baselineMs: 5000, phaseMs: { download: 10_000, upload: 10_000, bidirectional: 10_000 },
 *   warmupMs: 2000, gapMs: 2000, streams: 8, congestionControl: "cubic", probeIntervalMs: 20,
 *   probes: ["udp-echo", "icmp"],
 * };
 * ```
 */
export interface BufferbloatSettings {
  /** Idle phase. */
  baselineMs: number;
  /** Measured window of each loaded phase. */
  phaseMs: Record<LoadedPhase, number>;
  /** Load before each measured window. */
  warmupMs: number;
  /** Idle after each loaded phase. */
  gapMs: number;
  /** Streams per direction. */
  streams: number;
  /** TCP congestion control; `undefined` for the system default. */
  congestionControl: string | undefined;
  /** Latency probe interval. */
  probeIntervalMs: number;
  /** Which probes run. */
  probes: readonly LatencyProbeKind[];
  /** The server's TCP throughput port; `undefined` for the load generator's default. */
  throughputPort?: number | undefined;
}

/**
 * What a test runs with.
 *
 * @example Deps that cannot load (a test with them fails at its first loaded phase)
 * ```ts
 * import type { BufferbloatRunDeps } from "./_bufferbloat_run.ts";
 * import { timerSleep } from "../core/schedule.ts";
 * const unavailable = () => Promise.reject(new Error("unavailable"));
 * const deps: BufferbloatRunDeps = {
 *   load: unavailable, openProbe: { "udp-echo": unavailable, icmp: unavailable },
 *   sleep: timerSleep, now: Date.now,
 * };
 * ```
 */
export interface BufferbloatRunDeps {
  /** Starts loads. */
  load: LoadGenerator;
  /** Opens each kind of latency probe. */
  openProbe: Record<LatencyProbeKind, OpenLatencyProbe>;
  /** Waits (resolving early when the signal aborts). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Wall clock, ms (the clock of the probes' send times). */
  now: () => number;
}

/** Where a probe falls: a phase's measured window, or `"transition"`. */
type Segment = Phase | "transition";

interface Window {
  phase: Phase;
  start: number;
  end: number;
}

const LOAD_KIND: Record<LoadedPhase, LoadKind> = {
  download: "download",
  upload: "upload",
  bidirectional: "both",
};

function segmentOf(windows: readonly Window[], at: number): Segment {
  for (const window of windows) {
    if (at >= window.start && at < window.end) return window.phase;
  }
  return "transition";
}

/** The clock offset of the idle probes: median of `(up - down) / 2` over the fastest third. */
function idleOffset(records: readonly LatencyRecord[]): number {
  const trips = records
    .filter((r) => r.oneWay !== undefined)
    .map((r) => ({
      rtt: r.oneWay!.upMs + r.oneWay!.downMs,
      offset: (r.oneWay!.upMs - r.oneWay!.downMs) / 2,
    }))
    .sort((a, b) => a.rtt - b.rtt);
  const fastest = trips.slice(0, Math.max(1, Math.ceil(trips.length / 3)));
  return fastest.length === 0 ? 0 : percentile(fastest.map((t) => t.offset), 50);
}

function byPhase<T>(value: (phase: Phase) => T): Record<Phase, T> {
  return Object.fromEntries(PHASES.map((phase) => [phase, value(phase)])) as Record<Phase, T>;
}

function median(values: readonly number[]): number {
  return values.length === 0 ? NaN : percentile(values, 50);
}

function round3(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : "–";
}

/** Collects one probe's records. */
class ProbeLog {
  readonly records: LatencyRecord[] = [];
  constructor(readonly probe: LatencyProbe) {}
}

/** Collects one load's samples. */
interface LoadLog {
  phase: LoadedPhase;
  run: LoadRun;
  samples: LoadSample[];
  reading: Promise<void>;
}

/**
 * Runs one test (see the module documentation) and yields its samples; stores its result with
 * `ctx.result` and prints its summary with `ctx.log.info`.
 *
 * @param ctx The plugin context (its server is tested, through its interface).
 * @param settings Durations, streams, probes.
 * @param deps Load generator, probe openers, clock and sleep.
 * @param signal Stops the test (no result then).
 * @returns The samples, at the end of the test.
 * @throws {BufferbaneError} `SERVER` when the recipe entry names no server, when no latency
 * probe can be opened, or when a load cannot start; `RangeError` when a phase has no answered
 * probe at all (nothing to grade).
 *
 * @example Without a server the test fails at once
 * ```ts
 * import { runBufferbloat } from "./_bufferbloat_run.ts";
 * import { Schedule, timerSleep } from "../core/schedule.ts";
 * const unavailable = () => Promise.reject(new Error("unavailable"));
 * const ctx = {
 *   target: "", interface: undefined, server: undefined, servers: new Map(), interval: 3_600_000,
 *   timeout: 2000, schedule: new Schedule({ interval: 3_600_000 }), now: Date.now,
 *   log: { debug() {}, info() {}, warn() {} }, event() {}, result() {},
 * };
 * const settings = {
 *   baselineMs: 1000, phaseMs: { download: 1000, upload: 1000, bidirectional: 1000 },
 *   warmupMs: 500, gapMs: 500, streams: 1, congestionControl: undefined, probeIntervalMs: 20,
 *   probes: ["udp-echo" as const],
 * };
 * const deps = {
 *   load: unavailable, openProbe: { "udp-echo": unavailable, icmp: unavailable },
 *   sleep: timerSleep, now: Date.now,
 * };
 * const run = runBufferbloat(ctx, settings, deps, new AbortController().signal);
 * console.log(await run.next().catch((e) => e.message));
 * // The bufferbloat test needs a server: name one with servers = ["..."] in its [[tests]] entry
 * ```
 */
export async function* runBufferbloat(
  ctx: PluginContext,
  settings: BufferbloatSettings,
  deps: BufferbloatRunDeps,
  signal: AbortSignal,
): AsyncGenerator<Sample, void, undefined> {
  const server = ctx.server;
  if (server === undefined) {
    throw new BufferbaneError(
      ErrorCode.Server,
      'The bufferbloat test needs a server: name one with servers = ["..."] in its [[tests]] entry',
    );
  }
  const title = `bufferbloat against "${server.name}"${
    ctx.interface ? ` on ${ctx.interface}` : ""
  }`;
  const totalMs = settings.baselineMs +
    LOADED_PHASES.reduce(
      (sum, p) => sum + settings.warmupMs + settings.phaseMs[p] + settings.gapMs,
      0,
    );
  const notes: string[] = [];
  if (isLoopbackHost(server.host)) {
    notes.push(
      "the server is on this machine (loopback): there is no link to load, so these figures " +
        "are the tool's own floor (microseconds, RPM in the tens of thousands), not a connection's",
    );
  }

  const logs = new Map<LatencyProbeKind, ProbeLog>();
  for (const kind of settings.probes) {
    try {
      const probe = await deps.openProbe[kind]({
        server,
        device: ctx.interface,
        intervalMs: settings.probeIntervalMs,
        timeoutMs: ctx.timeout,
        durationMs: totalMs + 30_000,
        signal,
        log: ctx.log,
      });
      logs.set(kind, new ProbeLog(probe));
    } catch (error) {
      const reason = describeError(error);
      notes.push(`${kind} unavailable: ${reason}`);
      ctx.event({
        kind: "bufferbloat_probe_unavailable",
        severity: "warn",
        message: `${title}: ${kind} probes unavailable, going on without them: ${reason}`,
        data: { probe: kind, reason },
      });
    }
    if (signal.aborted) break;
  }
  if (logs.size === 0) {
    throw new BufferbaneError(
      ErrorCode.Server,
      `No latency probe could run against "${server.name}": ${notes.join("; ")}`,
    );
  }

  const windows: Window[] = [];
  const loads: LoadLog[] = [];
  const loadNotes: string[] = [];
  const startedAt = deps.now();
  /** The senders' congestion control in each loaded phase, as the load reported it. */
  const congestionControls: Partial<Record<LoadedPhase, string>> = {};
  try {
    for (const log of logs.values()) log.probe.start((record) => log.records.push(record));
    await deps.sleep(settings.baselineMs, signal);
    windows.push({ phase: "idle", start: startedAt, end: deps.now() });
    if (signal.aborted) return;
    ctx.log.info(`${title}: idle median ${round3(medianOf(logs, windows, "idle"))} ms`);

    for (const phase of LOADED_PHASES) {
      let run: LoadRun;
      try {
        run = await deps.load({
          kind: LOAD_KIND[phase],
          warmupMs: settings.warmupMs,
          durationMs: settings.phaseMs[phase],
          streams: settings.streams,
          server,
          device: ctx.interface,
          congestionControl: settings.congestionControl,
          throughputPort: settings.throughputPort,
        }, signal);
      } catch (error) {
        if (signal.aborted) return;
        throw new BufferbaneError(
          ErrorCode.Server,
          `The ${phase} load against "${server.name}" could not start: ${describeError(error)}` +
            " (a bufferbloat test needs the server's TCP throughput service)",
          { cause: error },
        );
      }
      const load: LoadLog = { phase, run, samples: [], reading: Promise.resolve() };
      load.reading = (async () => {
        for await (const sample of run.samples) load.samples.push(sample);
      })().catch((error: unknown) => {
        loadNotes.push(`${phase} load samples failed: ${describeError(error)}`);
      });
      loads.push(load);
      await deps.sleep(settings.warmupMs, signal);
      const start = deps.now();
      await deps.sleep(settings.phaseMs[phase], signal);
      windows.push({ phase, start, end: deps.now() });
      run.stop();
      try {
        const outcome = await run.done;
        loadNotes.push(...outcome.notes.map((note) => `${phase} load: ${note}`));
        if (outcome.congestionControl) congestionControls[phase] = outcome.congestionControl;
      } catch (error) {
        loadNotes.push(`${phase} load failed: ${describeError(error)}`);
      }
      await load.reading;
      if (signal.aborted) return;
      ctx.log.info(progressLine(title, phase, logs, windows, load.samples));
      await deps.sleep(settings.gapMs, signal);
      if (signal.aborted) return;
    }
  } finally {
    for (const load of loads) load.run.stop();
    for (const log of logs.values()) await log.probe.stop();
  }

  for (const log of logs.values()) {
    for (const note of log.probe.notes) notes.push(`${log.probe.kind}: ${note}`);
  }
  notes.push(...loadNotes);
  const icmp = logs.get("icmp");
  if (icmp !== undefined && !icmp.records.some((r) => r.status === "ok")) {
    const reasons = [...new Set(icmp.records.flatMap((r) => r.reason ?? []))].slice(0, 2);
    notes.push(`icmp got no answer${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`);
    logs.delete("icmp");
  }
  const echo = logs.get("udp-echo");
  const echoAnswered = echo !== undefined &&
    echo.records.some((r) => r.status === "ok" && segmentOf(windows, r.sentAt) === "idle");
  const primary = echoAnswered ? echo : logs.get("icmp") ?? echo!;
  const latencySource: LatencyProbeKind = primary.probe.kind;
  if (!echoAnswered && echo !== undefined) notes.push("udp-echo got no answer: latency from icmp");

  const bySegment = (records: readonly LatencyRecord[]) => {
    const out = Object.fromEntries(
      [...PHASES, "transition"].map((s) => [s, [] as LatencyRecord[]]),
    ) as Record<Segment, LatencyRecord[]>;
    for (const record of records) out[segmentOf(windows, record.sentAt)].push(record);
    return out;
  };
  const primarySegments = bySegment(primary.records);
  const rtts = (records: readonly LatencyRecord[]) =>
    records.filter((r) => r.status !== "failed").map((r) => r.rttMs);
  const latency = byPhase((p) => rtts(primarySegments[p]));
  const echoSegments = echoAnswered ? bySegment(echo.records) : undefined;
  const oneWay: QueueInput | undefined = echoSegments === undefined
    ? undefined
    : byPhase((p) => echoSegments[p].flatMap((r) => r.oneWay ?? []));
  const icmpLog = latencySource === "udp-echo" ? logs.get("icmp") : undefined;
  const icmpSegments = icmpLog === undefined ? undefined : bySegment(icmpLog.records);
  const icmpLatency = icmpSegments === undefined
    ? undefined
    : byPhase((p) => rtts(icmpSegments[p]));

  const responsiveness = {} as Record<LoadedPhase, ReturnType<typeof phaseResponsiveness>>;
  const goodput = {} as Record<LoadedPhase, { download: number[]; upload: number[] }>;
  for (const phase of LOADED_PHASES) {
    const window = windows.find((w) => w.phase === phase)!;
    const load = loads.find((l) => l.phase === phase)!;
    const measured = load.samples.filter((s) =>
      !s.warmup && s.at > window.start && s.at <= window.end
    );
    const foreign: TimedValue[] = primarySegments[phase].flatMap((r) =>
      r.rttMs === null ? [] : [{ at: r.sentAt, value: r.rttMs }]
    );
    const self = measured.flatMap((s) => (s.selfRttMs ?? []).map((value) => ({ at: s.at, value })));
    responsiveness[phase] = phaseResponsiveness({
      start: window.start,
      end: window.end,
      foreign,
      self: self.length > 0 ? self : undefined,
      goodput: measured.map((s) => ({
        at: s.at,
        value: (s.downloadMbps ?? 0) + (s.uploadMbps ?? 0),
      })),
    });
    goodput[phase] = {
      download: measured.flatMap((s) => s.downloadMbps ?? []),
      upload: measured.flatMap((s) => s.uploadMbps ?? []),
    };
  }

  const summary: BufferbloatResult = buildBufferbloatSummary({
    latency,
    latencySource,
    oneWay,
    icmp: icmpLatency,
    responsiveness,
    goodput,
    settings: {
      baseline_ms: settings.baselineMs,
      download_ms: settings.phaseMs.download,
      upload_ms: settings.phaseMs.upload,
      bidirectional_ms: settings.phaseMs.bidirectional,
      warmup_ms: settings.warmupMs,
      gap_ms: settings.gapMs,
      streams: settings.streams,
      congestion_control: congestionControls.upload ?? congestionControls.download ??
        settings.congestionControl ?? "system default",
      // The sender's algorithm per phase: the server's on downloads, ours on uploads.
      congestion_control_by_phase: Object.fromEntries(
        LOADED_PHASES.map((phase) => [phase, congestionControls[phase] ?? null]),
      ),
      probe_interval_ms: primary.probe.intervalMs,
      probes: [...logs.keys()],
      timeout_ms: ctx.timeout,
    },
    windows: byPhase((phase) => {
      const window = windows.find((w) => w.phase === phase)!;
      return { start: window.start, end: window.end };
    }),
    notes,
  });

  yield* samplesOf(
    summary,
    startedAt,
    primarySegments,
    echoSegments,
    idleOffset,
    icmpSegments,
    loads,
  );
  ctx.result({
    status: "ok",
    grade: summary.grade,
    headline: `+${summary.increase_ms ?? "?"} ms under ${summary.increase_phase} load, ` +
      `${summary.rpm} RPM (${summary.rpm_class}), queue ${summary.queue}`,
    summary: summary as unknown as Record<string, unknown>,
  });
  ctx.log.info(formatBufferbloatSummary(summary, title).join("\n"));
}

/** Whether `host` names this machine's loopback (127.0.0.0/8, ::1, localhost). */
function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return /^127\./.test(bare) || bare === "::1" || bare === "localhost" ||
    bare.endsWith(".localhost");
}

function medianOf(
  logs: ReadonlyMap<LatencyProbeKind, ProbeLog>,
  windows: readonly Window[],
  phase: Phase,
): number {
  const log = logs.get("udp-echo") ?? logs.get("icmp");
  if (log === undefined) return NaN;
  return median(
    log.records.flatMap((r) =>
      r.rttMs !== null && segmentOf(windows, r.sentAt) === phase ? [r.rttMs] : []
    ),
  );
}

function progressLine(
  title: string,
  phase: LoadedPhase,
  logs: ReadonlyMap<LatencyProbeKind, ProbeLog>,
  windows: readonly Window[],
  samples: readonly LoadSample[],
): string {
  const loaded = medianOf(logs, windows, phase);
  const idle = medianOf(logs, windows, "idle");
  const measured = samples.filter((s) => !s.warmup);
  const rate = (pick: (s: LoadSample) => number | undefined, way: string) => {
    const values = measured.flatMap((s) => pick(s) ?? []);
    return values.length === 0 ? [] : [`${round3(median(values))} Mbit/s ${way}`];
  };
  const rates = [...rate((s) => s.downloadMbps, "down"), ...rate((s) => s.uploadMbps, "up")];
  const added = loaded - idle;
  return `${title}: ${phase} median ${round3(loaded)} ms (${
    Number.isFinite(added) ? `${added >= 0 ? "+" : ""}${round3(added)}` : "–"
  } over idle)${rates.length > 0 ? `, ${rates.join(", ")}` : ""}`;
}

function* samplesOf(
  summary: BufferbloatResult,
  startedAt: number,
  primary: Record<Segment, LatencyRecord[]>,
  echo: Record<Segment, LatencyRecord[]> | undefined,
  offsetOf: (records: readonly LatencyRecord[]) => number,
  icmp: Record<Segment, LatencyRecord[]> | undefined,
  loads: readonly LoadLog[],
): Generator<Sample> {
  yield { timestamp: startedAt, metric: "increase", value: summary.increase_ms, status: "ok" };
  const rttMetric = summary.latency_source === "udp-echo" ? "rtt" : "icmp_rtt";
  for (const [segment, records] of Object.entries(primary) as [Segment, LatencyRecord[]][]) {
    for (const record of records) yield recordSample(`${rttMetric}_${segment}`, record);
  }
  if (echo !== undefined) {
    const offset = offsetOf(echo.idle);
    for (const phase of PHASES) {
      for (const record of echo[phase]) {
        const oneWay: OneWayDelay | undefined = record.oneWay;
        if (record.status !== "ok" || oneWay === undefined) continue;
        const base = { timestamp: record.sentAt, seq: record.seq, status: "ok" as const };
        yield { ...base, metric: `owd_up_${phase}`, value: oneWay.upMs - offset };
        yield { ...base, metric: `owd_down_${phase}`, value: oneWay.downMs + offset };
      }
    }
  }
  if (icmp !== undefined) {
    for (const [segment, records] of Object.entries(icmp) as [Segment, LatencyRecord[]][]) {
      for (const record of records) yield recordSample(`icmp_rtt_${segment}`, record);
    }
  }
  for (const load of loads) {
    for (const sample of load.samples) {
      if (sample.downloadMbps !== undefined) {
        yield {
          timestamp: sample.at,
          metric: "goodput_down",
          value: sample.downloadMbps,
          status: "ok",
        };
      }
      if (sample.uploadMbps !== undefined) {
        yield {
          timestamp: sample.at,
          metric: "goodput_up",
          value: sample.uploadMbps,
          status: "ok",
        };
      }
    }
  }
}

function recordSample(metric: string, record: LatencyRecord): Sample {
  return {
    timestamp: record.sentAt,
    metric,
    value: record.status === "ok" ? record.rttMs : null,
    status: record.status,
    seq: record.seq,
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
  };
}
