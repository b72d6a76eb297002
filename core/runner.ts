/**
 * The runner: turns a validated recipe into a run. It starts embedded servers, expands jobs,
 * drives every probe concurrently on its absolute schedule, repeats bounded tests, and stops at
 * the recipe's duration, on SIGINT/SIGTERM or when the caller aborts; then it flushes the store
 * and reports a summary. What the jobs produce goes through the {@linkcode RunRecorder}.
 *
 * @module
 */
import { hostname } from "node:os";
import type { PluginEvent, ServerInfo } from "./contract.ts";
import { type DriveOptions, driveProbe, type DriverSink, driveTest } from "./driver.ts";
import type { Job } from "./job.ts";
import { expandJobs } from "./jobs.ts";
import type { Recipe } from "./recipe_schema.ts";
import type { PluginRegistry } from "./registry.ts";
import type { RunEvent, RunObserver, RunSummary } from "./run_observer.ts";
import { RunRecorder } from "./run_recorder.ts";
import { buildRunSummary } from "./run_summary.ts";
import { TestLane } from "./test_lane.ts";
import { Schedule } from "./schedule.ts";
import { type ClockGap, ClockWatch, systemBoottime } from "./clock_watch.ts";
import { formatDuration } from "./duration.ts";
import { AlertEngine } from "./alerts.ts";
import { AnomalyDetector } from "./anomaly/mod.ts";
import { combineObservers } from "./observers.ts";
import { WebhookNotifier } from "./webhooks/mod.ts";
import { describeInterfaces, resolveInterfaces } from "../interfaces/mod.ts";
import { VERSION } from "./version.ts";
import { BatchWriter, Store } from "../store/mod.ts";
import { startEmbeddedServer } from "../server/embedded.ts";

/** Options for {@linkcode runRecipe}. */
export interface RunOptions {
  /** The validated recipe. */
  recipe: Recipe;
  /** Registry holding every plugin the recipe names (custom ones included). */
  registry: PluginRegistry;
  /** Store path; overrides `recipe.store.path`. Use `":memory:"` for a throwaway run. */
  storePath?: string;
  /** Receives samples, events and the summary. Default: none. */
  observer?: RunObserver;
  /** Stops the run from outside. */
  signal?: AbortSignal;
  /** Stop on SIGINT/SIGTERM. Default: `true`. */
  handleSignals?: boolean;
  /** Delay before the first probe so that every series starts together, ms. Default: 100. */
  startDelay?: number;
  /**
   * Watches for clock jumps and suspends. Default: wall, monotonic and (on Linux with FFI
   * allowed) boot-time clocks.
   */
  clock?: ClockWatch;
}

/** The event a clock gap is recorded as: the gap's kind, size and clocks in `data`. */
function clockGapEvent(gap: ClockGap): RunEvent {
  const size = formatDuration(Math.max(1, Math.round(Math.abs(gap.gapMs))));
  const what = gap.kind === "suspend"
    ? `the system was suspended for ${size}`
    : gap.kind === "wall_jump"
    ? `the wall clock jumped ${gap.gapMs < 0 ? "back" : "forward"} by ${size}`
    : `probing stalled for ${size}`;
  return {
    timestamp: gap.wall,
    kind: "clock_gap",
    severity: "warn",
    message: `Gap in the measurements: ${what}; probes in flight across it are discarded and ` +
      `probing resumes on the clock as it is now`,
    data: { ...gap, since: new Date(gap.lastWall).toISOString() },
  };
}

type Cleanup = () => void | Promise<void>;

/**
 * Longest wait at the end of a run for webhook deliveries still queued or retrying, ms; what
 * is not delivered by then is recorded as failed.
 */
const WEBHOOK_DRAIN_MS = 15_000;

/**
 * Starts the Prometheus exporter when the recipe asks for one. The exporter's module (and its
 * metrics library) is imported only then, so runs without it do not load it. A failure to
 * start costs the exporter, not the run: it comes back as a message.
 */
async function startExporter(
  recipe: Recipe,
  runId: number,
  anomaly: AnomalyDetector | undefined,
  cleanups: Cleanup[],
) {
  const prometheus = recipe.export.prometheus;
  if (prometheus === undefined) return {};
  try {
    const { startPrometheusExporter } = await import("../export/prometheus/exporter.ts");
    const exporter = await startPrometheusExporter({
      ...prometheus,
      runId,
      recipe: recipe.name,
      ...(anomaly ? { anomalyConfidences: () => anomaly.confidences() } : {}),
    });
    cleanups.push(() => exporter.close());
    return { exporter };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** Starts embedded servers and describes the others; returns servers by name. */
async function startServers(recipe: Recipe, cleanups: Cleanup[], notes: string[]) {
  const servers = new Map<string, ServerInfo>();
  for (const server of recipe.servers) {
    if (!server.embedded && server.host.trim() === "") {
      notes.push(
        `server "${server.name}" has no host (empty after interpolation): it is left out, ` +
          `with the probes and tests that use only it`,
      );
      continue;
    }
    if (server.embedded) {
      const embedded = await startEmbeddedServer({ name: server.name });
      cleanups.push(() => embedded.close());
      servers.set(server.name, embedded.info);
      continue;
    }
    servers.set(server.name, {
      name: server.name,
      host: server.host ?? "127.0.0.1",
      port: server.port,
      ...(server.dns_port !== undefined ? { dnsPort: server.dns_port } : {}),
      ...(server.throughput_port !== undefined ? { throughputPort: server.throughput_port } : {}),
      ...(server.secret !== undefined ? { secret: server.secret } : {}),
    });
  }
  return servers;
}

/** Expands the recipe's probes and tests into jobs. */
function planJobs(
  recipe: Recipe,
  registry: PluginRegistry,
  servers: ReadonlyMap<string, ServerInfo>,
  notes: string[],
) {
  const probes: Job[] = [];
  for (const probe of recipe.probes) {
    const interfaces = resolveInterfaces(probe.interfaces ?? recipe.interfaces, notes, {
      overrides: recipe.interface_types,
    });
    probes.push(...expandJobs({ ...probe, interfaces }, registry, servers, notes));
  }
  const tests: { job: Job; atStart: boolean }[] = [];
  for (const test of recipe.tests) {
    const interfaces = resolveInterfaces(test.interfaces ?? recipe.interfaces, notes, {
      overrides: recipe.interface_types,
    });
    const entry = { ...test, interval: test.every, interfaces };
    for (const job of expandJobs(entry, registry, servers, notes)) {
      tests.push({ job, atStart: test.at_start });
    }
  }
  return { probes, tests };
}

/**
 * Recipe as it ran: embedded servers resolved, the interfaces used with their kinds (so reports
 * can tell the WiFi link from the wired one), secrets redacted, source left out.
 */
function effectiveRecipe(recipe: Recipe, servers: ReadonlyMap<string, ServerInfo>, jobs: Job[]) {
  const { source: _source, ...rest } = recipe;
  const names = [...new Set(jobs.flatMap((job) => job.interface ? [job.interface] : []))];
  const usedInterfaces = describeInterfaces(names, { overrides: recipe.interface_types });
  const text = JSON.stringify(
    { ...rest, servers: [...servers.values()], used_interfaces: usedInterfaces },
    (key, value) => {
      if (key === "secret" && typeof value === "string") return "(redacted)";
      // Webhooks carry their token in a header or in the URL's path (Slack, Teams).
      if (key === "headers" && value !== null && typeof value === "object") {
        return Object.fromEntries(Object.keys(value).map((name) => [name, "(redacted)"]));
      }
      if (key === "webhooks" && Array.isArray(value)) {
        return value.map((hook) => ({ ...hook, url: `${new URL(hook.url).origin}/(redacted)` }));
      }
      return value;
    },
  );
  return JSON.parse(text) as Record<string, unknown>;
}

/** Wires the stop conditions; `requestStop` records the first reason. */
function stopController(options: RunOptions, recipe: Recipe, cleanups: Cleanup[]) {
  const controller = new AbortController();
  let reason = "";
  const requestStop = (why: string) => {
    if (controller.signal.aborted) return;
    reason = why;
    controller.abort(why);
  };
  if (options.signal) {
    if (options.signal.aborted) requestStop("aborted");
    options.signal.addEventListener("abort", () => requestStop("aborted"), { once: true });
  }
  if (options.handleSignals ?? true) {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      const handler = () => requestStop(name);
      Deno.addSignalListener(name, handler);
      cleanups.push(() => Deno.removeSignalListener(name, handler));
    }
  }
  if (recipe.duration !== undefined) {
    const timer = setTimeout(() => requestStop("duration"), recipe.duration);
    cleanups.push(() => clearTimeout(timer));
  }
  return { signal: controller.signal, reason: () => reason || "aborted" };
}

function pluginLog(job: Job, emit: (event: RunEvent) => void) {
  const where = `${job.plugin.name} "${job.target}"`;
  const line = (kind: string, severity: "info" | "warn") => (message: string) =>
    emit({ timestamp: Date.now(), kind, severity, message: `${where}: ${message}` });
  return { debug() {}, info: line("plugin_info", "info"), warn: line("plugin_warning", "warn") };
}

/** Reads a job's newest stored event of some kinds from earlier runs; never throws. */
function previousEventReader(store: Store, runId: number) {
  return (job: Job, kinds: readonly string[]): PluginEvent | undefined => {
    try {
      const event = store.lastEvent({
        kinds,
        filter: {
          plugin: job.plugin.name,
          target: job.target,
          interface: job.interface ?? "",
          server: job.serverLabel,
        },
        excludeRunId: runId,
      });
      if (event === undefined) return undefined;
      return {
        kind: event.kind,
        severity: event.severity,
        message: event.message,
        timestamp: event.ts,
        ...(event.data !== null ? { data: event.data } : {}),
      };
    } catch {
      return undefined; // a store that cannot be read costs the comparison, not the run
    }
  };
}

/**
 * Runs a test at start (if asked) and then every `job.interval`, never two at once: each run
 * takes the run's test lane first, so tests of one recipe never load the link together.
 */
async function repeatTest(
  job: Job,
  atStart: boolean,
  start: number,
  sink: DriverSink,
  signal: AbortSignal,
  servers: ReadonlyMap<string, ServerInfo>,
  emit: (event: RunEvent) => void,
  lane: TestLane,
  rank: number,
  clock: ClockWatch,
  previousEvent: DriveOptions["previousEvent"],
): Promise<void> {
  const schedule = new Schedule({
    start: atStart ? start : start + job.interval,
    interval: job.interval,
    lateTolerance: job.interval, // a test that overran its period starts at the next slot
    clock,
  });
  for await (const slot of schedule.slots(signal)) {
    let turn;
    try {
      turn = await lane.take({ due: slot.at, rank, signal });
    } catch {
      return; // the run stopped while this test waited its turn
    }
    try {
      await driveTest(job, sink, {
        signal,
        schedule,
        servers,
        log: pluginLog(job, emit),
        previousEvent,
      });
    } finally {
      turn.release();
    }
  }
}

/**
 * Runs a recipe to its end and returns the summary. Setup problems (store cannot be opened,
 * embedded server cannot start) throw; problems during the run are recorded and reported.
 *
 * @param options Recipe, registry, store, observer and stop signal.
 * @returns The run summary (also passed to `observer.onStop`).
 *
 * @example
 * ```ts ignore
 * import { loadRecipe } from "./recipe.ts";
 * import { builtinRegistry } from "../plugins/builtin.ts";
 * const { recipe, registry } = await loadRecipe("recipes/quickstart.toml", { registry: builtinRegistry() });
 * const summary = await runRecipe({ recipe, registry });
 * console.log(summary.series.length);
 * ```
 */
export async function runRecipe(options: RunOptions): Promise<RunSummary> {
  const { recipe, registry, observer = {} } = options;
  const storePath = options.storePath ?? recipe.store.path;
  const store = Store.open(storePath);
  const cleanups: Cleanup[] = [];
  try {
    const notes: string[] = [];
    const servers = await startServers(recipe, cleanups, notes);
    const jobs = planJobs(recipe, registry, servers, notes);
    const startedAt = Date.now();
    const runId = store.startRun({
      startedAt,
      recipeName: recipe.name,
      recipePath: recipe.source.path,
      recipeText: recipe.source.text,
      recipeHash: recipe.source.hash,
      effectiveRecipe: effectiveRecipe(recipe, servers, [
        ...jobs.probes,
        ...jobs.tests.map((t) => t.job),
      ]),
      host: hostname(),
      toolVersion: VERSION,
      pid: Deno.pid,
    });

    let storeFailing = false;
    const writer = new BatchWriter(store, {
      flushInterval: recipe.store.flush_interval,
      // Raw samples past their retention go once rolled up, a bounded batch per flush.
      ...(Number.isFinite(recipe.store.raw_retention)
        ? {
          retention: {
            rawMs: recipe.store.raw_retention,
            minuteMs: recipe.store.rollup_retention,
          },
        }
        : {}),
      onError: (error) => {
        if (storeFailing) return;
        storeFailing = true;
        recorder.emit(
          {
            timestamp: Date.now(),
            kind: "store_error",
            severity: "critical",
            message: `${error.message}: samples are kept in memory and retried`,
          },
          undefined,
          false,
        );
      },
      onRecovered: () => {
        storeFailing = false;
        recorder.emit({
          timestamp: Date.now(),
          kind: "store_recovered",
          severity: "clear",
          message: "The store accepts writes again; buffered samples were written",
        });
      },
    });
    const alerts = new AlertEngine(recipe.alerts.rules);
    const { anomaly: anomalyOptions } = recipe.alerts;
    const anomaly = anomalyOptions?.enabled
      ? new AnomalyDetector({ ...anomalyOptions, metrics: [...anomalyOptions.metrics] })
      : undefined;
    const notifier = recipe.alerts.webhooks.length === 0 ? undefined : new WebhookNotifier({
      webhooks: recipe.alerts.webhooks,
      context: { runId, recipe: recipe.name, host: hostname() },
      report: (event) => recorder.emit(event),
    });
    const exporter = await startExporter(recipe, runId, anomaly, cleanups);
    let observerFailed = false;
    const runObserver = combineObservers([
      ...(exporter.exporter ? [exporter.exporter.observer] : []),
      ...(notifier ? [notifier] : []),
      observer,
    ], (error) => {
      // A display or exporter bug must not stop probing; say so once, on stderr (stdout may
      // carry NDJSON).
      if (observerFailed) return;
      observerFailed = true;
      console.error(`bufferbane: an observer of the run failed: ${(error as Error)?.message}`);
    });
    const recorder = new RunRecorder({
      runId,
      store,
      writer,
      alerts,
      ...(anomaly ? { anomaly } : {}),
      observer: runObserver,
    });
    const emit = (event: RunEvent) => recorder.emit(event);
    if (exporter.exporter) notes.push(`Prometheus metrics at ${exporter.exporter.url}`);
    if (exporter.problem !== undefined) {
      notes.push(`Prometheus exporter not started: ${exporter.problem}`);
    }
    const stop = stopController(options, recipe, cleanups);

    runObserver.onStart?.({
      runId,
      recipe: recipe.name,
      jobs: jobs.probes.length + jobs.tests.length,
      notes,
    });
    if (exporter.problem !== undefined) {
      emit({
        timestamp: Date.now(),
        kind: "exporter_error",
        severity: "critical",
        message: `${exporter.problem}: the run goes on without it`,
      });
    }

    const previousEvent = previousEventReader(store, runId);
    const scheduleStart = startedAt + (options.startDelay ?? 100);
    // One watch for the whole run: a clock jump or a suspend is one event, and every schedule
    // re-anchors on it.
    const clock = options.clock ?? new ClockWatch({ boottime: await systemBoottime() });
    clock.onGap((gap) => emit(clockGapEvent(gap)));
    const schedules = new Map<Job, Schedule>();
    const running: Promise<unknown>[] = jobs.probes.map((job) => {
      const schedule = new Schedule({ start: scheduleStart, interval: job.interval, clock });
      schedules.set(job, schedule);
      return driveProbe(job, recorder.sink, {
        signal: stop.signal,
        schedule,
        servers,
        now: () => clock.wall(),
        log: pluginLog(job, emit),
        previousEvent,
      });
    });
    const lane = new TestLane();
    for (const [rank, { job, atStart }] of jobs.tests.entries()) {
      running.push(
        repeatTest(
          job,
          atStart,
          scheduleStart,
          recorder.sink,
          stop.signal,
          servers,
          emit,
          lane,
          rank,
          clock,
          previousEvent,
        ),
      );
    }
    await Promise.all(running);
    const endedAt = Date.now();

    for (const [job, schedule] of schedules) {
      if (schedule.missed === 0) continue;
      emit({
        timestamp: endedAt,
        kind: "missed_slots",
        severity: "warn",
        message: `${schedule.missed} probe slot(s) of ${job.plugin.name} "${job.target}"${
          job.interface ? ` on ${job.interface}` : ""
        } could not be sent on time and were skipped`,
      });
    }

    await notifier?.drain(WEBHOOK_DRAIN_MS);
    writer.close();
    const summary = buildRunSummary({
      runId,
      recipe: recipe.name,
      hasDuration: recipe.duration !== undefined,
      storePath,
      startedAt,
      endedAt,
      stopReason: stop.reason(),
      series: recorder.series(),
      schedules,
      store,
      tests: recorder.tests,
      activeAlerts: [
        ...alerts.activeAlerts().map((a) => a.message),
        ...(anomaly?.activeAlerts().map((a) => a.message) ?? []),
      ],
      eventCounts: recorder.eventCounts,
      notes,
      droppedRows: writer.dropped + writer.pending,
    });
    try {
      store.finishRun(runId, { endedAt, status: summary.status, summary: { ...summary } });
    } catch (error) {
      // The samples are in; a full disk at the very end costs only the run's end record.
      emit({
        timestamp: Date.now(),
        kind: "store_error",
        severity: "critical",
        message: `Could not record the end of run ${runId}: ${(error as Error).message}`,
      });
    }
    runObserver.onStop?.(summary);
    return summary;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch { /* best effort on the way out */ }
    }
    store.close();
  }
}
