/**
 * End to end on loopback: the `udp-echo` plugin against in-process echo servers (real FFI
 * sockets, real handshakes, kernel stamps), and through the runner against the embedded server.
 */
import { assertEquals, assertOk } from "./support/assert.ts";
import type { PluginContext, PluginEvent, Sample, ServerInfo } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { parseRecipe } from "../core/recipe.ts";
import { runRecipe } from "../core/runner.ts";
import { builtinRegistry } from "../plugins/builtin.ts";
import {
  createUdpEchoPlugin,
  udpEchoOptionsSchema,
  type UdpEchoPluginDeps,
} from "../plugins/udp_echo.ts";
import { realtimeNs } from "../ffi/mod.ts";
import { openSession } from "../protocol/client.ts";
import { type EchoServer, startEchoServer } from "../server/udp_echo_server.ts";

const SECRET = "udp-echo-test-secret";

function startServer(): Promise<EchoServer> {
  return startEchoServer({
    secret: SECRET,
    limits: { minInterval: 1, maxSessionsPerAddress: 64 },
  });
}

function info(name: string, server: EchoServer): ServerInfo {
  return { name, host: "127.0.0.1", port: server.port, secret: SECRET };
}

interface Collected {
  samples: Sample[];
  events: PluginEvent[];
}

function context(
  server: ServerInfo | undefined,
  servers: ServerInfo[],
  options: { interval?: number; timeout?: number; device?: string } = {},
): { ctx: PluginContext; collected: Collected } {
  const interval = options.interval ?? 10;
  const collected: Collected = { samples: [], events: [] };
  const ctx: PluginContext = {
    target: "",
    interface: options.device,
    server,
    servers: new Map(servers.map((s) => [s.name, s])),
    interval,
    timeout: options.timeout ?? 500,
    schedule: new Schedule({ interval }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => collected.events.push(event),
    result() {},
  };
  return { ctx, collected };
}

async function collect(
  ctx: PluginContext,
  collected: Collected,
  options: Record<string, unknown>,
  ms: number,
  deps: UdpEchoPluginDeps = {},
): Promise<void> {
  const plugin = createUdpEchoPlugin(deps);
  const signal = AbortSignal.timeout(ms);
  for await (const sample of plugin.run(ctx, udpEchoOptionsSchema.parse(options), signal)) {
    collected.samples.push(sample);
  }
}

function of(samples: Sample[], metric: string, status = "ok"): Sample[] {
  return samples.filter((s) => s.metric === metric && s.status === status);
}

Deno.test("udp-echo measures rtt and one-way delays on loopback without loss", async () => {
  await using server = await startServer();
  const local = info("local", server);
  const { ctx, collected } = context(local, [local]);
  await collect(ctx, collected, { packet_size: 172 }, 1500);

  const rtt = of(collected.samples, "rtt");
  assertOk(rtt.length >= 100, `only ${rtt.length} replies`);
  assertEquals(collected.samples.filter((s) => s.metric === "rtt" && s.status !== "ok"), []);
  // The server's time is taken out of the RTT with its estimated send time, whose error (tens
  // of microseconds) is the size of loopback's whole network time: values near 0 may dip below.
  assertOk(rtt.every((s) => s.value! > -1 && s.value! < 50), JSON.stringify(rtt.slice(0, 5)));
  const up = new Map(of(collected.samples, "owd_up").map((s) => [s.seq, s.value!]));
  const down = new Map(of(collected.samples, "owd_down").map((s) => [s.seq, s.value!]));
  assertEquals(up.size, rtt.length);
  for (const sample of rtt) {
    const sum = up.get(sample.seq)! + down.get(sample.seq)!;
    assertOk(Math.abs(sum - sample.value!) < 1e-6, `seq ${sample.seq}: ${sum} vs ${sample.value}`);
  }
  // One clock on both ends: the estimated offset is near zero, so each way is well under 1 ms.
  const medianUp = [...up.values()].sort((a, b) => a - b)[Math.floor(up.size / 2)]!;
  assertOk(Math.abs(medianUp) < 1, `median owd_up ${medianUp}`);
  assertOk(of(collected.samples, "ipdv_up").length >= rtt.length - 5);
  assertOk(of(collected.samples, "ipdv_down").every((s) => s.value! >= 0));
  for (let i = 0; i < 50 && server.stats().sessions.active > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assertEquals(server.stats().sessions.closedByClient, 1, "the session was closed at the end");
});

Deno.test("udp-echo probes two servers at once, one series each", async () => {
  await using a = await startServer();
  await using b = await startServer();
  const servers = [info("a", a), info("b", b)];
  const runs = servers.map((server) => context(server, servers));
  await Promise.all(runs.map(({ ctx, collected }) => collect(ctx, collected, {}, 800)));
  for (const [i, { collected }] of runs.entries()) {
    const rtt = of(collected.samples, "rtt");
    assertOk(rtt.length >= 50, `server ${i}: only ${rtt.length} replies`);
  }
  const received = [a, b].map((s) => s.stats().replies);
  assertOk(received.every((n) => n >= 50), JSON.stringify(received));
});

Deno.test("udp-echo fails over to the next server when its server goes silent", async () => {
  const primary = await startServer();
  await using backup = await startServer();
  const servers = [info("primary", primary), info("backup", backup)];
  const { ctx, collected } = context(servers[0], servers, { timeout: 200 });
  // The primary shuts down 500 ms in, as a request is lost on its way there: that request is
  // in flight when the server's close comes (a fast server answers a real one within
  // microseconds, so the loss is simulated: the request is not sent).
  const started = performance.now();
  let closing: Promise<void> | undefined;
  const deps: UdpEchoPluginDeps = {
    openSession: async (options) => {
      const session = await openSession(options);
      if (options.port !== primary.port) return session;
      const send = session.send.bind(session);
      session.send = (seq, sendOptions) => {
        if (closing !== undefined || performance.now() - started < 500) {
          return send(seq, sendOptions);
        }
        closing = primary.close();
        return Promise.resolve({
          seq,
          counter: 0,
          size: sendOptions?.size ?? 92,
          sentAt: realtimeNs(),
          sentAtSource: "user",
        });
      };
      return session;
    },
  };
  await collect(ctx, collected, { failover: ["backup"], failover_after: "300ms" }, 2000, deps);
  await closing;

  const switches = collected.events.filter((e) => e.kind === "udp_echo_failover");
  assertEquals(switches.length, 1, JSON.stringify(collected.events));
  assertEquals(switches[0]!.data?.from, "primary");
  assertEquals(switches[0]!.data?.to, "backup");
  const switchedAt = switches[0]!.timestamp ?? 0;
  const rtt = of(collected.samples, "rtt");
  const after = rtt.filter((s) => s.timestamp > 1200 + (rtt[0]?.timestamp ?? 0));
  assertOk(after.length >= 30, `${after.length} replies after the switch (${switchedAt})`);
  assertOk(backup.stats().replies >= 30, JSON.stringify(backup.stats().replies));
  // What was in flight when the primary died is recorded lost, not dropped.
  assertOk(collected.samples.some((s) => s.metric === "rtt" && s.status === "lost"));
});

Deno.test("udp-echo records failed samples while the server refuses the secret", async () => {
  await using server = await startServer();
  const wrong: ServerInfo = { ...info("local", server), secret: "not-the-secret" };
  const { ctx, collected } = context(wrong, [wrong], { interval: 50, timeout: 100 });
  await collect(ctx, collected, {}, 800);
  const failed = collected.samples.filter((s) => s.status === "failed");
  assertOk(failed.length >= 3, JSON.stringify(collected.samples));
  assertOk(failed.every((s) => s.reason!.startsWith("No answer from server")), failed[0]?.reason);
  assertEquals(of(collected.samples, "rtt"), []);
});

Deno.test("udp-echo marks a missing interface and keeps the series going", async () => {
  await using server = await startServer();
  const local = info("local", server);
  const { ctx, collected } = context(local, [local], { interval: 20, device: "bb-gone0" });
  await collect(ctx, collected, {}, 300);
  const failed = collected.samples.filter((s) => s.status === "failed");
  assertOk(failed.length >= 5, JSON.stringify(collected.samples.length));
  assertOk(failed.every((s) => s.reason!.startsWith("ENODEV")), failed[0]?.reason);
  const down = collected.events.filter((e) => e.kind === "udp_echo_interface_down");
  assertEquals(down.length, 1);
});

Deno.test("udp-echo runs from a recipe against the embedded server", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { recipe, registry } = await parseRecipe(
      `
name = "udp-echo-embedded"
duration = "2s"
[[servers]]
name = "local"
embedded = true
[[probes]]
plugin = "udp-echo"
servers = ["local"]
interval = "20ms"
[store]
path = "${dir}/u.db"
`,
      { path: "udp-echo.toml", registry: builtinRegistry() },
    );
    const summary = await runRecipe({ recipe, registry, handleSignals: false });
    assertEquals(summary.status, "completed");
    const rtt = summary.series.find((s) => s.series.plugin === "udp-echo" && s.series.primary)!;
    assertEquals(rtt.series.server, "local");
    assertOk(rtt.received >= 40 && rtt.lost === 0, JSON.stringify(rtt));
    // On loopback the network part of a round trip is a few microseconds, under the error of
    // the server's send time (predicted before sealing; see server/send_stamp_corrector.ts),
    // so the median may come out a few microseconds below zero, never by more.
    assertOk(rtt.p50! > -0.05 && rtt.p50! < 10, JSON.stringify(rtt));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
