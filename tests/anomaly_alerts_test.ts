/**
 * End to end: a recipe with `[alerts.anomaly]` and two `[[alerts.webhooks]]` runs a scripted
 * latency step through the real runner. The anomaly is raised once and cleared once, stored as
 * a severity timeline, delivered to a local receiver that fails its first two requests (so
 * the raise is retried), and a webhook that always fails is recorded as events while the run
 * goes on.
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "./support/assert.ts";
import { describeRecipe, loadRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import type { RunEvent } from "../core/run_observer.ts";
import type { WebhookPayload } from "../core/webhooks/mod.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import { summarizeAlerts } from "../report/alerts.ts";
import { alertTimeline, Store } from "../store/mod.ts";

const plugin = new URL("./testdata/scripted_latency_plugin.ts", import.meta.url).pathname;

Deno.test("a latency step in a real run raises one anomaly alert, clears it, and reaches webhooks", async () => {
  let hookRequests = 0;
  const delivered: WebhookPayload[] = [];
  const failing: WebhookPayload[] = [];
  const authorizations: (string | null)[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json() as WebhookPayload;
    authorizations.push(req.headers.get("authorization"));
    if (new URL(req.url).pathname === "/fail") {
      failing.push(body);
      return new Response("down", { status: 503 });
    }
    hookRequests++;
    if (hookRequests <= 2) return new Response("busy", { status: 500 });
    delivered.push(body);
    return new Response("ok");
  });
  const dir = await Deno.makeTempDir();
  try {
    const base = `http://127.0.0.1:${receiver.addr.port}`;
    const path = join(dir, "anomaly.toml");
    await Deno.writeTextFile(
      path,
      [
        'name = "anomaly-e2e"',
        'duration = "8s"',
        `plugins = [${JSON.stringify(plugin)}]`,
        "[[probes]]",
        'plugin = "scripted-latency"',
        'targets = ["scripted"]',
        'interval = "20ms"',
        "[probes.options]",
        "step_from = 150 # 3 s in",
        "step_until = 250 # 2 s long",
        "[alerts.anomaly]",
        'window = "500ms"',
        'evaluate_every = "100ms"',
        'clear_after = "500ms"',
        'cooldown = "1m"',
        "[[alerts.webhooks]]",
        `url = "${base}/hook"`,
        'backoff = "100ms"',
        'headers = { Authorization = "Bearer s3cret-token" }',
        "[[alerts.webhooks]]",
        `url = "${base}/fail"`,
        "retries = 1",
        'backoff = "50ms"',
        "[store]",
        `path = ${JSON.stringify(join(dir, "anomaly.db"))}`,
      ].join("\n"),
    );
    const { recipe, registry } = await loadRecipe(path, { registry: builtinRegistry() });
    const events: RunEvent[] = [];
    const summary = await runRecipe({
      recipe,
      registry,
      handleSignals: false,
      observer: { onEvent: (event) => events.push(event) },
    });
    assertEquals(summary.status, "completed");
    assertEquals(summary.activeAlerts, []);

    const store = Store.open(join(dir, "anomaly.db"));
    try {
      // The severity timeline in the store: raised (critical), then cleared, nothing else.
      const timeline = alertTimeline(store.db, { runId: summary.runId, detector: "anomaly" });
      assertEquals(timeline.map((row) => [row.severity, row.reason]), [
        ["critical", "raised"],
        ["clear", "cleared"],
      ]);
      const [raised, cleared] = timeline;
      const start = summary.startedAt + 100; // the schedule starts 100 ms after the run
      assertOk(
        raised!.ts >= start + 3000 && raised!.ts <= start + 3600,
        `raised at ${raised!.ts - start}`,
      );
      assertOk(cleared!.ts >= start + 5000, `cleared at ${cleared!.ts - start}`);
      assertEquals(raised!.plugin, "scripted-latency");
      assertEquals(raised!.target, "scripted");
      assertOk(raised!.confidence! >= 0.9);

      // The report reads the same events and draws one critical episode.
      const report = summarizeAlerts(store.events({ runId: summary.runId }), {
        start: summary.startedAt,
        end: summary.endedAt,
      });
      const episodes = report.episodes.filter((e) => e.subject.endsWith("anomaly"));
      assertEquals(episodes.map((e) => [e.subject, e.severity, e.open]), [
        ["scripted-latency scripted anomaly", "critical", false],
      ]);

      // The stored recipe keeps no webhook token (header or path).
      const [run] = store.db.prepare("SELECT effective_recipe FROM runs WHERE id = ?")
        .all(summary.runId) as { effective_recipe: string }[];
      assertOk(!run!.effective_recipe.includes("s3cret-token"), "header token redacted");
      assertOk(!run!.effective_recipe.includes("/hook"), "URL path redacted");

      // Webhook outcomes are events in the store, not crashes.
      const stored = store.events({ runId: summary.runId });
      const deliveredEvents = stored.filter((e) => e.kind === "webhook_delivered");
      assertEquals(deliveredEvents.map((e) => e.data?.attempts), [3, 1]);
      const failedEvents = stored.filter((e) => e.kind === "webhook_failed");
      assertEquals(failedEvents.length, 2);
      assertOk(failedEvents.every((e) => e.message.includes("after 2 attempt(s): HTTP 503")));
    } finally {
      store.close();
    }

    // The receiver got the raise (third attempt) and the clear, with their context.
    assertEquals(hookRequests, 4);
    assertEquals(delivered.map((p) => p.alert.severity), ["critical", "clear"]);
    const payload = delivered[0]!;
    assertEquals(payload.run.recipe, "anomaly-e2e");
    assertEquals(payload.run.id, summary.runId);
    assertEquals(payload.series.plugin, "scripted-latency");
    assertEquals(payload.series.target, "scripted");
    assertEquals(payload.series.metric, "rtt");
    assertEquals(payload.alert.detector, "anomaly");
    assertOk((payload.values.median as number) > 55, `median ${payload.values.median}`);
    assertOk(Math.abs((payload.baseline!.median as number) - 20.45) < 0.5);
    assertEquals(failing.length, 4); // raise and clear, two attempts each
    assertOk(authorizations.some((value) => value === "Bearer s3cret-token"));
    // Live observers saw the same alerts.
    assertEquals(events.filter((e) => e.kind === "alert").map((e) => e.severity), [
      "critical",
      "clear",
    ]);
  } finally {
    await receiver.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the monitoring example recipe enables anomaly alerts, a webhook and the exporter", async () => {
  const path = new URL("../examples/recipes/monitoring.toml", import.meta.url).pathname;
  const env: Record<string, string> = {
    BUFFERBANE_WEBHOOK_URL: "https://hooks.example.net/T0/xyz",
  };
  const { recipe } = await loadRecipe(path, {
    registry: builtinRegistry(),
    env: (name) => env[name],
  });
  assertEquals(recipe.alerts.anomaly?.enabled, true);
  assertEquals(recipe.alerts.anomaly?.cooldown, 600_000);
  assertEquals(recipe.alerts.webhooks[0]?.url, "https://hooks.example.net/T0/xyz");
  assertEquals(recipe.alerts.webhooks[0]?.headers, { Authorization: "Bearer " });
  assertEquals(recipe.export.prometheus?.listen, { hostname: "127.0.0.1", port: 9469 });
  const lines = describeRecipe(recipe);
  assertOk(lines.some((line) => line.startsWith("anomaly alerts on primary ms metrics")));
  assertOk(lines.includes("prometheus: /metrics on http://127.0.0.1:9469"), lines.join("\n"));
  assertOk(
    lines.some((line) => line.startsWith("webhook https://hooks.example.net:")),
    lines.join("\n"),
  );
});

/** Writes a recipe of the scripted plugin with anomaly alerts into `dir`. */
async function scriptedRecipe(
  dir: string,
  name: string,
  options: { duration: string; db: string; stepFrom: number; stepUntil: number },
) {
  const path = join(dir, `${name}.toml`);
  await Deno.writeTextFile(
    path,
    [
      `name = "${name}"`,
      `duration = "${options.duration}"`,
      `plugins = [${JSON.stringify(plugin)}]`,
      "[[probes]]",
      'plugin = "scripted-latency"',
      'targets = ["scripted"]',
      'interval = "20ms"',
      "[probes.options]",
      `step_from = ${options.stepFrom}`,
      `step_until = ${options.stepUntil}`,
      "[alerts.anomaly]",
      'window = "500ms"',
      'evaluate_every = "100ms"',
      'clear_after = "500ms"',
      "[store]",
      `path = ${JSON.stringify(options.db)}`,
    ].join("\n"),
  );
  return (await loadRecipe(path, { registry: builtinRegistry() }));
}

Deno.test("a restarted run starts its anomaly baseline from the store's quiet history", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = join(dir, "months.db");
    // Run 1: quiet, with an incident in its middle (probes 100..150) that must not be learned.
    const first = await scriptedRecipe(dir, "first", {
      duration: "5s",
      db,
      stepFrom: 100,
      stepUntil: 150,
    });
    const one = await runRecipe({ ...first, handleSignals: false });
    // Run 2 starts inside an incident: only the history tells it is one.
    const second = await scriptedRecipe(dir, "second", {
      duration: "4s",
      db,
      stepFrom: 0,
      stepUntil: 100,
    });
    const two = await runRecipe({ ...second, handleSignals: false });
    // The same incident on a fresh store: the detector starts cold and learns it as normal.
    const cold = await runRecipe({
      ...second,
      storePath: join(dir, "fresh.db"),
      handleSignals: false,
    });

    const store = Store.open(db);
    try {
      const first = alertTimeline(store.db, { runId: one.runId, detector: "anomaly" });
      assertEquals(first.map((row) => row.severity), ["critical", "clear"]);
      const seeded = store.events({ runId: two.runId }).filter((e) =>
        e.kind === "anomaly_baseline"
      );
      assertEquals(seeded.length, 1);
      const okInFirst = one.series[0]!.received;
      const taken = seeded[0]!.data?.samples as number;
      // Everything quiet of run 1, none of its incident (50 probes and the window around it).
      assertOk(taken >= 100 && taken <= okInFirst - 50, `seeded ${taken} of ${okInFirst}`);
      const second = alertTimeline(store.db, { runId: two.runId, detector: "anomaly" });
      assertEquals(second.map((row) => [row.severity, row.reason]), [
        ["critical", "raised"],
        ["clear", "cleared"],
      ]);
      assertOk(second[0]!.ts <= two.startedAt + 100 + 1000, "raised in the first second");
    } finally {
      store.close();
    }
    const fresh = Store.open(join(dir, "fresh.db"));
    try {
      assertEquals(alertTimeline(fresh.db, { runId: cold.runId }), []);
    } finally {
      fresh.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
