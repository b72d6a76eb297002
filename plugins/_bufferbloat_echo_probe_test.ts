import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { startEchoServer } from "../server/udp_echo_server.ts";
import type { EchoEvent, EchoSent } from "../protocol/client.ts";
import { timerSleep } from "../core/schedule.ts";
import type { EchoSessionLike } from "./_udp_echo_series.ts";
import { createEchoProbeOpener } from "./_bufferbloat_echo_probe.ts";
import type { LatencyProbeOptions, LatencyRecord } from "./_bufferbloat_probe.ts";

const needsFfi = missing(["ffi"]);
const SECRET = "bufferbloat probe test secret";
const silentLog = { debug() {}, info() {}, warn() {} };

function options(port: number, extra: Partial<LatencyProbeOptions> = {}): LatencyProbeOptions {
  return {
    server: { name: "local", host: "127.0.0.1", port, secret: SECRET },
    device: undefined,
    intervalMs: 10,
    timeoutMs: 1000,
    durationMs: 10_000,
    signal: AbortSignal.timeout(5000),
    log: silentLog,
    ...extra,
  };
}

Deno.test({
  name: skippable(
    "the echo probe measures round trips and raw one-way delays on loopback",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    await using server = await startEchoServer({ secret: SECRET, limits: { minInterval: 1 } });
    const probe = await createEchoProbeOpener()(options(server.port));
    const records: LatencyRecord[] = [];
    probe.start((record) => records.push(record));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await probe.stop();
    assertEquals(probe.kind, "udp-echo");
    assertEquals(probe.intervalMs, 10);
    assertOk(records.length >= 25, `${records.length} records`);
    const ok = records.filter((r) => r.status === "ok");
    assertEquals(
      ok.length,
      records.length,
      JSON.stringify(records.filter((r) => r.status !== "ok")),
    );
    for (const record of ok) {
      // on loopback the server's user-space send time can come after the client's kernel
      // receive stamp (loopback delivers inside sendmsg): a few tens of us below zero
      assertOk(record.rttMs! > -1 && record.rttMs! < 100, `rtt ${record.rttMs}`);
      // the two raw one-way delays add up to the round trip: the clock offset cancels
      const sum = record.oneWay!.upMs + record.oneWay!.downMs;
      assertOk(Math.abs(sum - record.rttMs!) < 1e-6, `${sum} vs ${record.rttMs}`);
      assertOk(Math.abs(record.sentAt - Date.now()) < 5000);
    }
    const seqs = ok.map((r) => r.seq).sort((a, b) => a - b);
    assertEquals(seqs[0], 0);
  },
});

Deno.test({
  name: skippable("the echo probe paces at the interval the server grants, and says so", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    await using server = await startEchoServer({ secret: SECRET, limits: { minInterval: 50 } });
    const probe = await createEchoProbeOpener()(options(server.port));
    assertEquals(probe.intervalMs, 50);
    assertEquals(probe.notes, ['Server "local" allows one echo every 50 ms: probing at that']);
    await probe.stop();
  },
});

/** A session that never answers, or answers each request `lateMs` after a 2 s timeout. */
function fakeSession(reply: "never" | "late"): EchoSessionLike & { closedCalls: number } {
  const events: EchoEvent[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let counter = 0;
  const session = {
    parameters: { interval: 10, packetSize: 1472, duration: 0, idleTimeout: 60_000 },
    get closed() {
      return closed;
    },
    closedCalls: 0,
    send(seq: number): Promise<EchoSent> {
      const now = BigInt(Date.now()) * 1_000_000n;
      if (reply === "late") {
        events.push({
          kind: "reply",
          seq,
          size: 92,
          clientSentAt: now,
          clientSentAtSource: "kernel",
          serverReceivedAt: now + 1_500_000_000n,
          serverReceivedAtSource: "kernel",
          serverSentAt: now + 1_500_000_000n,
          serverSentAtCorrected: false,
          clientReceivedAt: now + 3_000_000_000n, // 3 s later: after the timeout
          clientReceivedAtSource: "kernel",
          serverReceived: seq + 1,
          sent: seq + 1,
          replies: seq + 1,
        });
        wake?.();
      }
      return Promise.resolve({
        seq,
        counter: ++counter,
        size: 92,
        sentAt: now,
        sentAtSource: "kernel",
      });
    },
    async *events(signal?: AbortSignal) {
      while (!signal?.aborted && !closed) {
        const event = events.shift();
        if (event) {
          yield event;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
    stats: () => ({
      sent: counter,
      replies: 0,
      duplicates: 0,
      unmatched: 0,
      invalid: 0,
      strays: 0,
    }),
    close() {
      closed = true;
      session.closedCalls++;
      wake?.();
      return Promise.resolve();
    },
  };
  return session;
}

Deno.test("the echo probe counts a request without a reply in time as lost", async () => {
  const session = fakeSession("never");
  const open = createEchoProbeOpener({
    openSession: () => Promise.resolve(session),
    sleep: timerSleep,
  });
  const probe = await open(options(9876, { intervalMs: 20, timeoutMs: 60 }));
  const records: LatencyRecord[] = [];
  probe.start((record) => records.push(record));
  await new Promise((resolve) => setTimeout(resolve, 250));
  await probe.stop();
  assertEquals(session.closedCalls, 1);
  assertOk(records.length >= 3, `${records.length} records`);
  assertOk(records.every((r) => r.status === "lost" && r.reason === "timeout" && r.rttMs === null));
  assertEquals(records.map((r) => r.seq).slice(0, 3), [0, 1, 2]);
});

Deno.test("the echo probe judges late replies on the kernel stamps", async () => {
  const session = fakeSession("late");
  const open = createEchoProbeOpener({
    openSession: () => Promise.resolve(session),
    sleep: timerSleep,
  });
  const probe = await open(options(9876, { intervalMs: 20, timeoutMs: 2000 }));
  const records: LatencyRecord[] = [];
  probe.start((record) => records.push(record));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await probe.stop();
  assertOk(records.length >= 2, `${records.length} records`);
  assertOk(
    records.every((r) => r.status === "lost" && r.reason === "timeout"),
    JSON.stringify(records[0]),
  );
});

Deno.test("the echo probe refuses a server without an echo port", async () => {
  const open = createEchoProbeOpener({ openSession: () => Promise.reject(new Error("unused")) });
  const reason = await open(options(0)).catch((error) => (error as Error).message);
  assertEquals(reason, 'Server "local" offers no UDP echo service (port "0")');
});
