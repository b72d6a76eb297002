import assert from "node:assert/strict";
import type { StoredEvent } from "../store/mod.ts";
import { summarizeAlerts } from "./alerts.ts";

const data = {
  series: "icmp/vienna/wlan0//rtt",
  plugin: "icmp",
  target: "vienna",
  interface: "wlan0",
  server: "",
  stat: "p95",
};

function alert(id: number, ts: number, severity: StoredEvent["severity"], extra = {}): StoredEvent {
  return {
    id,
    runId: 1,
    ts,
    kind: "alert",
    severity,
    seriesId: 1,
    message: `${severity} at ${ts}`,
    data: { ...data, ...extra },
  };
}

Deno.test("summarizeAlerts() pairs raises with clears and counts events per severity", () => {
  const summary = summarizeAlerts([
    alert(1, 100, "warn"),
    alert(2, 200, "clear"),
    alert(3, 300, "critical", { stat: "loss_pct" }),
    alert(4, 350, "clear", { stat: "loss_pct" }),
  ], { start: 0, end: 1000 });
  assert.deepEqual(summary.counts, { critical: 1, warn: 1, info: 0, clear: 2 });
  assert.deepEqual(
    summary.episodes.map((e) => [e.subject, e.severity, e.start, e.end, e.open]),
    [
      ["icmp vienna @wlan0 p95", "warn", 100, 200, false],
      ["icmp vienna @wlan0 loss_pct", "critical", 300, 350, false],
    ],
  );
  assert.deepEqual(summary.subjects, ["icmp vienna @wlan0 p95", "icmp vienna @wlan0 loss_pct"]);
  assert.equal(summary.raised, 2);
  assert.equal(summary.events.length, 4);
});

Deno.test("summarizeAlerts() starts alerts raised before the period at its start and leaves open ones open", () => {
  const summary = summarizeAlerts([
    alert(1, 50, "clear", { from: "critical" }),
    alert(2, 600, "warn"),
  ], { start: 0, end: 1000 });
  assert.deepEqual(summary.episodes.map((e) => [e.severity, e.start, e.end, e.open]), [
    ["critical", 0, 50, false],
    ["warn", 600, 1000, true],
  ]);
  assert.equal(summary.open, 1);
  assert.match(summary.sentence, /^2 alerts in this period \(1 critical, 1 warn\), 1 still open; /);
});

Deno.test("summarizeAlerts() splits an alert that changes severity", () => {
  const summary = summarizeAlerts([
    alert(1, 100, "warn"),
    alert(2, 200, "critical"),
    alert(3, 300, "clear"),
  ], { start: 0, end: 1000 });
  assert.deepEqual(summary.episodes.map((e) => [e.severity, e.start, e.end]), [
    ["warn", 100, 200],
    ["critical", 200, 300],
  ]);
});

Deno.test("summarizeAlerts() lists other events and makes warnings of them episodes without length", () => {
  const summary = summarizeAlerts([
    {
      id: 1,
      runId: 1,
      ts: 10,
      kind: "missed_slots",
      severity: "warn",
      seriesId: null,
      message: "3 slots missed",
      data: null,
    },
    {
      id: 2,
      runId: 1,
      ts: 20,
      kind: "run_started",
      severity: "info",
      seriesId: null,
      message: "started",
      data: null,
    },
  ], { start: 0, end: 100 });
  assert.deepEqual(summary.episodes.map((e) => [e.subject, e.start, e.end]), [[
    "missed_slots",
    10,
    10,
  ]]);
  assert.equal(summary.counts.info, 1);
  assert.equal(summary.events[1]?.subject, "run_started");
});
