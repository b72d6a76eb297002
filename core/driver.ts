/**
 * The driver: the only code that calls a plugin's `run`. It hands the plugin its context, checks
 * what comes back, and turns a plugin's failure into recorded data (a failed sample and an
 * event) instead of a crashed run. A probe plugin that throws is restarted at a later slot of
 * the same absolute schedule, with backoff; the slots it was down count as missed.
 *
 * Each probe result is checked against the clocks first: after a wall-clock jump or a suspend
 * (see `clock_watch.ts`) the results of probes in flight across it are discarded, neither
 * stored as lost nor with a bogus round trip. Each kept result gets the interval it was sent
 * at; a job with `adaptive` settings has its schedule sped up or slowed down from its results
 * (see `adaptive_interval.ts`).
 *
 * @module
 */
import type {
  PluginContext,
  PluginEvent,
  PluginLogger,
  Sample,
  ServerInfo,
  TestResult,
} from "./contract.ts";
import { AdaptiveInterval } from "./adaptive_interval.ts";
import type { Job } from "./job.ts";
import type { Schedule } from "./schedule.ts";

/** Where the driver sends what a job produces. */
export interface DriverSink {
  /** A sample, already checked (metric declared, status valid). */
  sample(job: Job, sample: Sample): void;
  /** An event from the plugin or the driver. */
  event(job: Job, event: PluginEvent): void;
  /** A bounded test's result, with its start and duration. */
  result(job: Job, result: TestResult, startedAt: number, durationMs: number): void;
}

/** Options for {@linkcode driveProbe} and {@linkcode driveTest}. */
export interface DriveOptions {
  /** Stops the job. */
  signal: AbortSignal;
  /** The job's absolute schedule (shared across restarts). */
  schedule: Schedule;
  /** Every server declared in the recipe. */
  servers: ReadonlyMap<string, ServerInfo>;
  /** Where plugin log lines go. Default: nowhere. */
  log?: PluginLogger;
  /** Wall clock. Default: `Date.now`. */
  now?: () => number;
  /** First restart delay after a failure, in ms. Default: the job's interval, at least 1000. */
  restartDelay?: number;
  /** Longest restart delay, in ms. Default: 60000. */
  maxRestartDelay?: number;
  /** How long to wait for a plugin to return after `signal` aborts, in ms. Default: 2000. */
  stopGrace?: number;
  /**
   * Reads the newest stored event of one of `kinds` for a job from earlier runs (becomes
   * {@linkcode PluginContext.previousEvent}). Default: none (plugins see `undefined`).
   */
  previousEvent?: (job: Job, kinds: readonly string[]) => PluginEvent | undefined;
}

/** What a probe job did, for the run summary. */
export interface DriveSummary {
  /** Times the plugin threw and was restarted. */
  failures: number;
  /** Slots skipped because they could not be sent on time (includes down time). */
  missedSlots: number;
  /** Samples yielded. */
  samples: number;
  /** Samples dropped because they named an undeclared metric or had a bad shape. */
  rejected: number;
  /** Results discarded because their probe was in flight across a clock jump or suspend. */
  discarded: number;
}

/** What {@linkcode consume} does to a probe job's results beyond checking them. */
interface ProbeHooks {
  schedule: Schedule;
  adaptive: AdaptiveInterval | undefined;
  primary: string;
}

const silentLog: PluginLogger = { debug() {}, info() {}, warn() {} };
const STATUSES = new Set(["ok", "lost", "failed"]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Checks a yielded value; returns a reason when it is not a valid sample. */
function checkSample(value: unknown, metrics: ReadonlySet<string>): string | undefined {
  if (typeof value !== "object" || value === null) return "not an object";
  const s = value as Partial<Sample>;
  if (typeof s.metric !== "string" || !metrics.has(s.metric)) {
    return `undeclared metric "${String(s.metric)}"`;
  }
  if (typeof s.timestamp !== "number" || !Number.isFinite(s.timestamp)) return "bad timestamp";
  if (!STATUSES.has(s.status as string)) return `bad status "${String(s.status)}"`;
  if (s.status === "ok" && (typeof s.value !== "number" || !Number.isFinite(s.value))) {
    return "ok sample without a finite value";
  }
  if (s.seriesServer !== undefined && typeof s.seriesServer !== "string") {
    return "seriesServer is not a string";
  }
  return undefined;
}

function makeContext(
  job: Job,
  sink: DriverSink,
  options: DriveOptions,
  onResult: (result: TestResult) => void,
): PluginContext {
  return {
    target: job.target,
    interface: job.interface,
    server: job.server,
    servers: options.servers,
    // With an adaptive interval, the fastest it may go: what a plugin negotiates with a
    // server (udp-echo sessions) must allow it; the schedule paces.
    interval: job.adaptive?.min ?? job.interval,
    timeout: job.timeout,
    schedule: options.schedule,
    now: options.now ?? Date.now,
    log: options.log ?? silentLog,
    event: (event) => sink.event(job, event),
    result: onResult,
    previousEvent: (kinds) => options.previousEvent?.(job, kinds),
  };
}

/** Iterates a plugin's run, forwarding valid samples; resolves when the plugin returns. */
async function consume(
  job: Job,
  ctx: PluginContext,
  sink: DriverSink,
  signal: AbortSignal,
  summary: DriveSummary,
  metrics: ReadonlySet<string>,
  probe?: ProbeHooks,
): Promise<void> {
  for await (const value of job.plugin.run(ctx, job.options, signal)) {
    if (signal.aborted) break; // probes in flight at stop are abandoned, not counted lost
    if (probe !== undefined && !acceptProbeResult(value, probe, summary)) continue;
    const problem = checkSample(value, metrics);
    if (problem) {
      summary.rejected++;
      if (summary.rejected <= 3) {
        sink.event(job, {
          kind: "plugin_bad_sample",
          severity: "warn",
          message: `Plugin "${job.plugin.name}" yielded a bad sample: ${problem}`,
        });
      }
      continue;
    }
    summary.samples++;
    sink.sample(job, value);
  }
}

/**
 * Checks a probe result against the clocks, stamps the interval it was sent at and feeds the
 * adaptive interval. Returns `false` when the result was in flight across a clock gap.
 */
function acceptProbeResult(value: Sample, probe: ProbeHooks, summary: DriveSummary): boolean {
  const { schedule, adaptive } = probe;
  if (typeof value !== "object" || value === null) return true; // checkSample rejects it
  schedule.checkClock();
  if (schedule.fromBeforeGap(value)) {
    summary.discarded++;
    return false;
  }
  value.interval ??= typeof value.seq === "number"
    ? schedule.intervalAt(value.seq)
    : schedule.interval;
  if (adaptive !== undefined && value.metric === probe.primary) {
    const next = adaptive.observe(value);
    if (next !== undefined) schedule.setInterval(next);
  }
  return true;
}

/** Resolves when `promise` settles or `ms` after `signal` aborts, whichever is first. */
function untilSettledOrGrace(
  promise: Promise<unknown>,
  signal: AbortSignal,
  ms: number,
): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      timer = setTimeout(resolve, ms);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(() => {}, () => {}).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/**
 * Runs a probe job until `options.signal` aborts. Never throws: a plugin failure becomes a
 * failed sample on the primary metric plus a `plugin_error` event, and the plugin is restarted
 * with exponential backoff on the same schedule.
 *
 * @param job The job.
 * @param sink Where samples and events go.
 * @param options Signal, schedule, servers and timing.
 * @returns Counts for the run summary.
 *
 * @example Driving a plugin that fails once
 * ```ts
 * import { driveProbe } from "./driver.ts";
 * import { Schedule } from "./schedule.ts";
 * import { createDnsPlugin } from "../plugins/dns.ts";
 * const plugin = createDnsPlugin({ resolve: () => Promise.reject(new Error("boom")) });
 * const job = {
 *   id: "dns|x||system", plugin, options: plugin.defaults, target: "x", interface: undefined,
 *   server: undefined, serverLabel: "system", interval: 20, timeout: 10,
 * };
 * const samples: string[] = [];
 * const summary = await driveProbe(job, {
 *   sample: (_job, s) => samples.push(s.status), event: () => {}, result: () => {},
 * }, { signal: AbortSignal.timeout(100), schedule: new Schedule({ interval: 20 }), servers: new Map() });
 * console.log(summary.samples > 0); // true
 * ```
 */
export async function driveProbe(
  job: Job,
  sink: DriverSink,
  options: DriveOptions,
): Promise<DriveSummary> {
  const { signal, schedule } = options;
  const summary: DriveSummary = {
    failures: 0,
    missedSlots: 0,
    samples: 0,
    rejected: 0,
    discarded: 0,
  };
  const metrics = new Set(job.plugin.metrics.map((m) => m.name));
  const primary = job.plugin.metrics[0]!.name;
  const adaptive = job.adaptive === undefined
    ? undefined
    : new AdaptiveInterval(schedule.interval, job.adaptive);
  if (adaptive !== undefined) schedule.setInterval(adaptive.interval);
  const hooks: ProbeHooks = { schedule, adaptive, primary };
  const firstDelay = options.restartDelay ?? Math.max(1000, job.interval);
  const maxDelay = options.maxRestartDelay ?? 60_000;
  const now = options.now ?? Date.now;
  const ctx = makeContext(job, sink, options, () => {});
  let delay = firstDelay;
  while (!signal.aborted) {
    const samplesBefore = summary.samples;
    // The plugin gets its own signal so that a hung plugin can be left behind on stop.
    const pluginAbort = new AbortController();
    const forward = () => pluginAbort.abort(signal.reason);
    signal.addEventListener("abort", forward, { once: true });
    let failure: unknown;
    let failed = false;
    const running = consume(job, ctx, sink, pluginAbort.signal, summary, metrics, hooks).catch(
      (e) => {
        failed = true;
        failure = e;
      },
    );
    await untilSettledOrGrace(running, signal, options.stopGrace ?? 2000);
    signal.removeEventListener("abort", forward);
    if (signal.aborted) break;
    if (!failed) {
      // A probe plugin that returns before stop has nothing more to say; wait for stop.
      sink.event(job, {
        kind: "plugin_returned",
        severity: "info",
        message: `Plugin "${job.plugin.name}" finished early for "${job.target}"`,
      });
      while (!signal.aborted) await sleep(3_600_000, signal);
      break;
    }
    summary.failures++;
    if (summary.samples > samplesBefore) delay = firstDelay; // it worked for a while: reset
    const message = `Plugin "${job.plugin.name}" failed for "${job.target}"${
      job.interface ? ` on ${job.interface}` : ""
    }: ${errorMessage(failure)}`;
    sink.sample(job, {
      timestamp: now(),
      metric: primary,
      value: null,
      status: "failed",
      reason: errorMessage(failure),
    });
    sink.event(job, {
      kind: "plugin_error",
      severity: "warn",
      message: `${message}; restarting in ${Math.round(delay / 100) / 10} s`,
      data: { error: errorMessage(failure), failures: summary.failures },
    });
    await sleep(delay, signal);
    delay = Math.min(maxDelay, delay * 2);
  }
  summary.missedSlots = schedule.missed;
  return summary;
}

/**
 * Runs one bounded test (a `[[tests]]` entry) to its end. Never throws: a failure becomes a
 * failed result, a failed sample and an event.
 *
 * @param job The job (its interval is the repeat period).
 * @param sink Where samples, events and the result go.
 * @param options Signal, schedule and servers.
 * @returns The test's result.
 *
 * @example
 * ```ts ignore
 * const result = await driveTest(job, sink, { signal, schedule, servers });
 * console.log(result.status);
 * ```
 */
export async function driveTest(
  job: Job,
  sink: DriverSink,
  options: DriveOptions,
): Promise<TestResult> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const start = performance.now();
  const summary: DriveSummary = {
    failures: 0,
    missedSlots: 0,
    samples: 0,
    rejected: 0,
    discarded: 0,
  };
  const metrics = new Set(job.plugin.metrics.map((m) => m.name));
  let result: TestResult | undefined;
  const ctx = makeContext(job, sink, options, (r) => {
    result = r;
  });
  try {
    await consume(job, ctx, sink, options.signal, summary, metrics);
    result ??= {
      status: options.signal.aborted ? "failed" : "ok",
      summary: { samples: summary.samples, ...(options.signal.aborted ? { stopped: true } : {}) },
    };
  } catch (error) {
    const message = errorMessage(error);
    sink.sample(job, {
      timestamp: now(),
      metric: job.plugin.metrics[0]!.name,
      value: null,
      status: "failed",
      reason: message,
    });
    sink.event(job, {
      kind: "plugin_error",
      severity: "warn",
      message: `Test "${job.plugin.name}" failed for "${job.target}": ${message}`,
      data: { error: message },
    });
    result = { status: "failed", summary: { error: message, samples: summary.samples } };
  }
  sink.result(job, result, startedAt, performance.now() - start);
  return result;
}
