import assert from "node:assert/strict";
import type { InterfaceKind } from "../interfaces/types.ts";
import { type InterfacePath, interfaceVerdict } from "./verdict_interfaces.ts";

/** A path of 10 000 probes to `target` over `iface`. */
function path(
  iface: string,
  kind: InterfaceKind,
  target: string,
  medianMs: number,
  jitterMs: number,
  lossPct: number,
  count = 10_000,
): InterfacePath {
  return {
    interface: iface,
    kind,
    plugin: "icmp",
    target,
    server: "",
    metric: "rtt",
    medianMs,
    jitterMs,
    count,
    lost: Math.round(count * lossPct / 100),
  };
}

Deno.test("interfaceVerdict() names the impaired WiFi link in words and numbers", () => {
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("wlan0", "wifi", "vienna", 28, 8.5, 2.3),
  ]);
  assert.equal(verdict.status, "problem");
  assert.deepEqual(verdict.problems, ["wlan0"]);
  assert.equal(verdict.reference, "eth0");
  assert.equal(
    verdict.sentence,
    "WiFi (wlan0) adds 13 ms latency, jitter 8.5 vs 0.8 ms, loss 2.3% vs 0.1%: " +
      "the WiFi link is the problem",
  );
  const [comparison] = verdict.comparisons;
  assert.deepEqual(comparison?.worse, { latency: true, jitter: true, loss: true });
  assert.equal(comparison?.outcome, "worse");
});

Deno.test("interfaceVerdict() judges by the figures, not the kind: a bad wired link is named", () => {
  const verdict = interfaceVerdict([
    path("wlan0", "wifi", "vienna", 15, 0.8, 0.1),
    path("eth0", "ethernet", "vienna", 15.3, 0.9, 4),
  ]);
  assert.deepEqual(verdict.problems, ["eth0"]);
  assert.match(
    verdict.sentence,
    /^Ethernet \(eth0\) adds no latency, .*loss 4\.0% vs 0\.1%: the Ethernet link is the problem$/,
  );
});

Deno.test("interfaceVerdict() says the interfaces are alike when no difference counts", () => {
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("wlan0", "wifi", "vienna", 15.2, 0.9, 0.12),
    path("eth0", "ethernet", "gateway", 1.2, 0.2, 0),
    path("wlan0", "wifi", "gateway", 1.3, 0.2, 0),
  ]);
  assert.equal(verdict.status, "alike");
  assert.deepEqual(verdict.problems, []);
  assert.match(verdict.sentence, /^Ethernet \(eth0\) and WiFi \(wlan0\) perform alike \(/);
  assert.match(verdict.sentence, /: the local link is not the problem$/);
});

Deno.test("interfaceVerdict() applies each threshold at its edge", () => {
  const verdictFor = (wifi: [number, number, number]) =>
    interfaceVerdict([
      path("eth0", "ethernet", "vienna", 15, 1, 0.1),
      path("wlan0", "wifi", "vienna", ...wifi),
    ]);
  // Latency: 5 ms more counts, 4.9 does not.
  assert.equal(verdictFor([19.9, 1, 0.1]).status, "alike");
  assert.deepEqual(verdictFor([20, 1, 0.1]).comparisons[0]?.worse.latency, true);
  // Jitter: twice and at least 2 ms.
  assert.equal(verdictFor([15, 1.9, 0.1]).status, "alike");
  assert.equal(verdictFor([15, 2, 0.1]).status, "problem");
  // Loss: twice and 0.5 points more.
  assert.equal(verdictFor([15, 1, 0.5]).status, "alike");
  assert.equal(verdictFor([15, 1, 0.6]).status, "problem");
});

Deno.test("interfaceVerdict() calls worse-here, better-there mixed", () => {
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 3),
    path("wlan0", "wifi", "vienna", 28, 0.8, 0.1),
  ]);
  assert.equal(verdict.status, "mixed");
  assert.deepEqual(verdict.problems, []);
  assert.match(
    verdict.sentence,
    /is worse on latency but better on loss than .*no single link is clearly the problem$/,
  );
});

Deno.test("interfaceVerdict() gives no verdict with one interface or none", () => {
  const single = interfaceVerdict([path("eth0", "ethernet", "vienna", 15, 0.8, 0.1)]);
  assert.equal(single.status, "single");
  assert.equal(
    single.sentence,
    "Only one interface (Ethernet (eth0)) was measured: no interface comparison",
  );
  assert.equal(interfaceVerdict([]).status, "none");
  const defaultRoute = interfaceVerdict([{
    ...path("eth0", "ethernet", "vienna", 15, 1, 0),
    interface: "",
  }]);
  assert.equal(defaultRoute.status, "none");
});

Deno.test("interfaceVerdict() compares only targets both interfaces measured with enough probes", () => {
  const disjoint = interfaceVerdict([
    path("eth0", "ethernet", "gateway", 1, 0.1, 0),
    path("wlan0", "wifi", "vienna", 40, 9, 5),
  ]);
  assert.equal(disjoint.status, "none");
  const fewProbes = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("wlan0", "wifi", "vienna", 40, 9, 5, 20),
  ]);
  assert.equal(fewProbes.status, "none");
  // A target only one interface measured does not drag the figures.
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("eth0", "ethernet", "faraway", 300, 30, 20),
    path("wlan0", "wifi", "vienna", 28, 8.5, 2.3),
  ]);
  assert.deepEqual(verdict.comparisons[0]?.paths, ["icmp vienna"]);
  assert.equal(verdict.comparisons[0]?.reference.medianMs, 15);
});

Deno.test("interfaceVerdict() compares three interfaces with the best one", () => {
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("eth1", "ethernet", "vienna", 15.1, 0.8, 0.1),
    path("wlan0", "wifi", "vienna", 30, 9, 2.5),
  ]);
  assert.equal(verdict.status, "problem");
  assert.deepEqual(verdict.problems, ["wlan0"]);
  assert.equal(verdict.reference, "eth0");
  assert.deepEqual(verdict.comparisons.map((c) => [c.subject.name, c.outcome]), [
    ["eth1", "alike"],
    ["wlan0", "worse"],
  ]);
  assert.equal(verdict.interfaces.length, 3);
});

Deno.test("interfaceVerdict() pools several targets: mean medians and jitter, loss over all probes", () => {
  const verdict = interfaceVerdict([
    path("eth0", "ethernet", "vienna", 15, 0.8, 0.1),
    path("eth0", "ethernet", "gateway", 1, 0.2, 0.1),
    path("wlan0", "wifi", "vienna", 28, 8, 2.1),
    path("wlan0", "wifi", "gateway", 14, 9, 2.5),
  ]);
  const comparison = verdict.comparisons[0]!;
  assert.equal(comparison.addedMs, 13);
  assert.equal(comparison.subject.jitterMs, 8.5);
  assert.equal(comparison.reference.jitterMs, 0.5);
  assert.equal(comparison.subject.lossPct, 2.3);
  assert.equal(comparison.subject.probes, 20_000);
});
