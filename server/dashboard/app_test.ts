import { assertEquals, assertOk } from "../../tests/support/assert.ts";
import { createDashboardApp } from "./app.ts";
import { DashboardRuns } from "./runs.ts";

const TOKEN = "a-dashboard-token-for-tests";
const auth = { authorization: `Bearer ${TOKEN}` };

async function withApp(
  fn: (
    app: ReturnType<typeof createDashboardApp>,
    runs: DashboardRuns,
    db: string,
  ) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "bb-dashboard-" });
  const runs = new DashboardRuns({
    config: {
      targets: [
        { name: "loopback", host: "127.0.0.1", plugins: ["icmp"] },
        { name: "other", host: "127.0.0.2", plugins: ["icmp", "dns"] },
      ],
      db: `${dir}/dashboard.db`,
      maxDuration: 60_000,
      maxRunning: 1,
    },
  });
  try {
    await fn(
      createDashboardApp({ runs, token: TOKEN, script: () => Promise.resolve("// page") }),
      runs,
      `${dir}/dashboard.db`,
    );
  } finally {
    await runs.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const from = (hostname: string) => ({
  remoteAddr: { transport: "tcp" as const, hostname, port: 1 },
});

Deno.test("dashboard: no token, nothing; guessing is slowed down; the page and health are open", async () => {
  await withApp(async (app) => {
    const page = await app.fetch(new Request("http://x/"));
    assertOk((await page.text()).includes('data-page="dashboard"'));
    assertOk(page.headers.get("content-security-policy")!.includes("default-src 'self'"));
    assertEquals((await (await app.fetch(new Request("http://x/health"))).json()).status, "ok");
    for (const path of ["/servers", "/history", "/results/1", "/live/1"]) {
      const answer = await app.fetch(new Request(`http://x${path}`), from("192.0.2.1"));
      assertEquals(answer.status, 401, path);
      assertEquals(answer.headers.get("www-authenticate"), 'Bearer realm="bufferbane dashboard"');
      await answer.body?.cancel();
    }
    const wrong = { authorization: "Bearer not-the-token-at-all" };
    let limited = false;
    for (let i = 0; i < 20 && !limited; i++) {
      const answer = await app.fetch(
        new Request("http://x/servers", { headers: wrong }),
        from("192.0.2.9"),
      );
      limited = answer.status === 429;
      await answer.body?.cancel();
    }
    assertOk(limited, "an address that keeps guessing is refused");
    const servers = await app.fetch(new Request("http://x/servers", { headers: auth }));
    assertEquals((await servers.json()).targets.map((t: { name: string }) => t.name), [
      "loopback",
      "other",
    ]);
    const viaQuery = await app.fetch(new Request(`http://x/history?token=${TOKEN}`));
    assertEquals(viaQuery.status, 200);
    await viaQuery.body?.cancel();
  });
  let threw = false;
  try {
    createDashboardApp({
      runs: new DashboardRuns({
        config: { targets: [], db: ":memory:", maxDuration: 1, maxRunning: 1 },
      }),
      token: "short",
    });
  } catch (error) {
    threw = error instanceof RangeError;
  }
  assertOk(threw, "a short token is refused");
});

Deno.test("dashboard: only configured targets and plugins, within the limits", async () => {
  await withApp(async (app) => {
    const start = (body: unknown) =>
      app.fetch(
        new Request("http://x/start_test", {
          method: "POST",
          headers: auth,
          body: JSON.stringify(body),
        }),
      );
    const cases: [unknown, number, string][] = [
      [{ target: "8.8.8.8" }, 400, 'No target "8.8.8.8" is configured'],
      [{ target: "loopback", plugin: "dns" }, 400, "is not allowed toward"],
      [{ target: "loopback", plugin: "shell" }, 400, "plugin must be one of"],
      [{ target: "loopback", intervalMs: 5 }, 400, "intervalMs must be"],
      [{ target: "loopback", durationMs: 3_600_000 }, 400, "durationMs must be"],
    ];
    for (const [body, status, message] of cases) {
      const answer = await start(body);
      assertEquals(answer.status, status, JSON.stringify(body));
      assertOk((await answer.json()).error.includes(message), message);
    }
    const notJson = await app.fetch(
      new Request("http://x/start_test", { method: "POST", headers: auth, body: "[" }),
    );
    assertEquals(notJson.status, 400);
    await notJson.body?.cancel();
  });
});

Deno.test({
  name: "dashboard: a test runs, streams live, stops, and its results, CSV and history stay",
  ignore: Deno.uid() !== 0 &&
    Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim().startsWith("1"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withApp(async (app, runs) => {
      const started = await app.fetch(
        new Request("http://x/start_test", {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ target: "loopback", intervalMs: 100, durationMs: 30_000 }),
        }),
      );
      assertEquals(started.status, 201);
      const { id } = await started.json();
      // A second one while it runs: over the limit of one.
      const second = await app.fetch(
        new Request("http://x/start_test", {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ target: "loopback" }),
        }),
      );
      assertEquals(second.status, 429);
      await second.body?.cancel();
      const seen: { type: string; sample?: { value: number | null } }[] = [];
      const live: string[] = [];
      runs.watch(id, (message) => {
        seen.push(message);
        live.push(message.type);
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stop = await app.fetch(
        new Request(`http://x/stop_test/${id}`, { method: "POST", headers: auth }),
      );
      assertEquals(stop.status, 204);
      await runs.finished(id);
      assertOk(seen.filter((m) => m.type === "sample").length >= 8, `${seen.length} live messages`);
      assertEquals(live.at(-1), "end");
      const results =
        await (await app.fetch(new Request(`http://x/results/${id}`, { headers: auth }))).json();
      const rtt = results.rows.find((r: { metric: string }) => r.metric === "rtt");
      assertOk(rtt.stats.sent >= 8 && rtt.stats.lossPct === 0, JSON.stringify(rtt.stats));
      assertEquals(results.entry.label, "loopback icmp");
      const csv =
        await (await app.fetch(new Request(`http://x/results/${id}?format=csv`, { headers: auth })))
          .text();
      const lines = csv.trim().split("\n");
      assertEquals(lines[0], "time,series,metric,value,status,reason");
      assertOk(lines.length - 1 >= rtt.stats.sent, `${lines.length} lines`);
      const history = await (await app.fetch(new Request("http://x/history", { headers: auth })))
        .json();
      assertEquals(history.tests.map((t: { id: number }) => t.id), [id]);
      assertEquals(history.tests[0].status, "interrupted");
      const missing = await app.fetch(new Request("http://x/results/999", { headers: auth }));
      assertEquals(missing.status, 404);
      await missing.body?.cancel();
    });
  },
});
