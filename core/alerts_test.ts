import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import type { SampleStatus } from "./contract.ts";
import {
  AlertEngine,
  alertEvent,
  type AlertRule,
  type AlertSeriesKey,
  type AlertTransition,
} from "./alerts.ts";
import { BufferbaneError, ErrorCode } from "./errors.ts";

const RTT: AlertSeriesKey = {
  plugin: "udp-echo",
  target: "203.0.113.7",
  interface: "",
  server: "vienna",
  metric: "rtt",
  unit: "ms",
};

/** Feeds `[timestamp, value]` pairs (value `null` = lost) and returns every transition. */
function feed(
  engine: AlertEngine,
  points: readonly (readonly [number, number | null, SampleStatus?])[],
  key: AlertSeriesKey = RTT,
  seriesId = "rtt",
): AlertTransition[] {
  const transitions: AlertTransition[] = [];
  for (const [timestamp, value, status] of points) {
    const sample = { timestamp, value, status: status ?? (value === null ? "lost" : "ok") };
    transitions.push(...engine.observe(key, seriesId, sample));
  }
  return transitions;
}

/** The parts of transitions that tests compare. */
function brief(transitions: AlertTransition[]) {
  return transitions.map(({ from, to, severity, value, timestamp }) => ({
    from,
    to,
    severity,
    value,
    timestamp,
  }));
}

Deno.test("AlertEngine raises once, upgrades, downgrades and clears once", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "avg", warn: 100, critical: 200, window: 3000, min_samples: 3 },
  ]);
  // Window (t - 3000, t]; with one sample a second it holds the last three values.
  const transitions = feed(engine, [
    [1000, 50],
    [2000, 50],
    [3000, 50], // avg 50: ok, no transition
    [4000, 250], // (50 + 50 + 250) / 3 = 116.67: warn
    [5000, 260], // (50 + 250 + 260) / 3 = 186.67: still warn
    [6000, 290], // (250 + 260 + 290) / 3 = 266.67: critical
    [7000, 300], // 850 / 3 = 283.3: still critical
    [8000, 20], // 610 / 3 = 203.3: still critical
    [9000, 20], // 340 / 3 = 113.3: warn
    [10000, 20], // 20: ok
    [11000, 20], // 20: still ok
    [12000, 20],
  ]);
  deepStrictEqual(brief(transitions), [
    { from: "ok", to: "warn", severity: "warn", value: 350 / 3, timestamp: 4000 },
    { from: "warn", to: "critical", severity: "critical", value: 800 / 3, timestamp: 6000 },
    { from: "critical", to: "warn", severity: "warn", value: 340 / 3, timestamp: 9000 },
    { from: "warn", to: "ok", severity: "clear", value: 20, timestamp: 10000 },
  ]);
  deepStrictEqual(transitions.map((transition) => transition.message), [
    "udp-echo rtt avg over 3s is 116.7 ms (warn >= 100) for 203.0.113.7 via vienna",
    "udp-echo rtt avg over 3s is 266.7 ms (critical >= 200) for 203.0.113.7 via vienna",
    "udp-echo rtt avg over 3s is 113.3 ms (warn >= 100) for 203.0.113.7 via vienna",
    "udp-echo rtt avg over 3s is 20 ms (back below warn 100) for 203.0.113.7 via vienna",
  ]);
  strictEqual(transitions[0]!.seriesId, "rtt");
  deepStrictEqual(transitions[0]!.key, RTT);
});

Deno.test("AlertEngine does not re-raise while the level holds", () => {
  const engine = new AlertEngine([{ metric: "rtt", stat: "max", warn: 100, window: 60_000 }]);
  const points = Array.from({ length: 50 }, (_, index) => [index * 1000, 150] as const);
  const transitions = feed(engine, points);
  strictEqual(transitions.length, 1);
  // min_samples defaults to 3: the third sample (t = 2000) raises
  strictEqual(transitions[0]!.timestamp, 2000);
});

Deno.test("AlertEngine waits for min_samples in the window", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 10_000, min_samples: 4 },
  ]);
  // Lost and failed samples do not count towards min_samples of a value stat.
  deepStrictEqual(
    feed(engine, [[0, 500], [1000, null], [2000, 500], [3000, null, "failed"], [4000, 500]]),
    [],
  );
  deepStrictEqual(brief(feed(engine, [[5000, 500]])), [
    { from: "ok", to: "warn", severity: "warn", value: 500, timestamp: 5000 },
  ]);
});

Deno.test("AlertEngine clears when high values leave the window", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 3000, min_samples: 1 },
  ]);
  const transitions = feed(engine, [
    [0, 150], // max 150: warn
    [1000, 10], // window (-2000, 1000]: max 150
    [2999, 10], // window (-1, 2999]: still holds t = 0
    [3000, 10], // window (0, 3000]: t = 0 left, max 10: ok
  ]);
  deepStrictEqual(brief(transitions), [
    { from: "ok", to: "warn", severity: "warn", value: 150, timestamp: 0 },
    { from: "warn", to: "ok", severity: "clear", value: 10, timestamp: 3000 },
  ]);
});

Deno.test("AlertEngine keeps the level when too few samples remain after a gap", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 3000, min_samples: 2 },
  ]);
  strictEqual(feed(engine, [[0, 150], [1000, 150]]).length, 1);
  // One sample after a long gap: the window holds 1 < 2 samples, nothing is evaluated.
  deepStrictEqual(feed(engine, [[60_000, 10]]), []);
  strictEqual(engine.activeAlerts().length, 1);
  // A second sample makes the window evaluable again: max 10, ok.
  strictEqual(feed(engine, [[61_000, 10]])[0]?.to, "ok");
  deepStrictEqual(engine.activeAlerts(), []);
});

Deno.test("AlertEngine loss_pct counts ok and lost samples, not failed ones", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "loss_pct", warn: 20, critical: 50, window: 10_000, min_samples: 4 },
  ]);
  // Three measured samples and any number of failed ones: not evaluated yet.
  deepStrictEqual(
    feed(engine, [
      [0, 10],
      [100, null, "failed"],
      [200, null, "failed"],
      [1000, 10],
      [2000, null],
      [2500, null, "failed"],
    ]),
    [],
  );
  const transitions = feed(engine, [
    [3000, 10], // 1 lost of 4 = 25 %: warn
    [4000, null], // 2 of 5 = 40 %: warn
    [5000, null], // 3 of 6 = 50 %: critical
  ]);
  deepStrictEqual(brief(transitions), [
    { from: "ok", to: "warn", severity: "warn", value: 25, timestamp: 3000 },
    { from: "warn", to: "critical", severity: "critical", value: 50, timestamp: 5000 },
  ]);
  strictEqual(
    transitions[0]!.message,
    "udp-echo rtt loss_pct over 10s is 25% (warn >= 20) for 203.0.113.7 via vienna",
  );
});

Deno.test("AlertEngine applies a rule only to series that match it", () => {
  const rule: AlertRule = {
    metric: "rtt",
    plugin: "icmp",
    target: "192.0.2.1",
    interface: "wlan0",
    stat: "max",
    warn: 100,
    window: 10_000,
    min_samples: 1,
  };
  const engine = new AlertEngine([rule]);
  const matching = { ...RTT, plugin: "icmp", target: "192.0.2.1", interface: "wlan0" };
  const others: AlertSeriesKey[] = [
    { ...matching, plugin: "udp-echo" },
    { ...matching, target: "192.0.2.2" },
    { ...matching, interface: "eth0" },
    { ...matching, interface: "" },
    { ...matching, metric: "loss" },
  ];
  others.forEach((key, index) => {
    deepStrictEqual(feed(engine, [[0, 500]], key, `other-${index}`), []);
  });
  const [raised] = feed(engine, [[0, 500]], matching, "match");
  strictEqual(raised?.to, "warn");
  strictEqual(raised.rule, rule);
  // server was not given, so any server matches
  strictEqual(feed(engine, [[0, 500]], { ...matching, server: "" }, "no-server").length, 1);
});

Deno.test("AlertEngine matches an explicit empty interface to the default route only", () => {
  const engine = new AlertEngine([
    { metric: "rtt", interface: "", stat: "max", warn: 1, window: 1000, min_samples: 1 },
  ]);
  strictEqual(feed(engine, [[0, 5]], { ...RTT, interface: "" }, "default").length, 1);
  strictEqual(feed(engine, [[0, 5]], { ...RTT, interface: "eth0" }, "eth0").length, 0);
});

Deno.test("AlertEngine keeps separate windows and levels per series", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 10_000, min_samples: 1 },
  ]);
  strictEqual(feed(engine, [[0, 500]], RTT, "a").length, 1);
  // Series b only sees its own low values.
  deepStrictEqual(feed(engine, [[0, 5], [1000, 5]], RTT, "b"), []);
  deepStrictEqual(engine.activeAlerts().map((alert) => alert.seriesId), ["a"]);
});

Deno.test("AlertEngine evaluates percentiles and jitter over the window", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "p50", warn: 100, window: 60_000, min_samples: 3 },
    { metric: "rtt", stat: "jitter", warn: 2.5, window: 60_000, min_samples: 2 },
  ]);
  // p50 of [10, 26, 300] is 26 (one spike does not move the median)
  // jitter: |D| = 16 -> J = 1; |D| = 274 -> J = 1 + (274 - 1) / 16 = 18.0625: warn
  const transitions = feed(engine, [[0, 10], [1000, 26], [2000, 300]]);
  deepStrictEqual(
    transitions.map(({ rule, value, timestamp }) => ({ stat: rule.stat, value, timestamp })),
    [{ stat: "jitter", value: 18.0625, timestamp: 2000 }],
  );
  // p50 of [10, 26, 300, 300] = 26 + 0.5 * (300 - 26) = 163: warn
  strictEqual(feed(engine, [[3000, 300]]).find((t) => t.rule.stat === "p50")?.value, 163);
});

Deno.test("AlertEngine.activeAlerts() lists raised alerts with level, since and value", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, critical: 200, window: 2000, min_samples: 1 },
  ]);
  feed(engine, [[1000, 150], [2000, 250], [3000, 260]]);
  // window (1000, 3000] = [250, 260]: max 260, critical since the raise at t = 1000
  deepStrictEqual(
    engine.activeAlerts().map(({ level, since, value, message }) => ({
      level,
      since,
      value,
      message,
    })),
    [{
      level: "critical",
      since: 1000,
      value: 260,
      message: "udp-echo rtt max over 2s is 250 ms (critical >= 200) for 203.0.113.7 via vienna",
    }],
  );
});

Deno.test("AlertEngine ignores a sample older than the window", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 1000, min_samples: 1 },
  ]);
  feed(engine, [[5000, 10]]);
  // t = 3000 is outside (4000, 5000]: refused, not evaluated
  deepStrictEqual(feed(engine, [[3000, 900]]), []);
});

Deno.test("AlertEngine messages show units and places only when given", () => {
  const throughput: AlertSeriesKey = {
    plugin: "http",
    target: "",
    interface: "eth0",
    server: "",
    metric: "throughput",
    unit: "Mbit/s",
  };
  // No unit, no target, no server: 123.456 shows with one decimal
  const scores = new AlertEngine([
    { metric: "score", stat: "avg", warn: 0.5, window: 500, min_samples: 1 },
  ]);
  strictEqual(
    feed(scores, [[0, 123.456]], { ...throughput, metric: "score", unit: "" }, "s")[0]?.message,
    "http score avg over 500ms is 123.5 (warn >= 0.5) on eth0",
  );
  // A critical-only rule raises at critical and clears below critical; values under 10 keep
  // three significant digits
  const speeds = new AlertEngine([
    { metric: "throughput", stat: "max", critical: 10, window: 1000, min_samples: 1 },
  ]);
  deepStrictEqual(
    feed(speeds, [[0, 12.345], [2000, 0.01234]], throughput, "t").map((t) => t.message),
    [
      "http throughput max over 1s is 12.3 Mbit/s (critical >= 10) on eth0",
      "http throughput max over 1s is 0.0123 Mbit/s (back below critical 10) on eth0",
    ],
  );
});

Deno.test("alertEvent() turns a transition into an alert event", () => {
  const engine = new AlertEngine([
    { metric: "rtt", stat: "max", warn: 100, window: 1000, min_samples: 1 },
  ]);
  const [transition] = feed(engine, [[42, 150]]);
  deepStrictEqual(alertEvent(transition!), {
    kind: "alert",
    severity: "warn",
    message: "udp-echo rtt max over 1s is 150 ms (warn >= 100) for 203.0.113.7 via vienna",
    timestamp: 42,
    metric: "rtt",
    data: {
      series: "rtt",
      plugin: "udp-echo",
      target: "203.0.113.7",
      interface: "",
      server: "vienna",
      stat: "max",
      window: 1000,
      warn: 100,
      critical: null,
      from: "ok",
      to: "warn",
      value: 150,
    },
  });
});

Deno.test("AlertEngine rejects rules that cannot work", () => {
  const base: AlertRule = { metric: "rtt", stat: "avg", warn: 100, window: 1000 };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ warn: undefined }, /^Alert rule "rtt avg" has no threshold$/],
    [{ window: 0 }, /^Alert rule "rtt avg" has an invalid window: "0"$/],
    [{ window: NaN }, /invalid window: "NaN"/],
    [{ min_samples: 0 }, /invalid min_samples: "0"/],
    [{ min_samples: 1.5 }, /invalid min_samples: "1.5"/],
    [{ warn: 300, critical: 200 }, /has warn above critical: "300" > "200"/],
    [{ warn: NaN }, /invalid warn: "NaN"/],
    [{ stat: "p90" }, /^Alert rule "rtt p90" has an unknown stat: "p90"$/],
  ];
  for (const [change, message] of cases) {
    throws(
      () => new AlertEngine([{ ...base, ...change } as AlertRule]),
      (error) =>
        error instanceof BufferbaneError && error.code === ErrorCode.RecipeInvalid &&
        message.test(error.message),
      `expected ${message} for ${JSON.stringify(change)}`,
    );
  }
  // A critical-only rule, and warn equal to critical, are fine.
  new AlertEngine([{ ...base, warn: undefined, critical: 5 }, { ...base, critical: 100 }]);
});
