/**
 * End-to-end: the dns plugin against a real dnsmasq on a free loopback port. When dnsmasq is
 * missing and cannot be installed (not root), the test is skipped and its name says why.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { PluginContext, Sample, ServerInfo } from "../core/contract.ts";
import { Schedule } from "../core/schedule.ts";
import { createDnsPlugin } from "../plugins/dns.ts";
import type { DnsOptions } from "../plugins/dns.ts";
import { ensureDnsmasq, startDnsmasq } from "./support/dnsmasq.ts";

const dnsmasq = await ensureDnsmasq();
const skipped = dnsmasq.available ? "" : ` (skipped: ${dnsmasq.reason})`;

function context(target: string, servers: ServerInfo[] = []): PluginContext {
  const interval = 50;
  return {
    target,
    interface: undefined,
    server: undefined,
    servers: new Map(servers.map((server) => [server.name, server])),
    interval,
    timeout: 1000,
    // Late slots are still sent, so that a busy test machine cannot skip a sequence number.
    schedule: new Schedule({ interval, lateTolerance: 1000 }),
    now: Date.now,
    log: { debug() {}, info() {}, warn() {} },
    event() {},
    result() {},
  };
}

async function measure(
  ctx: PluginContext,
  options: Partial<DnsOptions>,
  count: number,
): Promise<Sample[]> {
  const plugin = createDnsPlugin();
  const controller = new AbortController();
  const safety = setTimeout(() => controller.abort(), 10_000);
  const samples: Sample[] = [];
  try {
    for await (const sample of plugin.run(ctx, plugin.options.parse(options), controller.signal)) {
      if (samples.push(sample) >= count) break;
    }
  } finally {
    controller.abort();
    clearTimeout(safety);
  }
  return samples;
}

Deno.test({
  name: `dns plugin measures a real dnsmasq and reports its NXDOMAIN and REFUSED${skipped}`,
  ignore: !dnsmasq.available,
  async fn() {
    if (!dnsmasq.available) return;
    const server = await startDnsmasq({
      path: dnsmasq.path,
      addresses: { "probe.bufferbane.test": "192.0.2.10" },
      localDomains: ["bufferbane.test"],
    });
    try {
      const resolver = `127.0.0.1:${server.port}`;

      const answered = await measure(context("probe.bufferbane.test"), { resolver }, 4);
      assertEquals(answered.map((sample) => sample.status), ["ok", "ok", "ok", "ok"]);
      assertEquals(answered.map((sample) => sample.seq).sort(), [0, 1, 2, 3]);
      for (const sample of answered) {
        assertEquals(sample.metric, "resolve_time");
        assert(sample.value !== null && sample.value > 0 && sample.value < 1000, `${sample.value}`);
      }

      // A name in dnsmasq's local domain without an address: NXDOMAIN.
      const [missing] = await measure(context("missing.bufferbane.test"), { resolver }, 1);
      assertEquals(missing && [missing.status, missing.reason, missing.value], [
        "lost",
        "NXDOMAIN",
        null,
      ]);
      // Any other name: dnsmasq has no upstream (--no-resolv) and refuses.
      const [elsewhere] = await measure(context("elsewhere.example"), { resolver }, 1);
      assertEquals(elsewhere && [elsewhere.status, elsewhere.reason], ["lost", "REFUSED"]);

      // The same server declared in a recipe, named as the resolver.
      const declared = { name: "dnsmasq", host: "127.0.0.1", port: 9, dnsPort: server.port };
      const [viaServer] = await measure(context("probe.bufferbane.test", [declared]), {
        resolver: "dnsmasq",
      }, 1);
      assertEquals(viaServer?.status, "ok");

      // dnsmasq itself saw the queries (no other server answered them).
      assert(server.log().includes("query[A] missing.bufferbane.test from 127.0.0.1"));
      assert(server.log().includes("query[A] elsewhere.example from 127.0.0.1"));
    } finally {
      await server.close();
    }
  },
});
