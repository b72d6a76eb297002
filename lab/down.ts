/**
 * `lab down`: removes everything `lab up` created: the relay, dnsmasq and any other process
 * left in a lab namespace, the namespaces (with their links, queues and nftables tables), the
 * client's resolver file and the state folder. Safe to run when the lab is down or half up.
 *
 * @module
 */
import { type CommandRunner, systemRunner } from "./commands.ts";
import { deleteNamespace, existingNamespaces } from "./network.ts";
import { stopRelay } from "./relay_control.ts";
import { requireRoot } from "./root.ts";
import { stopServices } from "./services.ts";
import { TOPOLOGY } from "./topology.ts";

/** Options of {@linkcode labDown}. */
export interface LabDownOptions {
  /**
   * Runs the system commands.
   *
   * @default {systemRunner}
   */
  runner?: CommandRunner;
  /**
   * The user id checked for root.
   *
   * @default {Deno.uid()}
   */
  uid?: number | null;
}

/** What {@linkcode labDown} removed. */
export interface LabDownResult {
  /** Namespaces deleted. */
  namespaces: string[];
  /** Pids stopped (relay, dnsmasq, anything else that was inside the lab). */
  processes: number[];
}

/**
 * Removes the lab.
 *
 * @param options Runner and user id.
 * @returns What was removed (empty when the lab was already down).
 * @throws {BufferbaneError} `PERMISSION` when not root; `SERVER` when a namespace cannot be
 * deleted.
 *
 * @example
 * ```ts ignore
 * import { labDown } from "./down.ts";
 * const { namespaces } = await labDown();
 * console.log(namespaces.length === 0 ? "nothing to do" : `removed ${namespaces.join(", ")}`);
 * ```
 */
export async function labDown(options: LabDownOptions = {}): Promise<LabDownResult> {
  requireRoot(options.uid === undefined ? Deno.uid() : options.uid);
  const runner = options.runner ?? systemRunner;
  const processes = [...await stopRelay(), ...await stopServices()];
  const namespaces = await existingNamespaces(runner);
  for (const namespace of [...namespaces].reverse()) {
    processes.push(...await deleteNamespace(runner, namespace));
  }
  await Deno.remove(TOPOLOGY.files.stateDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  return { namespaces, processes };
}
