/**
 * `lab up [SCENARIO]`: brings the lab up with a scenario, or applies another scenario to the
 * running lab.
 *
 * - No lab: creates namespaces, links, routes; applies the scenario (congestion control, tbf,
 *   nftables); starts the relay and dnsmasq; writes the state. If any step fails, everything
 *   this call created is removed again (newest first) and the error is thrown.
 * - A complete lab with the same scenario: nothing to do (`"unchanged"`).
 * - A complete lab with another scenario: re-applies congestion control, queues and loss, and
 *   restarts the relay if the delays changed (`"reapplied"`). If that fails, the previous
 *   scenario is applied again and the error is thrown.
 * - Pieces of a lab without the rest (a crash, a manual `ip netns del`): removed with
 *   `lab down`, then a fresh lab is created.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { applyScenario } from "./apply.ts";
import { type CommandRunner, systemRunner } from "./commands.ts";
import { labDown } from "./down.ts";
import { Journal } from "./journal.ts";
import { createNetwork, existingNamespaces } from "./network.ts";
import { relayPid, startRelay, stopRelay } from "./relay_control.ts";
import { requireRoot } from "./root.ts";
import type { Scenario } from "./scenario.ts";
import { servicesRunning, startServices } from "./services.ts";
import { type LabOwner, readState, writeState } from "./state.ts";
import { ensureLabTools } from "./tools.ts";
import { LAB_NAMESPACES, TOPOLOGY } from "./topology.ts";

/** Options of {@linkcode labUp}. */
export interface LabUpOptions {
  /**
   * Runs the system commands (tests wrap it to watch commands or make one fail).
   *
   * @default {systemRunner}
   */
  runner?: CommandRunner;
  /**
   * Who brings the lab up; `withLab` only takes over labs that tests brought up.
   *
   * @default {"cli"}
   */
  owner?: LabOwner;
  /**
   * The user id checked for root.
   *
   * @default {Deno.uid()}
   */
  uid?: number | null;
  /**
   * Check for (and install) the programs the lab needs first.
   *
   * @default {true}
   */
  ensureTools?: boolean;
}

/** What {@linkcode labUp} did. */
export interface LabUpResult {
  /** The scenario now applied. */
  scenario: Scenario;
  /** `"created"`, `"reapplied"` (another scenario was applied) or `"unchanged"`. */
  action: "created" | "reapplied" | "unchanged";
  /** Things worth telling, e.g. that an incomplete lab was removed first. */
  notes: string[];
}

/**
 * Brings the lab up with a scenario (see the module documentation).
 *
 * @param scenario The scenario, from `loadScenario`.
 * @param options Runner, owner, user id.
 * @returns What was done.
 * @throws {BufferbaneError} `PERMISSION` when not root, `SERVER` when a step fails (after
 * rolling back).
 *
 * @example
 * ```ts ignore
 * import { labUp } from "./up.ts";
 * import { loadScenario } from "./scenario.ts";
 * const { action } = await labUp(loadScenario("bloated"));
 * console.log(action); // created
 * ```
 */
export async function labUp(scenario: Scenario, options: LabUpOptions = {}): Promise<LabUpResult> {
  const uid = options.uid === undefined ? Deno.uid() : options.uid;
  requireRoot(uid);
  if (options.ensureTools ?? true) await ensureLabTools();
  const runner = options.runner ?? systemRunner;
  const owner = options.owner ?? "cli";
  const notes: string[] = [];

  const present = await existingNamespaces(runner);
  const state = readState();
  const complete = state !== undefined && present.length === LAB_NAMESPACES.length &&
    relayPid() !== undefined && servicesRunning();
  if (complete) {
    if (JSON.stringify(state.scenario) === JSON.stringify(scenario)) {
      if (state.owner !== owner) writeState({ ...state, owner });
      return { scenario, action: "unchanged", notes };
    }
    await reapply(runner, state.scenario, scenario);
    const now = new Date().toISOString();
    writeState({ ...state, scenario, owner, appliedAt: now });
    return { scenario, action: "reapplied", notes };
  }
  if (present.length > 0 || state !== undefined) {
    await labDown({ runner, uid });
    notes.push(
      `removed an incomplete lab first (namespaces found: ${present.join(", ") || "none"})`,
    );
  }
  await create(runner, scenario, owner);
  return { scenario, action: "created", notes };
}

async function create(runner: CommandRunner, scenario: Scenario, owner: LabOwner) {
  const journal = new Journal();
  try {
    await Deno.mkdir(TOPOLOGY.files.stateDir, { recursive: true });
    journal.add(
      TOPOLOGY.files.stateDir,
      () => Deno.remove(TOPOLOGY.files.stateDir, { recursive: true }).catch(() => {}),
    );
    await createNetwork(runner, journal);
    await applyScenario(runner, scenario);
    await startRelay(scenario, journal);
    await startServices(runner, journal);
    const now = new Date().toISOString();
    writeState({ scenario, owner, createdAt: now, appliedAt: now });
  } catch (error) {
    const failures = await journal.rollback();
    if (failures.length > 0) {
      throw withHint(error, `rolling back failed: ${failures.join("; ")}; run lab down`);
    }
    throw error;
  }
}

/** The error with a hint added (a new `BufferbaneError` with the same code and message). */
function withHint(error: unknown, hint: string): BufferbaneError {
  if (error instanceof BufferbaneError) {
    return new BufferbaneError(error.code, error.message, {
      cause: error,
      hint: error.hint === undefined ? hint : `${error.hint}; ${hint}`,
    });
  }
  return new BufferbaneError(ErrorCode.Server, (error as Error)?.message ?? String(error), {
    cause: error,
    hint,
  });
}

function sameDelays(a: Scenario, b: Scenario): boolean {
  return JSON.stringify(a.wifi.up) === JSON.stringify(b.wifi.up) &&
    JSON.stringify(a.wifi.down) === JSON.stringify(b.wifi.down);
}

async function reapply(runner: CommandRunner, previous: Scenario, scenario: Scenario) {
  try {
    await applyScenario(runner, scenario);
    if (!sameDelays(previous, scenario)) await restartRelay(scenario);
  } catch (error) {
    try {
      await applyScenario(runner, previous);
      if (relayPid() === undefined || !sameDelays(previous, scenario)) {
        await restartRelay(previous);
      }
    } catch (restoreError) {
      throw withHint(
        error,
        `restoring scenario "${previous.name}" failed too: ${
          (restoreError as Error).message
        }; run lab down`,
      );
    }
    throw error;
  }
}

async function restartRelay(scenario: Scenario): Promise<void> {
  await stopRelay();
  const journal = new Journal();
  try {
    await startRelay(scenario, journal);
  } catch (error) {
    await journal.rollback();
    throw error;
  }
}
