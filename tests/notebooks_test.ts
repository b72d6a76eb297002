/**
 * The notebooks in `notebooks/`: committed with outputs cleared and a question up front, and
 * executed headless by `tools/run_notebooks.ts` (the `deno task notebooks` command) without
 * errors and with a figure from every chart cell.
 */
import assert from "node:assert/strict";
import { committedNotebookProblems, type Notebook } from "../tools/notebook_checks.ts";

const notebookDir = new URL("../notebooks/", import.meta.url);
const runner = new URL("../tools/run_notebooks.ts", import.meta.url).pathname;
const EXPECTED = [
  "bufferbloat.ipynb",
  "custom-plugin.ipynb",
  "explore.ipynb",
  "wifi-vs-ethernet.ipynb",
];

function hasNbconvert(): boolean {
  try {
    return Deno.statSync("/usr/bin/jupyter-nbconvert").isFile;
  } catch {
    return false;
  }
}
const canRun = hasNbconvert() || (Deno.build.os === "linux" && Deno.uid() === 0);

Deno.test("notebooks are committed with outputs cleared and open with their question", () => {
  const names = [...Deno.readDirSync(notebookDir)].map((e) => e.name)
    .filter((name) => name.endsWith(".ipynb")).sort();
  assert.deepEqual(names, EXPECTED);
  for (const name of names) {
    const notebook = JSON.parse(Deno.readTextFileSync(new URL(name, notebookDir))) as Notebook;
    assert.deepEqual(committedNotebookProblems(notebook), [], name);
  }
});

Deno.test({
  name: canRun
    ? "every notebook runs headless without errors and draws its charts"
    : "every notebook runs headless (skipped: jupyter-nbconvert not installed and not root)",
  ignore: !canRun,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", runner],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, new RegExp(`^${EXPECTED.length} passed, 0 failed$`, "m"), text);
  },
});
