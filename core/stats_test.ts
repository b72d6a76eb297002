import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { SampleStatus } from "./contract.ts";
import {
  ipdv,
  lossBursts,
  lossPercent,
  outages,
  rfc3550Jitter,
  SeriesAccumulator,
  summarize,
} from "./stats.ts";

/** A reproducible series with losses, failures and a four-probe outage (xorshift PRNG). */
function series(): { timestamp: number; value: number | null; status: SampleStatus }[] {
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Array.from({ length: 500 }, (_, index) => {
    const timestamp = 1_700_000_000_000 + index * 1000;
    const roll = random();
    if (index >= 200 && index < 204) return { timestamp, value: null, status: "lost" };
    if (roll < 0.05) return { timestamp, value: null, status: "lost" };
    if (roll < 0.07) return { timestamp, value: null, status: "failed" };
    return { timestamp, value: 20 + random() * 30, status: "ok" };
  });
}

Deno.test("SeriesAccumulator agrees with the pure functions on a long series", () => {
  const samples = series();
  const stats = new SeriesAccumulator();
  for (const sample of samples) stats.add(sample);
  const snapshot = stats.snapshot();

  const measured = samples.filter((sample) => sample.status !== "failed");
  const values = measured.map((sample) => sample.value);
  const summary = summarize(values.filter((value) => value !== null));

  strictEqual(snapshot.received, summary.count);
  strictEqual(snapshot.min, summary.min);
  strictEqual(snapshot.max, summary.max);
  strictEqual(snapshot.avg!.toFixed(9), summary.mean.toFixed(9));
  strictEqual(snapshot.lossPct, lossPercent(samples.map((sample) => sample.status)));
  strictEqual(snapshot.jitter, rfc3550Jitter(values));
  strictEqual(snapshot.ipdv!.toFixed(9), ipdv(values).toFixed(9));
  strictEqual(snapshot.failed, samples.length - measured.length);
});

Deno.test("lossBursts() and outages() agree on the same flags", () => {
  const measured = series().filter((sample) => sample.status !== "failed");
  const flags = measured.map((sample) => sample.status === "lost");
  const bursts = lossBursts(flags);
  const found = outages(
    measured.map((sample) => ({ ts: sample.timestamp, lost: sample.status === "lost" })),
    { minLost: 1 },
  );
  deepStrictEqual(found.map((outage) => outage.lostCount), bursts.lengths);
  // The forced outage (probes 200..203) is the only run of two or more in this series.
  const start = 1_700_000_000_000;
  deepStrictEqual(
    outages(
      measured.map((sample) => ({ ts: sample.timestamp, lost: sample.status === "lost" })),
      { minLost: 2 },
    ),
    [{
      start: start + 200_000,
      end: start + 204_000,
      durationMs: 4000,
      lostCount: 4,
      ongoing: false,
    }],
  );
  strictEqual(bursts.maxLength, 4);
});
