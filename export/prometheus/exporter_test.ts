import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import type { Sample } from "../../core/contract.ts";
import { BufferbaneError, ErrorCode } from "../../core/errors.ts";
import type { SeriesLabel } from "../../core/run_observer.ts";
import { rfc3550Jitter } from "../../core/stats/jitter.ts";
import { VERSION } from "../../core/version.ts";
import { parseExposition, select } from "./_exposition.ts";
import { startPrometheusExporter } from "./exporter.ts";
import { PROMETHEUS_METRICS } from "./metric_names.ts";

const RTT: SeriesLabel = {
  plugin: "udp-echo",
  target: "",
  interface: "eth0",
  server: "local",
  metric: "rtt",
  unit: "ms",
  primary: true,
};
const DNS: SeriesLabel = {
  plugin: "dns",
  target: "example.test",
  interface: "",
  server: "127.0.0.1:5353",
  metric: "resolve_time",
  unit: "ms",
  primary: true,
};
const DOWNLOAD: SeriesLabel = {
  plugin: "throughput",
  target: "",
  interface: "",
  server: "local",
  metric: "download",
  unit: "Mbit/s",
  primary: true,
};
const RTT_LABELS = {
  plugin: "udp-echo",
  metric: "rtt",
  target: "",
  interface: "eth0",
  server: "local",
};

function sample(metric: string, value: number | null, timestamp: number): Sample {
  return { timestamp, metric, value, status: value === null ? "lost" : "ok" };
}

async function withExporter(
  fn: (exporter: Awaited<ReturnType<typeof startPrometheusExporter>>) => Promise<void>,
) {
  const exporter = await startPrometheusExporter({
    listen: { hostname: "127.0.0.1", port: 0 },
    loss_window: 60_000,
    linger: 0,
    latency_buckets: [1, 5, 10, 50],
    runId: 7,
    recipe: "home",
    anomalyConfidences: () => [{ key: RTT, confidence: 0.42 }],
  });
  try {
    await fn(exporter);
  } finally {
    await exporter.close();
  }
}

Deno.test("startPrometheusExporter() serves histograms, loss, jitter, throughput, grades and alerts", async () => {
  await withExporter(async (exporter) => {
    const now = Date.now();
    const rtts = [0.8, 4, 7, null, 12, 3, null, 60];
    rtts.forEach((value, i) => exporter.observer.onSample!(RTT, sample("rtt", value, now + i)));
    exporter.observer.onSample!(RTT, {
      timestamp: now + 20,
      metric: "rtt",
      value: null,
      status: "failed",
    });
    exporter.observer.onSample!(DNS, sample("resolve_time", 2.5, now));
    exporter.observer.onSample!(DOWNLOAD, sample("download", 93.5, now));
    exporter.observer.onSample!(DOWNLOAD, sample("download", 94.25, now + 100));
    const test = { plugin: "bufferbloat", target: "", interface: "", server: "local" };
    exporter.observer.onTestResult!(test, { status: "ok", grade: "A", summary: {} });
    exporter.observer.onTestResult!(test, { status: "ok", grade: "C", summary: {} });
    exporter.observer.onTestResult!(test, { status: "failed", summary: {} });
    exporter.observer.onEvent!({
      timestamp: now,
      kind: "alert",
      severity: "critical",
      message: "anomaly",
      series: RTT,
      data: { detector: "anomaly", stat: "anomaly" },
    });

    const response = await fetch(exporter.url);
    strictEqual(response.status, 200);
    ok(response.headers.get("content-type")!.startsWith("text/plain"));
    const samples = parseExposition(await response.text());
    const value = (name: string, labels: Record<string, string>) => {
      const found = select(samples, name, labels);
      strictEqual(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
      return found[0]!.value;
    };

    // Histogram of answered values, cumulative buckets.
    const answered = rtts.filter((v): v is number => v !== null);
    deepStrictEqual(
      select(samples, "bufferbane_latency_ms_bucket", RTT_LABELS).map((
        s,
      ) => [s.labels.le, s.value]),
      [["1", 1], ["5", 3], ["10", 4], ["50", 5], ["+Inf", 6]],
    );
    strictEqual(value("bufferbane_latency_ms_count", RTT_LABELS), 6);
    ok(
      Math.abs(
        value("bufferbane_latency_ms_sum", RTT_LABELS) - answered.reduce((a, b) => a + b),
      ) < 1e-9,
    );
    strictEqual(value("bufferbane_latency_last_ms", RTT_LABELS), 60);
    // Outcomes; loss = 2 / (6 + 2); the failed probe counts in neither.
    strictEqual(value("bufferbane_probes_total", { ...RTT_LABELS, status: "ok" }), 6);
    strictEqual(value("bufferbane_probes_total", { ...RTT_LABELS, status: "lost" }), 2);
    strictEqual(value("bufferbane_probes_total", { ...RTT_LABELS, status: "failed" }), 1);
    strictEqual(value("bufferbane_loss_percent", RTT_LABELS), 25);
    ok(Math.abs(value("bufferbane_jitter_ms", RTT_LABELS) - rfc3550Jitter(answered)) < 1e-9);
    // DNS time is a latency series with its resolver as the server label.
    strictEqual(
      value("bufferbane_latency_ms_count", {
        plugin: "dns",
        metric: "resolve_time",
        target: "example.test",
        server: "127.0.0.1:5353",
      }),
      1,
    );
    // Throughput: the last sample; not a latency.
    strictEqual(value("bufferbane_throughput_mbps", { metric: "download" }), 94.25);
    strictEqual(select(samples, "bufferbane_latency_ms_count", { metric: "download" }).length, 0);
    // Only the last grade is exposed: C = 3.
    deepStrictEqual(
      select(samples, "bufferbane_bufferbloat_grade", { plugin: "bufferbloat" }).map((
        s,
      ) => [s.labels.grade, s.value]),
      [["C", 3]],
    );
    strictEqual(value("bufferbane_test_runs_total", { status: "ok" }), 2);
    strictEqual(value("bufferbane_test_runs_total", { status: "failed" }), 1);
    strictEqual(
      value("bufferbane_alert_level", { ...RTT_LABELS, detector: "anomaly", stat: "anomaly" }),
      2,
    );
    strictEqual(
      value("bufferbane_run_info", { run_id: "7", recipe: "home", version: VERSION }),
      1,
    );
    strictEqual(value("bufferbane_anomaly_confidence", RTT_LABELS), 0.42);

    // Every name served is a declared one (with histogram suffixes).
    const declared = new Set<string>(Object.values(PROMETHEUS_METRICS).map((m) => m.name));
    for (const { name } of samples) {
      ok(declared.has(name.replace(/_(bucket|sum|count)$/, "")), `undeclared ${name}`);
    }

    // An alert that clears goes back to 0.
    exporter.observer.onEvent!({
      timestamp: now,
      kind: "alert",
      severity: "clear",
      message: "cleared",
      series: RTT,
      data: { detector: "anomaly", stat: "anomaly" },
    });
    const after = parseExposition(await exporter.metrics());
    strictEqual(select(after, "bufferbane_alert_level", RTT_LABELS)[0]?.value, 0);

    strictEqual((await fetch(exporter.url.replace("/metrics", "/nope"))).status, 404);
    await (await fetch(exporter.url.replace("/metrics", "/nope"))).body?.cancel();
  });
});

Deno.test("startPrometheusExporter() on a busy address throws EXPORTER with the address", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    await rejects(
      startPrometheusExporter({
        listen: { hostname: "127.0.0.1", port },
        loss_window: 60_000,
        linger: 0,
        latency_buckets: [1],
        runId: 1,
        recipe: "x",
      }),
      (error: unknown) =>
        error instanceof BufferbaneError && error.code === ErrorCode.Exporter &&
        error.message.includes(`"127.0.0.1:${port}"`),
    );
  } finally {
    busy.close();
  }
});
