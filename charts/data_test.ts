import assert from "node:assert/strict";
import { Store } from "../store/mod.ts";
import {
  chooseBucket,
  histogramQuantile,
  isThroughputUnit,
  loadSeries,
  matchingSeries,
  NICE_BUCKETS_MS,
  periodTotals,
  seriesLabels,
  widerBucket,
} from "./data.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

Deno.test("chooseBucket() gives a few hundred buckets for any period", () => {
  const cases: [number, number][] = [
    [MINUTE, 1000],
    [HOUR, 10_000],
    [4 * HOUR, 30_000],
    [DAY, 5 * MINUTE],
    [7 * DAY, 30 * MINUTE],
    [30 * DAY, 2 * HOUR],
    [365 * DAY, DAY],
    [5 * 365 * DAY, 4 * DAY],
  ];
  for (const [period, bucket] of cases) {
    assert.equal(chooseBucket(period), bucket, `period ${period}`);
    assert.ok(period / bucket <= 600);
  }
  assert.equal(chooseBucket(DAY, { maxBuckets: 100 }), 15 * MINUTE);
  assert.throws(() => chooseBucket(0), RangeError);
});

Deno.test("NICE_BUCKETS_MS from a minute on are whole minutes that divide a day", () => {
  for (const width of NICE_BUCKETS_MS.filter((w) => w >= MINUTE)) {
    assert.equal(width % MINUTE, 0);
    assert.equal(DAY % width, 0);
  }
});

Deno.test("widerBucket() steps to the next nice width that is wide enough", () => {
  assert.equal(widerBucket(30_000, 31_000), MINUTE);
  assert.equal(widerBucket(MINUTE, MINUTE), 5 * MINUTE);
  assert.equal(widerBucket(DAY, 3.5 * DAY), 4 * DAY);
});

Deno.test("seriesLabels() names series by target, server and interface, then metric and plugin", () => {
  const key = { target: "", interface: "", server: "", unit: "ms" };
  assert.deepEqual(
    seriesLabels([
      { ...key, plugin: "icmp", target: "vienna", interface: "eth0", metric: "rtt" },
      { ...key, plugin: "udp-echo", server: "vienna", metric: "rtt" },
      { ...key, plugin: "udp-echo", server: "vienna", metric: "owd_up" },
      { ...key, plugin: "icmp", target: "x", metric: "rtt" },
      { ...key, plugin: "tcp", target: "x", metric: "rtt" },
    ]),
    [
      "vienna @eth0",
      "udp-echo via vienna rtt",
      "udp-echo via vienna owd_up",
      "x rtt (icmp)",
      "x rtt (tcp)",
    ],
  );
});

Deno.test("periodTotals() folds buckets: loss, weighted average and jitter", () => {
  const row = { seriesId: 1, min: 1, p50: 1, p95: 1, p99: 1, stddev: 0, exact: true };
  const totals = periodTotals([
    { ...row, bucketStart: 0, count: 10, lost: 0, okCount: 10, avg: 10, max: 12, ipdv: 1 },
    { ...row, bucketStart: 1, count: 10, lost: 5, okCount: 5, avg: 40, max: 90, ipdv: 4 },
  ]);
  assert.deepEqual(totals, {
    count: 20,
    lost: 5,
    okCount: 15,
    lossPct: 25,
    avg: (100 + 200) / 15,
    ipdv: (9 * 1 + 4 * 4) / 13,
    max: 90,
  });
  assert.equal(periodTotals([]).avg, null);
});

Deno.test("histogramQuantile() reads percentiles from bins, exact at the ends", () => {
  const bins = [10, 20, 30, 40].map((value) => ({
    lower: value * 0.99,
    upper: value * 1.01,
    value,
    count: 25,
  }));
  const histogram = { seriesId: 1, count: 100, lost: 0, okCount: 100, min: 9.95, max: 40.2, bins };
  assert.equal(histogramQuantile(histogram, 0), 9.95);
  assert.equal(histogramQuantile(histogram, 50), 30);
  assert.equal(histogramQuantile(histogram, 30), 20);
  assert.equal(histogramQuantile(histogram, 100), 40.2);
  assert.equal(histogramQuantile({ ...histogram, okCount: 0, min: null, max: null }, 50), null);
});

Deno.test("matchingSeries() and loadSeries() pick series by metric, unit and filter", () => {
  const store = Store.open(":memory:");
  const runId = store.startRun({
    startedAt: 0,
    recipeName: "t",
    recipeText: "",
    effectiveRecipe: {},
    toolVersion: "0",
  });
  const key = { plugin: "icmp", target: "a", interface: "eth0", server: "", unit: "ms" };
  const rtt = store.seriesId({ ...key, metric: "rtt" });
  const wlan = store.seriesId({ ...key, interface: "wlan0", metric: "rtt" });
  store.seriesId({ ...key, metric: "rtt", unit: "s" });
  const dns = store.seriesId({ ...key, plugin: "dns", metric: "resolve_time" });
  store.insertSamples(
    [rtt, wlan, dns].flatMap((seriesId) =>
      Array.from({ length: 120 }, (_, i) => ({
        seriesId,
        ts: i * 1000,
        value: 10 + (i % 3),
        status: "ok" as const,
        runId,
      }))
    ),
  );
  assert.deepEqual(matchingSeries(store, { metrics: ["rtt"], units: ["ms"] }).map((s) => s.id), [
    rtt,
    wlan,
  ]);
  const loaded = loadSeries(store, {
    start: 0,
    end: 120_000,
    bucketMs: 10_000,
    metrics: ["rtt"],
    units: ["ms"],
    filter: { interface: "wlan0" },
  });
  assert.equal(loaded.bucketMs, 10_000);
  assert.deepEqual(loaded.series.map((s) => [s.id, s.label, s.rows.length]), [[
    wlan,
    "a @wlan0",
    12,
  ]]);
  const byMetric = loadSeries(store, {
    start: 0,
    end: 120_000,
    bucketMs: 1000,
    metrics: ["rtt"],
    filter: { metric: "resolve_time" },
  });
  // One sample a second: 1 s buckets hold one each, so they widen to 10 s.
  assert.equal(byMetric.bucketMs, 10_000);
  assert.deepEqual(byMetric.series.map((s) => s.id), [dns]);
  assert.deepEqual(
    loadSeries(store, { start: 0, end: 120_000, bucketMs: 1000, metrics: ["rtt"], minSamples: 1 })
      .bucketMs,
    1000,
  );
  store.close();
});

Deno.test("isThroughputUnit() knows bit and byte rates", () => {
  for (const unit of ["Mbit/s", "kbit/s", "Gbps", "MB/s", "bit/s"]) {
    assert.ok(isThroughputUnit(unit), unit);
  }
  for (const unit of ["ms", "%", "Mbit"]) assert.ok(!isThroughputUnit(unit), unit);
});
