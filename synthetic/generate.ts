/**
 * A deterministic synthetic data set: a store holding weeks of measurements of a made-up
 * home connection (see `network.ts`), for tests, benchmarks and trying the charts.
 *
 * - `icmp` `rtt` to each target over each interface; the impaired interface (Wi-Fi) adds
 *   13 ms, jitter 8.5 ms and about 2.3 % loss; the ISP is congested from 18:00 to 22:00 UTC.
 * - `udp-echo` `rtt`, `owd_up`, `owd_down` to each server (Frankfurt farther and lossier).
 * - `dns` `resolve_time` of `example.com` through the `system` resolver, every 10 s at most.
 * - `throughput` `download` / `upload` in Mbit/s, sampled during a test at 5 past each hour.
 * - a graded `bufferbloat` test result at 35 past each hour.
 * - `alert` events raised and cleared: evening latency on the impaired interface, loss bursts,
 *   Frankfurt's evening round trips.
 *
 * Same options, same data: every series draws from its own seeded stream.
 *
 * Run: `deno run -A synthetic/generate.ts out.db --days 30 --interval 10s [--seed 1]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../core/duration.ts";
import { BufferbaneError, describeError, ErrorCode } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { type EventRow, type SampleRow, Store } from "../store/mod.ts";
import { exponential, streamFor } from "./_prng.ts";
import { bufferbloatTest } from "./bufferbloat.ts";
import {
  congestion,
  impairedProfile,
  PathModel,
  type PathProfile,
  SERVER_PROFILES,
  TARGET_PROFILES,
} from "./network.ts";

/**
 * Options for {@linkcode generateSyntheticStore} and {@linkcode writeSyntheticData}.
 *
 * @example A small week for a fast test
 * ```ts
 * import type { SyntheticOptions } from "./generate.ts";
 * const options: SyntheticOptions = { days: 7, intervalMs: 30_000 };
 * ```
 */
export interface SyntheticOptions {
  /**
   * Days of data, ending at `end`.
   *
   * @default {30}
   */
  days?: number;
  /**
   * Time between two probes of a series (ICMP and UDP echo; DNS probes at least every 10 s).
   *
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * Seed of every random stream.
   *
   * @default {1}
   */
  seed?: number;
  /**
   * End of the data, exclusive (fixed, so figures do not depend on the day the data is made).
   *
   * @default {Date.UTC(2026, 9, 31)}
   */
  end?: number;
  /**
   * Host name recorded with the run.
   *
   * @default {"synthetic-host"}
   */
  host?: string;
  /**
   * ICMP targets; known ones are `"gateway"`, `"1.1.1.1"` and `"vienna"`.
   *
   * @default {["gateway", "1.1.1.1", "vienna"]}
   */
  targets?: readonly string[];
  /**
   * Interfaces the ICMP targets are probed over.
   *
   * @default {["eth0", "wlan0"]}
   */
  interfaces?: readonly string[];
  /**
   * The interface that performs badly (Wi-Fi).
   *
   * @default {"wlan0"}
   */
  impairedInterface?: string;
  /**
   * UDP echo servers; known ones are `"vienna"` and `"frankfurt"`.
   *
   * @default {["vienna", "frankfurt"]}
   */
  servers?: readonly string[];
  /**
   * Whether to write DNS resolve times.
   *
   * @default {true}
   */
  dns?: boolean;
  /**
   * Whether to write hourly throughput samples.
   *
   * @default {true}
   */
  throughput?: boolean;
  /**
   * Whether to write hourly bufferbloat test results.
   *
   * @default {true}
   */
  bufferbloat?: boolean;
  /**
   * Whether to write alert events.
   *
   * @default {true}
   */
  alerts?: boolean;
  /**
   * Whether to roll up the samples at the end ({@linkcode Store.refreshRollups}).
   *
   * @default {true}
   */
  rollups?: boolean;
}

/**
 * The defaults of {@linkcode SyntheticOptions}.
 *
 * @example
 * ```ts
 * import { SYNTHETIC_DEFAULTS } from "./generate.ts";
 * console.log(new Date(SYNTHETIC_DEFAULTS.end).toISOString()); // 2026-10-31T00:00:00.000Z
 * ```
 */
export const SYNTHETIC_DEFAULTS = {
  days: 30,
  intervalMs: 1000,
  seed: 1,
  end: Date.UTC(2026, 9, 31),
  host: "synthetic-host",
  targets: ["gateway", "1.1.1.1", "vienna"],
  interfaces: ["eth0", "wlan0"],
  impairedInterface: "wlan0",
  servers: ["vienna", "frankfurt"],
  dns: true,
  throughput: true,
  bufferbloat: true,
  alerts: true,
  rollups: true,
} as const satisfies Required<SyntheticOptions>;

/**
 * What was written.
 *
 * @example
 * ```ts
 * import type { SyntheticSummary } from "./generate.ts";
 * const summary: SyntheticSummary = {
 *   runId: 1, start: 0, end: 86_400_000, series: 13, samples: 100_000, testResults: 24, events: 6,
 * };
 * ```
 */
export interface SyntheticSummary {
  /** The run everything belongs to. */
  runId: number;
  /** First millisecond of the data. */
  start: number;
  /** First millisecond after it. */
  end: number;
  /** Series written. */
  series: number;
  /** Samples written. */
  samples: number;
  /** Test results written. */
  testResults: number;
  /** Events written. */
  events: number;
}

const DNS_MIN_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BATCH_ROWS = 200_000;

/** A source of samples probed on a fixed grid. */
interface Probe {
  /** Time of the first probe. */
  first: number;
  /** Time between probes. */
  every: number;
  /** Writes the samples of probe number `seq` at `ts`. */
  emit(ts: number, seq: number, rows: SampleRow[]): void;
}

/**
 * Writes the data set into an open, writable store (normally an empty one).
 *
 * @param store The store.
 * @param options What to write.
 * @returns What was written.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when `days` or `intervalMs` is not positive.
 *
 * @example A day at one probe a minute, in memory
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "./generate.ts";
 * const store = Store.open(":memory:");
 * const summary = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * console.log(summary.series, summary.testResults); // 15 24
 * store.close();
 * ```
 */
export function writeSyntheticData(store: Store, options: SyntheticOptions = {}): SyntheticSummary {
  const settings = { ...SYNTHETIC_DEFAULTS, ...options };
  const { days, intervalMs } = settings;
  if (!(days > 0) || !(intervalMs > 0) || !Number.isFinite(days * intervalMs)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `Synthetic data needs positive days and interval: got "${days}" and "${intervalMs}"`,
    );
  }
  const end = settings.end;
  const start = end - Math.round(days * DAY_MS);
  const runId = store.startRun({
    startedAt: start,
    recipeName: "synthetic",
    recipeText: "",
    effectiveRecipe: { synthetic: { ...settings } },
    toolVersion: VERSION,
    host: settings.host,
  });
  const probes = denseProbes(store, settings, start, runId);
  let samples = 0;
  let rows: SampleRow[] = [];
  const flush = () => {
    store.insertSamples(rows);
    samples += rows.length;
    rows = [];
  };
  // One probe grid at a time would be simplest, but the store reads faster when a series'
  // samples are written close together: walk time in day-long slices, probes within them.
  for (let slice = start; slice < end; slice += DAY_MS) {
    const sliceEnd = Math.min(end, slice + DAY_MS);
    for (const probe of probes) {
      let seq = Math.max(0, Math.ceil((slice - probe.first) / probe.every));
      for (
        let ts = probe.first + seq * probe.every;
        ts < sliceEnd;
        ts = probe.first + ++seq * probe.every
      ) {
        probe.emit(ts, seq, rows);
        if (rows.length >= BATCH_ROWS) flush();
      }
    }
  }
  const hourly = hourlyTests(store, settings, start, end, runId);
  rows.push(...hourly.samples);
  flush();
  const events = settings.alerts ? alertEvents(store, settings, start, end, runId) : [];
  store.writeBatch({ events, testResults: hourly.tests });
  store.finishRun(runId, {
    endedAt: end,
    status: "completed",
    summary: { samples, testResults: hourly.tests.length, events: events.length },
  });
  if (settings.rollups) store.refreshRollups();
  return {
    runId,
    start,
    end,
    series: store.findSeries().length,
    samples,
    testResults: hourly.tests.length,
    events: events.length,
  };
}

/**
 * Creates a store file holding the data set.
 *
 * @param path Where to create it; the file must not exist.
 * @param options What to write.
 * @returns What was written.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when the file exists; `STORE_OPEN` when it
 * cannot be created.
 *
 * @example Thirty days at one probe every 10 s
 * ```ts ignore
 * import { generateSyntheticStore } from "./generate.ts";
 * const summary = generateSyntheticStore("synthetic.db", { days: 30, intervalMs: 10_000 });
 * console.log(summary.samples);
 * ```
 */
export function generateSyntheticStore(
  path: string,
  options: SyntheticOptions = {},
): SyntheticSummary {
  if (exists(path)) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `Store "${path}" already exists`, {
      hint: "synthetic data goes into a new file: remove it or choose another path",
    });
  }
  const store = Store.open(path, { host: options.host ?? SYNTHETIC_DEFAULTS.host });
  try {
    return writeSyntheticData(store, options);
  } finally {
    store.close();
  }
}

type Settings = Required<SyntheticOptions>;

function denseProbes(store: Store, settings: Settings, start: number, runId: number): Probe[] {
  const probes: Probe[] = [];
  const { seed, intervalMs } = settings;
  // Probes of different series are not sent at the same instant: each has its own offset,
  // fixed by its name so that it stays put when other series are added or left out.
  const phase = (name: string) => Math.floor(streamFor(0, name)() * Math.min(intervalMs, 1000));
  for (const target of settings.targets) {
    for (const iface of settings.interfaces) {
      const base = TARGET_PROFILES[target] ?? TARGET_PROFILES.vienna!;
      const profile = impairedProfile(base, iface === settings.impairedInterface);
      const seriesId = store.seriesId({
        plugin: "icmp",
        target,
        interface: iface,
        server: "",
        metric: "rtt",
        unit: "ms",
      });
      const model = new PathModel(profile, streamFor(seed, `icmp/${target}/${iface}`));
      probes.push({
        first: start + phase(`icmp/${target}/${iface}`),
        every: intervalMs,
        emit(ts, seq, rows) {
          rows.push(sample(seriesId, ts, model.probe(ts), seq, runId));
        },
      });
    }
  }
  for (const server of settings.servers) {
    const profile = SERVER_PROFILES[server] ?? SERVER_PROFILES.vienna!;
    const key = { plugin: "udp-echo", target: "", interface: "", server, unit: "ms" };
    const [rtt, up, down] = ["rtt", "owd_up", "owd_down"].map((metric) =>
      store.seriesId({ ...key, metric })
    ) as [number, number, number];
    const random = streamFor(seed, `udp-echo/${server}`);
    const model = new PathModel(profile, random);
    probes.push({
      first: start + phase(`udp-echo/${server}`),
      every: intervalMs,
      emit(ts, seq, rows) {
        const value = model.probe(ts);
        const share = 0.5 + (random() - 0.5) * 0.04;
        rows.push(sample(rtt, ts, value, seq, runId));
        rows.push(sample(up, ts, value === null ? null : value * share, seq, runId));
        rows.push(sample(down, ts, value === null ? null : value * (1 - share), seq, runId));
      },
    });
  }
  if (settings.dns) {
    const seriesId = store.seriesId({
      plugin: "dns",
      target: "example.com",
      interface: "",
      server: "system",
      metric: "resolve_time",
      unit: "ms",
    });
    const random = streamFor(seed, "dns/example.com");
    probes.push({
      first: start + phase("dns/example.com"),
      every: Math.max(intervalMs, DNS_MIN_INTERVAL_MS),
      emit(ts, seq, rows) {
        const lost = random() < 0.002;
        const miss = random() < 0.04 ? 40 + exponential(random, 60) : 0;
        const value = lost ? null : 8 + congestion(ts) * 3 + exponential(random, 4) + miss;
        rows.push(sample(seriesId, ts, value, seq, runId));
      },
    });
  }
  return probes;
}

function sample(
  seriesId: number,
  ts: number,
  value: number | null,
  seq: number,
  runId: number,
): SampleRow {
  return value === null
    ? { seriesId, ts, value: null, status: "lost", seq, reason: "timeout", runId }
    : { seriesId, ts, value: Math.round(value * 1000) / 1000, status: "ok", seq, runId };
}

/** Throughput samples at 5 past each hour and bufferbloat results at 35 past. */
function hourlyTests(store: Store, settings: Settings, start: number, end: number, runId: number) {
  const samples: SampleRow[] = [];
  const tests: Parameters<Store["insertTestResult"]>[0][] = [];
  const server = settings.servers[0] ?? "vienna";
  const path: PathProfile = SERVER_PROFILES[server] ?? SERVER_PROFILES.vienna!;
  const key = { plugin: "throughput", target: "", interface: "", server, unit: "Mbit/s" };
  const download = settings.throughput ? store.seriesId({ ...key, metric: "download" }) : 0;
  const upload = settings.throughput ? store.seriesId({ ...key, metric: "upload" }) : 0;
  const speed = streamFor(settings.seed, `throughput/${server}`);
  const bloat = streamFor(settings.seed, `bufferbloat/${server}`);
  for (let hour = Math.ceil(start / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
    const speedAt = hour + 5 * 60_000;
    if (settings.throughput && speedAt + 20_000 <= end) {
      const busy = congestion(speedAt);
      for (let i = 0; i < 10; i++) {
        const ts = speedAt + i * 1000;
        const down = 250 * (1 - 0.3 * busy) * (0.9 + 0.2 * speed());
        const up = 40 * (1 - 0.2 * busy) * (0.9 + 0.2 * speed());
        samples.push(sample(download, ts, down, i, runId));
        samples.push(sample(upload, ts + 10_000, up, i, runId));
      }
    }
    const bloatAt = hour + 35 * 60_000;
    if (settings.bufferbloat && bloatAt + 30_000 <= end) {
      const test = bufferbloatTest(bloat, bloatAt, path);
      tests.push({
        runId,
        ts: bloatAt,
        plugin: "bufferbloat",
        target: "",
        interface: "",
        server,
        durationMs: 30_000,
        status: test.status,
        grade: test.grade,
        summary: { ...test.summary },
      });
    }
  }
  return { samples, tests };
}

/** Alerts as the alert engine would record them: a raise, later a clear. */
function alertEvents(
  store: Store,
  settings: Settings,
  start: number,
  end: number,
  runId: number,
): EventRow[] {
  const events: EventRow[] = [];
  const random = streamFor(settings.seed, "alerts");
  const impaired = settings.interfaces.includes(settings.impairedInterface)
    ? settings.impairedInterface
    : undefined;
  const farTarget = settings.targets.at(-1);
  const push = (
    key: { plugin: string; target: string; interface: string; server: string },
    stat: string,
    level: "warn" | "critical",
    threshold: number,
    value: number,
    raisedAt: number,
    clearedAt: number,
  ) => {
    if (raisedAt < start || raisedAt >= end) return;
    const seriesId = store.seriesId({ ...key, metric: "rtt", unit: "ms" });
    const unit = stat === "loss_pct" ? "%" : "ms";
    const where = [key.target || key.server, key.interface && `on ${key.interface}`]
      .filter(Boolean).join(" ");
    const data = {
      series: `${key.plugin}/${key.target}/${key.interface}/${key.server}/rtt`,
      ...key,
      stat,
      window: 60_000,
      warn: level === "warn" ? threshold : null,
      critical: level === "critical" ? threshold : null,
    };
    events.push({
      runId,
      ts: raisedAt,
      kind: "alert",
      severity: level,
      seriesId,
      message: `${key.plugin} rtt ${stat} over 1m is ${
        value.toFixed(1)
      } ${unit} (${level} >= ${threshold}) for ${where}`,
      data: { ...data, from: "ok", to: level, value },
    });
    if (clearedAt >= end) return;
    const calm = value * 0.4;
    events.push({
      runId,
      ts: clearedAt,
      kind: "alert",
      severity: "clear",
      seriesId,
      message: `${key.plugin} rtt ${stat} over 1m is ${calm.toFixed(1)} ${unit} (ok) for ${where}`,
      data: { ...data, from: level, to: "ok", value: calm },
    });
  };
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
    const minute = (from: number, span: number) => day + (from + random() * span) * 60_000;
    if (impaired !== undefined && farTarget !== undefined) {
      const key = { plugin: "icmp", target: farTarget, interface: impaired, server: "" };
      push(
        key,
        "p95",
        "warn",
        40,
        42 + random() * 15,
        minute(18 * 60 + 30, 20),
        minute(22 * 60, 30),
      );
      if (random() < 0.35) {
        const at = minute(0, 24 * 60 - 30);
        push(
          key,
          "loss_pct",
          "critical",
          10,
          10 + random() * 25,
          at,
          at + (2 + random() * 13) * 60_000,
        );
      }
    }
    if (settings.servers.includes("frankfurt") && random() < 0.3) {
      const key = { plugin: "udp-echo", target: "", interface: "", server: "frankfurt" };
      push(key, "p95", "warn", 60, 60 + random() * 10, minute(19 * 60, 60), minute(21 * 60, 60));
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Parses the script's arguments; see the module documentation. */
function cliOptions(args: string[]): { path: string; options: SyntheticOptions } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      days: { type: "string" },
      interval: { type: "string" },
      seed: { type: "string" },
      host: { type: "string" },
    },
  });
  const path = positionals[0];
  if (path === undefined || positionals.length > 1) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, "Expected one store path", {
      hint: "deno run -A synthetic/generate.ts out.db --days 30 --interval 10s",
    });
  }
  const options: SyntheticOptions = {};
  if (values.days !== undefined) options.days = Number(values.days);
  if (values.interval !== undefined) options.intervalMs = parseDuration(values.interval);
  if (values.seed !== undefined) options.seed = Number(values.seed);
  if (values.host !== undefined) options.host = values.host;
  return { path, options };
}

if (import.meta.main) {
  try {
    const { path, options } = cliOptions(Deno.args);
    const started = performance.now();
    const summary = generateSyntheticStore(path, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${path}: ${summary.samples} samples in ${summary.series} series, ` +
        `${summary.testResults} test results, ${summary.events} events, ` +
        `${new Date(summary.start).toISOString()} .. ${new Date(summary.end).toISOString()} ` +
        `(${seconds} s)`,
    );
  } catch (error) {
    console.error(`synthetic: ${describeError(error)}`);
    Deno.exit(2);
  }
}
