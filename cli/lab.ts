/**
 * `lab up [SCENARIO]`, `lab down`, `lab status`, `lab scenarios`, `lab exec -- <command>`: the
 * namespace lab (see `lab/README.md`). `up` and `down` take the lab's lock
 * (`/run/bufferbane-lab.lock`), as `withLab()` does, so they wait for a test using the lab.
 *
 * @module
 */
import { labDown } from "../lab/down.ts";
import { labExec } from "../lab/exec.ts";
import {
  DEFAULT_SCENARIO,
  groundTruth,
  loadScenario,
  type Scenario,
  scenarioNames,
} from "../lab/scenario.ts";
import { formatLabStatus, labStatus } from "../lab/status.ts";
import { requireRoot } from "../lab/root.ts";
import { labUp } from "../lab/up.ts";
import { lockLab } from "../lab/with_lab.ts";

/** Flags of `lab status` and `lab scenarios`. */
export interface LabListOptions {
  /**
   * Print JSON.
   *
   * @default {false}
   */
  json?: boolean;
}

/** Takes the lab's lock, saying so when someone else (a test, another command) holds it. */
async function waitForLock(): Promise<AsyncDisposable> {
  const timer = setTimeout(
    () => console.error("lab: waiting for the lab's lock (a test or another lab command uses it)"),
    500,
  );
  try {
    return await lockLab();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `lab up [SCENARIO]`: brings the lab up, or applies another scenario to it.
 *
 * @param scenario A scenario name or TOML file.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { labUpCommand } from "./lab.ts";
 * Deno.exit(await labUpCommand("bloated"));
 * ```
 */
export async function labUpCommand(scenario: string = DEFAULT_SCENARIO): Promise<number> {
  const loaded = loadScenario(scenario);
  requireRoot();
  await using _lock = await waitForLock();
  const { action, notes } = await labUp(loaded);
  for (const note of notes) console.log(`lab: ${note}`);
  const verb = { created: "up", reapplied: "re-applied", unchanged: "already up" }[action];
  console.log(`lab ${verb}: scenario ${loaded.name} (${loaded.description})`);
  console.log("  run: deno run -A mod.ts lab exec -- <command>   (in namespace bb-client)");
  return 0;
}

/**
 * `lab down`: removes the lab.
 *
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { labDownCommand } from "./lab.ts";
 * Deno.exit(await labDownCommand());
 * ```
 */
export async function labDownCommand(): Promise<number> {
  requireRoot();
  await using _lock = await waitForLock();
  const { namespaces, processes } = await labDown();
  console.log(
    namespaces.length === 0 && processes.length === 0
      ? "lab down: nothing was up"
      : `lab down: removed ${namespaces.join(", ") || "no namespaces"}; stopped ${
        processes.length === 0 ? "no processes" : `pids ${processes.join(", ")}`
      }`,
  );
  return 0;
}

/**
 * `lab status`: prints the lab's status; exit code 0 when up, 1 when down or incomplete.
 *
 * @param flags `--json`.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { labStatusCommand } from "./lab.ts";
 * Deno.exit(await labStatusCommand({ json: true }));
 * ```
 */
export async function labStatusCommand(flags: LabListOptions = {}): Promise<number> {
  const status = await labStatus();
  if (flags.json) console.log(JSON.stringify(status, null, 2));
  else for (const line of formatLabStatus(status)) console.log(line);
  return status.up ? 0 : 1;
}

/**
 * The lines `lab scenarios` prints for a scenario.
 *
 * @param scenario The scenario.
 * @returns Name and description, then its ground truth.
 *
 * @example
 * ```ts
 * import { describeScenario } from "./lab.ts";
 * import { loadScenario } from "../lab/scenario.ts";
 * console.log(describeScenario(loadScenario("bloated"))[1]); // queue limit up 301.6 ms, down 301.6 ms; wifi +0 ms RTT, 0% loss; eth 0% loss; cubic
 * ```
 */
export function describeScenario(scenario: Scenario): string[] {
  const truth = groundTruth(scenario);
  const limit = (ms: number | undefined) => ms === undefined ? "unshaped" : `${ms} ms`;
  return [
    `${scenario.name}: ${scenario.description}`,
    `queue limit up ${limit(truth.upQueueLimitMs)}, down ${
      limit(truth.downQueueLimitMs)
    }; wifi +${truth.wifiExtraRttMs} ms RTT, ${truth.wifiRoundTripLossPct}% loss; eth ${truth.ethRoundTripLossPct}% loss; ${scenario.congestion_control}`,
  ];
}

/**
 * `lab scenarios`: lists the shipped scenarios with what each makes true.
 *
 * @param flags `--json`.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { labScenariosCommand } from "./lab.ts";
 * Deno.exit(labScenariosCommand({}));
 * ```
 */
export function labScenariosCommand(flags: LabListOptions = {}): number {
  const scenarios = scenarioNames().map((name) => loadScenario(name));
  if (flags.json) {
    console.log(JSON.stringify(
      scenarios.map((scenario) => ({ ...scenario, groundTruth: groundTruth(scenario) })),
      null,
      2,
    ));
    return 0;
  }
  for (const scenario of scenarios) {
    const [first, second] = describeScenario(scenario);
    console.log(first);
    console.log(`  ${second}`);
  }
  return 0;
}

/**
 * `lab exec -- <command...>`: runs a command in the client namespace.
 *
 * @param argv The command.
 * @returns The command's exit code.
 *
 * @example
 * ```ts ignore
 * import { labExecCommand } from "./lab.ts";
 * Deno.exit(await labExecCommand(["ip", "route"]));
 * ```
 */
export function labExecCommand(argv: string[]): Promise<number> {
  return labExec(argv);
}
