import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { createHttpEndpoints, startHttpEndpoints } from "./http_endpoints.ts";
import { ThroughputLimiter } from "./throughput_limits.ts";
import { TestSessions } from "./test_sessions.ts";
import { selfSignedCertificate } from "../tests/support/self_signed.ts";

const from = (hostname: string) => ({
  remoteAddr: { transport: "tcp" as const, hostname, port: 40000 },
});

Deno.test("GET /download streams the bytes asked, capped, incompressible, not cached", async () => {
  const endpoints = createHttpEndpoints({ maxDownloadBytes: 3_000_000, chunkSize: 65_536 });
  const response = await endpoints.fetch(
    new Request("http://x/download?bytes=1000000"),
    from("192.0.2.1"),
  );
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("cache-control"), "no-store");
  assertEquals(response.headers.get("access-control-allow-origin"), "*");
  const body = await response.bytes();
  assertEquals(body.length, 1_000_000);
  // Incompressible: about every byte value, evenly.
  const counts = new Array(256).fill(0);
  for (const byte of body.subarray(0, 65_536)) counts[byte]++;
  assertOk(counts.every((n) => n > 150 && n < 380), "the payload does not look random");
  const capped = await endpoints.fetch(
    new Request("http://x/download?bytes=99999999"),
    from("192.0.2.1"),
  );
  assertEquals((await capped.bytes()).length, 3_000_000);
  const all = await endpoints.fetch(new Request("http://x/download"), from("192.0.2.1"));
  assertEquals((await all.bytes()).length, 3_000_000);
  const bad = await endpoints.fetch(new Request("http://x/download?bytes=-5"), from("192.0.2.1"));
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
  assertEquals(endpoints.stats().bytes.sent, 7_000_000);
  assertEquals(endpoints.limiter.streams, 0);
});

Deno.test("POST /upload counts the body and refuses one over the cap with 413", async () => {
  const endpoints = createHttpEndpoints({ maxUploadBytes: 500_000 });
  const ok = await endpoints.fetch(
    new Request("http://x/upload", { method: "POST", body: new Uint8Array(400_000) }),
    from("192.0.2.1"),
  );
  assertEquals(ok.status, 200);
  const result = await ok.json();
  assertEquals(result.bytes, 400_000);
  assertOk(typeof result.ms === "number");
  const over = await endpoints.fetch(
    new Request("http://x/upload", { method: "POST", body: new Uint8Array(600_000) }),
    from("192.0.2.1"),
  );
  assertEquals(over.status, 413);
  assertEquals((await over.json()).capped, "bytes");
  assertEquals(endpoints.limiter.streams, 0);
});

Deno.test("GET /ping answers 204 uncached; CORS preflights and unknown paths", async () => {
  const endpoints = createHttpEndpoints({ corsOrigin: "https://speed.example" });
  const ping = await endpoints.fetch(new Request("http://x/ping"));
  assertEquals([ping.status, ping.headers.get("cache-control")], [204, "no-store"]);
  assertEquals(ping.headers.get("access-control-allow-origin"), "https://speed.example");
  assertEquals(ping.headers.get("timing-allow-origin"), "https://speed.example");
  const preflight = await endpoints.fetch(new Request("http://x/upload", { method: "OPTIONS" }));
  assertEquals(preflight.status, 204);
  assertOk(preflight.headers.get("access-control-allow-methods")?.includes("POST"));
  const missing = await endpoints.fetch(new Request("http://x/secret"));
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
  const wrong = await endpoints.fetch(
    new Request("http://x/download", { method: "POST", body: "x" }),
  );
  assertEquals([wrong.status, wrong.headers.get("allow")], [405, "GET"]);
  await wrong.body?.cancel();
});

Deno.test("downloads and uploads count against the shared per-client limits (429)", async () => {
  const clock = { ms: 0 };
  const limiter = new ThroughputLimiter(
    { maxStreamsPerAddress: 1, bytesPerHour: 1_000_000 },
    () => clock.ms,
  );
  const endpoints = createHttpEndpoints({ limiter });
  // One stream per client: a second download while the first is open is refused.
  const first = await endpoints.fetch(
    new Request("http://x/download?bytes=100"),
    from("192.0.2.9"),
  );
  const second = await endpoints.fetch(
    new Request("http://x/download?bytes=100"),
    from("192.0.2.9"),
  );
  assertEquals([second.status, second.headers.get("retry-after")], [429, "1"]);
  await second.body?.cancel();
  await first.bytes();
  // Bytes per hour: a download that would exceed it is cut, the next request refused.
  const big = await endpoints.fetch(
    new Request("http://x/download?bytes=5000000"),
    from("192.0.2.9"),
  );
  const got = (await big.bytes()).length;
  assertOk(got >= 1_000_000 - 100 && got < 1_000_000 + 262_144, `got ${got}`);
  const refused = await endpoints.fetch(
    new Request("http://x/upload", { method: "POST", body: new Uint8Array(10) }),
    from("192.0.2.9"),
  );
  assertEquals(refused.status, 429);
  assertOk(Number(refused.headers.get("retry-after")) >= 300);
  await refused.body?.cancel();
  // Another client is not affected.
  const other = await endpoints.fetch(
    new Request("http://x/download?bytes=10"),
    from("192.0.2.10"),
  );
  assertEquals(other.status, 200);
  await other.bytes();
  assertEquals(endpoints.stats().limited.bytes_per_hour, 1);
  assertEquals(endpoints.stats().limited.address_streams, 1);
});

Deno.test("a download is cut at maxDuration even when the client reads on", async () => {
  // In-process a chunk is handed over without a copy: make the byte cap out of reach.
  const endpoints = createHttpEndpoints({
    limits: { maxDuration: 200, bytesPerHour: 1e15 },
    maxDownloadBytes: 1e15,
  });
  const started = performance.now();
  const response = await endpoints.fetch(new Request("http://x/download"), from("192.0.2.1"));
  const reader = response.body!.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
  }
  const ms = performance.now() - started;
  assertOk(ms >= 190 && ms < 5_000, `it lasted ${ms} ms`);
  assertOk(total > 0 && total < 1e15);
});

Deno.test("a download whose reader stalls is cut after maxDuration plus 2 s", async () => {
  const endpoints = createHttpEndpoints({ limits: { maxDuration: 100 } });
  const response = await endpoints.fetch(new Request("http://x/download"), from("192.0.2.1"));
  const reader = response.body!.getReader();
  await reader.read();
  assertEquals(endpoints.limiter.streams, 1);
  await new Promise((resolve) => setTimeout(resolve, 2_300));
  await assertRejects(async () => {
    for (;;) if ((await reader.read()).done) break;
  }, Error);
  assertEquals(endpoints.limiter.streams, 0);
});

Deno.test("over the network: HTTP, a WebSocket that echoes timestamps, and its cap", async () => {
  const server = await startHttpEndpoints({ maxWebSocketsPerAddress: 1 });
  try {
    const upload = await fetch(`${server.url}/upload`, {
      method: "POST",
      body: new Uint8Array(2_000_000),
    });
    assertEquals((await upload.json()).bytes, 2_000_000);
    const wsUrl = `${server.url.replace("http", "ws")}/ws`;
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const reply = new Promise<string>((resolve) => ws.onmessage = (e) => resolve(e.data));
    ws.send(JSON.stringify({ t: 1234.5 }));
    const echoed = JSON.parse(await reply);
    assertEquals(echoed.t, 1234.5);
    assertOk(Math.abs(echoed.s - Date.now()) < 5_000);
    // A second WebSocket from the same client is refused (429 at the upgrade).
    const second = await fetch(`${server.url}/ws`, {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    assertEquals(second.status, 429);
    await second.body?.cancel();
    const closed = new Promise((resolve) => ws.onclose = resolve);
    ws.close();
    await closed;
  } finally {
    await server.close();
  }
});

Deno.test("HTTPS needs both a certificate and a key", async () => {
  await assertRejects(() => startHttpEndpoints({ cert: "x" }), TypeError);
});

Deno.test("HTTPS when a certificate and key are given", async (t) => {
  const tls = await selfSignedCertificate();
  if (!tls) {
    await t.step({ name: "skipped: openssl cannot make a certificate", ignore: true, fn() {} });
    return;
  }
  const server = await startHttpEndpoints({ cert: tls.cert, key: tls.key });
  const client = Deno.createHttpClient({ caCerts: [tls.cert] });
  try {
    assertOk(server.url.startsWith("https://127.0.0.1:"));
    const response = await fetch(`${server.url}/download?bytes=100000`, { client });
    assertEquals((await response.bytes()).length, 100_000);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("with test sessions: no session no load, and a session's end cuts its streams", async () => {
  const sessions = new TestSessions();
  const endpoints = createHttpEndpoints({ sessions, requireSession: true });
  try {
    const bare = await endpoints.fetch(new Request("http://x/download?bytes=1000"));
    assertEquals(bare.status, 403);
    assertOk((await bare.text()).includes("start a test first"));
    const unknown = await endpoints.fetch(new Request("http://x/download?session=nope"));
    assertEquals(unknown.status, 403);
    await unknown.body?.cancel();
    const upload = await endpoints.fetch(
      new Request("http://x/upload", { method: "POST", body: new Uint8Array(10) }),
    );
    assertEquals(upload.status, 403);
    await upload.body?.cancel();
    assertEquals(endpoints.stats().noSession, 3);

    const session = sessions.start("127.0.0.1", "single");
    assertOk("id" in session);
    const download = await endpoints.fetch(
      new Request(`http://x/download?session=${session.id}`),
    );
    assertEquals(download.status, 200);
    const reader = download.body!.getReader();
    let got = 0;
    for (let i = 0; i < 3; i++) got += (await reader.read()).value?.byteLength ?? 0;
    assertOk(got > 0);
    assertEquals(sessions.stats().streams, 1);
    sessions.end(session.id, "done");
    let cut = false;
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch {
      cut = true;
    }
    assertOk(cut, "the download was cut when its session ended");
    assertEquals(sessions.stats().streams, 0);
    const after = await endpoints.fetch(new Request(`http://x/download?session=${session.id}`));
    assertEquals(after.status, 403);
    await after.body?.cancel();
  } finally {
    endpoints.closeAll();
    sessions.close();
  }
});

Deno.test("with test sessions: a WebSocket keeps its session alive and closes when it ends", async () => {
  const sessions = new TestSessions({ limits: { idleTimeout: 300 } });
  const server = await startHttpEndpoints({ sessions, requireSession: true });
  try {
    const session = sessions.start("127.0.0.1", "single");
    assertOk("id" in session);
    const url = server.url.replace("http", "ws");
    const socket = new WebSocket(`${url}/ws?session=${session.id}`);
    const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    // Messages every 100 ms keep it past the 300 ms idle timeout.
    for (let i = 0; i < 8; i++) {
      socket.send(JSON.stringify({ t: i }));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assertOk(sessions.get(session.id) !== undefined, "alive while it talks");
    const close = await closed; // then silence: idle, and the server closes the socket
    assertEquals(close.code, 1000);
    assertEquals(close.reason, "test session ended");
    assertEquals(sessions.stats().ended.idle, 1);
  } finally {
    await server.close();
    sessions.close();
  }
});
