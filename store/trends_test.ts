import assert from "node:assert/strict";
import { writeSyntheticData } from "../synthetic/generate.ts";
import { RELATIVE_ACCURACY } from "./_sketch.ts";
import { seriesKey, startTestRun } from "./_testing.ts";
import { compactStore } from "./compact.ts";
import { Store } from "./store.ts";
import { periodStart, trendSummary } from "./trends.ts";
import type { SampleRow } from "./types.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
const STEP = 10_000;
const PER_WEEK = 7 * 8640;
/** Monday 2026-10-05, 00:00 UTC (ISO week 41). */
const MONDAY = Date.UTC(2026, 9, 5);

Deno.test("periodStart() finds ISO weeks and UTC months", () => {
  assert.equal(periodStart("week", MONDAY), MONDAY);
  assert.equal(periodStart("week", MONDAY + 6 * DAY + DAY - 1), MONDAY);
  assert.equal(periodStart("week", MONDAY - 1), MONDAY - 7 * DAY);
  assert.equal(periodStart("month", Date.UTC(2026, 1, 28, 23)), Date.UTC(2026, 1, 1));
});

/**
 * Two weeks of 10-second probes to one target: week 41 answers everything at 10 ms; week 42
 * answers at 20 ms, but for a 30-minute outage and every 10th probe lost.
 */
function twoWeeks(store: Store) {
  const runId = startTestRun(store, MONDAY);
  const seriesId = store.seriesId(seriesKey({ target: "a" }));
  const rows: SampleRow[] = [];
  for (let ts = MONDAY; ts < MONDAY + 14 * DAY; ts += STEP) {
    const i = (ts - MONDAY) / STEP;
    const second = ts >= MONDAY + 7 * DAY;
    const outage = second && ts >= MONDAY + 9 * DAY && ts < MONDAY + 9 * DAY + 30 * MINUTE;
    const lost = outage || (second && i % 10 === 0);
    rows.push(
      lost
        ? { seriesId, ts, value: null, status: "lost", runId }
        : { seriesId, ts, value: second ? 20 : 10, status: "ok", runId },
    );
  }
  store.insertSamples(rows);
  store.insertEvents([
    { runId, ts: MONDAY + DAY, kind: "alert", severity: "warn", seriesId, message: "slow" },
    { runId, ts: MONDAY + DAY + 1, kind: "alert", severity: "clear", seriesId, message: "ok" },
    { runId, ts: MONDAY + 9 * DAY, kind: "alert", severity: "critical", seriesId, message: "x" },
    { runId, ts: MONDAY + 9 * DAY, kind: "plugin_error", severity: "warn", message: "not one" },
  ]);
  return seriesId;
}

Deno.test("trendSummary() gives per week avg, p95, anomalies and availability", () => {
  const store = Store.open(":memory:");
  twoWeeks(store);
  store.refreshRollups({ graceMs: 0 });
  const weeks = trendSummary(store.db, { period: "week" });
  assert.deepEqual(weeks.map((w) => w.label), ["2026-W41", "2026-W42"]);
  const [first, second] = weeks;
  assert.equal(first!.series[0]!.count, PER_WEEK);
  assert.equal(first!.series[0]!.answered, 1);
  assert.equal(first!.series[0]!.avg, 10);
  assert.deepEqual(first!.series[0]!.anomalies, { warn: 1, critical: 0 });
  assert.deepEqual(first!.targets[0]!, {
    target: "a",
    interface: "",
    probes: PER_WEEK,
    answered: 1,
    uptime: 1,
    outageMinutes: 0,
    coveredMinutes: 7 * 1440,
  });
  // Every 10th probe, and the outage's 180 probes of which 18 are a 10th probe anyway.
  const lost = PER_WEEK / 10 + 180 - 18;
  const s = second!.series[0]!;
  assert.equal(s.lost, lost);
  assert.ok(Math.abs(s.p95! - 20) <= 20 * RELATIVE_ACCURACY);
  assert.deepEqual(s.anomalies, { warn: 0, critical: 1 });
  assert.equal(second!.anomalies.critical, 1);
  const target = second!.targets[0]!;
  // The 30-minute outage only: minutes with a single loss were answered.
  assert.equal(target.outageMinutes, 30);
  assert.ok(Math.abs(target.uptime - (1 - 30 / (7 * 1440))) < 1e-12);
  assert.ok(Math.abs(target.answered - (1 - lost / PER_WEEK)) < 1e-12);
  store.close();
});

Deno.test("trendSummary() gives the same figures after the raw samples are compacted", () => {
  const store = Store.open(":memory:");
  twoWeeks(store);
  store.refreshRollups({ graceMs: 0 });
  const before = trendSummary(store.db, { period: "week" });
  compactStore(store.db, { rawRetentionMs: DAY, now: MONDAY + 14 * DAY });
  const left = store.db.prepare("SELECT count(*) AS n FROM samples").get() as { n: number };
  assert.ok(left.n <= 8640 + 6, `${left.n} raw rows left`);
  const after = trendSummary(store.db, { period: "week" });
  assert.deepEqual(after, before);
  store.close();
});

Deno.test("trendSummary() summarizes months of a synthetic store, per target", () => {
  const store = Store.open(":memory:");
  const end = Date.UTC(2026, 10, 10);
  writeSyntheticData(store, {
    days: 20,
    end,
    intervalMs: 60_000,
    throughput: false,
    bufferbloat: false,
    servers: [],
    dns: false,
  });
  const months = trendSummary(store.db, { period: "month", filter: { plugin: "icmp" } });
  assert.deepEqual(months.map((m) => m.label), ["2026-10", "2026-11"]);
  for (const month of months) {
    assert.ok(month.series.length > 0);
    for (const series of month.series) {
      assert.equal(series.plugin, "icmp");
      assert.ok(series.answered > 0.9 && series.answered <= 1, `${series.answered}`);
      assert.ok(series.p95! >= series.avg!, `${series.p95} < ${series.avg}`);
    }
    for (const target of month.targets) {
      assert.ok(target.uptime > 0.9 && target.uptime <= 1);
      assert.ok(target.coveredMinutes > 0);
    }
    // The synthetic store raises alerts on the impaired interface.
    const raised = month.series.reduce((n, s) => n + s.anomalies.warn + s.anomalies.critical, 0);
    assert.ok(raised <= month.anomalies.warn + month.anomalies.critical);
  }
  const total = months.reduce((n, m) => n + m.anomalies.warn + m.anomalies.critical, 0);
  const stored =
    store.events().filter((e) =>
      e.kind === "alert" && (e.severity === "warn" || e.severity === "critical")
    ).length;
  assert.equal(total, stored);
  assert.ok(stored > 0);
  store.close();
});

Deno.test("trendSummary() rejects an unknown period and returns nothing for an empty store", () => {
  const store = Store.open(":memory:");
  assert.deepEqual(trendSummary(store.db, { period: "week" }), []);
  assert.throws(
    () => trendSummary(store.db, { period: "day" as "week" }),
    /is not "week" or "month"/,
  );
  store.close();
});
