import { z } from "zod";
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { AnyPlugin, PluginEvent, Sample, TestResult } from "./contract.ts";
import { driveProbe, type DriverSink, driveTest } from "./driver.ts";
import type { Job } from "./job.ts";
import { Schedule } from "./schedule.ts";

function plugin(run: AnyPlugin["run"], kind: "probe" | "test" = "probe"): AnyPlugin {
  return {
    name: "fake",
    description: "fake",
    kind,
    targets: "optional",
    metrics: [{ name: "rtt", unit: "ms", description: "rtt" }],
    options: z.strictObject({}),
    defaults: {},
    run,
  };
}

function job(p: AnyPlugin, interval = 10): Job {
  return {
    id: "fake|t||",
    plugin: p,
    options: {},
    target: "t",
    interface: undefined,
    server: undefined,
    serverLabel: "",
    interval,
    timeout: 5,
  };
}

function recordingSink() {
  const samples: Sample[] = [];
  const events: PluginEvent[] = [];
  const results: TestResult[] = [];
  const sink: DriverSink = {
    sample: (_j, s) => samples.push(s),
    event: (_j, e) => events.push(e),
    result: (_j, r) => results.push(r),
  };
  return { sink, samples, events, results };
}

Deno.test("driveProbe() turns a plugin's throw into a failed sample and restarts it", async () => {
  let starts = 0;
  const p = plugin(async function* (ctx, _o, signal) {
    starts++;
    for await (const slot of ctx.schedule.slots(signal)) {
      if (slot.seq === 2) throw new Error("socket vanished");
      yield { timestamp: slot.at, metric: "rtt", value: 1, status: "ok", seq: slot.seq };
    }
  });
  const { sink, samples, events } = recordingSink();
  const summary = await driveProbe(job(p), sink, {
    signal: AbortSignal.timeout(300),
    schedule: new Schedule({ interval: 10 }),
    servers: new Map(),
    restartDelay: 30,
  });
  assertOk(starts >= 2, `restarted ${starts} times`);
  const failed = samples.filter((s) => s.status === "failed");
  assertEquals(failed.length, summary.failures);
  assertEquals(failed[0]!.reason, "socket vanished");
  assertEquals(failed[0]!.metric, "rtt");
  assertOk(events.some((e) => e.kind === "plugin_error" && e.message.includes("socket vanished")));
  // The restarted plugin resumes on the same grid, after the slots it was down for.
  const resumed = samples.filter((s) => s.status === "ok" && (s.seq ?? 0) > 2);
  assertOk(resumed.length > 0 && resumed[0]!.seq! >= 4, `resumed at ${resumed[0]?.seq}`);
  assertEquals(summary.failures, 1);
  assertOk(summary.missedSlots > 0, "down time counts as missed slots");
});

Deno.test("driveProbe() rejects samples with undeclared metrics or bad values", async () => {
  const p = plugin(async function* () {
    yield { timestamp: 1, metric: "nope", value: 1, status: "ok" };
    yield { timestamp: 1, metric: "rtt", value: Number.NaN, status: "ok" };
    yield { timestamp: 1, metric: "rtt", value: 3, status: "ok" };
  });
  const { sink, samples, events } = recordingSink();
  const summary = await driveProbe(job(p), sink, {
    signal: AbortSignal.timeout(100),
    schedule: new Schedule({ interval: 10 }),
    servers: new Map(),
  });
  assertEquals(samples.map((s) => s.value), [3]);
  assertEquals(summary.rejected, 2);
  assertEquals(events.filter((e) => e.kind === "plugin_bad_sample").length, 2);
});

Deno.test("driveProbe() leaves a plugin that ignores the stop signal behind after the grace", async () => {
  // deno-lint-ignore require-yield
  const p = plugin(async function* () {
    await new Promise(() => {}); // hangs forever, never looks at the signal
  });
  const { sink } = recordingSink();
  const started = performance.now();
  await driveProbe(job(p), sink, {
    signal: AbortSignal.timeout(50),
    schedule: new Schedule({ interval: 10 }),
    servers: new Map(),
    stopGrace: 100,
  });
  assertOk(performance.now() - started < 1000);
});

Deno.test("driveTest() records a test's result, and a throw as a failed result", async () => {
  const ok = plugin(async function* (ctx) {
    yield { timestamp: 1, metric: "rtt", value: 5, status: "ok" };
    ctx.result({ status: "ok", grade: "A", summary: { increase_ms: 12 } });
  }, "test");
  const first = recordingSink();
  const options = {
    signal: new AbortController().signal,
    schedule: new Schedule({ interval: 1000 }),
    servers: new Map(),
  };
  assertEquals((await driveTest(job(ok), first.sink, options)).grade, "A");
  assertEquals(first.results.length, 1);

  const boom = plugin(async function* () {
    yield { timestamp: 1, metric: "rtt", value: 5, status: "ok" };
    throw new Error("server went away");
  }, "test");
  const second = recordingSink();
  const result = await driveTest(job(boom), second.sink, options);
  assertEquals(result.status, "failed");
  assertEquals(second.samples.map((s) => s.status), ["ok", "failed"]);
  assertOk(second.events[0]!.message.includes("server went away"));
});

/** Wall, monotonic and boot-time clocks the test moves; sleeping advances all three. */
function fakeClocks() {
  let mono = 0;
  let wall = 1_700_000_000_000;
  let boot = 0;
  return {
    wall: () => wall,
    monotonic: () => mono,
    boottime: () => boot,
    sleep: (ms: number) => {
      mono += ms;
      wall += ms;
      boot += ms;
      return Promise.resolve();
    },
    suspend(ms: number) {
      wall += ms;
      boot += ms;
    },
  };
}

Deno.test("driveProbe() discards the probe in flight across a suspend and resumes on the new clock", async () => {
  const { ClockWatch } = await import("./clock_watch.ts");
  const clocks = fakeClocks();
  const watch = new ClockWatch(clocks);
  const controller = new AbortController();
  // Each result comes back at the next slot: one probe is always in flight.
  const p = plugin(async function* (ctx, _o, signal) {
    let pending: Sample | undefined;
    for await (const slot of ctx.schedule.slots(signal)) {
      if (pending) yield pending;
      pending = { timestamp: ctx.now(), metric: "rtt", value: 5, status: "ok", seq: slot.seq };
      if (slot.seq === 5) clocks.suspend(3_600_000); // the lid closes with probe 5 out
    }
  });
  const { sink, samples } = recordingSink();
  const counting: DriverSink = {
    ...sink,
    sample: (j, s) => {
      sink.sample(j, s);
      if (samples.length === 12) controller.abort();
    },
  };
  const schedule = new Schedule({ interval: 1000, clock: watch, sleep: clocks.sleep });
  const summary = await driveProbe(job(p, 1000), counting, {
    signal: controller.signal,
    schedule,
    servers: new Map(),
    now: clocks.wall,
  });
  const seqs = samples.map((s) => s.seq);
  assertOk(!seqs.includes(5), `${seqs}`);
  assertEquals(seqs.slice(0, 6), [0, 1, 2, 3, 4, 6]);
  assertEquals(summary.discarded, 1);
  assertOk(samples.every((s) => s.status === "ok"), "nothing stored as lost");
  const stamps = samples.map((s) => s.timestamp);
  for (let i = 1; i < stamps.length; i++) assertOk(stamps[i]! > stamps[i - 1]!, `${stamps}`);
  // After the gap, samples are stamped on the wall clock as it is now, 1 s apart again.
  const resumed = stamps[5]!;
  assertOk(resumed >= 1_700_000_000_000 + 3_600_000 + 5000, `${resumed}`);
  assertEquals(stamps.slice(5, 9).map((t) => t - resumed), [0, 1000, 2000, 3000]);
  assertEquals([watch.gaps.length, watch.gaps[0]?.kind], [1, "suspend"]);
  assertEquals(samples.map((s) => s.interval), samples.map(() => 1000));
});

Deno.test("driveProbe() with adaptive settings speeds up on a volatile series, slows on a calm one, within bounds", async () => {
  const clocks = fakeClocks();
  const controller = new AbortController();
  const p = plugin(async function* (ctx, _o, signal) {
    for await (const slot of ctx.schedule.slots(signal)) {
      // Slots 0..59 swing between 10 and 60 ms; later ones are flat.
      const value = slot.seq < 60 ? (slot.seq % 2 === 0 ? 10 : 60) : 20;
      yield { timestamp: slot.at, metric: "rtt", value, status: "ok", seq: slot.seq };
    }
  });
  const { sink, samples } = recordingSink();
  const counting: DriverSink = {
    ...sink,
    sample: (j, s) => {
      sink.sample(j, s);
      if (samples.length === 160) controller.abort();
    },
  };
  const adaptiveJob: Job = { ...job(p, 1000), adaptive: { min: 200, max: 4000, window: 5 } };
  const schedule = new Schedule({
    interval: 1000,
    now: clocks.wall,
    monotonic: clocks.monotonic,
    sleep: clocks.sleep,
  });
  await driveProbe(adaptiveJob, counting, {
    signal: controller.signal,
    schedule,
    servers: new Map(),
  });
  const intervals = samples.map((s) => s.interval!);
  assertOk(intervals.every((ms) => ms >= 200 && ms <= 4000), `${intervals}`);
  assertEquals(intervals[59], 200);
  assertEquals(intervals.at(-1), 4000);
  // The recorded interval is the spacing the sample was actually sent at.
  for (let i = 1; i < samples.length; i++) {
    assertEquals(samples[i]!.timestamp - samples[i - 1]!.timestamp, intervals[i], `sample ${i}`);
  }
});
