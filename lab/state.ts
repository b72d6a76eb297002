/**
 * What `lab up` leaves for the other commands: which scenario is applied, who brought the lab
 * up, and when; kept in `/run/bufferbane-lab/state.json` (a tmpfs: a reboot forgets it, as it
 * forgets the namespaces).
 *
 * @module
 */
import type { Scenario } from "./scenario.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * Where the state is kept.
 *
 * @example
 * ```ts
 * import { STATE_FILE } from "./state.ts";
 * console.log(STATE_FILE); // /run/bufferbane-lab/state.json
 * ```
 */
export const STATE_FILE = `${TOPOLOGY.files.stateDir}/state.json`;

/** Who brought the lab up: a person (`lab up`) or a test (`withLab`). */
export type LabOwner = "cli" | "test";

/** The lab's state. */
export interface LabState {
  /** The applied scenario. */
  scenario: Scenario;
  /** Who brought it up. */
  owner: LabOwner;
  /** When it was created, ISO 8601. */
  createdAt: string;
  /** When the scenario was last applied, ISO 8601. */
  appliedAt: string;
}

/**
 * Reads the state.
 *
 * @param path The state file.
 * @returns The state, or `undefined` when there is none (or it cannot be read).
 *
 * @example No state without a lab
 * ```ts
 * import { readState } from "./state.ts";
 * console.log(readState("/nonexistent/state.json")); // undefined
 * ```
 */
export function readState(path: string = STATE_FILE): LabState | undefined {
  try {
    const state = JSON.parse(Deno.readTextFileSync(path)) as LabState;
    return typeof state?.scenario?.name === "string" ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the state (creating its folder).
 *
 * @param state The state.
 * @param path The state file.
 *
 * @example
 * ```ts ignore
 * import { writeState } from "./state.ts";
 * writeState({ scenario, owner: "cli", createdAt: now, appliedAt: now });
 * ```
 */
export function writeState(state: LabState, path: string = STATE_FILE): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}
