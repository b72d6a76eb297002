/**
 * The bufferbloat plugin end to end on loopback: the real UDP echo server and throughput
 * service, the real TCP load engine (through the plugin's adapter), the real UDP echo and ICMP
 * probes, driven by the core's driver as a `[[tests]]` entry would be. Loopback has no
 * bottleneck, so the figures are not checked against a truth (the lab does that,
 * `tests/lab_bufferbloat_test.ts`); this checks that every part runs together: phases, loads,
 * probes, the stored summary and samples.
 *
 * The throughput service authorizes streams by the client's echo session; until the embedded
 * server wires its session directory to the echo server, the test registers the load's
 * session itself.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import type { Sample, ServerInfo, TestResult } from "../core/contract.ts";
import { driveTest } from "../core/driver.ts";
import { Schedule } from "../core/schedule.ts";
import { readBufferbloatSummary } from "../charts/bufferbloat_summary.ts";
import type { BufferbloatResult } from "../bufferbloat/summary.ts";
import { openSession } from "../protocol/client.ts";
import { SessionDirectory } from "../server/session_directory.ts";
import { startThroughputService } from "../server/throughput_service.ts";
import { startEchoServer } from "../server/udp_echo_server.ts";
import { createBufferbloatPlugin } from "../plugins/bufferbloat.ts";
import { createTcpLoadGenerator } from "../plugins/_bufferbloat_load.ts";
import { createDnsPlugin } from "../plugins/dns.ts";
import { createIcmpPlugin } from "../plugins/icmp.ts";
import { createUdpEchoPlugin } from "../plugins/udp_echo.ts";
import { PluginRegistry } from "../core/registry.ts";
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { Store } from "../store/store.ts";
import { summarizeBufferbloat } from "../report/bufferbloat.ts";

const ignore = !ffiAllowed();

Deno.test({
  name: `a short bufferbloat test runs end to end on loopback${
    ignore ? " (skipped: --allow-ffi not granted)" : ""
  }`,
  ignore,
  async fn() {
    const secret = "bufferbloat end to end secret";
    await using echo = await startEchoServer({ secret, limits: { minInterval: 1 } });
    const sessions = new SessionDirectory();
    const throughput = await startThroughputService({ authorize: sessions.authorize });
    try {
      const server: ServerInfo = { name: "local", host: "127.0.0.1", port: echo.port, secret };
      const plugin = createBufferbloatPlugin({
        load: createTcpLoadGenerator({
          openSession: async (options) => {
            const session = await openSession(options);
            sessions.add(session.sessionId, "127.0.0.1", session.keys);
            return session;
          },
          throughputPort: () => throughput.addresses[0]!.port,
        }),
      });
      const options = plugin.options.parse({
        baseline: "1s",
        download: "1500ms",
        upload: "1500ms",
        bidirectional: "1500ms",
        warmup: "500ms",
        gap: "300ms",
        streams: 2,
        congestion_control: "system",
      });
      const samples: Sample[] = [];
      const results: TestResult[] = [];
      const logs: string[] = [];
      const started = performance.now();
      const result = await driveTest({
        id: "bufferbloat|||local",
        plugin,
        options,
        target: "",
        interface: undefined,
        server,
        serverLabel: "local",
        interval: 3_600_000,
        timeout: 1000,
      }, {
        sample: (_job, sample) => samples.push(sample),
        event: (_job, event) => logs.push(`event ${event.kind}: ${event.message}`),
        result: (_job, r) => results.push(r),
      }, {
        signal: AbortSignal.timeout(30_000),
        schedule: new Schedule({ interval: 3_600_000 }),
        servers: new Map([["local", server]]),
        log: { debug() {}, info: (m) => logs.push(m), warn: (m) => logs.push(m) },
      });
      const elapsed = performance.now() - started;
      assertEquals(result.status, "ok", JSON.stringify(result.summary) + logs.join("\n"));
      const summary = result.summary as unknown as BufferbloatResult;
      console.log(logs.at(-1));
      assertOk(readBufferbloatSummary(result.summary));
      assertOk(result.grade !== undefined && summary.grade === result.grade);
      // 1 s idle at 20 ms; 1.5 s windows
      assertOk(summary.idle_latency_ms.samples >= 40, `${summary.idle_latency_ms.samples}`);
      for (const phase of ["download", "upload", "bidirectional"] as const) {
        assertOk(summary.loaded_latency_ms[phase].samples >= 50, phase);
      }
      assertEquals(summary.latency_source, "udp-echo");
      assertEquals(summary.queue_direction.source, "one-way delays");
      assertOk(
        summary.goodput_mbps.download.download!.median! > 50,
        JSON.stringify(summary.goodput_mbps),
      );
      assertOk(summary.goodput_mbps.upload.upload!.median! > 50);
      assertOk(
        summary.goodput_mbps.bidirectional.download && summary.goodput_mbps.bidirectional.upload,
      );
      assertOk(summary.rpm > 0);
      assertEquals(results.length, 1);
      const metrics = new Set(samples.map((s) => s.metric));
      for (
        const metric of [
          "increase",
          "rtt_idle",
          "rtt_upload",
          "owd_up_upload",
          "goodput_down",
          "goodput_up",
        ]
      ) {
        assertOk(metrics.has(metric), `${metric} in ${[...metrics].join(", ")}`);
      }
      // baseline 1 + 3 x (0.5 + 1.5 + 0.3) = 7.9 s, plus connection set-up
      assertOk(elapsed >= 7_900 && elapsed < 20_000, `${elapsed} ms`);
    } finally {
      await throughput.close();
    }
  },
});

Deno.test({
  name: `a [[tests]] bufferbloat entry stores a graded result and its samples${
    ignore ? " (skipped: --allow-ffi not granted)" : ""
  }`,
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bb-bufferbloat-e2e-" });
    const sessions = new SessionDirectory();
    const throughput = await startThroughputService({ authorize: sessions.authorize });
    try {
      const registry = new PluginRegistry();
      for (const plugin of [createDnsPlugin(), createIcmpPlugin(), createUdpEchoPlugin()]) {
        registry.register(plugin);
      }
      registry.register(createBufferbloatPlugin({
        load: createTcpLoadGenerator({
          openSession: async (options) => {
            const session = await openSession(options);
            sessions.add(session.sessionId, "127.0.0.1", session.keys);
            return session;
          },
          throughputPort: () => throughput.addresses[0]!.port,
        }),
      }));
      const text = [
        'name = "bufferbloat e2e"',
        'duration = "14s"',
        "[[servers]]",
        'name = "local"',
        "embedded = true",
        "[[tests]]",
        'plugin = "bufferbloat"',
        'servers = ["local"]',
        'every = "1h"',
        "[tests.options]",
        'baseline = "1s"',
        'download = "1500ms"',
        'upload = "1500ms"',
        'bidirectional = "1500ms"',
        'warmup = "500ms"',
        'gap = "300ms"',
        "streams = 2",
        'congestion_control = "system"',
        "[store]",
        `path = "${dir}/store.db"`,
        'flush_interval = "1s"',
        "",
      ].join("\n");
      const { recipe } = await parseRecipe(text, { path: "bufferbloat_e2e.toml", registry });
      const run = await runRecipe({ recipe, registry, handleSignals: false });
      assertEquals(run.tests.length, 1, JSON.stringify(run));
      assertEquals(run.tests[0]!.status, "ok", JSON.stringify(run.tests));

      const store = Store.open(`${dir}/store.db`);
      try {
        const results = store.testResults({ plugin: "bufferbloat" });
        assertEquals(results.length, 1);
        const stored = results[0]!;
        assertEquals([stored.status, stored.server], ["ok", "local"]);
        assertOk(readBufferbloatSummary(stored.summary), JSON.stringify(stored.summary));
        assertEquals(stored.grade, (stored.summary as { grade?: string }).grade);
        const series = store.listSeries({ plugin: "bufferbloat" });
        const count = (metric: string) => series.find((s) => s.metric === metric)?.sampleCount ?? 0;
        assertEquals(count("increase"), 1);
        assertOk(count("rtt_idle") >= 40, `${count("rtt_idle")} idle round trips`);
        assertOk(count("rtt_upload") >= 50 && count("owd_up_upload") >= 50);
        assertOk(count("goodput_down") >= 20 && count("goodput_up") >= 20);
        // the report reads it
        const section = summarizeBufferbloat(results);
        assertOk(section.sentence.startsWith("1 bufferbloat test (Local): "), section.sentence);
      } finally {
        store.close();
      }
    } finally {
      await throughput.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
