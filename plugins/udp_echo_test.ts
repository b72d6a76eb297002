import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { PluginContext, PluginEvent, Sample, ServerInfo } from "../core/contract.ts";
import { Schedule, timerSleep } from "../core/schedule.ts";
import type {
  EchoEvent,
  EchoSendOptions,
  EchoSent,
  OpenSessionOptions,
} from "../protocol/client.ts";
import type { EchoSessionLike } from "./_udp_echo_series.ts";
import { createUdpEchoPlugin, udpEchoDefaults, udpEchoOptionsSchema } from "./udp_echo.ts";

type Fate = "ok" | "up" | "down";
const MS = 1_000_000n;

/** A session whose server clock runs 5 ms ahead, 1 ms each way, dropping as `fate` says. */
class FakeSession implements EchoSessionLike {
  readonly parameters = { interval: 10, packetSize: 1472, duration: 0, idleTimeout: 60_000 };
  closed = false;
  #sent = 0;
  #serverReceived = 0;
  #replies = 0;
  #queue: EchoEvent[] = [];
  #wake: (() => void) | undefined;
  readonly #fate: (seq: number) => Fate;

  constructor(fate: (seq: number) => Fate) {
    this.#fate = fate;
  }

  send(seq: number, options: EchoSendOptions = {}): Promise<EchoSent> {
    const index = this.#sent++;
    const at = BigInt(Date.now()) * MS;
    const fate = this.#fate(seq);
    if (fate !== "up") this.#serverReceived++;
    const serverReceived = this.#serverReceived;
    if (fate === "ok") {
      setTimeout(() => {
        this.#queue.push({
          kind: "reply",
          seq,
          size: options.size ?? 92,
          clientSentAt: at,
          clientSentAtSource: "kernel",
          serverReceivedAt: at + 6n * MS,
          serverReceivedAtSource: "kernel",
          serverSentAt: at + 6n * MS,
          serverSentAtCorrected: true,
          clientReceivedAt: at + 2n * MS,
          clientReceivedAtSource: "kernel",
          serverReceived,
          sent: index + 1,
          replies: ++this.#replies,
        });
        this.#wake?.();
      }, 2);
    }
    return Promise.resolve({
      seq,
      counter: index + 1,
      size: options.size ?? 92,
      sentAt: at,
      sentAtSource: "kernel",
    });
  }

  async *events(signal?: AbortSignal): AsyncGenerator<EchoEvent> {
    while (!this.closed && !signal?.aborted) {
      const event = this.#queue.shift();
      if (event) yield event;
      else await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  stats() {
    return {
      sent: this.#sent,
      replies: this.#replies,
      duplicates: 0,
      unmatched: 0,
      invalid: 0,
      strays: 0,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    this.#wake?.();
    return Promise.resolve();
  }
}

async function run(fate: (seq: number) => Fate, ms: number) {
  const server: ServerInfo = { name: "fake", host: "192.0.2.1", port: 9876, secret: "s" };
  const events: PluginEvent[] = [];
  const ctx: PluginContext = {
    target: "",
    interface: undefined,
    server,
    servers: new Map([["fake", server]]),
    interval: 10,
    timeout: 40,
    schedule: new Schedule({ interval: 10 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => events.push(event),
    result() {},
  };
  const plugin = createUdpEchoPlugin({
    openSession: () => Promise.resolve(new FakeSession(fate)),
  });
  const samples: Sample[] = [];
  for await (const sample of plugin.run(ctx, plugin.defaults, AbortSignal.timeout(ms))) {
    samples.push(sample);
  }
  return { samples, events };
}

Deno.test("udpEchoOptionsSchema fills in the defaults and parses durations", () => {
  assertEquals(udpEchoOptionsSchema.parse({}), { ...udpEchoDefaults, failover: [] });
  assertEquals(udpEchoOptionsSchema.parse({ failover_after: "2s" }).failover_after, 2000);
  assertEquals(udpEchoOptionsSchema.safeParse({ packet_size: 91 }).success, false);
  assertEquals(udpEchoOptionsSchema.safeParse({ port: 9 }).success, false);
});

Deno.test("udpEchoOptionsSchema takes a DSCP as a number or a name and explains a bad one", () => {
  assertEquals(udpEchoOptionsSchema.parse({}).dscp, undefined);
  assertEquals(
    ["EF", "af41", "CS1", "LE", 0, 63].map((dscp) => udpEchoOptionsSchema.parse({ dscp }).dscp),
    [46, 34, 8, 1, 0, 63],
  );
  for (const dscp of [64, -1, 4.5, "EX", true]) {
    const result = udpEchoOptionsSchema.safeParse({ dscp });
    assertEquals(
      result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      [
        `dscp: expected a DSCP from 0 to 63 or a name such as "EF", "AF41", "CS1", got ${
          JSON.stringify(dscp)
        }`,
      ],
    );
  }
});

Deno.test("udp-echo opens its sessions with the DSCP and paces on the sleep it is given", async () => {
  const server: ServerInfo = { name: "fake", host: "192.0.2.1", port: 9876, secret: "s" };
  const schedule = new Schedule({ interval: 1 });
  const ctx: PluginContext = {
    target: "",
    interface: undefined,
    server,
    servers: new Map([["fake", server]]),
    interval: 1,
    timeout: 40,
    schedule,
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
  const opened: OpenSessionOptions[] = [];
  let sleeps = 0;
  const plugin = createUdpEchoPlugin({
    openSession: (options) => {
      opened.push(options);
      return Promise.resolve(new FakeSession(() => "ok"));
    },
    sleep: (ms, signal) => {
      sleeps++;
      return timerSleep(ms, signal);
    },
  });
  assertEquals(plugin.minInterval, 1);
  const options = udpEchoOptionsSchema.parse({ dscp: "EF" });
  for await (const _ of plugin.run(ctx, options, AbortSignal.timeout(100))) {
    // drain
  }
  assertEquals(opened.map((o) => o.dscp), [46]);
  assertOk(sleeps > 0 && schedule.delivered > 0, `${sleeps} sleeps, ${schedule.delivered} slots`);
});

Deno.test("udp-echo gives each lost probe its direction from the server's count", async () => {
  const fate = (seq: number): Fate => seq % 10 === 3 ? "up" : seq % 10 === 7 ? "down" : "ok";
  const { samples } = await run(fate, 700);
  const lost = samples.filter((s) => s.metric === "rtt" && s.status === "lost");
  assertOk(lost.length >= 8, JSON.stringify(lost));
  for (const sample of lost) {
    const expected = sample.seq! % 10 === 3 ? "lost upstream" : "lost downstream";
    assertEquals(sample.reason, expected, `seq ${sample.seq}`);
  }
  const ok = samples.filter((s) => s.metric === "rtt" && s.status === "ok");
  assertOk(ok.every((s) => s.value === 2 && fate(s.seq!) === "ok"));
});

Deno.test("udp-echo takes the server clock's offset out of one-way delays", async () => {
  const { samples } = await run(() => "ok", 300);
  const up = samples.filter((s) => s.metric === "owd_up");
  const down = samples.filter((s) => s.metric === "owd_down");
  assertOk(up.length >= 10);
  assertOk(up.every((s) => s.value === 1), JSON.stringify(up[0]));
  assertOk(down.every((s) => s.value === 1), JSON.stringify(down[0]));
  assertOk(samples.filter((s) => s.metric === "ipdv_up").every((s) => s.value === 0));
});

Deno.test("udp-echo records a failed sample per slot while no session opens", async () => {
  const server: ServerInfo = { name: "nosecret", host: "192.0.2.1", port: 9876 };
  const ctx: PluginContext = {
    target: "",
    interface: undefined,
    server,
    servers: new Map([["nosecret", server]]),
    interval: 20,
    timeout: 100,
    schedule: new Schedule({ interval: 20 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
  const plugin = createUdpEchoPlugin({ openSession: () => Promise.reject(new Error("unused")) });
  const samples: Sample[] = [];
  for await (const sample of plugin.run(ctx, plugin.defaults, AbortSignal.timeout(200))) {
    samples.push(sample);
  }
  assertOk(samples.length >= 5);
  assertOk(samples.every((s) => s.status === "failed" && s.reason!.includes("has no secret")));
});
