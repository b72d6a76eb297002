import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { BufferbaneError } from "../core/errors.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import { SocketError } from "../ffi/errno.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { SessionDirectory } from "../server/session_directory.ts";
import {
  startThroughputService,
  type ThroughputServiceOptions,
} from "../server/throughput_service.ts";
import { type GoodputSample, runTcpLoad, startTcpLoad, type TcpLoadResult } from "./tcp_load.ts";

const ignore = !ffiAllowed();
const name = (text: string) => ignore ? `${text} (skipped: --allow-ffi not granted)` : text;
const keys: SessionKeys = {
  clientToServer: new Uint8Array(32).fill(7),
  serverToClient: new Uint8Array(32).fill(8),
};
const session = { sessionId: 99n, keys };

async function withService(
  options: Partial<ThroughputServiceOptions>,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const sessions = new SessionDirectory();
  sessions.add(99n, "127.0.0.1", keys);
  const service = await startThroughputService({ authorize: sessions.authorize, ...options });
  try {
    await fn(service.addresses[0]!.port);
  } finally {
    await service.close();
  }
}

/** The samples' bytes add up to the result's, per stream and in total, over the measured part. */
function checkConsistency(result: TcpLoadResult, direction: "download" | "upload") {
  const figures = result[direction]!;
  const measured = result.samples.filter((s) => !s.warmup);
  const bytes = measured.reduce((sum, s) => sum + s[direction]!.bytes, 0);
  assertEquals(bytes, figures.bytes);
  const total = result.samples.reduce((sum, s) => sum + s[direction]!.bytes, 0);
  assertEquals(total, figures.bytesTotal);
  assertEquals(figures.streams.reduce((sum, s) => sum + s.bytes, 0), figures.bytes);
  const mean = figures.bytes * 8 / (result.measuredMs * 1000);
  assertOk(Math.abs(figures.meanMbps - mean) < 1e-6);
  for (const sample of result.samples) {
    const goodput = sample[direction]!;
    assertEquals(goodput.streams.length, result.requested.streams);
    const sum = goodput.streams.reduce((a, b) => a + b, 0);
    assertOk(Math.abs(sum - goodput.mbps) < 1e-6 * Math.max(1, goodput.mbps));
    assertOk(Math.abs(goodput.mbps - goodput.bytes * 8 / (sample.intervalMs * 1000)) < 1e-6);
  }
}

Deno.test({
  name: name("a download load: 4 streams, 100 ms samples, warm-up left out of the summary"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const load = startTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        duration: 600,
        warmup: 300,
      });
      let readyFirst = false;
      let readyAt = -1;
      load.ready.then(() => readyAt = performance.now());
      const streamed: GoodputSample[] = [];
      for await (const sample of load.samples) {
        if (streamed.length === 0) readyFirst = readyAt >= 0;
        streamed.push(sample);
      }
      const result = await load.done;
      assertOk(readyFirst, "a sample came before ready");
      assertEquals(streamed, result.samples);
      const download = result.download!;
      assertEquals(result.upload, undefined);
      assertEquals(download.counting, "received");
      assertEquals(download.streams.map((s) => s.index), [0, 1, 2, 3]);
      assertOk(download.bytes > 0 && download.streams.every((s) => s.bytes > 0));
      assertOk(download.bytesTotal > download.bytes);
      // Sampled on a 100 ms grid: 3 warm-up intervals, then 6 measured ones.
      assertEquals(result.samples.map((s) => s.warmup), [
        true,
        true,
        true,
        ...new Array(6).fill(false),
      ]);
      assertOk(Math.abs(result.warmupMs - 300) < 100, `warm-up ${result.warmupMs} ms`);
      assertOk(Math.abs(result.measuredMs - 600) < 100, `measured ${result.measuredMs} ms`);
      assertEquals(result.stopped, false);
      assertEquals(result.capped, false);
      assertEquals(result.grantedMs, 1_900); // warm-up + duration + 1 s
      assertOk(Number.isFinite(download.medianMbps) && download.p90Mbps >= download.medianMbps);
      assertOk(result.congestionControl.used.length === 1);
      // Self probes: the receiver's round-trip estimate of each stream, once the kernel has one.
      const rtts = result.samples.filter((s) => !s.warmup).flatMap((s) => s.download!.rttMs!);
      assertOk(rtts.length >= 4, `only ${rtts.length} receiver RTT readings`);
      assertOk(rtts.every((rtt) => rtt > 0 && rtt < 1_000), rtts.join(", "));
      checkConsistency(result, "download");
    });
  },
});

Deno.test({
  name: name("an upload load counts what the server acknowledged (TCP_INFO)"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const result = await runTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        mode: "upload",
        streams: 2,
        duration: 400,
        warmup: 100,
      });
      const upload = result.upload!;
      assertEquals(upload.counting, "acked");
      assertOk(upload.bytes > 0);
      assertOk(typeof upload.retransmits === "number");
      assertOk(upload.streams.every((s) => typeof s.rttMs === "number"));
      // Self probes: each stream's smoothed RTT in every measured sample.
      for (const sample of result.samples.filter((s) => !s.warmup)) {
        assertEquals(sample.upload!.rttMs!.length, 2);
        assertOk(sample.upload!.rttMs!.every((rtt) => rtt > 0 && rtt < 1_000));
      }
      checkConsistency(result, "upload");
    });
  },
});

Deno.test({
  name: name("a bidirectional load runs both directions at once"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const seen: GoodputSample[] = [];
      const result = await runTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        mode: "bidirectional",
        streams: 2,
        duration: 300,
        warmup: 0,
        onSample: (sample) => seen.push(sample),
      });
      assertEquals(seen.length, result.samples.length);
      assertOk(result.download!.bytes > 0 && result.upload!.bytes > 0);
      assertOk(result.samples.every((s) => !s.warmup && s.download && s.upload));
      assertEquals(result.warmupMs, 0);
      checkConsistency(result, "download");
      checkConsistency(result, "upload");
    });
  },
});

Deno.test({
  name: name("stop() and the signal end a load early, in bounded time"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const load = startTcpLoad({ address: "127.0.0.1", port, session, duration: 60_000 });
      await load.ready;
      await new Promise((resolve) => setTimeout(resolve, 250));
      const stoppedAt = performance.now();
      load.stop();
      const result = await load.done;
      assertOk(performance.now() - stoppedAt < 2_500);
      assertEquals(result.stopped, true);
      assertOk(result.durationMs < 5_000);
      assertEquals(result.measuredMs, 0); // stopped within the warm-up: nothing measured
      assertOk(Number.isNaN(result.download!.meanMbps));

      const started = performance.now();
      const aborted = await runTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        warmup: 0,
        duration: 60_000,
        signal: AbortSignal.timeout(400),
      });
      assertOk(performance.now() - started < 3_000);
      assertEquals(aborted.stopped, true);
      assertOk(aborted.download!.bytes > 0 && aborted.measuredMs > 0);
    });
  },
});

Deno.test({
  name: name("a refused session rejects with the server's silence explained"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const load = startTcpLoad({
        address: "127.0.0.1",
        port,
        session: { sessionId: 98n, keys },
        duration: 1000,
      });
      const error = await assertRejects(() => load.done, BufferbaneError);
      assertOk(error.message.includes("without a grant"), error.message);
      await assertRejects(() => load.ready, BufferbaneError);
      const samples: GoodputSample[] = [];
      for await (const sample of load.samples) samples.push(sample);
      assertEquals(samples, []);
    });
  },
});

Deno.test({
  name: name("a closed port, an unknown interface and a silent server fail in bounded time"),
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await assertRejects(() => runTcpLoad({ address: "127.0.0.1", port, session }), SocketError);
    await withService({}, async (port) => {
      const error = await assertRejects(
        () => runTcpLoad({ address: "127.0.0.1", port, session, device: "bbnosuch0" }),
        SocketError,
      );
      assertEquals(error.errnoName, "ENODEV");
    });
    // Accepts, never answers.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    (async () => {
      for await (const conn of silent) held.push(conn);
    })();
    const started = performance.now();
    const error = await assertRejects(
      () =>
        runTcpLoad({
          address: "127.0.0.1",
          port: (silent.addr as Deno.NetAddr).port,
          session,
          connectTimeout: 300,
        }),
      BufferbaneError,
    );
    assertOk(error.message.includes("did not grant"), error.message);
    assertOk(performance.now() - started < 2_000);
    silent.close();
    for (const conn of held) conn.close();
  },
});

Deno.test({
  name: name("a grant shorter than asked cuts the load, and says so"),
  ignore,
  async fn() {
    await withService({ limits: { maxDuration: 1_000 } }, async (port) => {
      const result = await runTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        streams: 1,
        warmup: 200,
        duration: 5_000,
      });
      assertEquals(result.capped, true);
      assertEquals(result.grantedMs, 1_000);
      assertOk(result.durationMs < 1_000 && result.durationMs > 800, `${result.durationMs} ms`);
      assertOk(result.notes.some((note) => note.includes("granted 1000 ms")));
    });
  },
});

Deno.test({
  name: name("streams the server refuses are noted; the others run"),
  ignore,
  async fn() {
    await withService({ limits: { maxStreams: 2 } }, async (port) => {
      const result = await runTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        streams: 4,
        warmup: 0,
        duration: 300,
      });
      assertEquals(result.download!.streams.length, 2);
      assertEquals(result.notes.filter((note) => note.includes("did not start")).length, 2);
      assertOk(result.download!.bytes > 0);
    });
  },
});

Deno.test({
  name: name("congestion control: picked, refused with a note, or strict; bound to lo"),
  ignore,
  async fn() {
    const available = Deno.readTextFileSync("/proc/sys/net/ipv4/tcp_available_congestion_control")
      .trim().split(/\s+/);
    await withService({}, async (port) => {
      const options = { address: "127.0.0.1", port, session, streams: 1, warmup: 0, duration: 200 };
      if (available.includes("reno")) {
        const reno = await runTcpLoad({ ...options, mode: "upload", congestionControl: "reno" });
        assertEquals(reno.congestionControl, { requested: "reno", used: ["reno"] });
        assertEquals(reno.upload!.streams[0]!.congestionControl, "reno");
      }
      const missing = await runTcpLoad({
        ...options,
        mode: "upload",
        congestionControl: "bbnosuch",
      });
      assertOk(missing.congestionControl.note?.includes('"bbnosuch" refused'));
      assertEquals(missing.congestionControl.used.length, 1);
      await assertRejects(
        () =>
          runTcpLoad({
            ...options,
            mode: "upload",
            congestionControl: "bbnosuch",
            strictCongestionControl: true,
          }),
        SocketError,
      );
      // Downloads: the server sends, so the server is asked; a name the protocol has no code
      // for cannot be asked.
      const unknown = await runTcpLoad({ ...options, congestionControl: "bbnosuch" });
      assertOk(unknown.congestionControl.note?.includes("cannot be asked of the server"));
      assertOk(unknown.download!.bytes > 0);
      await assertRejects(
        () =>
          runTcpLoad({ ...options, congestionControl: "bbnosuch", strictCongestionControl: true }),
        BufferbaneError,
      );
      if (!available.includes("cdg")) {
        const refused = await runTcpLoad({ ...options, congestionControl: "cdg" });
        assertOk(
          refused.congestionControl.note?.includes("The server refused"),
          refused.congestionControl.note,
        );
        assertEquals(refused.congestionControl.used, []);
        await assertRejects(
          () => runTcpLoad({ ...options, congestionControl: "cdg", strictCongestionControl: true }),
          BufferbaneError,
        );
      }
      if (Deno.uid() === 0) {
        const bound = await runTcpLoad({ ...options, device: "lo" });
        assertEquals(bound.device, "lo");
        assertOk(bound.download!.bytes > 0);
      }
    });
  },
});

Deno.test({
  name: name("a download asked to use reno is sent with reno by the server (ss sees it)"),
  ignore,
  async fn() {
    await withService({}, async (port) => {
      const load = startTcpLoad({
        address: "127.0.0.1",
        port,
        session,
        streams: 2,
        warmup: 0,
        duration: 1_500,
        congestionControl: "reno",
      });
      await load.ready;
      // The server's sockets are the ones whose source port is the service's.
      let seen = "";
      try {
        const { stdout } = await new Deno.Command("ss", {
          args: ["-tinH", "state", "established", `( sport = :${port} )`],
          stdout: "piped",
          stderr: "null",
        }).output();
        seen = new TextDecoder().decode(stdout);
      } catch { /* no ss: the GRANT alone is checked */ }
      const result = await load.done;
      assertEquals(result.congestionControl.used, ["reno"]);
      assertEquals(result.download!.streams.map((s) => s.congestionControl), ["reno", "reno"]);
      if (seen !== "") {
        const algorithms = [...seen.matchAll(/\b(reno|cubic|bbr)\b/g)].map((m) => m[1]);
        assertEquals(algorithms, ["reno", "reno"], seen);
      }
    });
  },
});

Deno.test("startTcpLoad() checks its options", () => {
  const options = { address: "127.0.0.1", port: 1, session };
  for (
    const bad of [
      { streams: 0 },
      { streams: 257 },
      { duration: 0 },
      { warmup: -1 },
      {
        sampleInterval: 5,
      },
      { port: 0 },
      { mode: "sideways" as "upload" },
    ]
  ) {
    let threw = false;
    try {
      startTcpLoad({ ...options, ...bad });
    } catch (error) {
      threw = error instanceof RangeError;
    }
    assertOk(threw, JSON.stringify(bad));
  }
});
