import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  phaseResponsiveness,
  rpmClass,
  rpmFromProbes,
  type TimedValue,
  trimmedMean,
} from "./rpm.ts";

/** `value(i)` every `ms` from 0 to `end`. */
function every(ms: number, end: number, value: (at: number) => number): TimedValue[] {
  return Array.from(
    { length: Math.floor(end / ms) },
    (_, i) => ({ at: i * ms, value: value(i * ms) }),
  );
}

Deno.test("trimmedMean() keeps the lowest floor(n * p / 100) values", () => {
  // n = 3: floor(2.85) = 2 -> mean(1, 3) = 2
  strictEqual(trimmedMean([5, 1, 3], 95), 2);
  // n = 20: 19 kept -> mean(1..19) = 10
  strictEqual(trimmedMean(Array.from({ length: 20 }, (_, i) => 20 - i), 95), 10);
  // n = 1: the one value is kept
  strictEqual(trimmedMean([7], 95), 7);
  strictEqual(trimmedMean([5, 1, 3], 100), 3);
  ok(Number.isNaN(trimmedMean([], 95)));
  throws(() => trimmedMean([1], 0), RangeError);
  throws(() => trimmedMean([1], 101), RangeError);
});

Deno.test("rpmFromProbes() is 60000 over the mean of the two trimmed means", () => {
  // 10 ms foreign, 100 ms self: 60000 / 55 = 1090.909...; not (6000 + 600) / 2 = 3300
  const figures = rpmFromProbes([10], [100]);
  strictEqual(figures.rpm.toFixed(3), "1090.909");
  strictEqual(figures.foreignRpm, 6000);
  strictEqual(figures.selfRpm, 600);
  // trimming: foreign 20 x 30 ms + 1 x 1000 ms -> floor(21 * 0.95) = 19 kept, all 30 ms
  const foreign = [...Array(20).fill(30), 1000];
  strictEqual(rpmFromProbes(foreign, [30]).rpm, 2000);
  ok(Number.isNaN(rpmFromProbes([], [30]).rpm));
  // loopback artifacts below zero count as 1 us: 60000 / 0.001
  strictEqual(rpmFromProbes([-0.05, 0.001], [-0.02]).rpm, 60_000_000);
});

Deno.test("rpmClass() puts each limit in the better class", () => {
  deepStrictEqual(
    [0, 299.9, 300, 999, 1000, 5999, 6000, NaN].map(rpmClass),
    ["Poor", "Poor", "Fair", "Fair", "Good", "Good", "Excellent", "Poor"],
  );
});

Deno.test("phaseResponsiveness() is High with steady probes, self probes and goodput", () => {
  const result = phaseResponsiveness({
    start: 0,
    end: 10_000,
    foreign: every(50, 10_000, () => 40),
    self: every(100, 10_000, () => 80),
    goodput: every(100, 10_000, (at) => (at % 200 === 0 ? 18.9 : 19.1)),
  });
  strictEqual(result.rpm, 1000);
  strictEqual(result.foreignCount, 200);
  strictEqual(result.selfCount, 100);
  strictEqual(result.selfSource, "load");
  strictEqual(result.intervals, 10);
  strictEqual(result.rpmStableFrom, 3);
  strictEqual(result.rpmStable, true);
  strictEqual(result.goodputStable, true);
  strictEqual(result.confidence, "High");
  deepStrictEqual(result.reasons, []);
  strictEqual(result.rpmClass, "Good");
});

Deno.test("phaseResponsiveness() lets foreign probes stand in for missing self probes", () => {
  const result = phaseResponsiveness({
    start: 0,
    end: 10_000,
    foreign: every(50, 10_000, () => 120),
    self: undefined,
    goodput: every(100, 10_000, () => 19),
  });
  strictEqual(result.rpm, 500); // 60000 / 120
  strictEqual(result.selfSource, "foreign");
  strictEqual(result.selfCount, 200);
  strictEqual(result.confidence, "Medium");
  deepStrictEqual(result.reasons, ["no self probes: the foreign probes stand in"]);
});

Deno.test("phaseResponsiveness() is Medium when the RPM shifts before the end", () => {
  // 20 ms for 5 s, then 200 ms: the moving RPM is 3000 for intervals 3 and 4 (stable from 3),
  // then falls through 570 and 393 to 300: the last four moving values spread far over 5 %.
  const result = phaseResponsiveness({
    start: 0,
    end: 10_000,
    foreign: every(100, 10_000, (at) => (at < 5_000 ? 20 : 200)),
    self: undefined,
    goodput: every(100, 10_000, () => 19),
  });
  strictEqual(result.rpmStableFrom, 3);
  strictEqual(result.rpmStable, false);
  strictEqual(result.confidence, "Medium");
  ok(result.reasons.includes("the RPM was not stable at the end"), result.reasons.join("; "));
});

Deno.test("phaseResponsiveness() is Low with few probes or a short phase, and says why", () => {
  const few = phaseResponsiveness({
    start: 0,
    end: 10_000,
    foreign: every(2_000, 10_000, () => 30),
    self: every(100, 10_000, () => 30),
    goodput: every(100, 10_000, () => 19),
  });
  strictEqual(few.foreignCount, 5);
  strictEqual(few.confidence, "Low");
  ok(few.reasons.includes("5 foreign probes"), few.reasons.join("; "));

  const short = phaseResponsiveness({
    start: 0,
    end: 3_000,
    foreign: every(10, 3_000, () => 30),
    self: every(10, 3_000, () => 30),
    goodput: every(100, 3_000, () => 19),
  });
  strictEqual(short.intervals, 3);
  strictEqual(short.rpmStableFrom, null);
  strictEqual(short.confidence, "Low");
  deepStrictEqual(short.reasons.slice(0, 2), [
    "3 intervals of 1000 ms, fewer than 4",
    "the RPM never met the stability criterion",
  ]);
});

Deno.test("phaseResponsiveness() is Medium when the goodput is still ramping", () => {
  // goodput doubles every second: moving averages never within 5 %
  const result = phaseResponsiveness({
    start: 0,
    end: 10_000,
    foreign: every(50, 10_000, () => 40),
    self: every(50, 10_000, () => 40),
    goodput: every(100, 10_000, (at) => 2 ** Math.floor(at / 1000)),
  });
  strictEqual(result.goodputStable, false);
  strictEqual(result.rpmStable, true);
  strictEqual(result.confidence, "Medium");
  deepStrictEqual(result.reasons, ["the goodput was not stable at the end"]);
});

Deno.test("phaseResponsiveness() counts only probes inside the window", () => {
  const result = phaseResponsiveness({
    start: 1_000,
    end: 2_000,
    foreign: [{ at: 999, value: 1 }, { at: 1_000, value: 60 }, { at: 2_000, value: 1 }],
    self: [{ at: 1_500, value: 60 }],
    goodput: [],
  });
  strictEqual(result.foreignCount, 1);
  strictEqual(result.rpm, 1000);
});
