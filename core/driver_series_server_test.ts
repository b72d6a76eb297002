import { z } from "zod";
import { assertEquals } from "../tests/support/assert.ts";
import type { AnyPlugin, PluginEvent, Sample } from "./contract.ts";
import { driveProbe } from "./driver.ts";
import type { Job } from "./job.ts";
import { Schedule } from "./schedule.ts";

function fakeJob(run: AnyPlugin["run"]): Job {
  const plugin: AnyPlugin = {
    name: "fake",
    description: "fake",
    kind: "probe",
    targets: "optional",
    metrics: [{ name: "rtt", unit: "ms", description: "rtt" }],
    options: z.strictObject({}),
    defaults: {},
    run,
  };
  return {
    id: "fake|t||",
    plugin,
    options: {},
    target: "t",
    interface: undefined,
    server: undefined,
    serverLabel: "",
    interval: 10,
    timeout: 5,
  };
}

Deno.test("driveProbe() passes a sample's seriesServer on and rejects one that is not text", async () => {
  const job = fakeJob(async function* () {
    yield { timestamp: 1, metric: "rtt", value: 1, status: "ok", seriesServer: "hop 1 192.0.2.1" };
    yield { timestamp: 1, metric: "rtt", value: 2, status: "ok", seriesServer: 7 as never };
  });
  const samples: Sample[] = [];
  const events: PluginEvent[] = [];
  const summary = await driveProbe(job, {
    sample: (_job, sample) => samples.push(sample),
    event: (_job, event) => events.push(event),
    result: () => {},
  }, {
    signal: AbortSignal.timeout(100),
    schedule: new Schedule({ interval: 10 }),
    servers: new Map(),
  });
  assertEquals(samples.map((s) => s.seriesServer), ["hop 1 192.0.2.1"]);
  assertEquals(summary.rejected, 1);
  assertEquals(
    events[0]?.message,
    'Plugin "fake" yielded a bad sample: seriesServer is not a string',
  );
});

Deno.test("driveProbe() gives the plugin the stored events of its job through previousEvent", async () => {
  const seen: (PluginEvent | undefined)[] = [];
  const asked: { job: string; kinds: readonly string[] }[] = [];
  // deno-lint-ignore require-yield
  const job = fakeJob(async function* (ctx) {
    seen.push(ctx.previousEvent?.(["traceroute_path"]));
    seen.push(ctx.previousEvent?.(["other"]));
  });
  const stored: PluginEvent = { kind: "traceroute_path", severity: "info", message: "path" };
  await driveProbe(job, { sample: () => {}, event: () => {}, result: () => {} }, {
    signal: AbortSignal.timeout(50),
    schedule: new Schedule({ interval: 10 }),
    servers: new Map(),
    previousEvent: (j, kinds) => {
      asked.push({ job: j.id, kinds });
      return kinds.includes("traceroute_path") ? stored : undefined;
    },
  });
  assertEquals(seen, [stored, undefined]);
  assertEquals(asked.map((a) => a.job), ["fake|t||", "fake|t||"]);
});
