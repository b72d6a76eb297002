/**
 * The notebooks command (`deno task notebooks`): installs Debian's Jupyter when it is missing
 * (as root), writes a project-local kernelspec for the Deno kernel (nothing is installed
 * under `~/.local`), builds a synthetic fixture store, executes every notebook in
 * `notebooks/` headless with `jupyter nbconvert --execute`, and checks each executed notebook
 * with {@linkcode executedNotebookProblems}: no error output, no error on stderr, and a
 * figure from every cell tagged `chart`. Ends with `N passed, N failed`; exits 1 on any
 * failure, 2 when Jupyter cannot be had (not installed and not root).
 *
 * Run: `deno run -A tools/run_notebooks.ts [--out DIR] [name.ipynb ...]` (`--out` keeps the
 * executed notebooks).
 *
 * @module
 */
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { generateSyntheticStore } from "../synthetic/generate.ts";
import { executedNotebookProblems, type Notebook } from "./notebook_checks.ts";

/** Debian packages of Jupyter that `nbconvert --execute` needs. */
const JUPYTER_PACKAGES = [
  "jupyter-notebook",
  "jupyter-nbconvert",
  "python3-nbclient",
  "python3-ipykernel",
  "jupyter-client",
];
/** Debian's nbconvert (PATH's may be a pyenv one without nbformat). */
const NBCONVERT = "/usr/bin/jupyter-nbconvert";
const KERNEL_NAME = "bufferbane-deno";
const NOTEBOOK_DIR = new URL("../notebooks/", import.meta.url).pathname;
/** Seconds a cell may run. */
const CELL_TIMEOUT_S = 120;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const name of JUPYTER_PACKAGES) {
    let status = "";
    try {
      const out = await new Deno.Command("dpkg-query", { args: ["-W", "-f=${Status}", name] })
        .output();
      status = new TextDecoder().decode(out.stdout);
    } catch { /* no dpkg: missing */ }
    if (!status.includes("install ok installed")) missing.push(name);
  }
  return missing;
}

async function apt(args: string[]): Promise<boolean> {
  const child = new Deno.Command("apt-get", {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).success;
}

/** Installs Jupyter when missing and root; `undefined` when ready, else why not. */
async function ensureJupyter(): Promise<string | undefined> {
  const missing = await missingPackages();
  if (missing.length > 0 && Deno.uid() === 0) {
    console.log(`notebooks: installing ${missing.join(", ")} with apt-get`);
    const args = ["install", "-y", "--no-install-recommends", ...missing];
    if (!await apt(args)) {
      await apt(["update"]);
      await apt(args);
    }
  }
  if (await exists(NBCONVERT)) return undefined;
  return Deno.uid() === 0
    ? `apt-get could not install ${missing.join(", ")}`
    : `${NBCONVERT} not installed and not root`;
}

/** Writes the kernelspec of the Deno kernel under `dir/kernels/`; returns `dir`. */
async function writeKernelspec(dir: string): Promise<string> {
  const kernelDir = join(dir, "kernels", KERNEL_NAME);
  await Deno.mkdir(kernelDir, { recursive: true });
  const spec = {
    argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno (bufferbane)",
    language: "typescript",
    env: { NO_COLOR: "1" },
  };
  await Deno.writeTextFile(join(kernelDir, "kernel.json"), JSON.stringify(spec, null, 2));
  return dir;
}

/**
 * Runs of a notebook whose only problem is a chart cell without output. The Deno kernel
 * sometimes sends a cell's result after telling Jupyter it is idle (it waits a few ms for
 * its output streams to flush, which a loaded machine outlasts); nbconvert has then moved on
 * and the output is lost. Errors are never retried.
 */
const ATTEMPTS = 3;

function onlyMissingOutputs(outcome: NotebookOutcome): boolean {
  return outcome.problems.length > 0 &&
    outcome.problems.every((problem) => problem.endsWith(": chart cell drew no figure"));
}

interface NotebookOutcome {
  name: string;
  seconds: number;
  problems: string[];
}

async function executeNotebook(
  path: string,
  outDir: string,
  env: Record<string, string>,
): Promise<NotebookOutcome> {
  const name = basename(path);
  const started = performance.now();
  const out = await new Deno.Command(NBCONVERT, {
    args: [
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
      "--output-dir",
      outDir,
      path,
    ],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    return { name, seconds, problems: [`nbconvert failed (exit ${out.code}):\n${stderr}`] };
  }
  const executed = JSON.parse(await Deno.readTextFile(join(outDir, name))) as Notebook;
  return { name, seconds, problems: executedNotebookProblems(executed) };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" } },
    allowPositionals: true,
  });
  const unavailable = await ensureJupyter();
  if (unavailable !== undefined) {
    console.log(`notebooks: skipped: ${unavailable}`);
    return 2;
  }
  const names = positionals.length > 0 ? positionals : [...Deno.readDirSync(NOTEBOOK_DIR)]
    .map((entry) => entry.name).filter((name) => name.endsWith(".ipynb")).sort();
  const work = await Deno.makeTempDir({ prefix: "bufferbane-notebooks-" });
  const outDir = values.out ?? join(work, "executed");
  await Deno.mkdir(outDir, { recursive: true });
  try {
    const jupyterPath = await writeKernelspec(join(work, "jupyter"));
    const store = join(work, "fixture.db");
    const fixtureStarted = performance.now();
    generateSyntheticStore(store, { days: 3, intervalMs: 60_000 });
    console.log(
      `notebooks: fixture store (3 days, one probe a minute) in ${
        ((performance.now() - fixtureStarted) / 1000).toFixed(1)
      } s`,
    );
    const env = {
      JUPYTER_PATH: jupyterPath,
      BUFFERBANE_NOTEBOOK_DB: store,
      NO_COLOR: "1",
      // A fresh runtime dir: no stale connection files, nothing written to the user's.
      JUPYTER_RUNTIME_DIR: join(work, "runtime"),
    };
    let passed = 0, failed = 0;
    for (const name of names) {
      let outcome = await executeNotebook(join(NOTEBOOK_DIR, name), outDir, env);
      for (let attempt = 2; attempt <= ATTEMPTS && onlyMissingOutputs(outcome); attempt++) {
        console.log(`     retrying ${name}: ${outcome.problems.join("; ")}`);
        outcome = await executeNotebook(join(NOTEBOOK_DIR, name), outDir, env);
      }
      const ok = outcome.problems.length === 0;
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? "ok  " : "FAIL"} ${outcome.name} (${outcome.seconds.toFixed(1)} s)`);
      for (const problem of outcome.problems) console.log(`     ${problem}`);
    }
    if (values.out !== undefined) console.log(`notebooks: executed notebooks in ${outDir}`);
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 && passed > 0 ? 0 : 1;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
