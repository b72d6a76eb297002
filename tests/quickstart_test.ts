/**
 * End to end: the quickstart recipe (the README's first command) runs offline against its
 * embedded server, stores samples, and raises the alert its rule describes.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { loadRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import type { RunEvent } from "../core/run_observer.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import type { BufferbloatOptions } from "../plugins/bufferbloat.ts";
import type { ThroughputOptions } from "../plugins/throughput.ts";
import { Store } from "../store/mod.ts";

const quickstart = new URL("../recipes/quickstart.toml", import.meta.url).pathname;

Deno.test("the quickstart recipe runs offline, stores samples and raises its alert once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { recipe, registry } = await loadRecipe(quickstart, {
      registry: builtinRegistry(),
      overrides: { duration: "3s", "store.path": `${dir}/q.db` },
    });
    const events: RunEvent[] = [];
    const summary = await runRecipe({
      recipe,
      registry,
      handleSignals: false,
      observer: { onEvent: (e) => events.push(e) },
    });
    assertEquals(summary.status, "completed");
    assertEquals(summary.stopReason, "duration");
    const byTarget = new Map(
      summary.series.filter((s) => s.series.primary).map((s) => [s.series.target, s]),
    );
    const ping = byTarget.get("127.0.0.1")!;
    assertOk(ping.received >= 10 && ping.p50! < 5, JSON.stringify(ping));
    const ok = byTarget.get("quickstart.bufferbane.test")!;
    assertOk(ok.received >= 4 && ok.lost === 0, JSON.stringify(ok));
    assertOk(ok.p50! > 0 && ok.p50! < 100);
    const missing = byTarget.get("missing.bufferbane.test")!;
    assertEquals(missing.received, 0);
    assertEquals(missing.reasons, [{ reason: "NXDOMAIN", count: missing.lost }]);

    const alerts = events.filter((e) => e.kind === "alert");
    assertEquals(alerts.length, 1, "raised once, not on every sample");
    assertEquals(alerts[0]!.severity, "critical");
    assertEquals(alerts[0]!.series?.target, "missing.bufferbane.test");

    const store = Store.open(`${dir}/q.db`, { readOnly: true });
    const stored = store.events({}).filter((e) => e.kind === "alert");
    assertEquals(stored.length, 1);
    const series = store.listSeries({ plugin: "dns" });
    assertEquals(series.length, 3);
    assertEquals(series.map((s) => s.server), ["local", "local", "local"]);
    const total = series.reduce((n, s) => n + s.sampleCount, 0);
    const dnsSummary = summary.series.filter((s) => s.series.plugin === "dns");
    assertEquals(total, dnsSummary.reduce((n, s) => n + s.sent + s.failed, 0));
    assertEquals(store.runs()[0]?.status, "completed");
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the quickstart's duration covers its bufferbloat test, then its throughput test", async () => {
  const { recipe } = await loadRecipe(quickstart, { registry: builtinRegistry() });
  const bloat = recipe.tests.find((t) => t.plugin === "bufferbloat");
  const throughput = recipe.tests.find((t) => t.plugin === "throughput");
  assertOk(bloat !== undefined, "the quickstart has a bufferbloat test");
  assertOk(throughput !== undefined, "the quickstart has a throughput test");
  assertEquals([bloat.servers, bloat.at_start], [["local"], true]);
  assertEquals([throughput.servers, throughput.at_start], [["local"], true]);
  const o = bloat.options as unknown as BufferbloatOptions;
  const t = throughput.options as unknown as ThroughputOptions;
  const bloatMs = o.baseline + o.download + o.upload + o.bidirectional + 3 * (o.warmup + o.gap);
  const throughputMs = (t.direction === "both" ? 2 : 1) * (t.warmup + t.duration);
  // Tests take turns. A second for each test's session and handshakes, two for the summaries
  // and the store.
  const planned = bloatMs + throughputMs;
  assertOk(
    recipe.duration! >= planned + 4_000,
    `duration ${recipe.duration} ms, tests ${planned} ms`,
  );
});

Deno.test("the whole quickstart: the bufferbloat test, then the throughput test, both stored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { recipe, registry } = await loadRecipe(quickstart, {
      registry: builtinRegistry(),
      overrides: { "store.path": `${dir}/q.db` },
    });
    const summary = await runRecipe({ recipe, registry, handleSignals: false });
    assertEquals(summary.status, "completed");
    assertEquals(summary.tests.map((t) => [t.plugin, t.status]), [
      ["bufferbloat", "ok"],
      ["throughput", "ok"],
    ]);
    assertOk(/^download \d+ Mbit\/s, upload \d+ Mbit\/s$/.test(summary.tests[1]!.headline!));
    const store = Store.open(`${dir}/q.db`, { readOnly: true });
    try {
      const [bloat, throughput] = ["bufferbloat", "throughput"].map((plugin) =>
        store.testResults({ plugin })[0]!
      );
      assertOk(bloat && throughput, "both results stored");
      // One at a time: the throughput test began after the bufferbloat test ended.
      assertOk(
        throughput.ts >= bloat.ts + bloat.durationMs,
        `throughput at ${throughput.ts}, bufferbloat ${bloat.ts} + ${bloat.durationMs} ms`,
      );
      for (const direction of ["download", "upload"]) {
        const figures = throughput.summary[direction] as { mean_mbps: number };
        assertOk(figures.mean_mbps > 0, `${direction}: ${JSON.stringify(figures)}`);
      }
      const metrics = store.listSeries({ plugin: "throughput" }).map((s) => s.metric).sort();
      assertEquals(metrics, ["download", "download_stream", "upload", "upload_stream"]);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
