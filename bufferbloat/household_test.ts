import { assertEquals, assertOk } from "../tests/support/assert.ts";
import {
  gradeForScore,
  HOUSEHOLD_PROFILES,
  type HOUSEHOLD_USERS,
  penalty,
  scoreHousehold,
  type UserMeasurements,
} from "./household.ts";

function user(rtts: (number | null)[], extra: Partial<UserMeasurements> = {}): UserMeasurements {
  return {
    rtts: rtts.map((rttMs, i) => ({ t: i * 100, rttMs })),
    mediaSent: 1_000,
    mediaLate: 0,
    mediaLost: 0,
    downBytes: 0,
    upBytes: 0,
    durationMs: rtts.length * 100,
    ...extra,
  };
}

/** Delivers every profile's target exactly over `ms`. */
function onTarget(name: (typeof HOUSEHOLD_USERS)[number], ms: number) {
  const p = HOUSEHOLD_PROFILES[name];
  const duty = p.burst.onMs / (p.burst.onMs + p.burst.offMs);
  return {
    downBytes: p.downMbps * duty * 1e6 / 8 * ms / 1000,
    upBytes: p.upMbps * 1e6 / 8 * ms / 1000,
  };
}

Deno.test("penalty() and gradeForScore() follow the published steps", () => {
  assertEquals([penalty(75, 50), penalty(75.1, 50), penalty(100.1, 50), penalty(150.1, 50)], [
    0,
    8,
    15,
    25,
  ]);
  assertEquals(
    [100, 92, 91.9, 85, 75, 65, 50, 49].map(gradeForScore),
    ["A+", "A+", "A", "A", "B", "C", "D", "F"],
  );
});

Deno.test("scoreHousehold(): a calm household is all A+, fair and stable", () => {
  const calm = (name: (typeof HOUSEHOLD_USERS)[number]) =>
    user(Array.from({ length: 100 }, (_, i) => 20 + (i % 2)), onTarget(name, 10_000));
  const result = scoreHousehold({
    gamer: calm("gamer"),
    video: calm("video"),
    streaming: calm("streaming"),
    bulk: calm("bulk"),
  });
  assertEquals(result.users.map((u) => u.score), [100, 100, 100, 100]);
  assertEquals(result.grade, "A+");
  assertEquals(result.fairness, 1);
  assertEquals(result.stability, 1);
  assertEquals(result.sufferer, null);
  assertOk(result.verdict.startsWith("Everyone got what they needed"));
  assertEquals(result.users[2]!.targetShare, 1, "streaming's target counts its bursts only");
});

Deno.test("scoreHousehold(): the gamer behind a bloated queue suffers, and the verdict says why", () => {
  const n = 100;
  const bloated = Array.from({ length: n }, (_, i) => (i % 10 < 5 ? 40 : 180)); // bursts of delay
  const result = scoreHousehold({
    gamer: user(bloated, { mediaLate: 30, mediaSent: 1_000, ...onTarget("gamer", 10_000) }),
    video: user(bloated, onTarget("video", 10_000)),
    streaming: user(bloated, onTarget("streaming", 10_000)),
    bulk: user(bloated, { ...onTarget("bulk", 10_000), downBytes: 1e6 }),
  });
  const gamer = result.users[0]!;
  // p95 180 ms > 2 x 75: -15; jitter: 14 changes of 140 ms in 99 steps = 19.8 ms > 3 x 5: -25;
  // loss 30 / 1100 = 2.7 % > 3 x 0.1 %: -25.
  assertEquals(gamer.latencyP95Ms, 180);
  assertEquals(gamer.score, 100 - 15 - 25 - 25);
  assertEquals(gamer.grade, "F");
  assertEquals(result.sufferer, "gamer");
  assertOk(
    result.verdict.startsWith(
      "The gamer (online game) suffered most: latency 180 ms (limit 75 ms, -15)",
    ),
    result.verdict,
  );
  assertOk(
    result.verdict.includes(
      "while video streaming and big downloads filled the connection's queue",
    ),
    result.verdict,
  );
  assertEquals(result.grade, "F");
  // Half of every second broke the gamer's limit.
  assertEquals(result.stability, 0);
  // Bulk got a sliver of its target: unfair.
  assertOk(result.fairness < 0.8, String(result.fairness));
  assertOk(result.verdict.includes("shared unfairly"));
});

Deno.test("scoreHousehold(): a user with no answered probe loses the most", () => {
  const calm = user(Array.from({ length: 50 }, () => 20));
  const result = scoreHousehold({
    gamer: user([null, null]),
    video: calm,
    streaming: calm,
    bulk: calm,
  });
  assertEquals(result.users[0]!.latencyP95Ms, null);
  assertOk(result.users[0]!.problems.includes("no latency could be measured"));
  assertEquals(result.sufferer, "gamer");
});
