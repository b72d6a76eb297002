/**
 * Starts and stops the delay relay (`relay.ts`) as a detached process inside `bb-air`, with
 * its pid file and log under the lab's state folder.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Journal } from "./journal.ts";
import { isLabProcess, readPidFile, startLabService, stopProcess } from "./processes.ts";
import { relayArgs } from "./relay.ts";
import type { ScenarioSettings } from "./scenario.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * Files of the relay.
 *
 * @example
 * ```ts
 * import { RELAY_FILES } from "./relay_control.ts";
 * console.log(RELAY_FILES.pidFile); // /run/bufferbane-lab/relay.pid
 * ```
 */
export const RELAY_FILES = {
  pidFile: `${TOPOLOGY.files.stateDir}/relay.pid`,
  logFile: `${TOPOLOGY.files.stateDir}/relay.log`,
} as const;

const RELAY_SCRIPT = fileURLToPath(new URL("./relay.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/**
 * The relay's real-time priority (`chrt --fifo`, 1..99). The relay's added delay is the lab's
 * ground truth, so it must not depend on what else the machine is doing: at normal priority a
 * busy host (a full test run with benchmarks beside it) delayed its releases by up to 1.4 ms,
 * which showed as a WiFi-like path 21.4 ms slower than Ethernet instead of 20. At a modest
 * SCHED_FIFO priority it preempts ordinary processes; it blocks in `ppoll` between frames, and
 * the kernel's real-time throttling (95% of a CPU) bounds it even if it ever spun.
 *
 * @example
 * ```ts
 * import { RELAY_PRIORITY } from "./relay_control.ts";
 * console.log(RELAY_PRIORITY); // 10
 * ```
 */
export const RELAY_PRIORITY = 10;

/**
 * The command prefix that runs the relay at {@linkcode RELAY_PRIORITY}, or nothing where
 * real-time scheduling is not allowed (a container without `CAP_SYS_NICE`): the relay then
 * runs at normal priority and `lab up` says so.
 */
async function realtimePrefix(): Promise<string[]> {
  const prefix = ["chrt", "--fifo", String(RELAY_PRIORITY)];
  try {
    const probe = await new Deno.Command(prefix[0]!, {
      args: [...prefix.slice(1), "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (probe.success) return prefix;
  } catch { /* no chrt */ }
  console.error(
    "lab: real-time priority is not allowed here; the delay relay runs at normal priority, so " +
      "a busy machine can add to its delay",
  );
  return [];
}

/**
 * How long to wait for the relay to open its sockets (Deno start-up included).
 *
 * @example
 * ```ts
 * import { RELAY_START_TIMEOUT_MS } from "./relay_control.ts";
 * console.log(RELAY_START_TIMEOUT_MS); // 20000
 * ```
 */
export const RELAY_START_TIMEOUT_MS = 20_000;

/**
 * The pid of the running relay.
 *
 * @returns The pid, or `undefined` when no relay of the lab runs.
 *
 * @example
 * ```ts ignore
 * import { relayPid } from "./relay_control.ts";
 * console.log(relayPid() ?? "no relay");
 * ```
 */
export function relayPid(): number | undefined {
  const pid = readPidFile(RELAY_FILES.pidFile);
  return pid !== undefined && isLabProcess(pid, "relay.ts") ? pid : undefined;
}

/**
 * Starts the relay with the scenario's WiFi-like delays and waits until it is ready; records
 * how to stop it in the journal.
 *
 * @param scenario The scenario's settings (`wifi.up`, `wifi.down`).
 * @param journal Receives the undo step.
 * @returns The relay's pid.
 * @throws {BufferbaneError} `SERVER` when it exits or is not ready in time (with its log).
 *
 * @example
 * ```ts ignore
 * import { Journal } from "./journal.ts";
 * import { startRelay } from "./relay_control.ts";
 * import { loadScenario } from "./scenario.ts";
 * const pid = await startRelay(loadScenario("lossy-wifi"), new Journal());
 * ```
 */
export async function startRelay(
  scenario: Pick<ScenarioSettings, "wifi">,
  journal: Journal,
): Promise<number> {
  await Deno.remove(RELAY_FILES.pidFile).catch(() => {});
  const { up, down } = scenario.wifi;
  return await startLabService({
    what: "the delay relay",
    namespace: TOPOLOGY.namespaces.air,
    argv: [
      ...await realtimePrefix(),
      ...[Deno.execPath(), "run", "--allow-all", "--no-prompt", "--config", CONFIG],
      RELAY_SCRIPT,
      ...relayArgs({
        clientSide: TOPOLOGY.interfaces.airClient,
        routerSide: TOPOLOGY.interfaces.airRouter,
        up: { delayMs: up.delay, jitterMs: up.jitter },
        down: { delayMs: down.delay, jitterMs: down.jitter },
        pidFile: RELAY_FILES.pidFile,
      }),
    ],
    logFile: RELAY_FILES.logFile,
    cwd: dirname(CONFIG),
    ready: () => readPidFile(RELAY_FILES.pidFile) !== undefined,
    timeoutMs: RELAY_START_TIMEOUT_MS,
    journal,
    stop: (pid) => stopRelay(pid),
  });
}

/**
 * Stops the relay (the one in the pid file, or `pid`). Safe to call when none runs.
 *
 * @param pid A relay pid known to the caller.
 * @returns Pids that were stopped.
 *
 * @example
 * ```ts ignore
 * import { stopRelay } from "./relay_control.ts";
 * await stopRelay();
 * ```
 */
export async function stopRelay(pid: number | undefined = relayPid()): Promise<number[]> {
  if (pid === undefined || !isLabProcess(pid, "relay.ts")) return [];
  await stopProcess(pid);
  await Deno.remove(RELAY_FILES.pidFile).catch(() => {});
  return [pid];
}
