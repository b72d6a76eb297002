import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import type {
  PluginContext,
  PluginEvent,
  Sample,
  ServerInfo,
  TestResult,
} from "../core/contract.ts";
import { BufferbaneError } from "../core/errors.ts";
import { Schedule } from "../core/schedule.ts";
import { driveTest } from "../core/driver.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import { startThroughputTestServer } from "../tests/support/throughput_server.ts";
import {
  createThroughputPlugin,
  throughputDefaults,
  type ThroughputOptions,
  throughputOptionsSchema,
} from "./throughput.ts";

const ignore = !ffiAllowed();
const name = (text: string) => ignore ? `${text} (skipped: --allow-ffi not granted)` : text;
const SECRET = "throughput plugin test secret";

function context(
  server: ServerInfo | undefined,
  results: TestResult[],
  events: PluginEvent[] = [],
) {
  const ctx: PluginContext = {
    target: "",
    interface: undefined,
    server,
    servers: new Map(server ? [[server.name, server]] : []),
    interval: 3_600_000,
    timeout: 3_000,
    schedule: new Schedule({ interval: 3_600_000 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => events.push(event),
    result: (result) => results.push(result),
  };
  return ctx;
}

function options(overrides: Record<string, unknown>): ThroughputOptions {
  return throughputOptionsSchema.parse({ progress: false, ...overrides });
}

async function collect(iterable: AsyncIterable<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const sample of iterable) out.push(sample);
  return out;
}

Deno.test("the options schema fills the defaults and refuses what makes no sense", () => {
  assertEquals(throughputOptionsSchema.parse({}), throughputDefaults);
  const parsed = throughputOptionsSchema.parse({
    direction: "bidirectional",
    streams: 8,
    duration: "30s",
    warmup: "0s",
    port: 5201,
    congestion_control: "cubic",
  });
  assertEquals([parsed.direction, parsed.streams, parsed.duration, parsed.warmup, parsed.port], [
    "bidirectional",
    8,
    30_000,
    0,
    5201,
  ]);
  for (
    const bad of [
      { streams: 65 },
      { direction: "sideways" },
      { duration: "50ms" },
      { congestion_control: "cubic; rm -rf" },
      { unknown: 1 },
    ]
  ) {
    assertOk(!throughputOptionsSchema.safeParse(bad).success, JSON.stringify(bad));
  }
});

Deno.test({
  name: name("a test through a real session: download then upload, totals and per-stream samples"),
  ignore,
  async fn() {
    await using server = await startThroughputTestServer({ secret: SECRET });
    // The recipe's server: UDP echo port, and the throughput port given as an option.
    const info: ServerInfo = {
      name: "local",
      host: "127.0.0.1",
      port: server.udpPort,
      secret: SECRET,
    };
    const results: TestResult[] = [];
    const plugin = createThroughputPlugin();
    const samples = await collect(plugin.run(
      context(info, results),
      options({ streams: 2, duration: "300ms", warmup: "200ms", port: server.tcpPort }),
      AbortSignal.timeout(20_000),
    ));
    const of = (metric: string) => samples.filter((s) => s.metric === metric);
    assertEquals(of("download").length, 3); // 300 ms measured, a sample per 100 ms
    assertEquals(of("upload").length, 3);
    assertEquals(of("download_stream").map((s) => s.seq), [0, 1, 0, 1, 0, 1]);
    assertEquals(of("upload_stream").length, 6);
    assertOk(
      samples.every((s) => s.status === "ok" && typeof s.value === "number" && s.value >= 0),
    );
    assertOk(of("download").every((s) => s.value! > 0));
    assertEquals(results.length, 1);
    const result = results[0]!;
    assertEquals(result.status, "ok");
    const summary = result.summary as Record<string, Record<string, unknown>>;
    assertEquals(summary.server as unknown, "local");
    assertEquals(summary.download!.counting, "received");
    assertEquals(summary.upload!.counting, "acked");
    assertOk((summary.download!.mean_mbps as number) > 0);
    assertOk((summary.upload!.mean_mbps as number) > 0);
    assertEquals((summary.download!.streams as unknown[]).length, 2);
    // The session is closed at the end: the server forgets it.
    await waitFor(() => server.sessions.size === 0);
  },
});

Deno.test({
  name: name("bidirectional runs both at once; the progress bar draws on a terminal and clears"),
  ignore,
  async fn() {
    await using server = await startThroughputTestServer({ secret: SECRET });
    const info: ServerInfo = {
      name: "local",
      host: "127.0.0.1",
      port: server.udpPort,
      secret: SECRET,
    };
    let screen = "";
    const plugin = createThroughputPlugin({
      progressOutput: { isTerminal: () => true, write: (text) => screen += text },
    });
    const results: TestResult[] = [];
    const samples = await collect(plugin.run(
      context(info, results),
      throughputOptionsSchema.parse({
        direction: "bidirectional",
        streams: 1,
        duration: "200ms",
        warmup: "0s",
        per_stream: false,
        port: server.tcpPort,
      }),
      AbortSignal.timeout(20_000),
    ));
    assertEquals(samples.filter((s) => s.metric === "download").length, 2);
    assertEquals(samples.filter((s) => s.metric === "upload").length, 2);
    assertEquals(samples.filter((s) => s.metric.endsWith("_stream")).length, 0);
    assertEquals(results[0]!.status, "ok");
    assertEquals((results[0]!.summary as Record<string, unknown>).bidirectional, true);
    assertOk(screen.includes("throughput local bidirectional ["), screen);
    assertOk(screen.includes("Mbit/s"));
    assertOk(screen.endsWith("\r\x1b[2K"), "the bar was not cleared");
  },
});

Deno.test({
  name: name("a server without a throughput service: failed samples and a failed result, no hang"),
  ignore,
  async fn() {
    await using server = await startThroughputTestServer({ secret: SECRET });
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (closed.addr as Deno.NetAddr).port;
    closed.close();
    const info: ServerInfo = {
      name: "local",
      host: "127.0.0.1",
      port: server.udpPort,
      secret: SECRET,
    };
    const results: TestResult[] = [];
    const samples = await collect(
      createThroughputPlugin().run(
        context(info, results),
        options({ duration: "200ms", port }),
        AbortSignal.timeout(20_000),
      ),
    );
    assertEquals(samples.map((s) => [s.metric, s.status]), [
      ["download", "failed"],
      ["upload", "failed"],
    ]);
    assertOk(samples[0]!.reason?.includes("ECONNREFUSED"), samples[0]!.reason);
    assertEquals(results[0]!.status, "failed");
    const summary = results[0]!.summary as Record<string, { error?: string }>;
    assertOk(summary.download!.error?.includes("ECONNREFUSED"));
  },
});

Deno.test({
  name: name("the driver records a test without a server, or with a wrong secret, as failed"),
  ignore,
  async fn() {
    const plugin = createThroughputPlugin();
    const results: TestResult[] = [];
    await assertRejects(
      () =>
        collect(plugin.run(context(undefined, results), options({}), AbortSignal.timeout(5_000))),
      BufferbaneError,
    );
    await using server = await startThroughputTestServer({ secret: SECRET });
    const info: ServerInfo = {
      name: "local",
      host: "127.0.0.1",
      port: server.udpPort,
      secret: "not the secret at all",
    };
    const recorded: TestResult[] = [];
    const job = {
      id: "throughput||local",
      plugin,
      options: options({ duration: "200ms" }),
      target: "",
      interface: undefined,
      server: info,
      serverLabel: "local",
      interval: 3_600_000,
      timeout: 300,
    };
    const result = await driveTest(job, {
      sample: () => {},
      event: () => {},
      result: (_job, r) => recorded.push(r),
    }, {
      signal: AbortSignal.timeout(20_000),
      schedule: new Schedule({ interval: 3_600_000 }),
      servers: new Map([["local", info]]),
    });
    assertEquals(result.status, "failed");
    assertEquals(recorded.length, 1);
  },
});

async function waitFor(condition: () => boolean, ms = 3_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
