/**
 * Checks on Jupyter notebooks (nbformat 4 JSON): that a committed notebook has its outputs
 * cleared and opens with a markdown cell, and that an executed one ran without errors and
 * drew every chart cell (cells tagged `chart`).
 *
 * @module
 */

/**
 * The parts of an nbformat 4 notebook the checks read.
 *
 * @example A notebook of one markdown cell
 * ```ts
 * import type { Notebook } from "./notebook_checks.ts";
 * const notebook: Notebook = { cells: [{ cell_type: "markdown", source: ["# Hi"], metadata: {} }] };
 * ```
 */
export interface Notebook {
  /** The cells, in order. */
  cells: NotebookCell[];
}

/**
 * One cell of a {@linkcode Notebook}.
 *
 * @example A chart cell not yet run
 * ```ts
 * import type { NotebookCell } from "./notebook_checks.ts";
 * const cell: NotebookCell = {
 *   cell_type: "code", source: "plot(...)", metadata: { tags: ["chart"] }, outputs: [], execution_count: null,
 * };
 * ```
 */
export interface NotebookCell {
  /** `"code"`, `"markdown"` or `"raw"`. */
  cell_type: string;
  /** The source, as one string or a list of lines. */
  source: string | string[];
  /** Cell metadata; `tags` marks chart cells. */
  metadata: { tags?: string[] } & Record<string, unknown>;
  /** Outputs of a code cell. */
  outputs?: NotebookOutput[];
  /** Execution count of a code cell, `null` when not run. */
  execution_count?: number | null;
}

/**
 * One output of a code cell.
 *
 * @example An error output
 * ```ts
 * import type { NotebookOutput } from "./notebook_checks.ts";
 * const output: NotebookOutput = { output_type: "error", ename: "TypeError", evalue: "x is not a function" };
 * ```
 */
export interface NotebookOutput {
  /** `"stream"`, `"display_data"`, `"execute_result"` or `"error"`. */
  output_type: string;
  /** Stream name: `"stdout"` or `"stderr"`. */
  name?: string;
  /** Stream text. */
  text?: string | string[];
  /** MIME bundle of a display or result. */
  data?: Record<string, unknown>;
  /** Error name. */
  ename?: string;
  /** Error message. */
  evalue?: string;
}

const text = (value: unknown): string =>
  Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "";

/** The first line of a cell's source, to name it in problems. */
function cellName(cell: NotebookCell, index: number): string {
  const first = text(cell.source).trim().split("\n")[0] ?? "";
  return `cell ${index + 1} (${first.slice(0, 50)})`;
}

/**
 * Whether an output is a drawn figure: an image, or HTML holding an `<svg>` or a plotly plot.
 *
 * @param output The output.
 * @returns `true` for a figure.
 *
 * @example
 * ```ts
 * import { isFigureOutput } from "./notebook_checks.ts";
 * console.log(isFigureOutput({ output_type: "display_data", data: { "text/html": "<svg></svg>" } })); // true
 * console.log(isFigureOutput({ output_type: "display_data", data: { "text/plain": "<svg>" } })); // false
 * ```
 */
export function isFigureOutput(output: NotebookOutput): boolean {
  const data = output.data ?? {};
  if ("image/png" in data || "image/svg+xml" in data) return true;
  const html = text(data["text/html"]);
  return /<svg\b/i.test(html) || /plotly/i.test(html);
}

/**
 * Problems of an executed notebook: error outputs, stderr lines that mention an error, and
 * chart cells (tagged `chart`) without a figure output.
 *
 * @param notebook The executed notebook.
 * @returns One line per problem; empty when it is fine.
 *
 * @example A chart cell that drew nothing
 * ```ts
 * import { executedNotebookProblems } from "./notebook_checks.ts";
 * const problems = executedNotebookProblems({
 *   cells: [{ cell_type: "code", source: "plot()", metadata: { tags: ["chart"] }, outputs: [] }],
 * });
 * console.log(problems); // [ "cell 1 (plot()): chart cell drew no figure" ]
 * ```
 */
export function executedNotebookProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const outputs = cell.outputs ?? [];
    for (const output of outputs) {
      if (output.output_type === "error") {
        problems.push(`${cellName(cell, i)}: ${output.ename}: ${output.evalue}`);
      }
      if (output.output_type === "stream" && output.name === "stderr") {
        const stderr = text(output.text);
        if (/error/i.test(stderr)) {
          problems.push(`${cellName(cell, i)}: stderr: ${stderr.trim().split("\n")[0]}`);
        }
      }
    }
    if (cell.metadata.tags?.includes("chart") && !outputs.some(isFigureOutput)) {
      problems.push(`${cellName(cell, i)}: chart cell drew no figure`);
    }
  });
  return problems;
}

/**
 * Problems of a notebook as committed: it must open with a markdown cell (what question it
 * answers), have chart cells, and have every output cleared.
 *
 * @param notebook The notebook.
 * @returns One line per problem; empty when it is fine.
 *
 * @example A notebook committed with an output
 * ```ts
 * import { committedNotebookProblems } from "./notebook_checks.ts";
 * const problems = committedNotebookProblems({
 *   cells: [
 *     { cell_type: "markdown", source: "# Q", metadata: {} },
 *     { cell_type: "code", source: "1", metadata: { tags: ["chart"] }, execution_count: 1, outputs: [{ output_type: "execute_result", data: {} }] },
 *   ],
 * });
 * console.log(problems); // [ "cell 2 (1): outputs not cleared" ]
 * ```
 */
export function committedNotebookProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  if (notebook.cells[0]?.cell_type !== "markdown") {
    problems.push("the first cell is not markdown saying what question the notebook answers");
  }
  if (!notebook.cells.some((cell) => cell.metadata.tags?.includes("chart"))) {
    problems.push("no cell is tagged chart");
  }
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    if ((cell.outputs ?? []).length > 0 || (cell.execution_count ?? null) !== null) {
      problems.push(`${cellName(cell, i)}: outputs not cleared`);
    }
  });
  return problems;
}
