import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { BrowserResults, MAX_RESULT_SAMPLES, resultUploadSchema } from "./browser_results.ts";

const session = "A".repeat(22);

Deno.test("BrowserResults grades the samples itself and keeps them for the share page", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/results.db`;
    const results = new BrowserResults({ path });
    const samples = [
      { t: 200, phase: "upload" as const, rttMs: 300 },
      { t: 0, phase: "baseline" as const, rttMs: 20 },
      { t: 100, phase: "download" as const, rttMs: 22 },
    ];
    const saved = results.save({
      session,
      samples,
      goodput: { upload: { uploadMbps: 19 } },
      durations: { baseline: 5000 },
    });
    assertEquals(saved.result.phases.upload.grade, "D");
    assertEquals(saved.samples.map((s) => s.t), [0, 100, 200], "sorted by time");
    results.close();
    // A restart keeps it.
    const reopened = new BrowserResults({ path });
    const again = reopened.get(saved.id)!;
    assertEquals(again.result, saved.result);
    assertEquals(again.samples, saved.samples);
    assertEquals(again.durations, { baseline: 5000 });
    assertEquals(reopened.get("no-such-id"), undefined);
    assertEquals(reopened.get("../../etc/passwd"), undefined);
    reopened.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("BrowserResults forgets results past the retention and beyond the count", () => {
  let now = 1_000_000;
  const results = new BrowserResults({ retentionDays: 1, maxResults: 3, now: () => now });
  const save = () => results.save({ session, samples: [], goodput: {}, durations: {} }).id;
  const first = save();
  now += 86_400_001;
  assertEquals(results.get(first), undefined, "expired");
  const ids = [save(), save(), save(), save()];
  results.prune();
  assertEquals(results.count, 3);
  assertEquals(results.get(ids[0]!), undefined, "the oldest beyond the count");
  assertOk(results.get(ids[3]!) !== undefined);
  results.close();
});

Deno.test("resultUploadSchema refuses what a page would not send", () => {
  const good = { session, samples: [], goodput: {}, durations: {} };
  assertOk(resultUploadSchema.safeParse(good).success);
  const bad = [
    { ...good, session: "short" },
    { ...good, grade: "A+" },
    { ...good, samples: [{ t: 0, phase: "nap", rttMs: 1 }] },
    { ...good, samples: [{ t: 0, phase: "baseline", rttMs: -1 }] },
    { ...good, samples: [{ t: 0, phase: "baseline", rttMs: Infinity }] },
    { ...good, goodput: { upload: { uploadMbps: "fast" } } },
    {
      ...good,
      samples: Array.from(
        { length: MAX_RESULT_SAMPLES + 1 },
        () => ({ t: 0, phase: "baseline", rttMs: 1 }),
      ),
    },
  ];
  for (const body of bad) assertEquals(resultUploadSchema.safeParse(body).success, false);
});
