/**
 * End to end: a real Prometheus (Debian's `prometheus`) scrapes the exporter of a real recipe
 * run (UDP echo and DNS against the embedded loopback server, a short bufferbloat test), and
 * the values its HTTP API returns are the ones the store holds. When Prometheus is missing and
 * cannot be installed (not root), the test is skipped and its name says why.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { assertEquals, assertOk } from "./support/assert.ts";
import { ensurePrometheus, freePort, startPrometheus } from "./support/prometheus.ts";
import { loadRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { rfc3550Jitter } from "../core/stats/jitter.ts";
import { type BufferbloatGrade, gradePoints } from "../bufferbloat/grade.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import {
  concreteExpression,
  DASHBOARD_URL,
  dashboardQueries,
} from "../export/grafana/dashboard.ts";

const prometheus = await ensurePrometheus();
const skipped = prometheus.available ? "" : ` (skipped: ${prometheus.reason})`;

/** `{a="x",b="y"}` for PromQL, values escaped. */
function selector(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
}

const close = (a: number, b: number, relative = 1e-9) =>
  Math.abs(a - b) <= relative * Math.max(1, Math.abs(a), Math.abs(b));

Deno.test({
  name: `a real Prometheus scrapes a running recipe and reads the values the store holds${skipped}`,
  ignore: !prometheus.available,
  sanitizeResources: false, // Prometheus's child process is closed in finally
  async fn() {
    if (!prometheus.available) return;
    const dir = await Deno.makeTempDir();
    const exporterPort = freePort();
    const server = await startPrometheus({
      path: prometheus.path,
      targets: [`127.0.0.1:${exporterPort}`],
      scrapeInterval: "1s",
    });
    try {
      const recipePath = join(dir, "prometheus.toml");
      const dbPath = join(dir, "prometheus.db");
      await Deno.writeTextFile(
        recipePath,
        `
name = "prometheus-e2e"
duration = "12s"   # the bufferbloat test needs about 6 s; room for a slow start on a busy host

[[servers]]
name = "local"
embedded = true

[[probes]]
plugin = "udp-echo"
servers = ["local"]
interval = "50ms"

[[probes]]
plugin = "dns"
targets = ["quickstart.bufferbane.test", "missing.bufferbane.test"]
interval = "250ms"
timeout = "1s"
[probes.options]
resolver = "local"
record_type = "A"

[[tests]]
plugin = "bufferbloat"
servers = ["local"]
every = "1h"
[tests.options]
baseline = "1s"
download = "1s"
upload = "1s"
bidirectional = "1s"
warmup = "300ms"
gap = "200ms"
streams = 1

[alerts.anomaly]
window = "1s"        # short, so the detector judges within the run
min_samples = 10

[export.prometheus]
listen = "127.0.0.1:${exporterPort}"
loss_window = "1h"   # the whole run, to compare with the store
linger = "5s"        # the final values stay scrapable after the run

[store]
path = ${JSON.stringify(dbPath)}
`,
      );
      const { recipe, registry } = await loadRecipe(recipePath, { registry: builtinRegistry() });
      const summary = await runRecipe({ recipe, registry, handleSignals: false });
      assertEquals(summary.status, "completed");

      const db = new DatabaseSync(dbPath, { readOnly: true });
      try {
        const series = db.prepare(
          `SELECT id, plugin, target, interface, server, metric, unit FROM series
           WHERE (plugin = 'udp-echo' AND metric = 'rtt') OR (plugin = 'dns')`,
        ).all() as {
          id: number;
          plugin: string;
          target: string;
          interface: string;
          server: string;
          metric: string;
          unit: string;
        }[];
        assertEquals(series.length, 3, JSON.stringify(series));
        for (const s of series) {
          const labels = {
            plugin: s.plugin,
            metric: s.metric,
            target: s.target,
            interface: s.interface,
            server: s.server,
          };
          const counts = db.prepare(
            `SELECT sum(status = 0) AS ok, sum(status = 1) AS lost, sum(CASE WHEN status = 0 THEN value END) AS total
             FROM samples WHERE series_id = ? AND run_id = ?`,
          ).get(s.id, summary.runId) as { ok: number; lost: number; total: number | null };
          const values = (db.prepare(
            `SELECT value FROM samples WHERE series_id = ? AND run_id = ? AND status = 0 ORDER BY ts`,
          ).all(s.id, summary.runId) as { value: number }[]).map((row) => row.value);
          // last_over_time skips the staleness marker written when the exporter went away.
          const last = async (name: string, extra: Record<string, string> = {}) => {
            const result = await server.query(
              `last_over_time(${name}${selector({ ...labels, ...extra })}[5m])`,
            );
            return result.length === 1 ? result[0]!.value : NaN;
          };
          const where = `${s.plugin} ${s.target}${s.server} ${s.metric}`;
          assertEquals(await last("bufferbane_probes_total", { status: "ok" }), counts.ok, where);
          if (counts.lost > 0) {
            assertEquals(
              await last("bufferbane_probes_total", { status: "lost" }),
              counts.lost,
              where,
            );
          }
          const lossPct = (counts.lost / (counts.ok + counts.lost)) * 100;
          assertOk(close(await last("bufferbane_loss_percent"), lossPct), where);
          assertEquals(await last("bufferbane_latency_ms_count"), counts.ok, where);
          if (counts.ok > 0) {
            assertOk(
              close(await last("bufferbane_latency_ms_sum"), counts.total!),
              `${where}: sum`,
            );
            assertOk(
              close(await last("bufferbane_latency_last_ms"), values.at(-1)!),
              `${where}: last`,
            );
          }
          if (values.length >= 2) {
            assertOk(
              close(await last("bufferbane_jitter_ms"), rfc3550Jitter(values), 1e-6),
              `${where}: jitter`,
            );
          }
        }
        // The missing name is NXDOMAIN every time: 100 % loss; the known one answers.
        const dnsLoss = await server.query(
          `last_over_time(bufferbane_loss_percent{plugin="dns"}[5m])`,
        );
        const byTarget = Object.fromEntries(dnsLoss.map((r) => [r.metric.target, r.value]));
        assertEquals(byTarget["missing.bufferbane.test"], 100);
        assertEquals(byTarget["quickstart.bufferbane.test"], 0);

        // A quantile from the histogram lies within the stored round trips.
        const rttRange = db.prepare(
          `SELECT min(value) AS min, max(value) AS max FROM samples JOIN series ON series.id = series_id
           WHERE plugin = 'udp-echo' AND metric = 'rtt' AND status = 0`,
        ).get() as { min: number; max: number };
        const [median] = await server.query(
          `histogram_quantile(0.5, sum by (le) (last_over_time(bufferbane_latency_ms_bucket{plugin="udp-echo",metric="rtt"}[5m])))`,
        );
        assertOk(median !== undefined && median.value >= 0 && median.value <= rttRange.max * 2);

        // Throughput and grade of the bufferbloat test.
        const test = db.prepare(
          `SELECT grade, status FROM test_results WHERE run_id = ? AND plugin = 'bufferbloat'`,
        ).get(summary.runId) as { grade: string | null; status: string };
        const goodput = db.prepare(
          `SELECT value FROM samples JOIN series ON series.id = series_id
           WHERE plugin = 'bufferbloat' AND metric = 'goodput_down' AND status = 0 AND run_id = ?
           ORDER BY ts DESC LIMIT 1`,
        ).get(summary.runId) as { value: number } | undefined;
        assertOk(goodput !== undefined, "the bufferbloat test stored its download goodput");
        const [throughput] = await server.query(
          `last_over_time(bufferbane_throughput_mbps{plugin="bufferbloat",metric="goodput_down"}[5m])`,
        );
        assertOk(close(throughput!.value, goodput.value), `goodput ${throughput?.value}`);
        const runs = await server.query(
          `last_over_time(bufferbane_test_runs_total{plugin="bufferbloat"}[5m])`,
        );
        assertEquals(runs.map((r) => [r.metric.status, r.value]), [[test.status, 1]]);
        assertOk(test.grade !== null, `the bufferbloat test graded (${test.status})`);
        const grades = await server.query(
          `last_over_time(bufferbane_bufferbloat_grade{plugin="bufferbloat"}[5m])`,
        );
        assertEquals(grades.map((r) => [r.metric.grade, r.value]), [[
          test.grade,
          gradePoints(test.grade as BufferbloatGrade),
        ]]);
        // Every query of the Grafana dashboard is valid PromQL for this Prometheus, and those
        // that read plain gauges and counters find the run's series.
        const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD_URL));
        for (const { where, expr } of dashboardQueries(dashboard)) {
          const concrete = concreteExpression(expr, "1m");
          await server.query(concrete); // throws on a PromQL error
          if (!/rate\(|increase\(|bufferbane_alert_level|bufferbane_run_info/.test(expr)) {
            const found = await server.query(`last_over_time((${concrete})[5m:1s])`);
            assertOk(found.length > 0, `${where}: ${concrete} found nothing`);
          }
        }

        // The anomaly detector's confidence of the echo round trips is exposed, in [0, 1].
        const confidence = await server.query(
          `last_over_time(bufferbane_anomaly_confidence{plugin="udp-echo",metric="rtt"}[5m])`,
        );
        assertEquals(confidence.length, 1);
        assertOk(confidence[0]!.value >= 0 && confidence[0]!.value <= 1);

        const info = await server.query(`last_over_time(bufferbane_run_info[5m])`);
        assertEquals(info.map((r) => [r.metric.run_id, r.metric.recipe]), [[
          String(summary.runId),
          "prometheus-e2e",
        ]]);
      } finally {
        db.close();
      }
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a recipe whose exporter address is busy runs anyway and records why", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir();
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const plugin = new URL("./testdata/scripted_latency_plugin.ts", import.meta.url).pathname;
    const recipePath = join(dir, "busy.toml");
    await Deno.writeTextFile(
      recipePath,
      [
        'name = "busy-exporter"',
        'duration = "600ms"',
        `plugins = [${JSON.stringify(plugin)}]`,
        "[[probes]]",
        'plugin = "scripted-latency"',
        'interval = "50ms"',
        "[export.prometheus]",
        `listen = "127.0.0.1:${port}"`,
        "[store]",
        `path = ${JSON.stringify(join(dir, "busy.db"))}`,
      ].join("\n"),
    );
    const { recipe, registry } = await loadRecipe(recipePath, { registry: builtinRegistry() });
    const summary = await runRecipe({ recipe, registry, handleSignals: false });
    assertEquals(summary.status, "completed");
    assertOk(summary.series[0]!.received >= 5, `received ${summary.series[0]!.received}`);
    assertEquals(summary.eventCounts.exporter_error, 1);
    assertOk(
      summary.notes.some((note) => note.includes(`"127.0.0.1:${port}"`)),
      summary.notes.join("\n"),
    );
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});
