import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { ffiAllowed } from "../ffi/libc.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { openSession } from "../protocol/client.ts";
import { SessionDirectory } from "../server/session_directory.ts";
import { startThroughputService } from "../server/throughput_service.ts";
import { startEchoServer } from "../server/udp_echo_server.ts";
import type { GoodputSample, TcpLoad, TcpLoadOptions, TcpLoadResult } from "../load/tcp_load.ts";
import {
  type AuthorizingSession,
  createTcpLoadGenerator,
  type LoadRequest,
  type LoadSample,
} from "./_bufferbloat_load.ts";

const keys: SessionKeys = {
  clientToServer: new Uint8Array(32).fill(1),
  serverToClient: new Uint8Array(32).fill(2),
};

function fakeSession(log: string[]): AuthorizingSession {
  return {
    sessionId: 5n,
    keys,
    server: { address: "192.0.2.9" },
    close: () => {
      log.push("session closed");
      return Promise.resolve();
    },
  };
}

const REQUEST: LoadRequest = {
  kind: "both",
  warmupMs: 500,
  durationMs: 2000,
  streams: 3,
  server: { name: "s", host: "s.example", port: 9876, secret: "x" },
  device: "eth9",
  congestionControl: "cubic",
};

function result(over: Partial<TcpLoadResult>): TcpLoadResult {
  return {
    startedAt: 0,
    durationMs: 2500,
    warmupMs: 500,
    measuredMs: 2000,
    requested: { mode: "bidirectional", streams: 3, warmupMs: 500, durationMs: 2000 },
    grantedMs: 3500,
    capped: false,
    stopped: true,
    congestionControl: { requested: "cubic", used: ["cubic", "cubic"] },
    samples: [],
    notes: [],
    ...over,
  };
}

Deno.test("the load adapter maps a request onto the TCP load engine and back", async () => {
  const log: string[] = [];
  let seen: TcpLoadOptions | undefined;
  const sample: GoodputSample = {
    t: 100,
    timestamp: 1_000,
    intervalMs: 100,
    warmup: true,
    download: { mbps: 90, bytes: 1_125_000, streams: [30, 30, 30] },
    upload: { mbps: 9, bytes: 112_500, streams: [3, 3, 3] },
  };
  const generator = createTcpLoadGenerator({
    openSession: (options) => {
      log.push(`open ${options.host}:${options.port} via ${options.device}`);
      return Promise.resolve(fakeSession(log));
    },
    throughputPort: () => 5555,
    startTcpLoad: (options): TcpLoad => {
      seen = options;
      const finished = Promise.withResolvers<void>();
      return {
        ready: Promise.resolve(),
        samples: (async function* () {
          yield sample;
        })(),
        done: finished.promise.then(() =>
          result({
            download: {
              counting: "received",
              bytes: 1,
              bytesTotal: 1,
              meanMbps: 88,
              medianMbps: 88,
              p90Mbps: 90,
              streams: [],
            },
            congestionControl: { requested: "cubic", used: ["reno"], note: "cubic refused: EPERM" },
          })
        ),
        stop: () => {
          log.push("stopped");
          finished.resolve();
        },
      };
    },
  });
  const run = await generator(REQUEST, new AbortController().signal);
  assertEquals(seen?.address, "192.0.2.9");
  assertEquals(seen?.port, 5555);
  assertEquals(seen?.mode, "bidirectional");
  assertEquals([seen?.streams, seen?.warmup, seen?.duration], [3, 500, 2000]);
  assertEquals([seen?.device, seen?.congestionControl], ["eth9", "cubic"]);
  assertEquals(seen?.session.sessionId, 5n);
  const samples: LoadSample[] = [];
  for await (const s of run.samples) samples.push(s);
  assertEquals(samples, [{
    at: 1_000,
    intervalMs: 100,
    warmup: true,
    downloadMbps: 90,
    uploadMbps: 9,
  }]);
  run.stop();
  const outcome = await run.done;
  assertEquals(outcome, {
    downloadMbps: 88,
    congestionControl: "reno",
    notes: ["cubic refused: EPERM"],
  });
  assertEquals(log, ["open s.example:9876 via eth9", "stopped", "session closed"]);
});

Deno.test("the load adapter closes its session when the load cannot start", async () => {
  const log: string[] = [];
  const generator = createTcpLoadGenerator({
    openSession: () => Promise.resolve(fakeSession(log)),
    startTcpLoad: (): TcpLoad => {
      const failed = Promise.reject(new Error("no GRANT"));
      failed.catch(() => {});
      return {
        ready: failed,
        samples: (async function* () {})(),
        done: failed as Promise<never>,
        stop() {},
      };
    },
  });
  const error = await generator(REQUEST, new AbortController().signal).catch((e) => e);
  assertEquals((error as Error).message, "no GRANT");
  assertOk(log.includes("session closed"));
});

Deno.test({
  name: `the load adapter loads loopback through the real engine and services${
    ffiAllowed() ? "" : " (skipped: --allow-ffi not granted)"
  }`,
  ignore: !ffiAllowed(),
  async fn() {
    const secret = "bufferbloat load adapter test";
    await using echo = await startEchoServer({ secret });
    const sessions = new SessionDirectory();
    const throughput = await startThroughputService({ authorize: sessions.authorize });
    try {
      const generator = createTcpLoadGenerator({
        // the server's own session directory is fed by the echo server once the lead wires
        // it; here the test registers the client's session itself
        openSession: async (options) => {
          const session = await openSession(options);
          sessions.add(session.sessionId, "127.0.0.1", session.keys);
          return session;
        },
        throughputPort: () => throughput.addresses[0]!.port,
      });
      const run = await generator({
        ...REQUEST,
        kind: "upload",
        device: undefined,
        warmupMs: 200,
        durationMs: 800,
        streams: 2,
        server: { name: "local", host: "127.0.0.1", port: echo.port, secret },
      }, AbortSignal.timeout(10_000));
      const samples: LoadSample[] = [];
      for await (const sample of run.samples) samples.push(sample);
      const outcome = await run.done;
      assertOk(samples.length >= 8, `${samples.length} samples`);
      assertOk(samples.some((s) => s.warmup) && samples.some((s) => !s.warmup));
      assertOk(samples.every((s) => s.uploadMbps !== undefined && s.downloadMbps === undefined));
      assertOk(outcome.uploadMbps! > 50, `${outcome.uploadMbps} Mbit/s`);
      assertEquals(outcome.downloadMbps, undefined);
    } finally {
      await throughput.close();
    }
  },
});
