import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Incident, incidentStream } from "../../synthetic/incident_stream.ts";
import type { PathProfile } from "../../synthetic/network.ts";
import { AnomalyDetector, type AnomalyTransition } from "./detector.ts";
import type { AnomalyOptions } from "./options.ts";

function assertAlmostEquals(actual: number, expected: number, tolerance: number): void {
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${actual} is not within ${tolerance} of ${expected}`,
  );
}

const KEY = {
  plugin: "icmp",
  target: "192.0.2.1",
  interface: "eth0",
  server: "",
  metric: "rtt",
  unit: "ms",
  primary: true,
};
const WIRED: PathProfile = { medianMs: 20, jitterMs: 1, lossPct: 0.5, congested: false };
const WIFI: PathProfile = { medianMs: 33, jitterMs: 8.5, lossPct: 2.3, congested: false };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Outcome {
  transitions: AnomalyTransition[];
  evaluations: number;
  aboveWarn: number;
  aboveClear: number;
  maxConfidence: number;
  detector: AnomalyDetector;
}

function run(
  profile: PathProfile,
  count: number,
  incidents: Incident[] = [],
  options: Partial<AnomalyOptions> = {},
  seed = 1,
): Outcome {
  const detector = new AnomalyDetector(options);
  const outcome: Outcome = {
    transitions: [],
    evaluations: 0,
    aboveWarn: 0,
    aboveClear: 0,
    maxConfidence: 0,
    detector,
  };
  let last: number | undefined;
  for (const sample of incidentStream({ profile, count, incidents, seed })) {
    outcome.transitions.push(...detector.observe(KEY, "s", sample));
    const confidence = detector.lastConfidence("s")!;
    if (confidence !== last || sample.timestamp % 1000 === 0) {
      outcome.evaluations++;
      if (confidence >= detector.options.warn) outcome.aboveWarn++;
      if (confidence >= detector.options.clear) outcome.aboveClear++;
      outcome.maxConfidence = Math.max(outcome.maxConfidence, confidence);
    }
    last = confidence;
  }
  return outcome;
}

const summary = (transitions: AnomalyTransition[]) => transitions.map((t) => `${t.reason}:${t.to}`);

Deno.test("AnomalyDetector raises nothing on a quiet day of a wired or a WiFi path", () => {
  // 24 h at one probe a second: 86 400 evaluations each.
  for (const [profile, seed] of [[WIRED, 1], [WIFI, 2], [WIRED, 3]] as const) {
    const outcome = run(profile, 24 * 3600, [], {}, seed);
    assertEquals(outcome.transitions, [], `seed ${seed}`);
    assertEquals(outcome.aboveWarn, 0);
    // False-positive pressure: the confidence rarely even reaches the clear level.
    assert(
      outcome.aboveClear / outcome.evaluations < 0.001,
      `${outcome.aboveClear} of ${outcome.evaluations} evaluations at or above clear`,
    );
    assert(outcome.maxConfidence < 0.5, `max confidence ${outcome.maxConfidence}`);
  }
});

Deno.test("AnomalyDetector raises a latency step once, near its start, and clears it once", () => {
  const step = { start: HOUR, end: HOUR + 10 * MINUTE, addMs: 30 };
  const outcome = run(WIRED, 2 * 3600, [step]);
  assertEquals(summary(outcome.transitions), ["raised:critical", "cleared:ok"]);
  assertEquals(
    outcome.detector.confidences().map((c) => [c.seriesId, c.key.metric]),
    [["s", "rtt"]],
  );
  const [raised, cleared] = outcome.transitions as [AnomalyTransition, AnomalyTransition];
  // The window's median crosses once half of its 30 s is in the step.
  assert(raised.timestamp >= step.start && raised.timestamp <= step.start + 30_000);
  assert(raised.score.latency.z > 10, `z ${raised.score.latency.z}`);
  assertAlmostEquals(raised.baseline.median, 20, 0.5);
  // It clears once the window is back and the confidence stayed low for clear_after (30 s).
  assert(cleared.timestamp >= step.end + 30_000 && cleared.timestamp <= step.end + 75_000);
  // The baseline never learned the step.
  assertAlmostEquals(outcome.detector.baseline("s")!.median, 20, 0.5);
});

Deno.test("AnomalyDetector raises on a loss burst alone", () => {
  const burst = { start: HOUR, end: HOUR + 8_000, addLossPct: 100 };
  const outcome = run(WIRED, HOUR / 1000 + 600, [burst]);
  // The burst grows a probe a second: warned at the third loss, critical from the fourth.
  assertEquals(summary(outcome.transitions), ["raised:warn", "escalated:critical", "cleared:ok"]);
  const raised = outcome.transitions[0]!;
  assert(raised.timestamp < burst.end);
  assertEquals(raised.score.latency.strength, 0);
  const escalated = outcome.transitions[1]!;
  assert(escalated.score.loss.longestRun >= 4, `run ${escalated.score.loss.longestRun}`);
  assert(raised.message.includes("burst of"), raised.message);
});

Deno.test("AnomalyDetector raises on a lasting rise of random loss", () => {
  const lossy = { start: HOUR, end: HOUR + 5 * MINUTE, addLossPct: 25 };
  const outcome = run(WIRED, HOUR / 1000 + 900, [lossy]);
  assertEquals(summary(outcome.transitions).at(-1), "cleared:ok");
  assertEquals(outcome.transitions.filter((t) => t.reason === "raised").length, 1);
  assert(outcome.transitions[0]!.score.loss.lostPct > 10);
});

Deno.test("AnomalyDetector warns on a small shift and escalates when it grows", () => {
  const incidents = [
    { start: HOUR, end: HOUR + 3 * MINUTE, addMs: 6 },
    { start: HOUR + 3 * MINUTE, end: HOUR + 6 * MINUTE, addMs: 40 },
  ];
  const outcome = run(WIRED, HOUR / 1000 + 900, incidents);
  assertEquals(summary(outcome.transitions), ["raised:warn", "escalated:critical", "cleared:ok"]);
  assert(outcome.transitions[2]!.message.includes("peak confidence 1.00"));
});

Deno.test("AnomalyDetector raises on jitter volatility", () => {
  const surge = { start: HOUR, end: HOUR + 10 * MINUTE, addJitterMs: 12 };
  const outcome = run(WIRED, HOUR / 1000 + 1200, [surge]);
  const raised = outcome.transitions.filter((t) => t.reason === "raised");
  assertEquals(raised.length, 1);
  assert(raised[0]!.score.jitter.z > 3, `jitter z ${raised[0]!.score.jitter.z}`);
});

Deno.test("AnomalyDetector cooldown makes a flapping incident one alert", () => {
  // Three 2-minute bursts 90 s apart: each gap is longer than clear_after (30 s).
  const incidents = [0, 1, 2].map((i) => ({
    start: HOUR + i * 210_000,
    end: HOUR + i * 210_000 + 2 * MINUTE,
    addMs: 30,
  }));
  const cooled = run(WIRED, HOUR / 1000 + 1800, incidents);
  assertEquals(summary(cooled.transitions), ["raised:critical", "cleared:ok"]);
  const uncooled = run(WIRED, HOUR / 1000 + 1800, incidents, { cooldown: 0 });
  assertEquals(uncooled.transitions.filter((t) => t.reason === "raised").length, 3);
});

Deno.test("AnomalyDetector adapts its baseline to a lasting level change, then watches the new level", () => {
  const incidents = [
    { start: HOUR, end: Infinity, addMs: 40 }, // moved to a farther server for good
    { start: 3 * HOUR, end: 3 * HOUR + 10 * MINUTE, addMs: 30 }, // a step on the new path
  ];
  const outcome = run(WIRED, 4 * 3600, incidents);
  assertEquals(summary(outcome.transitions), [
    "raised:critical",
    "adapted:ok",
    "raised:critical",
    "cleared:ok",
  ]);
  const adapted = outcome.transitions[1]!;
  // Adapted after adapt_after (15 min) of a stable new level.
  assert(adapted.timestamp >= HOUR + 15 * MINUTE && adapted.timestamp < HOUR + 20 * MINUTE);
  assert(adapted.message.includes("adapted to a new level"), adapted.message);
  const second = outcome.transitions[2]!;
  assertAlmostEquals(second.baseline.median, 60, 1);
  assertAlmostEquals(outcome.detector.baseline("s")!.median, 60, 1);
});

Deno.test("AnomalyDetector does not take a lasting loss storm as the new normal", () => {
  const storm = { start: HOUR, end: Infinity, addMs: 40, addLossPct: 20 };
  const outcome = run(WIRED, 2 * 3600, [storm]);
  assertEquals(summary(outcome.transitions), ["raised:critical"]);
  assertEquals(outcome.detector.activeAlerts().length, 1);
});

Deno.test("AnomalyDetector watches primary ms metrics by default, or the listed ones", () => {
  const detector = new AnomalyDetector();
  assert(detector.watches({ metric: "rtt", unit: "ms", primary: true }));
  assert(!detector.watches({ metric: "reply_ttl", unit: "", primary: false }));
  assert(!detector.watches({ metric: "download", unit: "Mbit/s", primary: true }));
  const listed = new AnomalyDetector({ metrics: ["owd_up"] });
  assert(listed.watches({ metric: "owd_up", unit: "ms", primary: false }));
  assert(!listed.watches({ metric: "rtt", unit: "ms", primary: true }));
  // A series not watched is ignored.
  assertEquals(
    detector.observe({ ...KEY, primary: false }, "x", { timestamp: 0, value: 1, status: "ok" }),
    [],
  );
  assertEquals(detector.lastConfidence("x"), undefined);
  // A watched series is listed only once judged (its baseline needs min_samples first).
  detector.observe(KEY, "y", { timestamp: 0, value: 1, status: "ok" });
  assertEquals(detector.confidences(), []);
});

Deno.test("AnomalyDetector ignores failed samples and accepts late ones", () => {
  const detector = new AnomalyDetector({ min_samples: 10, window: 5_000 });
  const transitions: AnomalyTransition[] = [];
  for (let i = 0; i < 300; i++) {
    // Every tenth probe completes late, after the next one.
    const timestamp = i * 1000 + (i % 10 === 0 ? 1500 : 0);
    const status = i % 7 === 0 ? "failed" as const : "ok" as const;
    const value = status === "ok" ? 20 + (i % 3) * 0.2 : null;
    transitions.push(...detector.observe(KEY, "s", { timestamp, value, status }));
  }
  assertEquals(transitions, []);
  assertEquals(detector.baseline("s")!.lost, 0);
});

Deno.test("AnomalyDetector judges a slow probe over its last few samples", () => {
  // DNS every 10 s: a 30 s window holds 3 samples, fewer than min_window_samples (5).
  const detector = new AnomalyDetector({ min_samples: 20 });
  const transitions: AnomalyTransition[] = [];
  for (let i = 0; i < 200; i++) {
    const value = (i >= 150 && i < 170 ? 300 : 40) + (i % 3);
    transitions.push(
      ...detector.observe(KEY, "dns", { timestamp: i * 10_000, value, status: "ok" }),
    );
  }
  // Raised once most of the last five answers were slow; the first slow one alone is no
  // jitter signal (too few differences to judge volatility).
  assertEquals(summary(transitions), ["raised:critical", "cleared:ok"]);
  assertEquals(transitions[0]!.timestamp, 152 * 10_000);
});

Deno.test("AnomalyDetector raises nothing for single slow answers of a slow probe", () => {
  // DNS every 10 s with a cache miss (30 ms instead of 2 ms) one time in eight.
  const detector = new AnomalyDetector({ min_samples: 20 });
  const transitions: AnomalyTransition[] = [];
  for (let i = 0; i < 5000; i++) {
    const value = (i % 8 === 5 ? 30 : 2) + (i % 3) * 0.1;
    transitions.push(
      ...detector.observe(KEY, "dns", { timestamp: i * 10_000, value, status: "ok" }),
    );
  }
  assertEquals(transitions, []);
});

Deno.test("AnomalyDetector.seed() starts a baseline from history, so a run that starts in an incident sees it", () => {
  const history = [...incidentStream({ profile: WIRED, count: 600, seed: 4 })]
    .map(({ timestamp, value }) => ({ timestamp, value }));
  const stepped = [...incidentStream({
    profile: WIRED,
    count: 600,
    start: 700_000,
    seed: 5,
    incidents: [{ start: 700_000, end: 900_000, addMs: 30 }],
  })];
  const warm = new AnomalyDetector();
  assertEquals(warm.seed(KEY, "s", history), 600);
  assertAlmostEquals(warm.baseline("s")!.median, 20, 0.5);
  const warmTransitions = stepped.flatMap((sample) => warm.observe(KEY, "s", sample));
  assertEquals(summary(warmTransitions), ["raised:critical", "cleared:ok"]);
  assert(warmTransitions[0]!.timestamp <= 700_000 + 30_000);
  // Seeding a series already seen, or not watched, does nothing.
  assertEquals(warm.seed(KEY, "s", history), 0);
  assertEquals(warm.seed({ ...KEY, primary: false }, "t", history), 0);

  // Started cold inside the incident, the detector takes it for normal.
  const cold = new AnomalyDetector();
  assertEquals(stepped.flatMap((sample) => cold.observe(KEY, "s", sample)), []);
});
