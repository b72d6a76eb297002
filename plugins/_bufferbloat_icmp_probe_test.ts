import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { IcmpSocket } from "../ffi/icmp_socket.ts";
import type { Plugin, Sample } from "../core/contract.ts";
import { createIcmpPlugin, type IcmpOptions } from "./icmp.ts";
import { createIcmpProbeOpener } from "./_bufferbloat_icmp_probe.ts";
import type { LatencyProbeOptions, LatencyRecord } from "./_bufferbloat_probe.ts";

function icmpAllowed(): string | undefined {
  const ffi = missing(["ffi"]);
  if (ffi !== undefined) return ffi;
  try {
    IcmpSocket.open({ family: 4, sendTimestamps: false }).close();
    return undefined;
  } catch {
    return "ICMP sockets not allowed";
  }
}

const skip = icmpAllowed();

function options(extra: Partial<LatencyProbeOptions> = {}): LatencyProbeOptions {
  return {
    server: { name: "local", host: "127.0.0.1", port: 9876 },
    device: undefined,
    intervalMs: 10,
    timeoutMs: 500,
    durationMs: 10_000,
    signal: AbortSignal.timeout(5000),
    log: { debug() {}, info() {}, warn() {} },
    ...extra,
  };
}

Deno.test({
  name: skippable("the icmp probe pings the server's host on loopback", skip),
  ignore: skip !== undefined,
  async fn() {
    const probe = await createIcmpProbeOpener()(options());
    const records: LatencyRecord[] = [];
    probe.start((record) => records.push(record));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await probe.stop();
    assertEquals(probe.kind, "icmp");
    assertOk(records.length >= 15, `${records.length} records`);
    assertOk(records.every((r) => r.status === "ok" && r.rttMs! >= 0 && r.rttMs! < 100));
    assertOk(records.every((r) => r.oneWay === undefined));
  },
});

Deno.test("the icmp probe maps the icmp plugin's rtt samples and keeps its warnings", async () => {
  const real = createIcmpPlugin();
  const fake: Plugin<IcmpOptions> = {
    ...real,
    async *run(ctx): AsyncGenerator<Sample> {
      ctx.event({ kind: "icmp_permission", severity: "critical", message: "no ICMP" });
      yield { timestamp: 5, metric: "rtt", value: 1.5, status: "ok", seq: 0 };
      yield { timestamp: 6, metric: "reply_ttl", value: 64, status: "ok", seq: 0 };
      yield { timestamp: 7, metric: "rtt", value: null, status: "lost", reason: "timeout", seq: 1 };
    },
  };
  const probe = await createIcmpProbeOpener({ plugin: fake, checkPermission: () => {} })(options());
  const records: LatencyRecord[] = [];
  probe.start((record) => records.push(record));
  await probe.stop();
  assertEquals(records, [
    { seq: 0, sentAt: 5, status: "ok", rttMs: 1.5 },
    { seq: 1, sentAt: 7, status: "lost", rttMs: null, reason: "timeout" },
  ]);
  assertEquals(probe.notes, ["no ICMP"]);
});
