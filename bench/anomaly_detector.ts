/**
 * Anomaly detector benchmark: how fast it judges samples, how quiet it stays on quiet days
 * (false positives), and how soon it raises on steps and loss bursts of several sizes, on the
 * synthetic incident streams. Prints figures; asserts nothing.
 *
 * Run: `deno run -A bench/anomaly_detector.ts [days]`
 *
 * @module
 */
import { AnomalyDetector } from "../core/anomaly/mod.ts";
import { type Incident, incidentStream } from "../synthetic/incident_stream.ts";
import type { PathProfile } from "../synthetic/network.ts";

const DAYS = Number(Deno.args[0] ?? 2);
const KEY = {
  plugin: "icmp",
  target: "bench",
  interface: "",
  server: "",
  metric: "rtt",
  unit: "ms",
  primary: true,
};
const PROFILES: Record<string, PathProfile> = {
  wired: { medianMs: 20, jitterMs: 1, lossPct: 0.5, congested: false },
  wifi: { medianMs: 33, jitterMs: 8.5, lossPct: 2.3, congested: false },
  satellite: { medianMs: 600, jitterMs: 40, lossPct: 1, congested: false },
};

function run(profile: PathProfile, count: number, incidents: Incident[], seed: number) {
  const detector = new AnomalyDetector();
  let raises = 0;
  let firstRaise = NaN;
  let evaluations = 0;
  let aboveClear = 0;
  let max = 0;
  const started = performance.now();
  for (const sample of incidentStream({ profile, count, incidents, seed })) {
    for (const t of detector.observe(KEY, "s", sample)) {
      if (t.reason === "raised") {
        raises++;
        if (Number.isNaN(firstRaise)) firstRaise = t.timestamp;
      }
    }
    const confidence = detector.lastConfidence("s") ?? 0;
    evaluations++;
    if (confidence >= 0.2) aboveClear++;
    max = Math.max(max, confidence);
  }
  const ms = performance.now() - started;
  return { raises, firstRaise, evaluations, aboveClear, max, samplesPerSecond: count / ms * 1000 };
}

console.log(
  `quiet days (${DAYS} d at 1 probe/s, 3 seeds each): alerts, max confidence, share >= clear`,
);
for (const [name, profile] of Object.entries(PROFILES)) {
  for (const seed of [1, 2, 3]) {
    const r = run(profile, DAYS * 86_400, [], seed);
    console.log(
      `  ${name.padEnd(9)} seed ${seed}: ${r.raises} alerts, max ${r.max.toFixed(3)}, ` +
        `${(r.aboveClear / r.evaluations * 100).toFixed(4)} % >= clear, ` +
        `${Math.round(r.samplesPerSecond).toLocaleString("en")} samples/s`,
    );
  }
}

const HOUR = 3_600_000;
console.log("\nlatency steps on the wired path (10 min long), time to the first alert:");
for (const addMs of [2, 3, 4, 6, 10, 30]) {
  const r = run(PROFILES.wired!, 7200, [{ start: HOUR, end: HOUR + 600_000, addMs }], 1);
  const after = Number.isNaN(r.firstRaise) ? "none" : `${(r.firstRaise - HOUR) / 1000} s`;
  console.log(`  +${addMs} ms: ${r.raises} alert(s), first after ${after}`);
}
console.log("\nloss bursts on the wired path (all probes lost), time to the first alert:");
for (const seconds of [2, 3, 4, 6, 10]) {
  const r = run(PROFILES.wired!, 7200, [{
    start: HOUR,
    end: HOUR + seconds * 1000,
    addLossPct: 100,
  }], 1);
  const after = Number.isNaN(r.firstRaise) ? "none" : `${(r.firstRaise - HOUR) / 1000} s`;
  console.log(`  ${seconds} s: ${r.raises} alert(s), first after ${after}`);
}
