/**
 * Applies what a scenario sets in the kernel: TCP congestion control on the client's and the
 * server's default routes (see `routeCommands` in `network.ts`), the router's tbf queues and its nftables loss table. (The delay is the relay's:
 * see `relay_control.ts`.) Every step replaces what was there, so applying a scenario to a lab
 * that has another one is the same as applying it to a fresh lab.
 *
 * @module
 */
import { type CommandRunner, inNamespace, mustRun } from "./commands.ts";
import { lossRuleset } from "./loss.ts";
import { routeCommands } from "./network.ts";
import type { ScenarioSettings } from "./scenario.ts";
import { shapingCommands } from "./shaping.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * Sets congestion control, queues and loss.
 *
 * @param runner Runs the commands.
 * @param scenario The scenario's settings.
 * @throws {BufferbaneError} `SERVER` when a command fails, e.g. a congestion control the
 * kernel does not have (`Unknown tcp congestion algorithm`).
 *
 * @example
 * ```ts ignore
 * import { applyScenario } from "./apply.ts";
 * import { systemRunner } from "./commands.ts";
 * import { loadScenario } from "./scenario.ts";
 * await applyScenario(systemRunner, loadScenario("bloated"));
 * ```
 */
export async function applyScenario(
  runner: CommandRunner,
  scenario: ScenarioSettings,
): Promise<void> {
  const { router } = TOPOLOGY.namespaces;
  for (const argv of routeCommands(scenario.congestion_control)) await mustRun(runner, argv);
  for (const command of shapingCommands(scenario)) {
    const argv = inNamespace(router, ["tc", ...command.args]);
    if (command.mayFail) await runner(argv);
    else await mustRun(runner, argv);
  }
  await mustRun(runner, inNamespace(router, ["nft", "-f", "-"]), {
    stdin: lossRuleset(scenario),
  });
}
