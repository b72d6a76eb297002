/**
 * Load on the browser test's server: 30 single-user tests at once from Deno clients on
 * loopback, each from its own address (127.0.0.2 to 127.0.0.31, so the per-client caps apply to
 * each as to a household), doing what the page does (a session, latency pings, downloads and
 * uploads naming the session, the result posted at the end). Every test must complete and be
 * graded with no server error, while the caps hold: a second test at once from one client, a
 * test over the hourly count, and loads without a session are refused. Bounded: each test
 * loads for about 3 s, the whole file stops within a minute.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import { startHttpEndpoints } from "../server/http_endpoints.ts";

const CLIENTS = 30;

/** One simulated page: what `web/bufferbloat/_test_run.ts` does, over fetch. */
async function simulatedTest(base: string, address: string): Promise<{ grade: string }> {
  const client = Deno.createHttpClient({ localAddress: address });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body), client });
    const started = await post("/api/sessions", { kind: "single" });
    assertEquals(started.status, 201, await started.clone().text());
    const { id } = await started.json();
    // A second test at once from the same client is refused, clearly.
    const second = await post("/api/sessions", { kind: "single" });
    assertEquals(second.status, 429);
    assertEquals((await second.json()).reason, "concurrent");

    const t0 = performance.now();
    const samples: { t: number; phase: string; rttMs: number | null }[] = [];
    let phase = "baseline";
    let stop = false;
    const pinger = (async () => {
      while (!stop) {
        const sent = performance.now();
        try {
          const answer = await fetch(`${base}/ping`, {
            client,
            signal: AbortSignal.timeout(1_000),
          });
          await answer.body?.cancel();
          samples.push({ t: sent - t0, phase, rttMs: performance.now() - sent });
        } catch {
          samples.push({ t: sent - t0, phase, rttMs: null });
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, 100 - (performance.now() - sent)))
        );
      }
    })();
    const load = async (kind: "download" | "upload", ms: number) => {
      const until = performance.now() + ms;
      const body = new Uint8Array(262_144);
      while (performance.now() < until) {
        const answer = kind === "download"
          ? await fetch(`${base}/download?session=${id}&bytes=2000000`, { client })
          : await fetch(`${base}/upload?session=${id}`, { method: "POST", body, client });
        assertEquals(answer.status, 200, `${kind}: ${answer.status}`);
        await answer.arrayBuffer();
      }
    };
    await new Promise((resolve) => setTimeout(resolve, 800));
    phase = "download";
    await Promise.all([load("download", 800), load("download", 800)]);
    phase = "upload";
    await Promise.all([load("upload", 800), load("upload", 800)]);
    phase = "bidirectional";
    await Promise.all([load("download", 800), load("upload", 800)]);
    stop = true;
    await pinger;
    const saved = await post("/api/results", {
      session: id,
      samples: samples.map((s) => ({ ...s, t: Math.round(s.t) })),
      goodput: {},
      durations: {},
    });
    assertEquals(saved.status, 201, await saved.clone().text());
    const stored = await saved.json();
    return { grade: stored.result.totalGrade };
  } finally {
    client.close();
  }
}

Deno.test({
  name: "30 browser tests at once on loopback complete with no server error, caps enforced",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const serverErrors: unknown[] = [];
    const server = await startHttpEndpoints({
      web: {
        sessions: {
          testsPerHour: 2,
          maxSessions: 64,
          concurrentPerAddress: { single: 1, household: 4 },
        },
      },
      limits: { maxStreamsPerAddress: 8, maxStreams: 128, bytesPerHour: 1e12 },
      maxWebSocketsPerAddress: 4,
    });
    const onError = (event: ErrorEvent) => serverErrors.push(event.error);
    globalThis.addEventListener("error", onError);
    try {
      const addresses = Array.from({ length: CLIENTS }, (_, i) => `127.0.0.${i + 2}`);
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        addresses.map((address) => simulatedTest(server.url, address)),
      );
      const seconds = (performance.now() - started) / 1000;
      const failed = outcomes.flatMap((o, i) =>
        o.status === "rejected" ? [`${addresses[i]}: ${o.reason}`] : []
      );
      assertEquals(failed, []);
      const grades = outcomes.map((o) =>
        (o as PromiseFulfilledResult<{ grade: string }>).value.grade
      );
      assertOk(grades.every((g) => ["A+", "A", "B", "C", "D", "F"].includes(g)), grades.join(" "));
      const web = server.web!;
      const stats = web.sessions.stats();
      assertEquals(stats.started, CLIENTS);
      assertEquals(stats.ended.done, CLIENTS);
      assertEquals(stats.refused.concurrent, CLIENTS);
      assertEquals([stats.open.single, stats.streams], [0, 0]);
      assertEquals(web.results.count, CLIENTS);
      // The hourly cap: each client may start one more, then is refused with a time to wait.
      const client = Deno.createHttpClient({ localAddress: "127.0.0.2" });
      try {
        const post = () =>
          fetch(`${server.url}/api/sessions`, { method: "POST", body: "{}", client });
        const again = await post();
        assertEquals(again.status, 201);
        const { id } = await again.json();
        const end = await fetch(`${server.url}/api/sessions/${id}/end`, { method: "POST", client });
        assertEquals(end.status, 204);
        const over = await post();
        assertEquals(over.status, 429);
        assertOk(Number(over.headers.get("retry-after")) > 3_000);
        const refusal = await over.json();
        assertEquals(refusal.reason, "tests_per_hour");
        assertOk(refusal.error.includes("2 tests in the last hour"), refusal.error);
      } finally {
        client.close();
      }
      const noSession = await fetch(`${server.url}/download?bytes=100`);
      assertEquals(noSession.status, 403);
      await noSession.body?.cancel();
      const endpoints = server.endpoints.stats();
      assertEquals(endpoints.limited.bytes_per_hour, 0);
      console.log(
        `${CLIENTS} tests in ${seconds.toFixed(1)} s; grades ${grades.join(" ")}; ` +
          `${(endpoints.bytes.sent / 1e9).toFixed(2)} GB down, ${
            (endpoints.bytes.received / 1e9).toFixed(2)
          } GB up`,
      );
      assertEquals(serverErrors, []);
    } finally {
      globalThis.removeEventListener("error", onError);
      await server.close();
    }
  },
});
