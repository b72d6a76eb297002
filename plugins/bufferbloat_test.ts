import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type {
  PluginContext,
  PluginEvent,
  Sample,
  ServerInfo,
  TestResult,
} from "../core/contract.ts";
import { BufferbaneError } from "../core/errors.ts";
import { driveTest } from "../core/driver.ts";
import { Schedule } from "../core/schedule.ts";
import { readBufferbloatSummary } from "../charts/bufferbloat_summary.ts";
import type { BufferbloatResult } from "../bufferbloat/summary.ts";
import {
  bufferbloatOptionsSchema,
  createBufferbloatPlugin,
  type LatencyProbe,
  type LatencyRecord,
  type LoadGenerator,
  type LoadRequest,
  type LoadSample,
  type OpenLatencyProbe,
} from "./bufferbloat.ts";

const T0 = 1_700_000_000_000;
const SERVER: ServerInfo = { name: "lab", host: "10.77.3.2", port: 9876, secret: "s3cret" };

/** A queue of load samples read by one consumer. */
class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  push(item: T) {
    this.#items.push(item);
    this.#wake?.();
  }
  close() {
    this.#closed = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator]() {
    while (true) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

interface FakeProbe {
  kind: "udp-echo" | "icmp";
  next: number;
  seq: number;
  onRecord: (record: LatencyRecord) => void;
}

interface FakeLoad {
  request: LoadRequest;
  startedAt: number;
  next: number;
  channel: Channel<LoadSample>;
  active: boolean;
}

/**
 * A simulated bottleneck on a simulated clock: `queueUpMs` is added upstream while an upload
 * runs, `queueDownMs` downstream while a download runs; 5 ms each way otherwise; the server's
 * clock is 1000 ms ahead. Every 10th UDP echo under an upload load is lost. Time moves only in
 * `sleep`, which fires the probes (every 20 ms) and the load samples (every 100 ms) on the way.
 */
class FakeLink {
  now = T0;
  readonly probes: FakeProbe[] = [];
  readonly loads: FakeLoad[] = [];
  readonly stopped: string[] = [];
  queueUpMs: number;
  queueDownMs: number;

  constructor(queueUpMs: number, queueDownMs: number) {
    this.queueUpMs = queueUpMs;
    this.queueDownMs = queueDownMs;
  }

  get uploading() {
    return this.loads.some((l) => l.active && l.request.kind !== "download");
  }
  get downloading() {
    return this.loads.some((l) => l.active && l.request.kind !== "upload");
  }

  sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    const target = this.now + ms;
    while (!signal.aborted) {
      const due = Math.min(
        ...this.probes.map((p) => p.next),
        ...this.loads.filter((l) => l.active).map((l) => l.next),
      );
      if (!(due <= target)) break;
      this.now = due;
      for (const probe of this.probes) if (probe.next === due) this.#fire(probe);
      for (const load of this.loads) if (load.active && load.next === due) this.#sample(load);
    }
    if (!signal.aborted) this.now = target;
    return Promise.resolve();
  };

  #fire(probe: FakeProbe) {
    probe.next += 20;
    const seq = probe.seq++;
    const up = 5 + (this.uploading ? this.queueUpMs : 0);
    const down = 5 + (this.downloading ? this.queueDownMs : 0);
    if (probe.kind === "udp-echo" && this.uploading && seq % 10 === 0) {
      probe.onRecord({ seq, sentAt: this.now, status: "lost", rttMs: null, reason: "timeout" });
      return;
    }
    probe.onRecord({
      seq,
      sentAt: this.now,
      status: "ok",
      rttMs: up + down,
      ...(probe.kind === "udp-echo" ? { oneWay: { upMs: up + 1000, downMs: down - 1000 } } : {}),
    });
  }

  #sample(load: FakeLoad) {
    load.next += 100;
    load.channel.push({
      at: this.now,
      intervalMs: 100,
      warmup: this.now <= load.startedAt + load.request.warmupMs,
      ...(load.request.kind !== "upload" ? { downloadMbps: 19 } : {}),
      ...(load.request.kind !== "download" ? { uploadMbps: 18 } : {}),
    });
  }

  opener(kind: "udp-echo" | "icmp"): OpenLatencyProbe {
    return () => {
      const probe: LatencyProbe = {
        kind,
        intervalMs: 20,
        notes: [],
        start: (onRecord) => {
          this.probes.push({ kind, next: this.now, seq: 0, onRecord });
        },
        stop: () => {
          this.stopped.push(kind);
          const i = this.probes.findIndex((p) => p.kind === kind);
          if (i >= 0) this.probes.splice(i, 1);
          return Promise.resolve();
        },
      };
      return Promise.resolve(probe);
    };
  }

  load: LoadGenerator = (request) => {
    const load: FakeLoad = {
      request,
      startedAt: this.now,
      next: this.now + 100,
      channel: new Channel(),
      active: true,
    };
    this.loads.push(load);
    const done = Promise.withResolvers<{ notes: string[]; congestionControl?: string }>();
    return Promise.resolve({
      samples: load.channel,
      done: done.promise,
      stop: () => {
        if (!load.active) return;
        load.active = false;
        load.channel.close();
        this.stopped.push(`load ${request.kind}`);
        done.resolve({ notes: [], congestionControl: request.congestionControl ?? "bbr" });
      },
    });
  };
}

interface Run {
  samples: Sample[];
  results: TestResult[];
  events: PluginEvent[];
  info: string[];
  error: unknown;
}

const SHORT = {
  baseline: "1s",
  download: "2s",
  upload: "2s",
  bidirectional: "2s",
  warmup: "500ms",
  gap: "500ms",
  probe_interval: "20ms",
};

async function runTest(
  link: FakeLink,
  options: Record<string, unknown> = {},
  overrides: {
    openEchoProbe?: OpenLatencyProbe;
    openIcmpProbe?: OpenLatencyProbe;
    load?: LoadGenerator;
    server?: ServerInfo | undefined;
    signal?: AbortSignal;
  } = {},
): Promise<Run> {
  const plugin = createBufferbloatPlugin({
    load: overrides.load ?? link.load,
    openEchoProbe: overrides.openEchoProbe ?? link.opener("udp-echo"),
    openIcmpProbe: overrides.openIcmpProbe ?? link.opener("icmp"),
    sleep: link.sleep,
    now: () => link.now,
  });
  const run: Run = { samples: [], results: [], events: [], info: [], error: undefined };
  const ctx: PluginContext = {
    target: "",
    interface: "bb-eth",
    server: "server" in overrides ? overrides.server : SERVER,
    servers: new Map([["lab", SERVER]]),
    interval: 3_600_000,
    timeout: 2000,
    schedule: new Schedule({ interval: 3_600_000 }),
    now: () => link.now,
    log: { debug() {}, info: (m) => run.info.push(m), warn() {} },
    event: (e) => run.events.push(e),
    result: (r) => run.results.push(r),
  };
  const parsed = plugin.options.parse({ ...SHORT, ...options });
  try {
    for await (
      const sample of plugin.run(ctx, parsed, overrides.signal ?? new AbortController().signal)
    ) {
      run.samples.push(sample);
    }
  } catch (error) {
    run.error = error;
  }
  return run;
}

function summaryOf(run: Run): BufferbloatResult {
  assertEquals(run.results.length, 1, String(run.error));
  return run.results[0]!.summary as unknown as BufferbloatResult;
}

function count(run: Run, metric: string, status?: string): number {
  return run.samples.filter((s) =>
    s.metric === metric && (status === undefined || s.status === status)
  ).length;
}

Deno.test("bufferbloat grades a 300 ms upload queue D and attributes it upstream", async () => {
  const link = new FakeLink(300, 0);
  const run = await runTest(link);
  const summary = summaryOf(run);
  assertEquals(run.results[0]!.status, "ok");
  assertEquals(run.results[0]!.grade, "D");
  // idle 10 ms; download 10 ms (+0); upload 310 ms (+300); bidirectional 310 ms
  assertEquals(summary.idle_latency_ms.median, 10);
  assertEquals(summary.idle_latency_ms.samples, 50); // 1 s at 20 ms
  assertEquals(summary.loaded_latency_ms.download.increase_ms, 0);
  assertEquals(summary.loaded_latency_ms.upload.increase_ms, 300);
  assertEquals(
    summary.loaded_latency_ms.upload.samples + summary.loaded_latency_ms.upload.lost,
    100,
  );
  assertEquals(summary.loaded_latency_ms.upload.lost, 10); // every 10th
  assertEquals(summary.increase_ms, 300);
  assertEquals(summary.increase_phase, "upload");
  assertEquals(summary.grade, "D");
  // phase grades A+, D, D: (6 + 2 + 2) / 3 = 3.33 -> C
  assertEquals(summary.combined_grade, "C");
  assertEquals(summary.queue, "upload");
  assertEquals(summary.queue_direction.direction, "upstream");
  assertEquals(summary.queue_direction.source, "one-way delays");
  assertEquals(summary.queue_direction.phases.upload.direction, "upstream");
  assertEquals(summary.queue_direction.phases.upload.added_up_ms, 300);
  assertEquals(summary.queue_direction.phases.download.direction, "none");
  // RPM: the upload phase, 60000 / 310
  assertEquals(summary.rpm, 194);
  assertEquals(summary.rpm_phase, "upload");
  assertEquals(summary.rpm_class, "Poor");
  assertEquals(summary.responsiveness.upload.self_source, "foreign");
  assertEquals(summary.rpm_confidence, "Low"); // 90 probes in 2 intervals: fewer than MAD
  // goodput of the measured windows only (warm-up left out): 2 s of 100 ms samples
  assertEquals(summary.goodput_mbps.upload.upload, { samples: 20, median: 18, mean: 18 });
  assertEquals(summary.goodput_mbps.bidirectional.download?.median, 19);
  assertEquals(summary.settings.congestion_control, "cubic");
  assertEquals(summary.settings.probes, ["udp-echo", "icmp"]);
  assertEquals(summary.icmp_latency_ms?.upload?.increase_ms, 300);
  assertEquals(summary.latency_source, "udp-echo");
  // baseline 1 s; each phase: 0.5 s warm-up, 2 s window, 0.5 s gap
  assertEquals(summary.phase_windows, {
    idle: { start: T0, end: T0 + 1000 },
    download: { start: T0 + 1500, end: T0 + 3500 },
    upload: { start: T0 + 4500, end: T0 + 6500 },
    bidirectional: { start: T0 + 7500, end: T0 + 9500 },
  });
  assertOk(readBufferbloatSummary(JSON.parse(JSON.stringify(summary))));

  // samples: per phase, the transitions apart, one-way delays with the idle offset (1000 ms)
  assertEquals(count(run, "increase"), 1);
  assertEquals(run.samples.find((s) => s.metric === "increase")!.value, 300);
  assertEquals(count(run, "rtt_idle"), 50);
  assertEquals(count(run, "rtt_download"), 100);
  assertEquals(count(run, "rtt_upload", "lost"), 10);
  assertEquals(count(run, "icmp_rtt_upload"), 100);
  assertOk(count(run, "rtt_transition") > 0);
  const up = run.samples.filter((s) => s.metric === "owd_up_upload").map((s) => s.value);
  assertEquals(up.length, 90);
  assertOk(up.every((v) => v === 305), String(up.slice(0, 3)));
  const down = run.samples.filter((s) => s.metric === "owd_down_idle").map((s) => s.value);
  assertOk(down.every((v) => v === 5), String(down.slice(0, 3)));
  assertOk(count(run, "goodput_up") > 40 && count(run, "goodput_down") > 40);

  // loads and probes were stopped; the summary was printed
  assertEquals(
    link.stopped,
    ["load download", "load upload", "load both", "udp-echo", "icmp"],
  );
  assertOk(
    run.info.some((line) => line.includes("upload median 310 ms (+300 over idle), 18 Mbit/s up")),
    run.info.join("\n"),
  );
  const printed = run.info.at(-1)!;
  assertOk(
    printed.startsWith(
      'bufferbloat against "lab" on bb-eth: grade D (combined C), +300 ms under upload load',
    ),
    printed,
  );
});

Deno.test("bufferbloat sees both queues on a link bloated both ways, and A on a managed one", async () => {
  const both = summaryOf(await runTest(new FakeLink(250, 280)));
  assertEquals(both.queue_direction.phases.download.direction, "downstream");
  assertEquals(both.queue_direction.phases.upload.direction, "upstream");
  assertEquals(both.queue_direction.phases.bidirectional.direction, "both");
  assertEquals(both.queue, "both");
  assertEquals(both.increase_phase, "bidirectional"); // 250 + 280 = 530 -> F
  assertEquals(both.grade, "F");

  const managed = summaryOf(await runTest(new FakeLink(8, 9)));
  assertEquals(managed.grade, "A");
  assertEquals(managed.increase_ms, 17);
  assertEquals(managed.loaded_latency_ms.download.grade, "A");
});

Deno.test("bufferbloat goes on without ICMP and says so", async () => {
  const link = new FakeLink(100, 0);
  const run = await runTest(link, {}, {
    openIcmpProbe: () => Promise.reject(new Error("ICMP sockets are not allowed")),
  });
  const summary = summaryOf(run);
  assertEquals(summary.grade, "C");
  assertEquals(summary.icmp_latency_ms, null);
  assertEquals(summary.settings.probes, ["udp-echo"]);
  assertOk(
    summary.notes.includes("icmp unavailable: ICMP sockets are not allowed"),
    summary.notes.join("; "),
  );
  assertEquals(run.events.map((e) => e.kind), ["bufferbloat_probe_unavailable"]);
  assertEquals(count(run, "icmp_rtt_idle"), 0);
});

Deno.test("bufferbloat falls back to ICMP latency without the UDP echo", async () => {
  const link = new FakeLink(100, 0);
  const run = await runTest(link, {}, {
    openEchoProbe: () => Promise.reject(new BufferbaneError("SERVER", "No answer from server")),
  });
  const summary = summaryOf(run);
  assertEquals(summary.latency_source, "icmp");
  assertEquals(summary.increase_ms, 100);
  assertEquals(summary.queue_direction.source, "phases");
  assertEquals(summary.queue_direction.direction, "upstream");
  assertEquals(count(run, "icmp_rtt_upload"), 100);
  assertEquals(count(run, "rtt_upload"), 0);
  assertEquals(count(run, "owd_up_upload"), 0);
});

Deno.test("bufferbloat fails when no probe or no load can run, and cleans up", async () => {
  const noProbe = await runTest(new FakeLink(0, 0), {}, {
    openEchoProbe: () => Promise.reject(new Error("wrong secret")),
    openIcmpProbe: () => Promise.reject(new Error("EPERM")),
  });
  assertOk(noProbe.error instanceof BufferbaneError);
  assertEquals(
    (noProbe.error as Error).message,
    'No latency probe could run against "lab": udp-echo unavailable: wrong secret; icmp unavailable: EPERM',
  );

  const link = new FakeLink(0, 0);
  const noLoad = await runTest(link, {}, {
    load: () => Promise.reject(new Error("ECONNREFUSED")),
  });
  assertEquals(noLoad.results, []);
  assertOk(noLoad.error instanceof BufferbaneError);
  assertEquals(
    (noLoad.error as Error).message,
    'The download load against "lab" could not start: ECONNREFUSED' +
      " (a bufferbloat test needs the server's TCP throughput service)",
  );
  assertEquals(link.stopped, ["udp-echo", "icmp"]);

  const noServer = await runTest(new FakeLink(0, 0), {}, { server: undefined });
  assertOk(/needs a server/.test((noServer.error as Error).message));
});

Deno.test("bufferbloat stops its load and probes when aborted, without a result", async () => {
  const link = new FakeLink(300, 0);
  const controller = new AbortController();
  const sleep = link.sleep;
  link.sleep = (ms, signal) => {
    if (link.uploading) controller.abort();
    return sleep(ms, signal);
  };
  const run = await runTest(link, {}, { signal: controller.signal });
  assertEquals(run.results, []);
  assertEquals(run.samples, []);
  assertEquals(run.error, undefined);
  assertEquals(link.stopped, ["load download", "load upload", "udp-echo", "icmp"]);
});

Deno.test("bufferbloat's result reaches the driver's sink as a graded test result", async () => {
  const link = new FakeLink(40, 0);
  const plugin = createBufferbloatPlugin({
    load: link.load,
    openEchoProbe: link.opener("udp-echo"),
    openIcmpProbe: link.opener("icmp"),
    sleep: link.sleep,
    now: () => link.now,
  });
  const samples: Sample[] = [];
  const results: TestResult[] = [];
  const result = await driveTest({
    id: "bufferbloat|||lab",
    plugin,
    options: plugin.options.parse(SHORT),
    target: "",
    interface: undefined,
    server: SERVER,
    serverLabel: "lab",
    interval: 3_600_000,
    timeout: 2000,
  }, {
    sample: (_job, sample) => samples.push(sample),
    event: () => {},
    result: (_job, r) => results.push(r),
  }, {
    signal: new AbortController().signal,
    schedule: new Schedule({ interval: 3_600_000 }),
    servers: new Map([["lab", SERVER]]),
    now: () => link.now,
  });
  assertEquals(result.status, "ok");
  assertEquals(result.grade, "B"); // +40 ms
  assertEquals(results.length, 1);
  assertEquals(samples.filter((s) => s.metric === "increase").map((s) => s.value), [40]);
});

Deno.test("bufferbloatOptionsSchema fills defaults and rejects bad options", () => {
  const defaults = bufferbloatOptionsSchema.parse({});
  assertEquals(defaults, {
    baseline: 5000,
    download: 10_000,
    upload: 10_000,
    bidirectional: 10_000,
    warmup: 2000,
    gap: 2000,
    streams: 8,
    congestion_control: "cubic",
    probe_interval: 20,
    probes: ["udp-echo", "icmp"],
  });
  assertEquals(bufferbloatOptionsSchema.parse({ probes: ["icmp", "icmp"] }).probes, ["icmp"]);
  for (
    const bad of [
      { probe_interval: "2s" },
      { probes: [] },
      { probes: ["tcp"] },
      { streams: 65 },
      { download: "500ms" },
      { speed: 1 },
    ]
  ) {
    assertOk(!bufferbloatOptionsSchema.safeParse(bad).success, JSON.stringify(bad));
  }
});

Deno.test("bufferbloat passes streams, congestion control, port and interface to the load", async () => {
  const link = new FakeLink(0, 0);
  await runTest(link, { streams: 3, congestion_control: "system", port: 5201 });
  assertEquals(
    link.loads.map((l) => [
      l.request.kind,
      l.request.streams,
      l.request.congestionControl,
      l.request.device,
      l.request.warmupMs,
      l.request.durationMs,
      l.request.throughputPort,
    ]),
    [
      ["download", 3, undefined, "bb-eth", 500, 2000, 5201],
      ["upload", 3, undefined, "bb-eth", 500, 2000, 5201],
      ["both", 3, undefined, "bb-eth", 500, 2000, 5201],
    ],
  );
  const defaults = new FakeLink(0, 0);
  await runTest(defaults);
  assertEquals(defaults.loads[0]!.request.congestionControl, "cubic");
  assertEquals(defaults.loads[0]!.request.throughputPort, undefined);
});
