/**
 * `bufferbloat_impact`: what loading the link does to latency, from the bufferbloat tests of
 * the period. Left: idle and loaded latency per phase (bars: median over the tests of each
 * test's median; ticks: median of the tests' 95th percentiles), one colour per server.
 * Right: how many tests got each grade. The legend gives the latest grade per server.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { StoredTestResult } from "../store/mod.ts";
import {
  BUFFERBLOAT_GRADES,
  type BufferbloatSummary,
  LOADED_PHASES,
  readBufferbloatSummary,
} from "./bufferbloat_summary.ts";
import { GRADE_COLORS, INK, seriesColors } from "./colors.ts";
import { formatValue, niceCeiling } from "./_series.ts";
import type { ChartBody, ChartContext } from "./types.ts";

const PHASES = ["idle", ...LOADED_PHASES] as const;

/** A test with a readable summary. */
interface GradedTest {
  group: string;
  result: StoredTestResult;
  summary: BufferbloatSummary;
}

/**
 * Builds the bufferbloat chart from the test results of plugin `bufferbloat` (or the
 * filter's plugin), narrowed by the filter's target, interface and server.
 *
 * @param context Store, period, filter.
 * @returns Legend, notes and two panels; no panel when no test completed in the period.
 *
 * @example
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { bufferbloatImpact } from "./bufferbloat_impact.ts";
 * const store = Store.open(":memory:");
 * console.log(bufferbloatImpact({ store, start: 0, end: 60_000, filter: {}, bucketMs: 1000 }).emptyMessage);
 * // No bufferbloat tests completed in this period
 * store.close();
 * ```
 */
export function bufferbloatImpact(context: ChartContext): ChartBody {
  const { filter } = context;
  const results = context.store.testResults({
    start: context.start,
    end: context.end,
    plugin: filter.plugin ?? "bufferbloat",
  }).filter((result) =>
    (filter.target === undefined || result.target === filter.target) &&
    (filter.interface === undefined || result.interface === filter.interface) &&
    (filter.server === undefined || result.server === filter.server)
  );
  const tests: GradedTest[] = [];
  for (const result of results) {
    const summary = result.status === "ok" ? readBufferbloatSummary(result.summary) : undefined;
    if (summary === undefined) continue;
    let group = result.server || result.target || "default";
    if (result.interface) group += ` @${result.interface}`;
    tests.push({ group, result, summary });
  }
  const failed = results.length - tests.length;
  const failedNote = failed > 0 ? [`${failed} test(s) failed or had no figures; left out.`] : [];
  if (tests.length === 0) {
    return {
      subjects: results,
      legend: [],
      notes: failedNote,
      panels: [],
      emptyMessage: "No bufferbloat tests completed in this period",
    };
  }
  const groups = [...new Set(tests.map((test) => test.group))];
  const color = seriesColors(groups);
  const bars = groups.flatMap((group) => {
    const mine = tests.filter((test) => test.group === group);
    return PHASES.map((phase) => {
      const medians = mine.map(({ summary }) =>
        phase === "idle" ? summary.idle_latency_ms.median : summary.loaded_latency_ms[phase].median
      );
      const p95s = phase === "idle"
        ? []
        : mine.map(({ summary }) => summary.loaded_latency_ms[phase].p95);
      return {
        group,
        phase,
        median: median(medians),
        p95: p95s.length > 0 ? median(p95s) : Number.NaN,
      };
    });
  });
  const grades = groups.flatMap((group) =>
    BUFFERBLOAT_GRADES.map((grade) => ({
      group,
      grade,
      count: tests.filter((test) => test.group === group && test.result.grade === grade).length,
    }))
  );
  const top = Math.max(...bars.map((bar) => Math.max(bar.median, bar.p95 || 0)));
  const mostTests = Math.max(1, ...grades.map((row) => row.count));
  const legend = groups.map((group, i) => {
    const mine = tests.filter((test) => test.group === group);
    const latest = mine.at(-1)!;
    const increase = median(mine.map((test) => test.summary.increase_ms));
    const rpm = median(mine.map((test) => test.summary.rpm));
    return {
      label: `${group}: latest grade ${latest.result.grade ?? "–"}, median increase ` +
        `${formatValue(increase)} ms, ${Math.round(rpm)} RPM`,
      color: color.range[i]!,
      mark: "swatch" as const,
    };
  });
  return {
    subjects: tests.map((test) => test.result),
    legend,
    notes: [
      `${tests.length} tests. Bars: median over the tests of each phase's median round trip; ` +
      `black ticks: median of their 95th percentiles.`,
      `Queue: ${queueShares(tests)}. Grades by latency increase under load: A+ < 5 ms, A < 30, ` +
      `B < 60, C < 200, D < 400, F above.`,
      ...failedNote,
    ],
    panels: [
      {
        caption: "Idle vs loaded latency",
        weight: 2,
        plot: ({ scale }) => ({
          marginLeft: 84 * scale,
          marginBottom: 40 * scale,
          fx: { domain: [...PHASES], label: null, padding: 0.12 },
          x: { domain: groups, axis: null, padding: 0.1 },
          y: {
            domain: [0, niceCeiling(top * 1.12)],
            label: "Round-trip time (ms)",
            labelAnchor: "center",
            labelArrow: "none",
            grid: true,
          },
          color,
          marks: [
            Plot.barY(bars, { fx: "phase", x: "group", y: "median", fill: "group" }),
            Plot.tickY(bars.filter((bar) => Number.isFinite(bar.p95)), {
              fx: "phase",
              x: "group",
              y: "p95",
              stroke: INK.text,
              strokeWidth: 2.5 * scale,
            }),
            Plot.text(bars, {
              fx: "phase",
              x: "group",
              y: "median",
              text: (bar: { median: number }) => formatValue(bar.median),
              dy: -10 * scale,
              fill: INK.text,
            }),
            Plot.ruleY([0], { stroke: INK.faint }),
          ],
        }),
      },
      {
        caption: "Grades",
        plot: ({ scale }) => ({
          marginLeft: 56 * scale,
          marginBottom: 46 * scale,
          ...(groups.length > 1 ? { fy: { domain: groups, label: null } } : {}),
          x: {
            domain: [...BUFFERBLOAT_GRADES],
            label: "Grade",
            labelAnchor: "center",
            padding: 0.15,
          },
          y: {
            domain: [0, mostTests * 1.1],
            ticks: integerTicks(mostTests),
            tickFormat: (count: number) => String(count),
            label: "Tests",
            labelAnchor: "center",
            labelArrow: "none",
            grid: true,
          },
          marks: [
            Plot.barY(grades, {
              x: "grade",
              y: "count",
              ...(groups.length > 1 ? { fy: "group" } : {}),
              fill: (row: { grade: string }) => GRADE_COLORS[row.grade] ?? INK.faint,
            }),
            Plot.text(grades.filter((row) => row.count > 0), {
              x: "grade",
              y: "count",
              ...(groups.length > 1 ? { fy: "group" } : {}),
              text: "count",
              dy: -10 * scale,
              fill: INK.text,
            }),
            Plot.ruleY([0], { stroke: INK.faint }),
          ],
        }),
      },
    ],
  };
}

/** Whole-number ticks from 0 to `max`, about six of them, 1, 2 or 5 times a power of ten apart. */
function integerTicks(max: number): number[] {
  const rough = Math.max(1, max / 6);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
}

/** E.g. `upload 78 %, both 15 %, none 7 %`. */
function queueShares(tests: readonly GradedTest[]): string {
  const counts = new Map<string, number>();
  for (const test of tests) {
    counts.set(test.summary.queue, (counts.get(test.summary.queue) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])
    .map(([queue, count]) => `${queue} ${Math.round(count / tests.length * 100)} %`).join(", ");
}
