import { ok, strictEqual, throws } from "node:assert/strict";
import { latencyStats, phaseStats } from "./phase_stats.ts";

Deno.test("latencyStats() computes every field from a hand-checked vector", () => {
  // answered, sorted: 1 2 3 4 5 6 7 8 9 10 (n = 10), two lost
  // p25: h = 9 * 0.25 = 2.25 -> 3 + 0.25 * 1 = 3.25
  // median: h = 4.5 -> 5.5; mean 55 / 10 = 5.5
  // p95: h = 8.55 -> 9 + 0.55 = 9.55; p99: h = 8.91 -> 9.91
  const stats = latencyStats([10, 9, null, 1, 2, 3, 4, null, 5, 6, 7, 8]);
  strictEqual(stats.count, 10);
  strictEqual(stats.lost, 2);
  strictEqual(stats.min, 1);
  strictEqual(stats.max, 10);
  strictEqual(stats.p25, 3.25);
  strictEqual(stats.median, 5.5);
  strictEqual(stats.mean, 5.5);
  strictEqual(stats.p95.toFixed(9), "9.550000000");
  strictEqual(stats.p99.toFixed(9), "9.910000000");
});

Deno.test("latencyStats() of lost probes only has counts and NaN figures", () => {
  const stats = latencyStats([null, null]);
  strictEqual(stats.count, 0);
  strictEqual(stats.lost, 2);
  for (const key of ["min", "p25", "median", "mean", "p95", "p99", "max"] as const) {
    ok(Number.isNaN(stats[key]), key);
  }
  throws(() => latencyStats([1, NaN]), RangeError);
});

Deno.test("phaseStats() takes the increase as loaded median minus idle median", () => {
  // idle 10 11 12 13 14: median 12, p25 11
  // download 20 22 24 (+ lost): median 22 -> +10; mean 22 -> LibreQoS 22 - 11 = 11
  // upload 100 200 300 400: median 250 -> +238; mean 250 -> LibreQoS 239
  // bidirectional 90 95 1000: median 95 -> +83 (the 1000 ms outlier moves the mean, not the median)
  const stats = phaseStats({
    idle: [14, 12, 10, 13, 11],
    download: [20, null, 24, 22],
    upload: [400, 100, 300, 200],
    bidirectional: [95, 1000, 90],
  });
  strictEqual(stats.idle.median, 12);
  strictEqual(stats.idle.p25, 11);
  strictEqual(stats.loaded.download.increaseMs, 10);
  strictEqual(stats.loaded.download.libreqosIncreaseMs, 11);
  strictEqual(stats.loaded.download.lost, 1);
  strictEqual(stats.loaded.upload.increaseMs, 238);
  strictEqual(stats.loaded.upload.libreqosIncreaseMs, 239);
  // p99 of 100 200 300 400: h = 2.97 -> 300 + 0.97 * 100 = 397 -> peak 397 - 12 = 385
  strictEqual(stats.loaded.upload.peakIncreaseMs, 385);
  strictEqual(stats.loaded.bidirectional.increaseMs, 83);
  strictEqual(stats.loaded.bidirectional.libreqosIncreaseMs, 395 - 11);
  strictEqual(stats.increaseMs, 238);
  strictEqual(stats.worstPhase, "upload");
});

Deno.test("phaseStats() skips phases without answers when it picks the worst", () => {
  const stats = phaseStats({
    idle: [5],
    download: [null],
    upload: [7],
    bidirectional: [6],
  });
  ok(Number.isNaN(stats.loaded.download.increaseMs));
  strictEqual(stats.increaseMs, 2);
  strictEqual(stats.worstPhase, "upload");
  const none = phaseStats({ idle: [], download: [1], upload: [], bidirectional: [] });
  ok(Number.isNaN(none.increaseMs));
});
