import assert from "node:assert/strict";
import {
  committedNotebookProblems,
  executedNotebookProblems,
  isFigureOutput,
  type NotebookCell,
} from "./notebook_checks.ts";

const intro: NotebookCell = {
  cell_type: "markdown",
  source: ["# Question\n", "text"],
  metadata: {},
};
const chartCell = (outputs: NotebookCell["outputs"]): NotebookCell => ({
  cell_type: "code",
  source: ["plot(rows);\n", "// more"],
  metadata: { tags: ["chart"] },
  outputs,
  execution_count: 3,
});

Deno.test("isFigureOutput() accepts images, SVG in HTML and plotly HTML only", () => {
  const shown = (data: Record<string, unknown>) => ({ output_type: "display_data", data });
  assert.ok(isFigureOutput(shown({ "image/png": "iVBOR" })));
  assert.ok(isFigureOutput(shown({ "image/svg+xml": "<svg/>" })));
  assert.ok(isFigureOutput(shown({ "text/html": ["<figure><svg width=1>", "</svg></figure>"] })));
  assert.ok(isFigureOutput(shown({ "text/html": "<script>Plotly.newPlot(id)</script>" })));
  assert.ok(!isFigureOutput(shown({ "text/html": "<table></table>" })));
  assert.ok(!isFigureOutput({ output_type: "stream", name: "stdout", text: "<svg>" }));
});

Deno.test("executedNotebookProblems() reports errors, stderr errors and charts without figure", () => {
  const problems = executedNotebookProblems({
    cells: [
      intro,
      chartCell([{ output_type: "display_data", data: { "text/html": "<svg></svg>" } }]),
      chartCell([{ output_type: "stream", name: "stdout", text: "no chart" }]),
      {
        cell_type: "code",
        source: "boom()",
        metadata: {},
        outputs: [{ output_type: "error", ename: "ReferenceError", evalue: "boom is not defined" }],
      },
      {
        cell_type: "code",
        source: "warn()",
        metadata: {},
        outputs: [
          { output_type: "stream", name: "stderr", text: ["note\n", "Uncaught TypeError: x\n"] },
          { output_type: "stream", name: "stderr", text: "a warning only\n" },
        ],
      },
    ],
  });
  assert.deepEqual(problems, [
    "cell 3 (plot(rows);): chart cell drew no figure",
    "cell 4 (boom()): ReferenceError: boom is not defined",
    "cell 5 (warn()): stderr: note",
  ]);
  assert.deepEqual(
    executedNotebookProblems({
      cells: [intro, chartCell([{ output_type: "execute_result", data: { "image/png": "x" } }])],
    }),
    [],
  );
});

Deno.test("committedNotebookProblems() wants a markdown opening, chart cells and no outputs", () => {
  const cleared = { ...chartCell([]), execution_count: null };
  assert.deepEqual(committedNotebookProblems({ cells: [intro, cleared] }), []);
  assert.deepEqual(committedNotebookProblems({ cells: [cleared, intro] }), [
    "the first cell is not markdown saying what question the notebook answers",
  ]);
  assert.deepEqual(
    committedNotebookProblems({ cells: [intro, { ...cleared, metadata: {} }] }),
    ["no cell is tagged chart"],
  );
  assert.deepEqual(committedNotebookProblems({ cells: [intro, chartCell([])] }), [
    "cell 2 (plot(rows);): outputs not cleared",
  ]);
});
