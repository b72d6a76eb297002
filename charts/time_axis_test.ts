import assert from "node:assert/strict";
import { formatPeriod, formatTick, formatUtc, timeScale } from "./time_axis.ts";

const DAY = 86_400_000;

Deno.test("formatUtc() and formatPeriod() write times in UTC", () => {
  assert.equal(formatUtc(Date.UTC(2026, 0, 2, 3, 4, 59)), "2026-01-02 03:04");
  assert.equal(
    formatPeriod(Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 31)),
    "2026-10-01 00:00 – 2026-10-31 00:00 UTC (30d)",
  );
});

Deno.test("formatTick() shows times, dates or both, by period", () => {
  const evening = Date.UTC(2026, 9, 18, 18, 30);
  const midnight = Date.UTC(2026, 9, 18);
  assert.equal(formatTick(evening, DAY), "18:30");
  assert.equal(formatTick(evening, 3 * DAY), "10-18 18:30");
  assert.equal(formatTick(midnight, 3 * DAY), "10-18");
  assert.equal(formatTick(evening, 30 * DAY), "10-18");
});

Deno.test("timeScale() spans the period in UTC with ticks by width", () => {
  const scale = timeScale(0, DAY, 1700);
  assert.equal(scale.type, "utc");
  assert.deepEqual(scale.domain, [new Date(0), new Date(DAY)]);
  assert.equal(scale.ticks, 10);
  assert.equal(timeScale(0, DAY, 100).ticks, 2);
  assert.equal(scale.label, "Time (UTC)");
});
