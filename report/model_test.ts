import assert from "node:assert/strict";
import { BufferbaneError } from "../core/errors.ts";
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";
import { buildReportModel } from "./model.ts";
import { syntheticWeek } from "./_testing.ts";

Deno.test("buildReportModel() on the synthetic week: WiFi is the problem, Frankfurt the worse path", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end, now: () => end });
  const { interfaces, servers } = model;
  assert.equal(interfaces.status, "problem");
  assert.deepEqual(interfaces.problems, ["wlan0"]);
  assert.match(
    interfaces.sentence,
    /^WiFi \(wlan0\) adds \d+ ms latency, .*: the WiFi link is the problem$/,
  );
  const wifi = interfaces.comparisons[0]!;
  assert.equal(wifi.reference.label, "Ethernet (eth0)");
  assert.deepEqual(wifi.paths, ["icmp 1.1.1.1", "icmp gateway", "icmp vienna"]);
  // The generator adds 13 ms, 8.5 ms of jitter and 2.2 points of loss on wlan0.
  assert.ok(wifi.addedMs! > 11 && wifi.addedMs! < 16, `adds ${wifi.addedMs}`);
  assert.ok(wifi.subject.jitterMs! > 8 && wifi.reference.jitterMs! < 1.2);
  assert.ok(
    wifi.subject.lossPct! > 2 && wifi.subject.lossPct! < 2.8,
    `loss ${wifi.subject.lossPct}`,
  );
  assert.ok(wifi.reference.lossPct! < 0.4);
  assert.equal(servers.status, "problem");
  assert.deepEqual(servers.problems, ["frankfurt"]);
  assert.match(
    servers.sentence,
    /^Frankfurt is (19|20|21) ms slower than Vienna .*: a routing problem on the path to Frankfurt, not your access link$/,
  );
  assert.equal(model.findings[0], interfaces.sentence);
  assert.equal(model.findings[1], servers.sentence);
  assert.equal(model.generatedAt, end);
  assert.equal(model.title, "Network report: synthetic-host");
});

Deno.test("buildReportModel() sums up every series by role, with buckets for the charts", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end });
  const roles = (role: string) => model.series.filter((s) => s.role === role).map((s) => s.label);
  assert.equal(roles("latency").length, 8);
  assert.deepEqual(roles("dns"), ["example.com via system"]);
  assert.deepEqual(roles("throughput"), [
    "throughput via vienna download",
    "throughput via vienna upload",
  ]);
  assert.equal(roles("other").length, 4);
  const vienna = model.series.find((s) => s.label === "vienna @eth0")!;
  assert.equal(vienna.count, 7 * 24 * 60);
  assert.equal(vienna.interfaceKind, "ethernet");
  assert.ok(vienna.p50! > 14 && vienna.p50! < 17 && vienna.p95! > vienna.p50!);
  // A week in 30-minute buckets.
  assert.equal(model.bucketMs, 1_800_000);
  const buckets = model.buckets.find((b) => b.label === "vienna @eth0")!;
  assert.equal(buckets.t.length, 7 * 48);
  assert.equal(buckets.avg.length, buckets.t.length);
  assert.equal(model.histograms.length, 8);
  assert.equal(model.heatmaps.length, 8);
  assert.deepEqual(model.heatmaps[0]!.z.map((row) => row.length), Array(7).fill(24));
  assert.equal(model.bufferbloat.tests.length, 7 * 24);
  assert.ok(model.alerts.raised > 0);
});

Deno.test("buildReportModel() compact: three charts and no heatmaps", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end, preset: "compact" });
  assert.deepEqual(model.charts, [
    "latency_over_time",
    "connection_comparison",
    "bufferbloat_impact",
  ]);
  assert.deepEqual(model.heatmaps, []);
  assert.equal(model.preset, "compact");
});

Deno.test("buildReportModel() prefers the interface kind the runs recorded over the name", () => {
  const store = Store.open(":memory:");
  const { start, end } = writeSyntheticData(store, {
    days: 1,
    intervalMs: 60_000,
    interfaces: ["eth0", "eth1"],
    impairedInterface: "eth1",
    servers: [],
    dns: false,
    throughput: false,
    bufferbloat: false,
  });
  store.startRun({
    startedAt: end,
    recipeName: "later",
    recipeText: "",
    effectiveRecipe: {
      used_interfaces: [{ name: "eth1", kind: "wifi" }, { name: "eth0", kind: "other" }],
    },
    toolVersion: "0.1.0",
  });
  const model = buildReportModel(store, { start, end });
  assert.match(model.interfaces.sentence, /^WiFi \(eth1\) adds .*: the WiFi link is the problem$/);
  assert.equal(model.interfaces.comparisons[0]!.reference.label, "Ethernet (eth0)");
  assert.equal(model.servers.status, "none");
  store.close();
});

Deno.test("buildReportModel() of an empty period says there is nothing, and rejects a reversed one", () => {
  const { store, end } = syntheticWeek();
  const model = buildReportModel(store, { start: end + 86_400_000, end: end + 2 * 86_400_000 });
  assert.deepEqual(model.series, []);
  assert.equal(model.interfaces.status, "none");
  assert.equal(model.servers.status, "none");
  assert.equal(model.bufferbloat.sentence, "No bufferbloat tests in this period");
  assert.equal(model.alerts.sentence, "No alerts in this period");
  assert.throws(() => buildReportModel(store, { start: end, end }), BufferbaneError);
});

Deno.test("buildReportModel() narrows series with a filter", () => {
  const { store, start, end } = syntheticWeek();
  const model = buildReportModel(store, { start, end, filter: { interface: "eth0" } });
  assert.ok(model.series.every((s) => s.interface === "eth0"));
  assert.equal(model.interfaces.status, "single");
});
