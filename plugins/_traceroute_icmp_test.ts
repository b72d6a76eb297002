/**
 * ICMP echo probes through the traceroute plugin, against a fake ICMP socket that answers as a
 * path would: "time exceeded" quoting the request from each router, an echo reply from the
 * target. Real sockets: `tests/lab_traceroute_test.ts`.
 */
import { assertEquals } from "../tests/support/assert.ts";
import type { PluginContext, PluginEvent, Sample } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import type { EchoRequest, IcmpMessage } from "../ffi/icmp_socket.ts";
import { type EchoTraceSocket, icmpTraceSocket } from "./_traceroute_icmp.ts";
import { createTraceroutePlugin } from "./traceroute.ts";

const PATH = ["10.0.0.1", "10.0.1.1", "192.0.2.99"];

function fakeIcmp(): EchoTraceSocket {
  let ttl = 64;
  const queue: IcmpMessage[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    family: 4,
    setTtl: (value) => {
      ttl = value;
    },
    clearPendingError: () => 0,
    sendEcho(request: EchoRequest) {
      const sentAt = BigInt(Date.now()) * 1_000_000n;
      const atTarget = ttl >= PATH.length;
      const receivedAt = sentAt + BigInt(Math.min(ttl, PATH.length)) * 1_000_000n;
      queue.push(
        atTarget
          ? {
            kind: "reply",
            id: 1,
            seq: request.seq,
            from: PATH.at(-1)!,
            ttl: 62,
            payloadSize: request.payloadSize ?? 56,
            receivedAt,
            receivedAtSource: "kernel",
          }
          : {
            kind: "error",
            id: 1,
            seq: request.seq,
            from: PATH[ttl - 1],
            target: request.address,
            icmpType: 11,
            icmpCode: 0,
            reason: "time exceeded: TTL exceeded in transit",
            receivedAt,
          },
      );
      wake?.();
      return Promise.resolve({
        id: 1,
        seq: request.seq,
        address: request.address,
        sentAt,
        sentAtSource: "kernel",
      });
    },
    async *messages(signal?: AbortSignal) {
      while (!closed && !signal?.aborted) {
        const message = queue.shift();
        if (message) {
          yield message;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
    close: () => {
      closed = true;
      wake?.();
    },
  };
}

Deno.test("traceroute with protocol icmp: time exceeded from routers, an echo reply from the target", async () => {
  const opened: string[] = [];
  const plugin = createTraceroutePlugin({
    openSocket: (options) => {
      opened.push(options.protocol);
      return icmpTraceSocket(fakeIcmp());
    },
  });
  const events: PluginEvent[] = [];
  const ctx: PluginContext = {
    target: PATH.at(-1)!,
    interface: undefined,
    server: undefined,
    servers: new Map(),
    interval: 50,
    timeout: 40,
    schedule: new Schedule({ interval: 50, lateTolerance: 1000 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event: (event) => events.push(event),
    result() {},
  };
  const controller = new AbortController();
  const samples: Sample[] = [];
  let rounds = 0;
  for await (
    const sample of plugin.run(
      ctx,
      plugin.options.parse({ protocol: "icmp" }),
      controller.signal,
    )
  ) {
    samples.push(sample);
    if (sample.metric === "rtt" && ++rounds === 3) break;
  }
  controller.abort();
  assertEquals(opened, ["icmp"]);
  const hops = [
    ...new Set(samples.filter((s) => s.metric === "hop_rtt").map((s) => s.seriesServer)),
  ];
  assertEquals(hops, ["hop 1 10.0.0.1", "hop 2 10.0.1.1", "hop 3 192.0.2.99"]);
  assertEquals(samples.filter((s) => s.metric === "rtt").map((s) => [s.status, s.value]), [
    ["ok", 3],
    ["ok", 3],
    ["ok", 3],
  ]);
  assertEquals(events.map((e) => e.data?.hops), [PATH]);
});
