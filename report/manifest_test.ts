import assert from "node:assert/strict";
import { Store } from "../store/mod.ts";
import { buildReportModel } from "./model.ts";
import { syntheticWeek, TEST_END } from "./_testing.ts";

const DAY = 86_400_000;

function smallStore(value: number): Store {
  const store = Store.open(":memory:");
  const runId = store.startRun({
    startedAt: 0,
    recipeName: "r",
    recipeText: "x = 1\n",
    effectiveRecipe: { used_interfaces: [{ name: "eth0", kind: "ethernet" }] },
    toolVersion: "0.1.0",
    host: "box",
  });
  const seriesId = store.seriesId({
    plugin: "icmp",
    target: "a",
    interface: "eth0",
    server: "",
    metric: "rtt",
    unit: "ms",
  });
  store.insertSamples(Array.from({ length: 120 }, (_, i) => ({
    seriesId,
    ts: i * 60_000,
    value: i === 60 ? value : 10 + (i % 3),
    status: "ok" as const,
    runId,
  })));
  store.finishRun(runId, { endedAt: 120 * 60_000, status: "completed" });
  store.refreshRollups();
  return store;
}

Deno.test("buildManifest() hashes the data: the same data the same hash, one changed sample another", () => {
  const period = { start: 0, end: 2 * 3_600_000 };
  const hashes = [10, 10, 99].map((value) => {
    const store = smallStore(value);
    const model = buildReportModel(store, { ...period, now: () => value });
    store.close();
    return model.manifest;
  });
  assert.match(hashes[0]!.dataSha256, /^[0-9a-f]{64}$/);
  assert.equal(hashes[0]!.dataSha256, hashes[1]!.dataSha256);
  assert.equal(hashes[0]!.series[0]!.sha256, hashes[1]!.series[0]!.sha256);
  assert.notEqual(hashes[0]!.dataSha256, hashes[2]!.dataSha256);
  assert.notEqual(hashes[0]!.series[0]!.sha256, hashes[2]!.series[0]!.sha256);
  assert.equal(hashes[0]!.series[0]!.samples, 120);
  assert.deepEqual(hashes[0]!.runs.map((r) => [r.recipeName, r.recipeHash.length, r.interfaces]), [
    ["r", 64, [{ name: "eth0", kind: "ethernet" }]],
  ]);
});

Deno.test("buildReportModel() manifest: the same hash for either preset, samples per series, the period's runs", () => {
  const { store, start, end } = syntheticWeek();
  const full = buildReportModel(store, { start, end });
  const compact = buildReportModel(store, { start, end, preset: "compact" });
  assert.equal(full.manifest.dataSha256, compact.manifest.dataSha256);
  const vienna = full.manifest.series.find((s) => s.label === "vienna @wlan0");
  assert.equal(vienna?.samples, 7 * 24 * 60);
  assert.equal(full.manifest.events, store.events({ start, end }).length);
  assert.equal(full.manifest.testResults, 7 * 24);
  assert.deepEqual(full.manifest.runs.map((r) => r.recipeName), ["synthetic"]);
  assert.equal(full.manifest.start, new Date(TEST_END - 7 * DAY).toISOString());
  // Another period reads other data.
  const day = buildReportModel(store, { start: end - DAY, end });
  assert.notEqual(day.manifest.dataSha256, full.manifest.dataSha256);
});
