import { lookup } from "node:dns/promises";
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { PluginContext, PluginEvent, Sample } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { ERRNO, SocketError } from "../ffi/errno.ts";
import type { EchoRequest, EchoSent, IcmpMessage, IcmpSocketOptions } from "../ffi/icmp_socket.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { checkNetns, withNetns } from "../tests/support/netns.ts";
import {
  createIcmpPlugin,
  type EchoSocket,
  type HostLookup,
  icmpDefaults,
  type IcmpOptions,
  icmpOptionsSchema,
} from "./icmp.ts";

// ---------------------------------------------------------------------------------------------
// A scripted socket: what it does with each request is up to the test.

const NS_PER_MS = 1_000_000n;

/** What a fake socket does when a request is sent. */
type Behaviour = (sent: EchoSent, socket: FakeSocket) => void;

class FakeSocket implements EchoSocket {
  readonly kind = "raw" as const;
  readonly family: 4 | 6;
  readonly id: number;
  readonly options: IcmpSocketOptions;
  readonly requests: EchoRequest[] = [];
  closed = false;
  /** When set, sends reject with this. */
  sendError: (() => Error | undefined) | undefined;
  readonly #behaviour: Behaviour;
  #queue: IcmpMessage[] = [];
  #wake: (() => void) | undefined;

  constructor(options: IcmpSocketOptions, id: number, behaviour: Behaviour) {
    this.family = options.family ?? 4;
    this.options = options;
    this.id = id;
    this.#behaviour = behaviour;
  }

  sendEcho(request: EchoRequest): Promise<EchoSent> {
    if (this.closed) return Promise.reject(new SocketError(ERRNO.EBADF, { operation: "send" }));
    const error = this.sendError?.();
    if (error) return Promise.reject(error);
    this.requests.push(request);
    const sent: EchoSent = {
      id: this.id,
      seq: request.seq,
      address: request.address,
      sentAt: BigInt(Date.now()) * NS_PER_MS,
      sentAtSource: "kernel",
    };
    setTimeout(() => this.#behaviour(sent, this), 0);
    return Promise.resolve(sent);
  }

  /** Delivers a reply to `sent`, `rttMs` after it by the kernel's stamps. */
  reply(sent: EchoSent, rttMs: number, options: { from?: string; ttl?: number } = {}): void {
    this.#push({
      kind: "reply",
      id: this.id,
      seq: sent.seq,
      from: options.from ?? sent.address,
      ttl: options.ttl ?? 64,
      payloadSize: 56,
      receivedAt: sent.sentAt + BigInt(Math.round(rttMs * 1e6)),
      receivedAtSource: "kernel",
    });
  }

  /** Delivers an ICMP error about `sent`. */
  error(sent: EchoSent, reason: string, from: string): void {
    this.#push({
      kind: "error",
      id: this.id,
      seq: sent.seq,
      from,
      target: sent.address,
      icmpType: 3,
      icmpCode: 1,
      reason,
      receivedAt: sent.sentAt + NS_PER_MS,
    });
  }

  async *messages(): AsyncGenerator<IcmpMessage, void, undefined> {
    while (!this.closed) {
      const next = this.#queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  #push(message: IcmpMessage): void {
    if (this.closed) return;
    this.#queue.push(message);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

interface FakeNetwork {
  openSocket: (options: IcmpSocketOptions) => FakeSocket;
  sockets: FakeSocket[];
  opens: IcmpSocketOptions[];
  /** When set, opening throws this. */
  openError: (() => Error | undefined) | undefined;
}

function fakeNetwork(behaviour: Behaviour, ids: number[] = []): FakeNetwork {
  let nextId = 1000 + Math.floor(Math.random() * 50_000);
  const network: FakeNetwork = {
    sockets: [],
    opens: [],
    openError: undefined,
    openSocket(options) {
      network.opens.push(options);
      const error = network.openError?.();
      if (error) throw error;
      const socket = new FakeSocket(options, ids.shift() ?? nextId++, behaviour);
      network.sockets.push(socket);
      return socket;
    },
  };
  return network;
}

// ---------------------------------------------------------------------------------------------
// Running the plugin.

interface Run {
  samples: Sample[];
  events: PluginEvent[];
}

interface RunOptions {
  target?: string;
  interface?: string;
  interval?: number;
  timeout?: number;
  options?: Partial<IcmpOptions>;
  /** Stop once this says so (checked after every sample). */
  until: (samples: Sample[]) => boolean;
  /** Called after every sample, e.g. to change the fake network. */
  onSample?: (sample: Sample, samples: Sample[]) => void;
  /** Give up after this long, ms. */
  limit?: number;
}

async function runPlugin(
  deps: Parameters<typeof createIcmpPlugin>[0],
  run: RunOptions,
): Promise<Run> {
  const plugin = createIcmpPlugin(deps);
  const interval = run.interval ?? 20;
  const events: PluginEvent[] = [];
  const ctx: PluginContext = {
    target: run.target ?? "127.0.0.1",
    interface: run.interface,
    server: undefined,
    servers: new Map(),
    interval,
    timeout: run.timeout ?? 1000,
    // Late slots are still sent, so that a busy test machine cannot skip a sequence number.
    schedule: new Schedule({ interval, lateTolerance: 1000 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => events.push(event),
    result() {},
  };
  const controller = new AbortController();
  const limit = setTimeout(() => controller.abort(), run.limit ?? 5000);
  const samples: Sample[] = [];
  try {
    const options = plugin.options.parse(run.options ?? {});
    for await (const sample of plugin.run(ctx, options, controller.signal)) {
      samples.push(sample);
      run.onSample?.(sample, samples);
      if (run.until(samples)) break;
    }
  } finally {
    controller.abort();
    clearTimeout(limit);
  }
  return { samples, events };
}

const rtts = (samples: Sample[]) => samples.filter((s) => s.metric === "rtt");
const count = (metric: string, status?: string) => (samples: Sample[]) =>
  samples.filter((s) => s.metric === metric && (status === undefined || s.status === status))
    .length;

// ---------------------------------------------------------------------------------------------
// Options.

Deno.test("icmpOptionsSchema fills in the documented defaults and rejects bad values", () => {
  assertEquals(icmpOptionsSchema.parse({}), icmpDefaults);
  assertEquals(icmpOptionsSchema.parse({ family: 6, socket: "raw", ttl: 255 }), {
    ...icmpDefaults,
    family: 6,
    socket: "raw",
    ttl: 255,
  });
  for (
    const bad of [
      { ttl: 0 },
      { ttl: 256 },
      { payload_size: -1 },
      { payload_size: 65_500 },
      { payload_size: 1.5 },
      { family: 5 },
      { family: "4" },
      { socket: "dgram" },
      { re_resolve_after: 0 },
      { count: 3 },
    ]
  ) {
    assertEquals(icmpOptionsSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

Deno.test("createIcmpPlugin() declares rtt first, binds interfaces and probes every second", () => {
  const plugin = createIcmpPlugin();
  assertEquals(plugin.name, "icmp");
  assertEquals(plugin.metrics.map((m) => [m.name, m.unit]), [
    ["rtt", "ms"],
    ["reply_ttl", ""],
    ["late_rtt", "ms"],
    ["duplicate", ""],
  ]);
  assertEquals([plugin.bindsInterface, plugin.defaultInterval, plugin.targets], [
    true,
    1000,
    "required",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Matching, loss, late replies and duplicates, with a scripted socket.

Deno.test("icmp plugin turns replies into rtt and reply_ttl samples from the kernel stamps", async () => {
  // Probe k is answered after (k + 1) * 0.1 ms, the even ones later than the odd ones.
  const network = fakeNetwork((sent, socket) => {
    setTimeout(
      () => socket.reply(sent, (sent.seq + 1) / 10, { ttl: 60 + sent.seq }),
      sent.seq % 2 ? 0 : 5,
    );
  });
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    interface: "bbt-fake0",
    options: { payload_size: 120, ttl: 9, socket: "raw" },
    until: (s) => count("reply_ttl")(s) >= 6,
  });
  const answered = rtts(samples).sort((a, b) => a.seq! - b.seq!);
  assertEquals(answered.map((s) => [s.seq, s.status, s.value]), [
    [0, "ok", 0.1],
    [1, "ok", 0.2],
    [2, "ok", 0.3],
    [3, "ok", 0.4],
    [4, "ok", 0.5],
    [5, "ok", 0.6],
  ]);
  const ttls = samples.filter((s) => s.metric === "reply_ttl").sort((a, b) => a.seq! - b.seq!);
  assertEquals(ttls.slice(0, 6).map((s) => [s.seq, s.value]), [
    [0, 60],
    [1, 61],
    [2, 62],
    [3, 63],
    [4, 64],
    [5, 65],
  ]);
  const [socket] = network.sockets;
  assertEquals(network.opens[0], { family: 4, kind: "raw", device: "bbt-fake0", ttl: 9 });
  assertEquals(network.sockets.length, 1);
  assertOk(socket?.closed, "the socket is closed when the run stops");
  assertEquals(socket.requests.slice(0, 3), [
    { address: "127.0.0.1", seq: 0, payloadSize: 120 },
    { address: "127.0.0.1", seq: 1, payloadSize: 120 },
    { address: "127.0.0.1", seq: 2, payloadSize: 120 },
  ]);
  // The timestamp is the send stamp, in ms.
  for (const sample of answered) assertOk(Math.abs(sample.timestamp - Date.now()) < 5000);
  assertEquals(events, []);
});

Deno.test("icmp plugin records a probe without reply as lost and its late reply as late_rtt", async () => {
  // Probe 1 is answered 150 ms after a 40 ms timeout; the others at once.
  const network = fakeNetwork((sent, socket) => {
    if (sent.seq === 1) setTimeout(() => socket.reply(sent, 150), 150);
    else socket.reply(sent, 0.05);
  });
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    timeout: 40,
    until: (s) => count("late_rtt")(s) >= 1 && count("rtt", "ok")(s) >= 8,
  });
  const probe1 = samples.filter((s) => s.seq === 1);
  assertEquals(probe1.map((s) => [s.metric, s.status, s.reason ?? "", s.value]), [
    ["rtt", "lost", "timeout", null],
    ["late_rtt", "ok", "", 150],
  ]);
  assertEquals(rtts(samples).filter((s) => s.status !== "ok").length, 1, "only probe 1 is lost");
  assertEquals(count("duplicate")(samples), 0);
  assertEquals(events.map((e) => e.kind), ["icmp_late_reply"]);
});

Deno.test("icmp plugin counts duplicate replies without taking them for answers", async () => {
  const network = fakeNetwork((sent, socket) => {
    socket.reply(sent, 0.2);
    socket.reply(sent, 0.3);
    if (sent.seq === 2) socket.reply(sent, 0.4);
  });
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    until: (s) => count("rtt")(s) >= 5 && count("duplicate")(s) >= 6,
  });
  const answered = rtts(samples);
  assertEquals(answered.every((s) => s.status === "ok" && s.value === 0.2), true);
  assertEquals(new Set(answered.map((s) => s.seq)).size, answered.length, "one rtt per probe");
  const duplicates = samples.filter((s) => s.metric === "duplicate");
  assertEquals(duplicates.filter((s) => s.seq === 2).length, 2);
  assertOk(duplicates.every((s) => s.value === 1 && s.status === "ok"));
  assertEquals(events.map((e) => e.kind), ["icmp_duplicate_reply"]);
});

Deno.test("icmp plugin records an ICMP error as a loss with the error and who sent it", async () => {
  const network = fakeNetwork((sent, socket) => {
    if (sent.seq === 0) {
      socket.error(sent, "destination unreachable: host unreachable", "10.203.0.2");
    } else socket.reply(sent, 0.1);
  });
  const { samples } = await runPlugin({ openSocket: network.openSocket }, {
    until: (s) => count("rtt")(s) >= 3,
  });
  const first = samples.find((s) => s.seq === 0);
  assertEquals([first?.status, first?.reason], [
    "lost",
    "destination unreachable: host unreachable from 10.203.0.2",
  ]);
});

Deno.test("icmp plugin ignores replies from addresses it did not ping", async () => {
  const network = fakeNetwork((sent, socket) => {
    if (sent.seq === 0) socket.reply(sent, 0.1, { from: "192.0.2.99" });
    else socket.reply(sent, 0.1);
  });
  const { samples } = await runPlugin({ openSocket: network.openSocket }, {
    timeout: 30,
    until: (s) => s.some((x) => x.seq === 0 && x.metric === "rtt"),
  });
  const first = samples.find((s) => s.seq === 0 && s.metric === "rtt");
  assertEquals([first?.status, first?.reason], ["lost", "timeout"]);
});

// ---------------------------------------------------------------------------------------------
// Interfaces and permissions.

Deno.test("icmp plugin survives a removed interface and resumes on a fresh socket", async () => {
  const device = "bbt-fake1";
  const gone = () => new SocketError(ERRNO.ENODEV, { operation: "send", device });
  let removed = false;
  const network = fakeNetwork((sent, socket) => socket.reply(sent, 0.1));
  network.openError = () => removed ? gone() : undefined;
  let failures = 0;
  let answersSinceBack = 0;
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    interface: device,
    until: () => answersSinceBack >= 3,
    onSample(sample, all) {
      if (sample.status === "failed" && ++failures === 4) removed = false; // re-created
      if (sample.status !== "ok" || sample.metric !== "rtt") return;
      if (failures >= 4) answersSinceBack++;
      if (!removed && failures === 0 && count("rtt", "ok")(all) === 3) {
        removed = true; // the interface goes: the open socket's sends fail from now on
        for (const socket of network.sockets) socket.sendError = gone;
      }
    },
  });
  const failed = samples.filter((s) => s.status === "failed");
  assertOk(failed.length >= 4);
  assertOk(failed.every((s) => s.reason === `ENODEV: interface "${device}" does not exist`));
  assertOk(failed.every((s) => s.metric === "rtt" && s.value === null));
  assertEquals(network.sockets.length, 2, "one fresh socket once the interface is back");
  assertOk(network.sockets[0]!.closed);
  assertOk(network.opens.length >= 5, "opening is tried again at every slot while it is gone");
  assertOk(network.opens.every((o) => o.device === device));
  const last = samples.at(-1)!;
  assertEquals([last.metric, last.status], ["rtt", "ok"]);
  assertEquals(events.map((e) => [e.kind, e.severity]), [
    ["icmp_interface_down", "warn"],
    ["icmp_interface_up", "info"],
  ]);
  assertOk(events[0]!.message.startsWith(`ENODEV: interface "${device}" does not exist`));
});

Deno.test("icmp plugin keeps its socket through an interface that is down", async () => {
  const device = "bbt-fake2";
  const down = () =>
    new SocketError(ERRNO.ENETUNREACH, {
      operation: 'send an echo request to "127.0.0.1"',
      device,
      address: "127.0.0.1",
    });
  const network = fakeNetwork((sent, socket) => socket.reply(sent, 0.1));
  let failures = 0;
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    interface: device,
    until: (s) => failures >= 3 && s.at(-1)?.status === "ok" && s.at(-1)?.metric === "rtt",
    onSample(sample) {
      const [socket] = network.sockets;
      if (sample.seq === 1 && sample.metric === "rtt") socket!.sendError = down;
      if (sample.status === "failed" && ++failures === 3) socket!.sendError = undefined;
    },
  });
  assertEquals(network.sockets.length, 1);
  const failed = samples.filter((s) => s.status === "failed");
  assertEquals(failed.map((s) => s.reason), Array(3).fill(down().message));
  assertOk(failed[0]!.reason!.startsWith("ENETUNREACH: "));
  assertEquals(events.map((e) => e.kind), ["icmp_interface_down", "icmp_interface_up"]);
});

Deno.test("icmp plugin without permission fails every slot with how to allow ICMP", async () => {
  const network = fakeNetwork(() => {});
  network.openError = () =>
    new SocketError(ERRNO.EACCES, {
      operation: "open an ICMP socket",
      detail: "ping sockets are not allowed for this group and raw sockets need CAP_NET_RAW",
      hint: 'allow ping sockets with `sysctl -w net.ipv4.ping_group_range="0 2147483647"`',
    });
  const { samples, events } = await runPlugin({ openSocket: network.openSocket }, {
    until: (s) => s.length >= 3,
  });
  const expected =
    "EACCES: cannot open an ICMP socket: ping sockets are not allowed for this group and raw " +
    'sockets need CAP_NET_RAW (allow ping sockets with `sysctl -w net.ipv4.ping_group_range="0 2147483647"`)';
  assertEquals(samples.map((s) => [s.status, s.reason]), Array(3).fill(["failed", expected]));
  assertEquals(events.map((e) => [e.kind, e.severity, e.message]), [
    ["icmp_permission", "critical", expected],
  ]);
  assertEquals(network.opens.length, 3, "tried again at every slot");
});

Deno.test("icmp plugin gives its series sockets with distinct identifiers", async () => {
  // The opener hands out identifier 7 twice: the second series must not keep it.
  const network = fakeNetwork((sent, socket) => socket.reply(sent, 0.1), [7, 7, 8]);
  const deps = { openSocket: network.openSocket };
  const first = runPlugin(deps, { until: (s) => count("rtt")(s) >= 3 });
  const second = runPlugin(deps, { until: (s) => count("rtt")(s) >= 3 });
  await Promise.all([first, second]);
  assertEquals(network.sockets.map((s) => [s.id, s.requests.length > 0]), [
    [7, true],
    [7, false],
    [8, true],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Host names.

Deno.test("icmp plugin resolves a host name, and again when its probes keep failing", async () => {
  const answers = ["192.0.2.1", "192.0.2.2"];
  const asked: (4 | 6 | undefined)[] = [];
  const lookup: HostLookup = (_host, family) => {
    asked.push(family);
    return Promise.resolve({ address: answers.shift() ?? "192.0.2.2", family: 4 });
  };
  // 192.0.2.1 never answers; 192.0.2.2 does.
  const network = fakeNetwork((sent, socket) => {
    if (sent.address === "192.0.2.2") socket.reply(sent, 0.1);
  });
  const { samples, events } = await runPlugin({ openSocket: network.openSocket, lookup }, {
    target: "moving.test",
    timeout: 30,
    options: { re_resolve_after: 2 },
    until: (s) => count("rtt", "ok")(s) >= 3,
  });
  // At least two lookups (start, then after two losses); a loaded machine may lose a probe to
  // the new address too and ask once more, which must not change the answer.
  assertOk(asked.length >= 2 && asked.every((f) => f === undefined), JSON.stringify(asked));
  assertOk(count("rtt", "lost")(samples) >= 2);
  assertEquals(events.map((e) => e.message).slice(0, 2), [
    '"moving.test" resolves to "192.0.2.1"',
    '"moving.test" resolves to "192.0.2.2" now (was "192.0.2.1")',
  ]);
  const requests = network.sockets.flatMap((s) => s.requests.map((r) => r.address));
  assertEquals(requests[0], "192.0.2.1");
  assertEquals(requests.at(-1), "192.0.2.2");
});

Deno.test("icmp plugin fails the slots of a host name that does not resolve, naming it", async () => {
  const lookup: HostLookup = () => Promise.reject(new Error("getaddrinfo ENOTFOUND nowhere.test"));
  const network = fakeNetwork(() => {});
  const { samples } = await runPlugin({ openSocket: network.openSocket, lookup }, {
    target: "nowhere.test",
    until: (s) => s.length >= 2,
  });
  assertEquals(
    samples.map((s) => [s.metric, s.status, s.reason]),
    Array(2).fill([
      "rtt",
      "failed",
      'Cannot resolve "nowhere.test": getaddrinfo ENOTFOUND nowhere.test',
    ]),
  );
  assertEquals(network.opens.length, 0);
});

Deno.test("icmp plugin fails the slots of an address of the other family", async () => {
  const network = fakeNetwork(() => {});
  const { samples } = await runPlugin({ openSocket: network.openSocket }, {
    target: "::1",
    options: { family: 4 },
    until: (s) => s.length >= 1,
  });
  assertEquals(samples[0]?.reason, 'Target "::1" is an IPv6 address but the family option is 4');
});

// ---------------------------------------------------------------------------------------------
// Real sockets (root, or ping sockets allowed), loopback only.

const needsRoot = missing(["ffi", "root"]);

async function pingReal(target: string, options: Partial<IcmpOptions> = {}) {
  return await runPlugin({}, {
    target,
    options,
    until: (s) => count("rtt")(s) >= 20,
  });
}

function checkLoopbackRtts(samples: Sample[]) {
  const answered = rtts(samples).sort((a, b) => a.seq! - b.seq!);
  assertEquals(answered.map((s) => s.status), Array(20).fill("ok"));
  assertEquals(answered.map((s) => s.seq), Array.from({ length: 20 }, (_, i) => i));
  const values = answered.map((s) => s.value!).sort((a, b) => a - b);
  assertOk(values[0]! > 0, `smallest RTT ${values[0]} ms`);
  const median = values[10]!;
  assertOk(median < 5, `median loopback RTT ${median} ms`);
  for (const sample of answered) assertOk(Math.abs(sample.timestamp - Date.now()) < 10_000);
  const ttls = samples.filter((s) => s.metric === "reply_ttl").map((s) => s.value);
  assertEquals(ttls, Array(ttls.length).fill(64));
  assertOk(ttls.length >= 19);
}

Deno.test({
  name: skippable("icmp plugin pings 127.0.0.1 with kernel-stamped RTTs", needsRoot),
  ignore: needsRoot !== undefined,
  async fn() {
    const { samples, events } = await pingReal("127.0.0.1");
    checkLoopbackRtts(samples);
    assertEquals(events, []);
  },
});

Deno.test({
  name: skippable("icmp plugin pings ::1 with kernel-stamped RTTs", needsRoot),
  ignore: needsRoot !== undefined,
  async fn() {
    checkLoopbackRtts((await pingReal("::1", { payload_size: 1400 })).samples);
  },
});

Deno.test({
  name: skippable("icmp plugin resolves localhost with the family asked for", needsRoot),
  ignore: needsRoot !== undefined,
  async fn(t) {
    for (const [family, address] of [[4, "127.0.0.1"], [6, "::1"]] as const) {
      // Not every /etc/hosts names ::1 localhost.
      const known = await lookup("localhost", { family }).then((found) => found.address, () => "");
      await t.step({
        name: `IPv${family}${
          known === address ? "" : ` (skipped: localhost is not ${address} here)`
        }`,
        ignore: known !== address,
        async fn() {
          const { samples, events } = await pingReal("localhost", {
            family,
            ttl: 1,
            socket: "raw",
          });
          checkLoopbackRtts(samples);
          assertEquals(events.map((e) => e.message), [`"localhost" resolves to "${address}"`]);
        },
      });
    }
  },
});

Deno.test({
  name: skippable(
    "icmp plugin judges real replies on kernel stamps: slower than the timeout is lost, then late",
    needsRoot,
  ),
  ignore: needsRoot !== undefined,
  async fn() {
    // A 1 us timeout: loopback round trips take longer, so each reply arrives (well before the
    // loss timer fires) and is found too slow by its stamps.
    const timeout = 0.001;
    const { samples, events } = await runPlugin({}, {
      timeout,
      until: (s) => count("late_rtt")(s) >= 20,
    });
    const lost = rtts(samples).filter((s) => s.status === "lost");
    const late = samples.filter((s) => s.metric === "late_rtt");
    assertOk(lost.length >= 20, `${lost.length} lost`);
    assertOk(lost.every((s) => s.reason === "timeout"));
    assertEquals(late.map((s) => s.seq), lost.slice(0, late.length).map((s) => s.seq));
    assertOk(
      late.every((s) => s.value! > timeout && s.value! < 100),
      `${late.map((s) => s.value)}`,
    );
    assertOk(rtts(samples).every((s) => s.status !== "ok" || s.value! <= timeout));
    assertEquals(events.map((e) => e.kind), ["icmp_late_reply"]);
  },
});

const netns = needsRoot === undefined ? await checkNetns() : undefined;
const needsNetns = needsRoot ?? (netns?.available ? undefined : netns?.reason);

Deno.test({
  name: skippable(
    "icmp plugin loses probes to a peer that ignores pings, and reports ICMP errors",
    needsNetns,
  ),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      await lab.sysctl(peer, "net.ipv4.icmp_echo_ignore_all", "1");
      const silent = await runPlugin({}, {
        target: veth.peerAddress,
        interface: veth.hostName,
        timeout: 50,
        until: (s) => count("rtt")(s) >= 3,
      });
      assertEquals(
        rtts(silent.samples).map((s) => [s.status, s.reason]),
        Array(3).fill([
          "lost",
          "timeout",
        ]),
      );
      // The peer routes a /26 of the lab nowhere: it answers "host unreachable".
      await lab.sysctl(peer, "net.ipv4.ip_forward", "1");
      const prefix = veth.peerAddress.split(".").slice(0, 3).join(".");
      await lab.ip("-n", peer, "route", "add", "unreachable", `${prefix}.192/26`);
      await lab.ip("route", "add", `${prefix}.192/26`, "via", veth.peerAddress);
      const unreachable = await runPlugin({}, {
        target: `${prefix}.200`,
        interface: veth.hostName,
        until: (s) => count("rtt")(s) >= 2,
      });
      assertEquals(
        rtts(unreachable.samples).map((s) => [s.status, s.reason]),
        Array(2).fill([
          "lost",
          `destination unreachable: host unreachable from ${veth.peerAddress}`,
        ]),
      );
    });
  },
});
