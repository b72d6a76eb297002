import { assertEquals } from "../tests/support/assert.ts";
import { groundTruth, loadScenario } from "./scenario.ts";
import { formatLabStatus } from "./status.ts";

Deno.test("formatLabStatus() shows the scenario, its ground truth, processes, queues and loss", () => {
  const scenario = loadScenario("lossy-wifi");
  const lines = formatLabStatus({
    up: true,
    scenario,
    owner: "cli",
    appliedAt: "2026-01-01T00:00:00.000Z",
    groundTruth: groundTruth(scenario),
    namespaces: ["bb-client", "bb-air", "bb-router", "bb-server"].map((name) => ({
      name,
      present: true,
    })),
    processes: [
      { name: "relay", pid: 42, log: "/run/bufferbane-lab/relay.log" },
      { name: "dnsmasq", pid: 43, log: "/run/bufferbane-lab/dnsmasq.log" },
    ],
    qdiscs: [],
    lossRules: ['iifname "bb-wifi-r" numgen random mod 10000 < 200 drop'],
  });
  assertEquals(lines, [
    "lab: up",
    `scenario: lossy-wifi (${scenario.description}), applied 2026-01-01T00:00:00.000Z by cli`,
    "tcp congestion control: cubic",
    "ground truth: upload queue limit not shaped, download not shaped",
    "  wifi path: +20 ms RTT over eth, 3.96% round-trip loss; eth path: 0% round-trip loss",
    "namespaces: bb-client, bb-air, bb-router, bb-server",
    "relay: pid 42 (log /run/bufferbane-lab/relay.log)",
    "dnsmasq: pid 43 (log /run/bufferbane-lab/dnsmasq.log)",
    'loss: iifname "bb-wifi-r" numgen random mod 10000 < 200 drop',
    "client bb-client: bb-eth 10.77.1.2, bb-wifi 10.77.2.2; server 10.77.3.2 (bufferbane server :9876, DNS :53, server.lab.bufferbane.test, dns.lab.bufferbane.test, router.lab.bufferbane.test)",
  ]);
});

Deno.test("formatLabStatus() calls a lab with some pieces missing incomplete", () => {
  const lines = formatLabStatus({
    up: false,
    scenario: undefined,
    owner: undefined,
    appliedAt: undefined,
    groundTruth: undefined,
    namespaces: [{ name: "bb-client", present: true }, { name: "bb-air", present: false }],
    processes: [{ name: "relay", pid: undefined, log: "/run/bufferbane-lab/relay.log" }],
    qdiscs: [],
    lossRules: [],
  });
  assertEquals(lines.slice(0, 2), [
    "lab: incomplete (run lab down, then lab up)",
    "namespaces: bb-client, bb-air (missing)",
  ]);
});
