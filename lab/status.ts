/**
 * `lab status`: whether the lab is up, which scenario it runs and what that makes true, its
 * processes, and (as root) the router's queues and loss rules as the kernel reports them.
 *
 * @module
 */
import { type CommandRunner, inNamespace, systemRunner } from "./commands.ts";
import { LOSS_TABLE } from "./loss.ts";
import { existingNamespaces } from "./network.ts";
import { RELAY_FILES, relayPid } from "./relay_control.ts";
import { type GroundTruth, groundTruth, type Scenario } from "./scenario.ts";
import { ECHO_SERVER_FILES, echoServerPid } from "./echo_server.ts";
import { DNSMASQ_FILES, dnsmasqPid } from "./services.ts";
import { type LabOwner, readState } from "./state.ts";
import { LAB_NAMESPACES, TOPOLOGY } from "./topology.ts";

/** A lab process and whether it runs. */
export interface LabProcessStatus {
  /** `"relay"`, `"dnsmasq"` or `"bufferbane server"`. */
  name: string;
  /** Its pid, `undefined` when it does not run. */
  pid: number | undefined;
  /** Its log file. */
  log: string;
}

/** What {@linkcode labStatus} reports. */
export interface LabStatus {
  /** Every namespace exists and both processes run. */
  up: boolean;
  /** The applied scenario, when there is state. */
  scenario: Scenario | undefined;
  /** Who brought it up. */
  owner: LabOwner | undefined;
  /** When the scenario was applied, ISO 8601. */
  appliedAt: string | undefined;
  /** What the scenario makes true. */
  groundTruth: GroundTruth | undefined;
  /** Each lab namespace and whether it exists. */
  namespaces: { name: string; present: boolean }[];
  /** The relay, dnsmasq and the bufferbane server. */
  processes: LabProcessStatus[];
  /** `tc qdisc show` in the router (empty when not root or no router). */
  qdiscs: string[];
  /** The drop rules of the router's nftables table (empty when none, or not root). */
  lossRules: string[];
}

/** Options of {@linkcode labStatus}. */
export interface LabStatusOptions {
  /**
   * Runs `ip` and, as root, `tc` and `nft`.
   *
   * @default {systemRunner}
   */
  runner?: CommandRunner;
  /**
   * The user id: queues and loss rules are only read as root.
   *
   * @default {Deno.uid()}
   */
  uid?: number | null;
}

/**
 * Looks at the lab. Works without root, leaving out the queues and loss rules.
 *
 * @param options Runner and user id.
 * @returns The status.
 *
 * @example
 * ```ts ignore
 * import { labStatus } from "./status.ts";
 * console.log((await labStatus()).up);
 * ```
 */
export async function labStatus(options: LabStatusOptions = {}): Promise<LabStatus> {
  const runner = options.runner ?? systemRunner;
  const root = (options.uid === undefined ? Deno.uid() : options.uid) === 0;
  const present = await existingNamespaces(runner);
  const state = readState();
  const processes: LabProcessStatus[] = [
    { name: "relay", pid: relayPid(), log: RELAY_FILES.logFile },
    { name: "dnsmasq", pid: dnsmasqPid(), log: DNSMASQ_FILES.logFile },
    { name: "bufferbane server", pid: echoServerPid(), log: ECHO_SERVER_FILES.logFile },
  ];
  const router = TOPOLOGY.namespaces.router;
  const inRouter = root && present.includes(router);
  const qdiscs = inRouter
    ? (await runner(inNamespace(router, ["tc", "qdisc", "show"]))).stdout.split("\n")
      .filter((line) => /tbf/.test(line))
    : [];
  const lossRules = inRouter
    ? (await runner(inNamespace(router, ["nft", "list", "table", "inet", LOSS_TABLE]))).stdout
      .split("\n").map((line) => line.trim()).filter((line) => line.endsWith("drop"))
    : [];
  return {
    up: present.length === LAB_NAMESPACES.length && processes.every((p) => p.pid !== undefined),
    scenario: state?.scenario,
    owner: state?.owner,
    appliedAt: state?.appliedAt,
    groundTruth: state === undefined ? undefined : groundTruth(state.scenario),
    namespaces: LAB_NAMESPACES.map((name) => ({ name, present: present.includes(name) })),
    processes,
    qdiscs,
    lossRules,
  };
}

/**
 * The status as lines of text, as `lab status` prints it.
 *
 * @param status From {@linkcode labStatus}.
 * @returns The lines.
 *
 * @example The lab is down
 * ```ts
 * import { formatLabStatus } from "./status.ts";
 * const lines = formatLabStatus({
 *   up: false, scenario: undefined, owner: undefined, appliedAt: undefined,
 *   groundTruth: undefined, qdiscs: [], lossRules: [],
 *   namespaces: [{ name: "bb-client", present: false }],
 *   processes: [{ name: "relay", pid: undefined, log: "/run/bufferbane-lab/relay.log" }],
 * });
 * console.log(lines[0]); // lab: down
 * ```
 */
export function formatLabStatus(status: LabStatus): string[] {
  const partial = status.namespaces.some((ns) => ns.present) ||
    status.processes.some((p) => p.pid !== undefined);
  const lines = [
    `lab: ${status.up ? "up" : partial ? "incomplete (run lab down, then lab up)" : "down"}`,
  ];
  if (status.scenario) {
    lines.push(
      `scenario: ${status.scenario.name} (${status.scenario.description}), applied ${status.appliedAt} by ${status.owner}`,
      `tcp congestion control: ${status.scenario.congestion_control}`,
    );
  }
  const truth = status.groundTruth;
  if (truth) {
    const limit = (ms: number | undefined) => ms === undefined ? "not shaped" : `${ms} ms`;
    lines.push(
      `ground truth: upload queue limit ${limit(truth.upQueueLimitMs)}, download ${
        limit(truth.downQueueLimitMs)
      }`,
      `  wifi path: +${truth.wifiExtraRttMs} ms RTT over eth, ${truth.wifiRoundTripLossPct}% round-trip loss; eth path: ${truth.ethRoundTripLossPct}% round-trip loss`,
    );
  }
  lines.push(
    `namespaces: ${
      status.namespaces.map((ns) => `${ns.name}${ns.present ? "" : " (missing)"}`).join(", ")
    }`,
  );
  for (const process of status.processes) {
    lines.push(
      `${process.name}: ${
        process.pid === undefined ? "not running" : `pid ${process.pid}`
      } (log ${process.log})`,
    );
  }
  for (const qdisc of status.qdiscs) lines.push(`queue: ${qdisc.trim()}`);
  for (const rule of status.lossRules) lines.push(`loss: ${rule}`);
  if (status.up) {
    const { addresses: ip, interfaces: ifs } = TOPOLOGY;
    lines.push(
      `client ${TOPOLOGY.namespaces.client}: ${ifs.clientEth} ${ip.clientEth}, ${ifs.clientWifi} ${ip.clientWifi}; server ${ip.server} (bufferbane server :9876, DNS :53, ${
        Object.keys(TOPOLOGY.dns.names).join(", ")
      })`,
    );
  }
  return lines;
}
