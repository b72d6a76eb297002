/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The result view of the browser test: the total grade, the verdict, and a table of every
 * phase (median, 95th percentile, increase, grade, goodput, samples and losses).
 *
 * @module
 */
import {
  BROWSER_PHASES,
  type BrowserResult,
  GRADED_PHASES,
} from "../../bufferbloat/browser_result.ts";
import { PHASE_LABELS } from "./_chart.ts";

const ms = (v: number | null) => v === null ? "–" : v < 10 ? v.toFixed(1) : Math.round(v).toString();
const mbps = (v: number | undefined) =>
  v === undefined ? "" : v >= 100 ? Math.round(v).toString() : v.toFixed(1);

/** Creates an element with text. */
function el(tag: string, text?: string, className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * Renders a result into `container`.
 *
 * @param container Where.
 * @param result The server's grading.
 *
 * @example
 * ```ts ignore
 * import { renderResult } from "./_view.ts";
 * renderResult(document.querySelector("#result")!, stored.result);
 * ```
 */
export function renderResult(container: HTMLElement, result: BrowserResult): void {
  const grade = el("div", result.totalGrade ?? "?", "grade");
  grade.dataset.grade = result.totalGrade ?? "none";
  grade.id = "total-grade";
  const verdict = el("p", result.verdict, "verdict");
  verdict.id = "verdict";
  const table = el("table");
  const head = el("tr");
  for (const title of ["Phase", "Median ms", "p95 ms", "Increase ms", "Grade", "Mbit/s", "Samples"]) {
    head.append(el("th", title));
  }
  table.append(head);
  for (const phase of BROWSER_PHASES) {
    const f = result.phases[phase];
    const row = el("tr");
    row.dataset.phase = phase;
    const graded = (GRADED_PHASES as readonly string[]).includes(phase);
    const goodput = [
      f.goodput?.downloadMbps !== undefined ? `↓ ${mbps(f.goodput.downloadMbps)}` : "",
      f.goodput?.uploadMbps !== undefined ? `↑ ${mbps(f.goodput.uploadMbps)}` : "",
    ].filter(Boolean).join(" ");
    const cells = [
      PHASE_LABELS[phase],
      ms(f.medianMs),
      ms(f.p95Ms),
      phase === "baseline" ? "" : f.increaseMs === null ? "–" : `+${ms(Math.max(0, f.increaseMs))}`,
      graded ? f.grade ?? "–" : phase === "baseline" ? result.baselineGrade ?? "–" : "",
      goodput,
      f.lost > 0 ? `${f.sent} (${f.lost} lost)` : String(f.sent),
    ];
    for (const cell of cells) row.append(el("td", cell));
    if (!graded && phase !== "baseline") row.className = "muted";
    table.append(row);
  }
  const wrap = el("div", undefined, "table-wrap");
  wrap.append(table);
  container.replaceChildren(grade, verdict, wrap);
}
