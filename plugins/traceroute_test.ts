/**
 * The traceroute plugin against a simulated path: a fake socket answers each probe as the
 * routers and the target of a path would (time exceeded below the target's distance, port
 * unreachable at it), with losses and path changes on demand. The real sockets are tested in
 * the lab (`tests/lab_traceroute_test.ts`) and in namespaces
 * (`tests/traceroute_path_change_test.ts`).
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { PluginContext, PluginEvent, Sample } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { SocketError } from "../ffi/errno.ts";
import type { SocketAddress } from "../ffi/structs.ts";
import type { UdpMessage } from "../ffi/udp_socket.ts";
import {
  createTraceroutePlugin,
  tracerouteDefaults,
  tracerouteOptionsSchema,
  type TraceSocket,
} from "./traceroute.ts";

const TARGET = "192.0.2.99";

/** Answers probes as the hops of `path` (routers, then the target last) would. */
class SimulatedPath implements TraceSocket {
  readonly family = 4 as const;
  path: string[];
  /** Whether the probe with this TTL (the n-th sent with it, from 0) is lost. */
  drop: (ttl: number, n: number) => boolean = () => false;
  /** Makes every send fail with this errno. */
  failWith: number | undefined;
  /** A pending error the next send fails with unless cleared. */
  pendingError = 0;
  opened = 0;
  sentPerTtl = new Map<number, number>();
  #ttl = 64;
  #queue: UdpMessage[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(path: string[]) {
    this.path = path;
  }

  setTtl(ttl: number): void {
    this.#ttl = ttl;
  }

  clearPendingError(): number {
    const pending = this.pendingError;
    this.pendingError = 0;
    return pending;
  }

  sendTo(_data: Uint8Array, to: SocketAddress): Promise<{ sentAt: bigint }> {
    if (this.failWith !== undefined) {
      return Promise.reject(new SocketError(this.failWith, { operation: "send" }));
    }
    if (this.pendingError !== 0) {
      const errno = this.pendingError;
      this.pendingError = 0;
      return Promise.reject(new SocketError(errno, { operation: "send" }));
    }
    const ttl = this.#ttl;
    const n = this.sentPerTtl.get(ttl) ?? 0;
    this.sentPerTtl.set(ttl, n + 1);
    const sentAt = BigInt(Date.now()) * 1_000_000n;
    if (!this.drop(ttl, n)) {
      const atTarget = ttl >= this.path.length;
      const from = atTarget ? this.path.at(-1)! : this.path[ttl - 1]!;
      setTimeout(() => {
        this.#push({
          kind: "error",
          errno: atTarget ? 111 : 113,
          errnoName: atTarget ? "ECONNREFUSED" : "EHOSTUNREACH",
          reason: atTarget ? "port unreachable" : "time exceeded",
          from,
          target: { address: to.address, port: to.port },
          icmpType: atTarget ? 3 : 11,
          icmpCode: atTarget ? 3 : 0,
          receivedAt: sentAt + BigInt(Math.min(ttl, this.path.length)) * 1_000_000n,
        });
        this.pendingError = atTarget ? 111 : 113; // as the kernel leaves it
      }, 1);
    }
    return Promise.resolve({ sentAt });
  }

  async *messages(signal?: AbortSignal): AsyncGenerator<UdpMessage, void, undefined> {
    while (!this.#closed && !signal?.aborted) {
      const message = this.#queue.shift();
      if (message) {
        yield message;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** Stands for a fresh socket: the plugin opens a new one after a failed send. */
  reopen(): this {
    this.opened++;
    this.#closed = false;
    this.#queue = [];
    return this;
  }

  #push(message: UdpMessage): void {
    if (this.#closed) return;
    this.#queue.push(message);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

interface Run {
  samples: Sample[];
  events: PluginEvent[];
}

async function trace(
  socket: SimulatedPath,
  options: {
    rounds: number;
    previous?: PluginEvent;
    onRound?: (round: number) => void;
    maxHops?: number;
  },
): Promise<Run> {
  const plugin = createTraceroutePlugin({ openSocket: () => socket.reopen() });
  const events: PluginEvent[] = [];
  const interval = 60;
  const ctx: PluginContext = {
    target: TARGET,
    interface: undefined,
    server: undefined,
    servers: new Map(),
    interval,
    timeout: 40,
    schedule: new Schedule({ interval, lateTolerance: 1000 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => events.push(event),
    result() {},
    previousEvent: (kinds) =>
      options.previous && kinds.includes(options.previous.kind) ? options.previous : undefined,
  };
  const controller = new AbortController();
  const limit = setTimeout(() => controller.abort(), 10_000);
  const samples: Sample[] = [];
  let rounds = 0;
  try {
    const parsed = plugin.options.parse({ max_hops: options.maxHops ?? 8 });
    for await (const sample of plugin.run(ctx, parsed, controller.signal)) {
      samples.push(sample);
      if (sample.metric !== "rtt") continue;
      rounds++;
      options.onRound?.(rounds);
      if (rounds >= options.rounds) break;
    }
  } finally {
    controller.abort();
    clearTimeout(limit);
  }
  return { samples, events };
}

/** ok and lost counts per hop series. */
function hopSeries(samples: Sample[]): Record<string, { ok: number; lost: number }> {
  const series: Record<string, { ok: number; lost: number }> = {};
  for (const sample of samples.filter((s) => s.metric === "hop_rtt")) {
    const entry = series[sample.seriesServer!] ??= { ok: 0, lost: 0 };
    if (sample.status === "ok") entry.ok++;
    else entry.lost++;
  }
  return series;
}

Deno.test("tracerouteOptionsSchema fills in the documented defaults and rejects bad values", () => {
  assertEquals(tracerouteOptionsSchema.parse({}), tracerouteDefaults);
  for (const bad of [{ max_hops: 0 }, { max_hops: 65 }, { base_port: 65000 }, { family: 5 }]) {
    assertEquals(tracerouteOptionsSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assertEquals(tracerouteOptionsSchema.safeParse({ hops: 3 }).success, false);
});

Deno.test("traceroute yields one series per hop, the target's RTT and hop count, and its path", async () => {
  const socket = new SimulatedPath(["10.0.0.1", "10.0.1.1", TARGET]);
  const { samples, events } = await trace(socket, { rounds: 5 });
  assertEquals(hopSeries(samples), {
    "hop 1 10.0.0.1": { ok: 5, lost: 0 },
    "hop 2 10.0.1.1": { ok: 5, lost: 0 },
    [`hop 3 ${TARGET}`]: { ok: 5, lost: 0 },
  });
  const rtts = samples.filter((s) => s.metric === "rtt");
  assertEquals(rtts.map((s) => s.value), [3, 3, 3, 3, 3]); // from the stamps: 1 ms a hop
  const hops = samples.filter((s) => s.metric === "hops").map((s) => s.value);
  assertOk(hops.length >= 4 && hops.every((value) => value === 3), JSON.stringify(hops));
  assertEquals(rtts.every((s) => s.seriesServer === undefined), true);
  assertEquals(events.map((e) => [e.kind, e.data]), [
    ["traceroute_path", { hops: ["10.0.0.1", "10.0.1.1", TARGET], reached: true }],
  ]);
  // After discovery, a round probes up to the target and no further: its kernel rate-limits
  // port unreachables, and probes beyond it would spend that budget.
  assertEquals((socket.sentPerTtl.get(4) ?? 0) <= 1, true, JSON.stringify([...socket.sentPerTtl]));
});

Deno.test("traceroute counts a silent hop as loss on the series of its address", async () => {
  const socket = new SimulatedPath(["10.0.0.1", "10.0.1.1", TARGET]);
  socket.drop = (ttl, n) => (ttl === 2 && n % 2 === 1) || (ttl === 3 && n === 3);
  const { samples, events } = await trace(socket, { rounds: 6 });
  assertEquals(hopSeries(samples), {
    "hop 1 10.0.0.1": { ok: 6, lost: 0 },
    "hop 2 10.0.1.1": { ok: 3, lost: 3 },
    [`hop 3 ${TARGET}`]: { ok: 5, lost: 1 },
  });
  const lostRtt = samples.filter((s) => s.metric === "rtt" && s.status === "lost");
  assertEquals(lostRtt.map((s) => s.reason), ["timeout"]);
  assertEquals(events.filter((e) => e.kind === "path_change"), []);
});

Deno.test("traceroute reports a changed hop during a run, naming it", async () => {
  const socket = new SimulatedPath(["10.0.0.1", "10.0.1.1", TARGET]);
  const { events, samples } = await trace(socket, {
    rounds: 6,
    onRound: (round) => {
      if (round === 3) socket.path = ["10.0.0.1", "10.0.9.1", TARGET];
    },
  });
  const changes = events.filter((e) => e.kind === "path_change");
  assertEquals(changes.length, 1, JSON.stringify(events));
  assertEquals(changes[0]!.severity, "warn");
  assertEquals(changes[0]!.data?.changed, [{ hop: 2, from: "10.0.1.1", to: "10.0.9.1" }]);
  assertEquals(changes[0]!.message, `Path to ${TARGET} changed: hop 2: 10.0.1.1 -> 10.0.9.1`);
  assertOk(hopSeries(samples)["hop 2 10.0.9.1"]!.ok >= 2);
});

Deno.test("traceroute follows a longer and a shorter path, and says which hops moved", async () => {
  const socket = new SimulatedPath(["10.0.0.1", TARGET]);
  const { events, samples } = await trace(socket, {
    rounds: 8,
    onRound: (round) => {
      if (round === 2) socket.path = ["10.0.0.1", "10.0.5.1", TARGET];
      if (round === 5) socket.path = ["10.0.0.1", TARGET];
    },
  });
  const changes = events.filter((e) => e.kind === "path_change").map((e) => e.data?.changed);
  assertEquals(changes, [
    [{ hop: 2, from: TARGET, to: "10.0.5.1" }, { hop: 3, from: null, to: TARGET }],
    [{ hop: 2, from: "10.0.5.1", to: TARGET }, { hop: 3, from: TARGET, to: null }],
  ]);
  // Every round reached the target, the longer path's in the same round that found it longer.
  const rtts = samples.filter((s) => s.metric === "rtt");
  assertEquals(rtts.every((s) => s.status === "ok"), true, JSON.stringify(rtts));
});

Deno.test("traceroute compares its first path with the one the last run stored", async () => {
  const previous: PluginEvent = {
    kind: "traceroute_path",
    severity: "info",
    message: "stored",
    data: { hops: ["10.0.0.1", "10.0.7.1", TARGET], reached: true },
  };
  const socket = new SimulatedPath(["10.0.0.1", "10.0.1.1", TARGET]);
  const { events } = await trace(socket, { rounds: 3, previous });
  assertEquals(events.length, 1, JSON.stringify(events));
  assertEquals(events[0]!.kind, "path_change");
  assertEquals(events[0]!.data?.changed, [{ hop: 2, from: "10.0.7.1", to: "10.0.1.1" }]);
  assertEquals(events[0]!.data?.hops, ["10.0.0.1", "10.0.1.1", TARGET]);
  assertOk(events[0]!.message.includes("since the last run"), events[0]!.message);

  const same = await trace(new SimulatedPath(["10.0.0.1", "10.0.7.1", TARGET]), {
    rounds: 3,
    previous,
  });
  assertEquals(same.events.map((e) => e.kind), ["traceroute_path"]);
  assertOk(same.events[0]!.message.includes("as in the last run"), same.events[0]!.message);
});

Deno.test("traceroute records failed sends as failed samples and goes on", async () => {
  const socket = new SimulatedPath(["10.0.0.1", TARGET]);
  socket.failWith = 101; // ENETUNREACH: the interface is down
  const { samples, events } = await trace(socket, {
    rounds: 4,
    onRound: (round) => {
      if (round === 2) socket.failWith = undefined;
    },
  });
  const rtts = samples.filter((s) => s.metric === "rtt");
  assertEquals(rtts.slice(0, 2).map((s) => s.status), ["failed", "failed"]);
  assertOk(rtts[0]!.reason!.startsWith("ENETUNREACH"), rtts[0]!.reason);
  assertEquals(rtts.slice(2).map((s) => s.status), ["ok", "ok"]);
  assertEquals(events.map((e) => e.kind), ["traceroute_path"]);
  assertEquals(socket.opened, 3); // a fresh socket after each failed round
});

Deno.test("traceroute says where an unreachable target's path ends", async () => {
  const socket = new SimulatedPath(["10.0.0.1", "10.0.1.1", TARGET]);
  socket.drop = (ttl) => ttl >= 3; // the target and everything beyond stay silent
  const { samples, events } = await trace(socket, { rounds: 2, maxHops: 30 });
  const rtts = samples.filter((s) => s.metric === "rtt");
  const reason = "no answer from the target: nothing answered after hop 2 (up to hop 12)";
  assertEquals(rtts.map((s) => s.reason), [reason, reason]);
  assertEquals(Object.keys(hopSeries(samples)), ["hop 1 10.0.0.1", "hop 2 10.0.1.1"]);
  assertEquals(events[0]?.data, { hops: ["10.0.0.1", "10.0.1.1"], reached: false });
  // Rounds stop after two whole batches of silence (hops 5 to 12), not at max_hops.
  assertOk((socket.sentPerTtl.get(12) ?? 0) >= 2);
  assertEquals(socket.sentPerTtl.get(13), undefined);
});
