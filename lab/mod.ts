/**
 * The namespace lab (see `README.md` in this folder): a client, a router holding a known
 * bottleneck and loss, a delay relay on a WiFi-like path, and a server running real services,
 * each in its own network namespace. Needs root and Linux.
 *
 * @example Bring the lab up from code, look at it, take it down
 * ```ts ignore
 * import { labDown, labStatus, labUp, loadScenario } from "./mod.ts";
 * await labUp(loadScenario("bloated"));
 * console.log((await labStatus()).groundTruth?.upQueueLimitMs); // 301.6
 * await labDown();
 * ```
 *
 * @module
 */
export { labDown, type LabDownOptions, type LabDownResult } from "./down.ts";
export { labExec, type LabExecOptions } from "./exec.ts";
export {
  type BottleneckDirection,
  DEFAULT_SCENARIO,
  type GroundTruth,
  groundTruth,
  loadScenario,
  parseScenario,
  type Scenario,
  SCENARIO_DIR,
  scenarioNames,
  scenarioSchema,
  type ScenarioSettings,
} from "./scenario.ts";
export type { LabOwner } from "./state.ts";
export {
  formatLabStatus,
  type LabProcessStatus,
  type LabStatus,
  labStatus,
  type LabStatusOptions,
} from "./status.ts";
export {
  LAB_ENV,
  LAB_LINKS,
  LAB_NAMESPACES,
  type LabLink,
  type LinkEnd,
  TOPOLOGY,
} from "./topology.ts";
export { labUp, type LabUpOptions, type LabUpResult } from "./up.ts";
export {
  checkLab,
  type LabAvailability,
  lockLab,
  type RunningLab,
  withLab,
  type WithLabOptions,
} from "./with_lab.ts";
