/**
 * The dashboard's tests: each is a bufferbane run (`core/runner.ts`) of one probe toward one
 * configured target, built as a recipe and validated like any other, written to the
 * dashboard's store. Samples are passed to live watchers as they arrive; results, history and
 * CSV come from the store, so they survive a restart.
 *
 * @module
 */
import { stringify } from "smol-toml";
import { parseRecipe } from "../../core/recipe.ts";
import { runRecipe } from "../../core/runner.ts";
import type { PluginRegistry } from "../../core/registry.ts";
import { type SeriesStats, seriesStats } from "../../core/series_stats.ts";
import { builtinRegistry } from "../../plugins/builtin.ts";
import { exportSamples, Store } from "../../store/mod.ts";
import type { DashboardConfig, DashboardPlugin, DashboardTarget } from "./config.ts";

/** The prefix of the dashboard's runs' recipe names (how history tells them apart). */
export const DASHBOARD_RECIPE_PREFIX = "dashboard:";

/** What `POST /start_test` asks for. */
export interface TestRequest {
  /** A configured target's name. */
  target: string;
  /**
   * The plugin.
   *
   * @default {the target's first plugin}
   */
  plugin?: DashboardPlugin;
  /**
   * Between probes, ms (100 ms to 60 s).
   *
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * How long, ms (up to the configured maximum).
   *
   * @default {60000}
   */
  durationMs?: number;
}

/** A live sample as watchers get it. */
export interface LiveSample {
  /** The series: target (or server), metric. */
  series: string;
  /** The metric. */
  metric: string;
  /** Wall clock, ms. */
  ts: number;
  /** The value, `null` when lost or failed. */
  value: number | null;
  /** `ok`, `lost` or `failed`. */
  status: string;
}

/** What a watcher hears. */
export type LiveMessage =
  | { type: "sample"; sample: LiveSample }
  | { type: "end"; status: string };

/** A refusal of `start`. */
export class DashboardRequestError extends Error {
  /** The HTTP status to answer. */
  readonly status: number;
  /**
   * @param message What to tell the client.
   * @param status The HTTP status.
   */
  constructor(message: string, status = 400) {
    super(message);
    this.name = "DashboardRequestError";
    this.status = status;
  }
}

/** One test's figures per series. */
export interface TestResultRow {
  /** Where to: the target, or the server for udp-echo. */
  series: string;
  /** The metric. */
  metric: string;
  /** Its statistics. */
  stats: SeriesStats;
}

/** A test in the history. */
export interface HistoryEntry {
  /** Its id (the store's run id). */
  id: number;
  /** Target and plugin. */
  label: string;
  /** Start, ms since the Unix epoch. */
  startedAt: number;
  /** End, `null` while it runs. */
  endedAt: number | null;
  /** `running`, `completed`, `interrupted`. */
  status: string;
}

/** Options of {@linkcode DashboardRuns}. */
export interface DashboardRunsOptions {
  /** Targets, store, limits. */
  config: Pick<DashboardConfig, "targets" | "db" | "maxDuration" | "maxRunning">;
  /** The server's own secret, for `udp-echo` targets (bufferbane servers that share it). */
  secret?: string;
  /**
   * The plugins.
   *
   * @default {builtinRegistry()}
   */
  registry?: PluginRegistry;
}

interface Running {
  stop: AbortController;
  done: Promise<void>;
  watchers: Set<(message: LiveMessage) => void>;
  recent: LiveSample[];
}

const RECENT = 5_000;

/**
 * Starts, watches and reads back dashboard tests.
 *
 * @example A 1 s ping test toward loopback
 * ```ts ignore
 * import { DashboardRuns } from "./runs.ts";
 * const runs = new DashboardRuns({ config: {
 *   targets: [{ name: "lo", host: "127.0.0.1", plugins: ["icmp"] }],
 *   db: ":memory:", maxDuration: 60_000, maxRunning: 2,
 * } });
 * const id = await runs.start({ target: "lo", durationMs: 1_000, intervalMs: 100 });
 * await runs.finished(id);
 * console.log(runs.results(id)?.rows[0]?.stats.sent);
 * ```
 */
export class DashboardRuns {
  readonly #config: DashboardRunsOptions["config"];
  readonly #secret: string | undefined;
  readonly #registry: PluginRegistry;
  readonly #running = new Map<number, Running>();

  /** @param options Targets, store, limits, secret. */
  constructor(options: DashboardRunsOptions) {
    this.#config = options.config;
    this.#secret = options.secret;
    this.#registry = options.registry ?? builtinRegistry();
  }

  /** The configured targets. */
  get targets(): readonly DashboardTarget[] {
    return this.#config.targets;
  }

  /** Tests running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Starts a test.
   *
   * @param request Target, plugin, interval, duration.
   * @returns Its id, once the run has started.
   * @throws {DashboardRequestError} 400 for a target or plugin that is not configured, or a
   * value out of range; 429 when `maxRunning` tests run.
   */
  async start(request: TestRequest): Promise<number> {
    const target = this.#config.targets.find((t) => t.name === request.target);
    if (!target) throw new DashboardRequestError(`No target "${request.target}" is configured`);
    const plugin = request.plugin ?? target.plugins[0]!;
    if (!target.plugins.includes(plugin)) {
      throw new DashboardRequestError(
        `"${plugin}" is not allowed toward "${target.name}" (allowed: ${
          target.plugins.join(", ")
        })`,
      );
    }
    const interval = request.intervalMs ?? 1_000;
    const duration = request.durationMs ?? 60_000;
    if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) {
      throw new DashboardRequestError("intervalMs must be a whole number from 100 to 60000");
    }
    if (!Number.isInteger(duration) || duration < 1_000 || duration > this.#config.maxDuration) {
      throw new DashboardRequestError(
        `durationMs must be a whole number from 1000 to ${this.#config.maxDuration}`,
      );
    }
    if (this.#running.size >= this.#config.maxRunning) {
      throw new DashboardRequestError(
        `${this.#running.size} tests are running, the most this server runs at once`,
        429,
      );
    }
    if (plugin === "udp-echo" && this.#secret === undefined) {
      throw new DashboardRequestError("udp-echo needs the server's secret, which is not set");
    }
    const { recipe, registry } = await parseRecipe(
      stringify(this.#recipeDocument(target, plugin, interval, duration)),
      { path: "dashboard.toml", registry: this.#registry, env: () => undefined },
    );
    const stop = new AbortController();
    const started = Promise.withResolvers<number>();
    const running: Running = {
      stop,
      done: Promise.resolve(),
      watchers: new Set(),
      recent: [],
    };
    let id = -1;
    const broadcast = (message: LiveMessage) => {
      for (const watcher of running.watchers) {
        try {
          watcher(message);
        } catch { /* a watcher that went away */ }
      }
    };
    running.done = runRecipe({
      recipe,
      registry,
      storePath: this.#config.db,
      handleSignals: false,
      signal: stop.signal,
      startDelay: 50,
      observer: {
        onStart: (info) => {
          id = info.runId;
          this.#running.set(id, running);
          started.resolve(id);
        },
        onSample: (series, sample) => {
          const live: LiveSample = {
            series: series.target || series.server,
            metric: sample.metric,
            ts: sample.timestamp,
            value: sample.value,
            status: sample.status,
          };
          running.recent.push(live);
          if (running.recent.length > RECENT) {
            running.recent.splice(0, running.recent.length - RECENT);
          }
          broadcast({ type: "sample", sample: live });
        },
        onStop: (summary) => broadcast({ type: "end", status: summary.status }),
      },
    }).then(() => {}, (error) => {
      started.reject(error);
      broadcast({ type: "end", status: "failed" });
    }).finally(() => {
      this.#running.delete(id);
      for (const watcher of running.watchers) watcher({ type: "end", status: "closed" });
      running.watchers.clear();
    });
    return await started.promise;
  }

  /**
   * Stops a running test early (what it measured is kept).
   *
   * @param id The test.
   * @returns Whether it was running.
   */
  stop(id: number): boolean {
    const running = this.#running.get(id);
    running?.stop.abort();
    return running !== undefined;
  }

  /**
   * Waits until a test has ended (at once when it is not running).
   *
   * @param id The test.
   */
  async finished(id: number): Promise<void> {
    await this.#running.get(id)?.done;
  }

  /**
   * Watches a running test: what it measured so far, then each sample as it arrives, then
   * `{type: "end"}`.
   *
   * @param id The test.
   * @param watcher Gets the messages.
   * @returns Stops watching; `undefined` when the test is not running.
   */
  watch(id: number, watcher: (message: LiveMessage) => void): (() => void) | undefined {
    const running = this.#running.get(id);
    if (!running) return undefined;
    for (const sample of running.recent) watcher({ type: "sample", sample });
    running.watchers.add(watcher);
    return () => running.watchers.delete(watcher);
  }

  /**
   * A test's figures per series and its samples, from the store.
   *
   * @param id The test.
   * @returns `undefined` when there is no such dashboard test.
   */
  results(
    id: number,
  ): { entry: HistoryEntry; rows: TestResultRow[]; samples: LiveSample[] } | undefined {
    return this.#read((store) => {
      const entry = this.#entries(store).find((e) => e.id === id);
      if (!entry) return undefined;
      const bySeries = new Map<string, { metric: string; samples: LiveSample[] }>();
      const samples: LiveSample[] = [];
      for (const row of exportSamples(store.db, {})) {
        if (row.runId !== id) continue;
        const series = row.target || row.server;
        const key = `${series}\u0000${row.metric}`;
        const sample = {
          series,
          metric: row.metric,
          ts: row.ts,
          value: row.value,
          status: row.status,
        };
        let group = bySeries.get(key);
        if (!group) bySeries.set(key, group = { metric: row.metric, samples: [] });
        group.samples.push(sample);
        samples.push(sample);
      }
      const rows = [...bySeries.entries()].map(([key, group]) => ({
        series: key.split("\u0000")[0]!,
        metric: group.metric,
        stats: seriesStats(group.samples.map((s) => ({
          ts: s.ts,
          value: s.value,
          status: s.status as "ok" | "lost" | "failed",
        }))),
      }));
      return { entry, rows, samples };
    });
  }

  /**
   * A test's samples as CSV (`time,series,metric,value,status,reason`).
   *
   * @param id The test.
   * @returns The CSV text, `undefined` when there is no such test.
   */
  csv(id: number): string | undefined {
    return this.#read((store) => {
      if (!this.#entries(store).some((e) => e.id === id)) return undefined;
      const lines = ["time,series,metric,value,status,reason"];
      for (const row of exportSamples(store.db, {})) {
        if (row.runId !== id) continue;
        lines.push([
          row.time,
          csvField(row.target || row.server),
          row.metric,
          row.value ?? "",
          row.status,
          csvField(row.reason ?? ""),
        ].join(","));
      }
      return lines.join("\n") + "\n";
    });
  }

  /**
   * The dashboard's tests, newest first.
   *
   * @returns The history.
   */
  history(): HistoryEntry[] {
    return this.#read((store) => this.#entries(store)) ?? [];
  }

  /** Stops every running test and waits for them (at shutdown). */
  async close(): Promise<void> {
    const all = [...this.#running.values()];
    for (const running of all) running.stop.abort();
    await Promise.all(all.map((r) => r.done));
  }

  #entries(store: Store): HistoryEntry[] {
    return store.runs().filter((run) => run.recipeName.startsWith(DASHBOARD_RECIPE_PREFIX))
      .map((run) => ({
        id: run.id,
        label: run.recipeName.slice(DASHBOARD_RECIPE_PREFIX.length).trim(),
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        status: this.#running.has(run.id) ? "running" : run.status,
      }))
      .sort((a, b) => b.id - a.id);
  }

  #read<T>(fn: (store: Store) => T): T | undefined {
    let store: Store;
    try {
      store = Store.open(this.#config.db, { readOnly: true });
    } catch {
      return undefined; // no test has run yet
    }
    try {
      return fn(store);
    } finally {
      store.close();
    }
  }

  #recipeDocument(
    target: DashboardTarget,
    plugin: DashboardPlugin,
    interval: number,
    duration: number,
  ): Record<string, unknown> {
    const probe: Record<string, unknown> = { plugin, interval: `${interval}ms` };
    const document: Record<string, unknown> = {
      name: `${DASHBOARD_RECIPE_PREFIX} ${target.name} ${plugin}`,
      duration: `${duration}ms`,
    };
    if (plugin === "udp-echo") {
      document.servers = [{
        name: target.name,
        host: target.host,
        port: target.port ?? 9876,
        secret: this.#secret,
      }];
      probe.servers = [target.name];
    } else {
      probe.targets = [target.host];
      if (plugin === "dns") probe.options = { resolver: target.resolver ?? "system" };
    }
    document.probes = [probe];
    document.store = { path: this.#config.db, flush_interval: "500ms" };
    return document;
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
