/**
 * Made-up bufferbloat tests: an upload queue that fills (cable-like), worse in the evening,
 * a mild download queue, graded on the latency increase under load.
 *
 * @module
 */
import type { BufferbloatSummary } from "../charts/bufferbloat_summary.ts";
import { exponential, type Random } from "./_prng.ts";
import { congestion, type PathProfile } from "./network.ts";

/**
 * The grade for a latency increase under load (upper bounds in ms, as common speed tests
 * use): A+ below 5, A below 30, B below 60, C below 200, D below 400, F above.
 *
 * @param increaseMs The largest loaded median minus the idle median.
 * @returns The grade.
 *
 * @example
 * ```ts
 * import { gradeForIncrease } from "./bufferbloat.ts";
 * console.log(gradeForIncrease(3), gradeForIncrease(45), gradeForIncrease(500)); // A+ B F
 * ```
 */
export function gradeForIncrease(increaseMs: number): string {
  if (increaseMs < 5) return "A+";
  if (increaseMs < 30) return "A";
  if (increaseMs < 60) return "B";
  if (increaseMs < 200) return "C";
  if (increaseMs < 400) return "D";
  return "F";
}

/**
 * One test's outcome: `summary` and `grade` when it completed, `undefined` grade and an
 * `error` summary when it failed.
 *
 * @example
 * ```ts
 * import type { SyntheticBufferbloatTest } from "./bufferbloat.ts";
 * const failed: SyntheticBufferbloatTest = { status: "failed", grade: null, summary: { error: "timeout" } };
 * ```
 */
export interface SyntheticBufferbloatTest {
  /** `"ok"` or `"failed"`. */
  status: "ok" | "failed";
  /** The grade, `null` when failed. */
  grade: string | null;
  /** {@linkcode BufferbloatSummary}, or `{ error }` when failed. */
  summary: BufferbloatSummary | { error: string };
}

/**
 * Runs one made-up test (1 % fail).
 *
 * @param random The tests' random stream.
 * @param ts When the test starts.
 * @param path The idle path to the test server.
 * @returns The outcome.
 *
 * @example The same draws grade worse in the evening than in the morning
 * ```ts
 * import { mulberry32 } from "./_prng.ts";
 * import { bufferbloatTest } from "./bufferbloat.ts";
 * import { SERVER_PROFILES } from "./network.ts";
 * const at = (hour: number) =>
 *   bufferbloatTest(mulberry32(2), Date.UTC(2026, 9, 18, hour), SERVER_PROFILES.vienna!).grade;
 * console.log(at(8), at(20)); // B C
 * ```
 */
export function bufferbloatTest(
  random: Random,
  ts: number,
  path: PathProfile,
): SyntheticBufferbloatTest {
  if (random() < 0.01) return { status: "failed", grade: null, summary: { error: "timeout" } };
  const evening = path.congested ? congestion(ts) : 0;
  const idleMedian = path.medianMs + evening * 3 + (random() - 0.5);
  const idleP25 = idleMedian - path.jitterMs * 0.4;
  const download = idleMedian + 4 + exponential(random, 6 + 10 * evening);
  const upload = idleMedian + 12 + exponential(random, 25 + 90 * evening);
  const bidirectional = Math.max(download, upload) + exponential(random, 5);
  const phase = (median: number) => ({
    median: round(median),
    p95: round(median + (median - idleMedian) * 0.6 + exponential(random, 4)),
  });
  const increase = Math.max(download, upload, bidirectional) - idleMedian;
  const downIncrease = download - idleMedian;
  const upIncrease = upload - idleMedian;
  const queue = increase < 5
    ? "none"
    : upIncrease > 2 * downIncrease
    ? "upload"
    : downIncrease > 2 * upIncrease
    ? "download"
    : "both";
  return {
    status: "ok",
    grade: gradeForIncrease(increase),
    summary: {
      idle_latency_ms: { p25: round(idleP25), median: round(idleMedian) },
      loaded_latency_ms: {
        download: phase(download),
        upload: phase(upload),
        bidirectional: phase(bidirectional),
      },
      increase_ms: round(increase),
      rpm: Math.round(60_000 / bidirectional),
      queue,
    },
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
