import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { startHttpEndpoints } from "../server/http_endpoints.ts";
import { runHttpLoad } from "./http_load.ts";
import { selfSignedCertificate } from "../tests/support/self_signed.ts";

Deno.test("runHttpLoad() downloads and uploads in parallel, sampled, warm-up left out", async () => {
  const server = await startHttpEndpoints({ limits: { bytesPerHour: 1e13 } });
  try {
    const result = await runHttpLoad({
      url: server.url,
      mode: "bidirectional",
      streams: 2,
      warmup: 200,
      duration: 300,
    });
    assertEquals(result.samples.map((s) => s.warmup), [true, true, false, false, false]);
    for (const direction of ["download", "upload"] as const) {
      const figures = result[direction]!;
      assertOk(figures.bytes > 0, direction);
      assertEquals(figures.streams.map((s) => s.index), [0, 1]);
      const measured = result.samples.filter((s) => !s.warmup)
        .reduce((sum, s) => sum + s[direction]!.bytes, 0);
      assertEquals(measured, figures.bytes);
    }
    assertEquals(result.download!.counting, "received");
    assertEquals(result.upload!.counting, "answered");
    assertEquals(result.notes, []);
    // The server read every answered body, and at most one more body per stream (16 MiB each).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const received = server.endpoints.stats().bytes.received;
    const counted = result.upload!.bytesTotal;
    assertOk(received >= counted, `${received} < ${counted}`);
    assertOk(received <= counted + 2 * 16_777_216, `${received} > ${counted} + 2 bodies`);
  } finally {
    await server.close();
  }
});

Deno.test("runHttpLoad() starts a new request when the server ends one, and stops on the signal", async () => {
  const server = await startHttpEndpoints({ maxDownloadBytes: 100_000 });
  try {
    const started = performance.now();
    const result = await runHttpLoad({
      url: server.url,
      streams: 1,
      warmup: 0,
      duration: 60_000,
      signal: AbortSignal.timeout(300),
    });
    assertOk(performance.now() - started < 3_000);
    assertEquals(result.stopped, true);
    assertOk(result.download!.bytes > 100_000, "only one request was made");
    assertOk(server.endpoints.stats().requests.download > 1);
  } finally {
    await server.close();
  }
});

Deno.test("runHttpLoad() notes a refused stream (429) and refuses bad URLs", async () => {
  const server = await startHttpEndpoints({ limits: { maxStreamsPerAddress: 1 } });
  try {
    const result = await runHttpLoad({ url: server.url, streams: 2, warmup: 0, duration: 200 });
    assertOk(result.notes.some((note) => note.includes("429")), JSON.stringify(result.notes));
    assertOk(result.download!.bytes > 0);
  } finally {
    await server.close();
  }
  let threw = false;
  try {
    await runHttpLoad({ url: "ftp://example.test/" });
  } catch (error) {
    threw = error instanceof TypeError;
  }
  assertOk(threw);
});

Deno.test("runHttpLoad() over HTTPS trusts the given certificate for both directions", async (t) => {
  const tls = await selfSignedCertificate();
  if (!tls) {
    await t.step({ name: "skipped: openssl cannot make a certificate", ignore: true, fn() {} });
    return;
  }
  const server = await startHttpEndpoints({ cert: tls.cert, key: tls.key });
  try {
    const untrusted = await runHttpLoad({
      url: server.url,
      mode: "bidirectional",
      streams: 1,
      warmup: 0,
      duration: 200,
    });
    assertEquals(untrusted.download!.bytes, 0);
    assertEquals(untrusted.upload!.bytes, 0);
    assertEquals(untrusted.notes.length, 2, untrusted.notes.join("; "));
    const result = await runHttpLoad({
      url: server.url,
      mode: "bidirectional",
      streams: 1,
      warmup: 0,
      duration: 300,
      caCerts: [tls.cert],
    });
    assertEquals(result.notes, []);
    assertOk(result.download!.bytes > 0 && result.upload!.bytes > 0);
  } finally {
    await server.close();
  }
});
