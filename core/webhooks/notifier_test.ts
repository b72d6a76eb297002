import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { RecipeWebhook } from "../recipe_schema.ts";
import type { RunEvent } from "../run_observer.ts";
import { WebhookNotifier } from "./notifier.ts";
import type { WebhookPayload } from "./payload.ts";

/** A local receiver on 127.0.0.1 that answers 500 to its first `failFirst` requests. */
function receiver(options: { failFirst?: number; hang?: boolean } = {}) {
  const requests: { at: number; body: WebhookPayload; headers: Headers }[] = [];
  const hanging = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const body = await request.json() as WebhookPayload;
      requests.push({ at: performance.now(), body, headers: request.headers });
      if (options.hang) {
        await new Promise((resolve) => hanging.signal.addEventListener("abort", resolve));
        return new Response("late");
      }
      if (requests.length <= (options.failFirst ?? 0)) {
        return new Response("try later", { status: 500 });
      }
      return new Response("ok");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hooks/secret-token`,
    requests,
    async close() {
      hanging.abort();
      await server.shutdown();
    },
  };
}

function hook(url: string, overrides: Partial<RecipeWebhook> = {}): RecipeWebhook {
  return {
    url,
    min_severity: "warn",
    send_clear: true,
    detectors: ["anomaly", "threshold"],
    retries: 3,
    timeout: 2000,
    backoff: 50,
    max_backoff: 400,
    headers: {},
    ...overrides,
  };
}

const SERIES = {
  plugin: "icmp",
  target: "192.0.2.1",
  interface: "eth0",
  server: "",
  metric: "rtt",
  unit: "ms",
  primary: true,
};

function anomaly(severity: RunEvent["severity"], to: string, timestamp = 1_000): RunEvent {
  return {
    timestamp,
    kind: "alert",
    severity,
    message: `anomaly ${to}`,
    series: SERIES,
    data: {
      detector: "anomaly",
      stat: "anomaly",
      series: "7",
      from: "ok",
      to,
      reason: to === "ok" ? "cleared" : "raised",
      confidence: 0.93,
      values: { median: 61.2, latency_z: 12.4, loss_pct: 0 },
      baseline: { median: 20.1, sigma: 0.7, loss_pct: 0.1 },
    },
  };
}

function threshold(severity: RunEvent["severity"]): RunEvent {
  return {
    timestamp: 2_000,
    kind: "alert",
    severity,
    message: `threshold ${severity}`,
    series: SERIES,
    data: { series: "7", stat: "p95", value: 130, warn: 100, critical: null, window: 60_000 },
  };
}

function notifierFor(webhooks: RecipeWebhook[]) {
  const reported: RunEvent[] = [];
  const notifier = new WebhookNotifier({
    webhooks,
    context: { runId: 42, recipe: "home", host: "probe-1" },
    report: (event) => reported.push(event),
  });
  return { notifier, reported };
}

Deno.test("WebhookNotifier retries with exponential backoff until a failing receiver accepts", async () => {
  const server = receiver({ failFirst: 2 });
  try {
    const { notifier, reported } = notifierFor([hook(server.url, { headers: { "x-token": "t" } })]);
    notifier.onEvent(anomaly("critical", "critical"));
    // Non-blocking: nothing has been sent when onEvent returns.
    strictEqual(server.requests.length, 0);
    await notifier.drain(10_000);
    strictEqual(server.requests.length, 3);
    const [first, second, third] = server.requests;
    // Waits of 50 then 100 ms (lower bounds only: a loaded machine may be slower).
    ok(second!.at - first!.at >= 45, `first wait ${second!.at - first!.at}`);
    ok(third!.at - second!.at >= 95, `second wait ${third!.at - second!.at}`);
    strictEqual(third!.headers.get("x-token"), "t");
    strictEqual(third!.headers.get("content-type"), "application/json");
    const body = third!.body;
    deepStrictEqual(body.run, { id: 42, recipe: "home", host: "probe-1" });
    deepStrictEqual(body.series, {
      id: "7",
      plugin: "icmp",
      target: "192.0.2.1",
      interface: "eth0",
      server: "",
      metric: "rtt",
      unit: "ms",
    });
    strictEqual(body.alert.detector, "anomaly");
    strictEqual(body.alert.severity, "critical");
    strictEqual(body.alert.time, "1970-01-01T00:00:01.000Z");
    strictEqual(body.confidence, 0.93);
    strictEqual(body.values.latency_z, 12.4);
    strictEqual(body.baseline?.median, 20.1);
    deepStrictEqual(reported.map((e) => [e.kind, e.severity, e.data?.attempts]), [
      ["webhook_delivered", "info", 3],
    ]);
    // The path may hold a token: messages show the origin only.
    ok(!reported[0]!.message.includes("secret-token"), reported[0]!.message);
  } finally {
    await server.close();
  }
});

Deno.test("WebhookNotifier reports a receiver that keeps failing as an event, and goes on", async () => {
  const server = receiver({ failFirst: 1_000 });
  try {
    const { notifier, reported } = notifierFor([hook(server.url, { retries: 2 })]);
    notifier.onEvent(anomaly("warn", "warn"));
    await notifier.drain(10_000);
    strictEqual(server.requests.length, 3);
    strictEqual(reported.length, 1);
    strictEqual(reported[0]!.kind, "webhook_failed");
    strictEqual(reported[0]!.severity, "warn");
    ok(reported[0]!.message.includes("after 3 attempt(s): HTTP 500"), reported[0]!.message);
  } finally {
    await server.close();
  }
});

Deno.test("WebhookNotifier reports a refused connection and a receiver that does not answer", async () => {
  const closed = receiver();
  const refusedUrl = closed.url;
  await closed.close();
  const hanging = receiver({ hang: true });
  try {
    const { notifier, reported } = notifierFor([
      hook(refusedUrl, { retries: 1 }),
      hook(hanging.url, { retries: 0, timeout: 200 }),
    ]);
    notifier.onEvent(anomaly("critical", "critical"));
    await notifier.drain(10_000);
    const failed = reported.filter((e) => e.kind === "webhook_failed").map((e) => e.message);
    strictEqual(failed.length, 2);
    ok(failed.some((m) => m.includes("after 2 attempt(s)")), failed.join("\n"));
    ok(failed.some((m) => m.includes("no answer within 200 ms")), failed.join("\n"));
  } finally {
    await hanging.close();
  }
});

Deno.test("WebhookNotifier filters by severity and detector, and sends a clear only after its raise", async () => {
  const server = receiver();
  try {
    const { notifier } = notifierFor([
      hook(server.url, { min_severity: "critical", detectors: ["anomaly"] }),
    ]);
    notifier.onEvent(anomaly("warn", "warn")); // below min_severity
    notifier.onEvent(threshold("critical")); // not an anomaly
    notifier.onEvent({ timestamp: 0, kind: "plugin_error", severity: "critical", message: "x" });
    notifier.onEvent(anomaly("critical", "critical", 2_000)); // escalation: sent
    notifier.onEvent(anomaly("clear", "ok", 3_000)); // its clear: sent
    notifier.onEvent(anomaly("clear", "ok", 4_000)); // a clear without a raise sent: not sent
    await notifier.drain(10_000);
    deepStrictEqual(server.requests.map((r) => [r.body.alert.severity, r.body.alert.timestamp]), [
      ["critical", 2_000],
      ["clear", 3_000],
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("WebhookNotifier delivers a clear after its raise even when the raise is retried", async () => {
  const server = receiver({ failFirst: 2 });
  try {
    const { notifier } = notifierFor([hook(server.url)]);
    notifier.onEvent(threshold("warn"));
    notifier.onEvent(threshold("clear"));
    await notifier.drain(10_000);
    deepStrictEqual(server.requests.map((r) => r.body.alert.severity), [
      "warn",
      "warn",
      "warn",
      "clear",
    ]);
    strictEqual(server.requests[0]!.body.alert.detector, "threshold");
    strictEqual(server.requests[0]!.body.values.stat, "p95");
  } finally {
    await server.close();
  }
});

Deno.test("WebhookNotifier.drain() gives up at its deadline and reports what was not delivered", async () => {
  const server = receiver({ failFirst: 1_000 });
  try {
    const { notifier, reported } = notifierFor([
      hook(server.url, { retries: 10, backoff: 60_000, max_backoff: 60_000 }),
    ]);
    notifier.onEvent(anomaly("critical", "critical"));
    const started = performance.now();
    await notifier.drain(300);
    ok(performance.now() - started < 30_000);
    strictEqual(server.requests.length, 1);
    strictEqual(reported.length, 1);
    ok(reported[0]!.message.includes("the run ended before it could be delivered"));
    // After the run, further alerts are ignored.
    notifier.onEvent(anomaly("critical", "critical"));
    strictEqual(reported.length, 1);
  } finally {
    await server.close();
  }
});
