/**
 * Truth test: the throughput plugin through a tbf bottleneck in namespaces the test creates
 * and always removes (addresses in 10.203.0.0/16; nothing leaves the machine). The client is
 * this process (FFI sockets bound to its veth), the server a subprocess in its own namespace
 * (`support/throughput_server.ts`), and a router namespace in between shapes each direction
 * with `tbf rate 20mbit` on its egress, as a bloated access link does:
 *
 * ```text
 *  default ns (client)          bbt-router-<tag>                 bbt-server-<tag>
 *  veth A ------------------- A' [tbf 20mbit] ... [tbf 20mbit] B' ------------------ veth B
 *                              (down: toward A)   (up: toward B)      throughput server
 * ```
 *
 * The goodput ceiling on a tbf is about 95.6% of its rate (Ethernet, IP and TCP headers in
 * every 1514-byte frame); the test asks for at least 93% in each direction. Needs root,
 * iproute2 and tc.
 */
import { assertOk } from "./support/assert.ts";
import { checkNetns, withNetns } from "./support/netns.ts";
import type { Sample, TestResult } from "../core/contract.ts";
import { driveTest } from "../core/driver.ts";
import { Schedule } from "../core/schedule.ts";
import { createThroughputPlugin, throughputOptionsSchema } from "../plugins/throughput.ts";
import { missing, skippable } from "../ffi/_test_env.ts";

const RATE_MBPS = 20;
const SECRET = "throughput netns truth secret";

const needsRoot = missing(["ffi", "root"]);
const netns = needsRoot === undefined ? await checkNetns() : undefined;
const skip = needsRoot ?? (netns?.available ? undefined : netns?.reason);

Deno.test({
  name: skippable(
    `throughput through a ${RATE_MBPS} Mbit/s tbf reaches >= 93% of it, both ways`,
    skip,
  ),
  ignore: skip !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const router = await lab.addNamespace("router");
      const serverNs = await lab.addNamespace("server");
      const a = await lab.addVeth({ namespace: router });
      const b = await lab.addVeth({ namespace: serverNs, hostNamespace: router });
      await lab.sysctl(router, "net.ipv4.ip_forward", "1");
      await lab.ip("route", "add", `${b.peerAddress}/32`, "via", a.peerAddress, "dev", a.hostName);
      await lab.ip("-n", serverNs, "route", "add", "default", "via", b.hostAddress);
      const tbf = ["tbf", "rate", `${RATE_MBPS}mbit`, "burst", "32kbit", "latency", "50ms"];
      for (const dev of [a.peerName, b.hostName]) {
        const tc = await lab.exec(router, "tc", ["qdisc", "replace", "dev", dev, "root", ...tbf]);
        if (tc.code !== 0) throw new Error(`tc on ${dev} failed: ${tc.stderr}`);
      }

      const child = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          serverNs,
          Deno.execPath(),
          "run",
          "-A",
          new URL("./support/throughput_server.ts", import.meta.url).pathname,
          "--host",
          b.peerAddress,
        ],
        env: { BUFFERBANE_SECRET: SECRET },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      try {
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let line = "";
        const started = setTimeout(() => child.kill("SIGKILL"), 20_000);
        while (!line.includes("\n")) {
          const { done, value } = await reader.read();
          if (done) throw new Error("The server in the namespace exited before it listened");
          line += value;
        }
        clearTimeout(started);
        reader.releaseLock();
        child.stdout.cancel().catch(() => {});
        const { udpPort, tcpPort } = JSON.parse(line.split("\n")[0]!);

        const server = { name: "tbf", host: b.peerAddress, port: udpPort, secret: SECRET };
        const plugin = createThroughputPlugin();
        const samples: Sample[] = [];
        const results: TestResult[] = [];
        const job = {
          id: "throughput||tbf",
          plugin,
          options: throughputOptionsSchema.parse({
            direction: "both",
            streams: 4,
            warmup: "2s",
            duration: "6s",
            port: tcpPort,
            progress: false,
          }),
          target: "",
          interface: a.hostName, // per-interface: the FFI sockets are bound to the veth
          server,
          serverLabel: "tbf",
          interval: 3_600_000,
          timeout: 5_000,
        };
        const result = await driveTest(job, {
          sample: (_job, sample) => samples.push(sample),
          event: () => {},
          result: (_job, r) => results.push(r),
        }, {
          signal: AbortSignal.timeout(60_000),
          schedule: new Schedule({ interval: 3_600_000 }),
          servers: new Map([["tbf", server]]),
        });
        assertOk(result.status === "ok", JSON.stringify(result.summary));
        const summary = result.summary as Record<
          string,
          { mean_mbps: number; median_mbps: number }
        >;
        for (const direction of ["download", "upload"]) {
          const figures = summary[direction]!;
          const share = figures.mean_mbps / RATE_MBPS;
          console.log(
            `${direction}: mean ${figures.mean_mbps.toFixed(2)} Mbit/s (${
              (share * 100).toFixed(1)
            }% of ${RATE_MBPS}), median ${figures.median_mbps.toFixed(2)}`,
          );
          assertOk(share >= 0.93, `${direction}: ${(share * 100).toFixed(1)}% of the tbf rate`);
          assertOk(
            share <= 0.965,
            `${direction}: ${(share * 100).toFixed(1)}% is above the ceiling`,
          );
          const series = samples.filter((s) => s.metric === direction);
          assertOk(series.length >= 55 && series.length <= 62, `${series.length} samples`);
        }
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    });
  },
});
