import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { SendStampCorrector } from "./send_stamp_corrector.ts";

Deno.test("SendStampCorrector measures without correcting until it has a sample", () => {
  const corrector = new SendStampCorrector({ clock: () => 1000n });
  const first = corrector.now();
  assertEquals(first, { time: 1000n, raw: 1000n, corrected: false });
  assertOk(Number.isNaN(corrector.stats().errorMedianUs));
  corrector.observe(first, 31_000n);
  assertEquals(corrector.now(), { time: 31_000n, raw: 1000n, corrected: true });
});

Deno.test("SendStampCorrector learns the median lag and reports the error left", () => {
  let now = 0n;
  const corrector = new SendStampCorrector({ clock: () => now, window: 64 });
  const lags = [50, 52, 48, 51, 49, 300, 50, 50]; // microseconds, one outlier
  for (let round = 0; round < 8; round++) {
    for (const lag of lags) {
      const sent = corrector.now();
      corrector.observe(sent, sent.raw + BigInt(lag * 1000));
      now += 10_000_000n;
    }
  }
  const stats = corrector.stats();
  assertEquals(stats.samples, 64);
  assertEquals(stats.correctionUs, 50);
  assertEquals(stats.uncorrectedMedianUs, 50);
  assertOk(stats.errorMedianUs <= 1, `error median ${stats.errorMedianUs}`);
  assertOk(stats.errorP99Us >= 200, "the outlier stays visible");
});

Deno.test("SendStampCorrector only measures when told not to correct", () => {
  const corrector = new SendStampCorrector({ clock: () => 0n, correct: false });
  corrector.observe(corrector.now(), 40_000n);
  const next = corrector.now();
  assertEquals(next.corrected, false);
  assertEquals(corrector.stats().errorMedianUs, 40);
});
