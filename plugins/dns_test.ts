import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import type { PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { startDnsResponder } from "../server/dns_responder.ts";
import type { DnsResponder } from "../server/dns_responder.ts";
import {
  createDnsPlugin,
  dnsDefaults,
  dnsOptionsSchema,
  dnsSeriesServer,
  parseDnsResolver,
} from "./dns.ts";
import type { DnsOptions, DnsResolveFunction } from "./dns.ts";

const TARGET = "probe.bufferbane.test";
const RECORDS = {
  [TARGET]: { A: ["192.0.2.10"] },
  "v6.bufferbane.test": { AAAA: ["2001:db8::10"] },
};

interface ContextOptions {
  interval?: number;
  timeout?: number;
  target?: string;
  server?: ServerInfo;
  servers?: ServerInfo[];
  now?: () => number;
}

function testContext(options: ContextOptions = {}): PluginContext {
  const interval = options.interval ?? 20;
  return {
    target: options.target ?? TARGET,
    interface: undefined,
    server: options.server,
    servers: new Map((options.servers ?? []).map((server) => [server.name, server])),
    interval,
    timeout: options.timeout ?? 1000,
    // Late slots are still sent, so that a busy test machine cannot skip a sequence number.
    schedule: new Schedule({ interval, lateTolerance: 1000 }),
    now: options.now ?? Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
}

/** Runs the plugin until `count` samples came back (or 5 s passed), then stops it. */
async function collect(
  ctx: PluginContext,
  options: Partial<DnsOptions>,
  count: number,
  resolve?: DnsResolveFunction,
): Promise<Sample[]> {
  const plugin = createDnsPlugin(resolve ? { resolve } : {});
  const controller = new AbortController();
  const safety = setTimeout(() => controller.abort(), 5000);
  const samples: Sample[] = [];
  try {
    for await (const sample of plugin.run(ctx, plugin.options.parse(options), controller.signal)) {
      samples.push(sample);
      if (samples.length >= count) break;
    }
  } finally {
    controller.abort();
    clearTimeout(safety);
  }
  return samples;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake resolver that waits `delay` ms (or until its signal aborts) and then answers. */
function fakeResolve(
  answer: (call: number) => { delay?: number; records?: string[]; error?: Error },
) {
  const calls: { name: string; type: string; options: Deno.ResolveDnsOptions; at: number }[] = [];
  const resolve: DnsResolveFunction = (name, type, options) => {
    const call = calls.push({ name, type, options, at: performance.now() }) - 1;
    const { delay = 0, records = ["192.0.2.10"], error } = answer(call);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => error ? reject(error) : resolve(records), delay);
      options.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(options.signal!.reason);
      }, { once: true });
    });
  };
  return { resolve, calls };
}

async function withResponder(use: (responder: DnsResponder) => Promise<void>): Promise<void> {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    await use(responder);
  } finally {
    await responder.close();
  }
}

Deno.test("createDnsPlugin() follows the plugin contract", () => {
  const plugin = createDnsPlugin();
  assertEquals(plugin.name, "dns");
  assertEquals(plugin.kind, "probe");
  assertEquals(plugin.targets, "required");
  assertEquals(plugin.metrics.map((metric) => [metric.name, metric.unit]), [[
    "resolve_time",
    "ms",
  ]]);
  assertEquals(plugin.defaultInterval, 5000);
  assertEquals(plugin.defaultTimeout, 2000);
  assertEquals(plugin.options.parse({}), plugin.defaults);
  assertEquals(plugin.defaults, dnsDefaults);
  assertEquals(plugin.seriesServer?.({ ...dnsDefaults, resolver: "192.0.2.53:53" }), "192.0.2.53");
});

Deno.test("dnsOptionsSchema fills defaults and rejects unknown keys and bad values", () => {
  assertEquals(dnsOptionsSchema.parse({}), {
    resolver: "system",
    record_type: "A",
    expect_answer: false,
  });
  assertEquals(
    dnsOptionsSchema.parse({ resolver: "[::1]:5353", record_type: "TXT" }).record_type,
    "TXT",
  );
  for (
    const bad of [
      { recordType: "A" },
      { record_type: "ANAME" },
      { record_type: "a" },
      { resolver: "192.0.2.1:0" },
      { resolver: "192.0.2.300" },
      { resolver: "" },
      { expect_answer: "yes" },
    ]
  ) {
    assert(!dnsOptionsSchema.safeParse(bad).success, `accepted ${JSON.stringify(bad)}`);
  }
});

Deno.test("parseDnsResolver() tells system, addresses and server names apart", () => {
  assertEquals(parseDnsResolver("system"), { kind: "system" });
  assertEquals(parseDnsResolver("192.0.2.53"), {
    kind: "address",
    address: "192.0.2.53",
    port: 53,
  });
  assertEquals(parseDnsResolver("192.0.2.53:5353"), {
    kind: "address",
    address: "192.0.2.53",
    port: 5353,
  });
  assertEquals(parseDnsResolver("2001:DB8::53"), {
    kind: "address",
    address: "2001:db8::53",
    port: 53,
  });
  assertEquals(parseDnsResolver("[::1]:5353"), { kind: "address", address: "::1", port: 5353 });
  assertEquals(parseDnsResolver("[::1]"), { kind: "address", address: "::1", port: 53 });
  assertEquals(parseDnsResolver("vienna"), { kind: "server", name: "vienna" });
  assertEquals(parseDnsResolver("dns.example"), { kind: "server", name: "dns.example" });
  for (
    const bad of [
      "",
      "192.0.2.1:",
      "192.0.2.1:65536",
      "192.0.2.1:53:53",
      "1.2.3",
      "[192.0.2.1]:53",
      "::1:5353x",
      "dns.example:53",
      "my server",
    ]
  ) {
    assertEquals(parseDnsResolver(bad), undefined, `accepted "${bad}"`);
  }
});

Deno.test("dnsSeriesServer() gives one label per resolver", () => {
  const label = (resolver: string) => dnsSeriesServer({ resolver });
  assertEquals(label("system"), "system");
  assertEquals(label("192.0.2.53"), "192.0.2.53");
  assertEquals(label("192.0.2.53:53"), "192.0.2.53");
  assertEquals(label("192.0.2.53:5353"), "192.0.2.53:5353");
  assertEquals(label("[2001:DB8::53]:53"), "2001:db8::53");
  assertEquals(label("2001:db8::53"), "2001:db8::53");
  assertEquals(label("[2001:db8::53]:5353"), "[2001:db8::53]:5353");
  assertEquals(label("vienna"), "vienna");
});

Deno.test("dns plugin yields ok samples timed from launch with the system resolver", async () => {
  const fake = fakeResolve(() => ({ delay: 15 }));
  let clock = 1_000_000;
  const samples = await collect(testContext({ now: () => clock += 1000 }), {}, 3, fake.resolve);
  assertEquals(samples.map((sample) => [sample.seq, sample.status, sample.metric]), [
    [0, "ok", "resolve_time"],
    [1, "ok", "resolve_time"],
    [2, "ok", "resolve_time"],
  ]);
  // Each sample carries the clock reading taken when its lookup was launched.
  assertEquals(samples.map((sample) => sample.timestamp), [1_001_000, 1_002_000, 1_003_000]);
  for (const sample of samples) {
    assert(sample.value !== null && sample.value >= 14 && sample.value < 500, `${sample.value}`);
  }
  assertEquals(fake.calls[0]!.name, TARGET);
  assertEquals(fake.calls[0]!.type, "A");
  assertEquals(fake.calls[0]!.options.nameServer, undefined);
  assert(fake.calls[0]!.options.signal instanceof AbortSignal);
});

Deno.test("dns plugin maps system resolver errors to lost and failed samples", async () => {
  const cases: [Error | undefined, string[] | undefined, Partial<Sample>, boolean][] = [
    [new Deno.errors.NotFound("proto error: no records found"), undefined, {
      status: "lost",
      reason: "NORECORDS",
    }, false],
    [new Deno.errors.TimedOut("proto error: request timed out"), undefined, {
      status: "lost",
      reason: "timeout",
    }, false],
    [new Error("invalid IP address syntax"), undefined, {
      status: "failed",
      reason: "invalid IP address syntax",
    }, false],
    [undefined, [], { status: "lost", reason: "NODATA" }, true],
    [undefined, [], { status: "ok" }, false],
  ];
  for (const [error, records, expected, expectAnswer] of cases) {
    const fake = fakeResolve(() => ({ error, records }));
    const [sample] = await collect(
      testContext(),
      { expect_answer: expectAnswer },
      1,
      fake.resolve,
    );
    assert(sample);
    assertEquals({ status: sample.status, reason: sample.reason }, {
      reason: undefined,
      ...expected,
    });
    assertEquals(sample.value === null, expected.status !== "ok");
  }
});

Deno.test("dns plugin counts a lookup that outlives the timeout as lost", async () => {
  const fake = fakeResolve(() => ({ delay: 10_000 }));
  const started = performance.now();
  const [sample] = await collect(testContext({ timeout: 40 }), {}, 1, fake.resolve);
  assertEquals(sample && { status: sample.status, reason: sample.reason, value: sample.value }, {
    status: "lost",
    reason: "timeout",
    value: null,
  });
  assert(performance.now() - started < 1000, "the timeout was not applied");
  assert(fake.calls[0]!.options.signal!.aborted, "the lookup was not told to stop");
});

Deno.test("dns plugin times out a lookup that ignores its signal", async () => {
  const resolve: DnsResolveFunction = () => new Promise(() => {});
  const [sample] = await collect(testContext({ timeout: 30 }), {}, 1, resolve);
  assertEquals(sample?.reason, "timeout");
});

Deno.test("dns plugin launches every slot while a slow lookup is in flight", async () => {
  const interval = 30;
  const fake = fakeResolve((call) => ({ delay: call === 0 ? 250 : 1 }));
  const samples: Sample[] = [];
  const plugin = createDnsPlugin({ resolve: fake.resolve });
  const controller = new AbortController();
  try {
    for await (
      const sample of plugin.run(
        testContext({ interval }),
        plugin.defaults,
        controller.signal,
      )
    ) {
      samples.push(sample);
      if (sample.seq === 0) break;
    }
  } finally {
    controller.abort();
  }
  const seqs = samples.map((sample) => sample.seq!);
  // Slots 1.. finished while slot 0 was still resolving, so they came back first.
  assert(seqs.length >= 5, `only ${seqs.join(",")}`);
  assertEquals(seqs.at(-1), 0);
  assertEquals(seqs.slice(0, -1), seqs.slice(0, -1).toSorted((a, b) => a - b));
  // The slow lookup delayed no launch: launches stayed one interval apart.
  const launches = fake.calls.map((call) => call.at);
  for (let i = 1; i < launches.length; i++) {
    const gap = launches[i]! - launches[i - 1]!;
    assert(gap < interval * 2.5, `launch ${i} came ${gap.toFixed(1)} ms after the previous one`);
  }
  assertEquals(samples.find((sample) => sample.seq === 0)?.status, "ok");
  assert(samples.at(-1)!.value! >= 240, "the slow lookup was not timed");
});

Deno.test("dns plugin stops promptly on abort and drops lookups in flight", async () => {
  const resolve: DnsResolveFunction = () => new Promise(() => {}); // never answers
  const plugin = createDnsPlugin({ resolve });
  const controller = new AbortController();
  const samples: Sample[] = [];
  const running = (async () => {
    for await (
      const sample of plugin.run(
        testContext({ timeout: 60_000 }),
        plugin.defaults,
        controller.signal,
      )
    ) {
      samples.push(sample);
    }
  })();
  await sleep(70); // a few slots are in flight now
  const abortedAt = performance.now();
  controller.abort();
  await running;
  assert(performance.now() - abortedAt < 50, "the run did not stop promptly");
  assertEquals(samples, []);
});

Deno.test("dns plugin asks an address resolver and reports NXDOMAIN and NODATA", async () => {
  await withResponder(async (responder) => {
    const resolver = `127.0.0.1:${responder.port}`;
    const ok = await collect(testContext(), { resolver }, 2);
    assertEquals(ok.map((sample) => sample.status), ["ok", "ok"]);
    assert(ok.every((sample) => sample.value! > 0 && sample.value! < 1000));

    const [missing] = await collect(testContext({ target: "missing.bufferbane.test" }), {
      resolver,
    }, 1);
    assertEquals(missing && [missing.status, missing.reason, missing.value], [
      "lost",
      "NXDOMAIN",
      null,
    ]);

    const [noData] = await collect(testContext(), {
      resolver,
      record_type: "AAAA",
      expect_answer: true,
    }, 1);
    assertEquals(noData && [noData.status, noData.reason], ["lost", "NODATA"]);
    const [answered] = await collect(testContext(), { resolver, record_type: "AAAA" }, 1);
    assertEquals(answered?.status, "ok");

    const [v6] = await collect(testContext({ target: "v6.bufferbane.test" }), {
      resolver,
      record_type: "AAAA",
      expect_answer: true,
    }, 1);
    assertEquals(v6?.status, "ok");
    assertEquals(responder.stats().nxdomain, 1);
  });
});

Deno.test("dns plugin counts a silent address resolver as lost to timeout", async () => {
  const silent = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));
  let received = 0;
  silent.on("message", () => received++);
  try {
    const resolver = `127.0.0.1:${silent.address().port}`;
    const [sample] = await collect(testContext({ timeout: 50 }), { resolver }, 1);
    assertEquals(sample && [sample.status, sample.reason], ["lost", "timeout"]);
    assert(received >= 1, "no query reached the resolver");
  } finally {
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

Deno.test("dns plugin asks a recipe server on its DNS port", async () => {
  await withResponder(async (responder) => {
    const local = { name: "local", host: "127.0.0.1", port: 9, dnsPort: responder.port };
    const plain = { name: "plain", host: "127.0.0.1", port: 9 };
    const servers = [local, plain];

    const [viaOption] = await collect(testContext({ servers }), { resolver: "local" }, 1);
    assertEquals(viaOption?.status, "ok");

    // A series bound to a server asks that server, whatever `resolver` says.
    const [viaEntry] = await collect(testContext({ servers, server: local }), {}, 1);
    assertEquals(viaEntry?.status, "ok");
    assertEquals(responder.stats().queries, 2);

    const [noPort] = await collect(testContext({ servers }), { resolver: "plain" }, 1);
    assertEquals(noPort && [noPort.status, noPort.reason], [
      "failed",
      'Server "plain" has no DNS port',
    ]);
    const [unknown] = await collect(testContext({ servers }), { resolver: "nowhere" }, 1);
    assertEquals(unknown && [unknown.status, unknown.reason], [
      "failed",
      'Resolver "nowhere" is not "system", an IP address or a declared server',
    ]);
  });
});

Deno.test("dns plugin resolves a recipe server's host name first", async () => {
  // "localhost" comes from /etc/hosts: no query leaves the machine.
  const { address } = await lookup("localhost");
  const responder = await startDnsResponder({ hostname: address, records: RECORDS });
  try {
    const server = { name: "named", host: "localhost", port: 9, dnsPort: responder.port };
    const samples = await collect(testContext({ servers: [server] }), { resolver: "named" }, 2);
    assertEquals(samples.map((sample) => sample.status), ["ok", "ok"]);
  } finally {
    await responder.close();
  }
});

Deno.test("dns plugin fails while a recipe server's host name does not resolve", async () => {
  let lookups = 0;
  const plugin = createDnsPlugin({
    lookupHost: (host) => {
      lookups++;
      return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
    },
  });
  const broken = { name: "broken", host: "dns.example", port: 9, dnsPort: 53 };
  const controller = new AbortController();
  const samples: Sample[] = [];
  try {
    const ctx = testContext({ servers: [broken] });
    const options = plugin.options.parse({ resolver: "broken" });
    for await (const sample of plugin.run(ctx, options, controller.signal)) {
      // Slots delivered in a burst may share one pending host lookup, so wait for a second.
      if (samples.push(sample) >= 20 || (lookups >= 2 && samples.length >= 2)) break;
    }
  } finally {
    controller.abort();
  }
  const reason =
    'Cannot resolve server "broken" host "dns.example": getaddrinfo ENOTFOUND dns.example';
  for (const sample of samples) assertEquals([sample.status, sample.reason], ["failed", reason]);
  assert(lookups >= 2, "a failed host lookup was not retried at a later slot");
});

Deno.test("dns plugin fails a name that cannot be sent", async () => {
  await withResponder(async (responder) => {
    const [sample] = await collect(testContext({ target: "a..test" }), {
      resolver: `127.0.0.1:${responder.port}`,
    }, 1);
    assertEquals(sample && [sample.status, sample.reason], [
      "failed",
      'Invalid DNS name "a..test": empty label',
    ]);
  });
});
