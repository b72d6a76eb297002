import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { BrowserResults } from "./browser_results.ts";
import { createHttpEndpoints } from "./http_endpoints.ts";
import { TestSessions } from "./test_sessions.ts";
import { createWebApp } from "./web_app.ts";

function setUp() {
  const sessions = new TestSessions({
    limits: { concurrentPerAddress: { single: 2, household: 4 } },
  });
  const results = new BrowserResults();
  const endpoints = createHttpEndpoints({ sessions, requireSession: true });
  const app = createWebApp({
    endpoints,
    sessions,
    results,
    script: (page) => Promise.resolve(`console.log('${page}');`),
  });
  const from = (address: string) => ({
    remoteAddr: { transport: "tcp" as const, hostname: address, port: 40000 },
  });
  const call = (path: string, init: RequestInit = {}, address = "192.0.2.1") =>
    app.fetch(new Request(`http://bb.test${path}`, init), from(address));
  const post = (path: string, body: unknown, address?: string) =>
    call(path, { method: "POST", body: JSON.stringify(body) }, address);
  return {
    sessions,
    results,
    endpoints,
    call,
    post,
    [Symbol.dispose]() {
      endpoints.closeAll();
      sessions.close();
      results.close();
    },
  };
}

Deno.test("web app: pages and assets come from the server, with a strict CSP", async () => {
  using app = setUp();
  const page = await app.call("/");
  assertEquals(page.status, 200);
  const csp = page.headers.get("content-security-policy")!;
  assertOk(csp.includes("default-src 'self'") && csp.includes("script-src 'self'"), csp);
  const html = await page.text();
  assertOk(html.includes('data-page="test"') && html.includes('src="/assets/bufferbloat.js"'));
  assertOk(!/https?:\/\//.test(html), "no external resource");
  const shared = await (await app.call("/results/abc_DEF-123")).text();
  assertOk(shared.includes('data-page="result" data-result="abc_DEF-123"'));
  const odd = await app.call("/results/%3Cscript%3E");
  assertEquals(odd.status, 404);
  await odd.body?.cancel();
  const script = await app.call("/assets/bufferbloat.js");
  assertEquals(await script.text(), "console.log('bufferbloat');");
  const household = await (await app.call("/household")).text();
  assertOk(household.includes('data-page="household"') && household.includes('id="users"'));
  assertOk(household.includes('src="/assets/household.js"'));
  assertEquals(await (await app.call("/assets/household.js")).text(), "console.log('household');");
  const unknown = await app.call("/assets/other.js");
  assertEquals(unknown.status, 404);
  await unknown.body?.cancel();
  assertEquals(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  const css = await app.call("/assets/page.css");
  assertOk((await css.text()).includes("prefers-color-scheme: dark"));
  assertEquals((await (await app.call("/health")).json()).status, "ok");
});

Deno.test("web app: sessions, caps with a clear refusal, and a result graded by the server", async () => {
  using app = setUp();
  const first = await app.post("/api/sessions", { kind: "single" });
  assertEquals(first.status, 201);
  const { id, maxDurationMs, idleTimeoutMs } = await first.json();
  assertEquals([maxDurationMs, idleTimeoutMs], [300_000, 30_000]);
  const second = await app.post("/api/sessions", { kind: "single" });
  assertEquals(second.status, 201);
  await second.body?.cancel();
  const third = await app.post("/api/sessions", { kind: "single" });
  assertEquals(third.status, 429);
  assertEquals(third.headers.get("retry-after"), "30");
  const refusal = await third.json();
  assertEquals(refusal.reason, "concurrent");
  assertOk(refusal.error.includes("already open from your address"), refusal.error);
  const bad = await app.post("/api/sessions", { kind: "party" });
  assertEquals(bad.status, 400);
  await bad.body?.cancel();

  // Loads need the session.
  const bare = await app.call("/download?bytes=10");
  assertEquals(bare.status, 403);
  await bare.body?.cancel();
  const loaded = await app.call(`/download?bytes=10&session=${id}`);
  assertEquals((await loaded.bytes()).length, 10);

  // The result: checked, graded here, saved once; the session ends with it.
  const samples = [
    ...Array.from({ length: 30 }, (_, i) => ({ t: i * 100, phase: "baseline", rttMs: 20 })),
    ...Array.from({ length: 30 }, (_, i) => ({ t: 5_000 + i * 100, phase: "upload", rttMs: 250 })),
  ];
  const invalid = await app.post("/api/results", {
    session: id,
    samples,
    goodput: {},
    grade: "A+",
  });
  assertEquals(invalid.status, 400);
  assertOk((await invalid.json()).error.startsWith("Invalid result"));
  const saved = await app.post("/api/results", {
    session: id,
    samples,
    goodput: { upload: { uploadMbps: 18.7 } },
    durations: { baseline: 3000, upload: 3000 },
  });
  assertEquals(saved.status, 201);
  const stored = await saved.json();
  assertEquals(stored.result.phases.upload.grade, "D"); // +230 ms
  assertEquals(saved.headers.get("location"), `/results/${stored.id}`);
  assertEquals(app.sessions.get(id), undefined, "the session ended with its result");
  const again = await app.post("/api/results", {
    session: id,
    samples,
    goodput: {},
    durations: {},
  });
  assertEquals(again.status, 403);
  await again.body?.cancel();
  const fetched = await (await app.call(`/api/results/${stored.id}`)).json();
  assertEquals(fetched.result, stored.result);
  const missing = await app.call("/api/results/nothing");
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
  const stats = await (await app.call("/api/stats")).json();
  assertEquals(stats.results, 1);
  assertEquals(stats.sessions.ended.done, 1);
  assertEquals(stats.endpoints.noSession, 1);
});

Deno.test("web app: bodies are capped and must be JSON; Stop ends a session and cuts its load", async () => {
  using app = setUp();
  const big = await app.call("/api/results", { method: "POST", body: "x".repeat(600_000) });
  assertEquals(big.status, 413);
  await big.body?.cancel();
  const notJson = await app.call("/api/results", { method: "POST", body: "{" });
  assertEquals(notJson.status, 400);
  await notJson.body?.cancel();
  const { id } = await (await app.post("/api/sessions", {})).json();
  const download = await app.call(`/download?session=${id}`);
  const reader = download.body!.getReader();
  await reader.read();
  const stopped = await app.call(`/api/sessions/${id}/end`, { method: "POST" });
  assertEquals(stopped.status, 204);
  let cut = false;
  try {
    while (!(await reader.read()).done) { /* drain */ }
  } catch {
    cut = true;
  }
  assertOk(cut);
});
