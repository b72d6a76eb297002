/**
 * The real services of the server namespace: a DNS server (Debian's `dnsmasq`) answering the
 * lab's static names on `10.77.3.2:53`, with no upstream (names outside the lab's zone are
 * refused, the zone's unknown names get NXDOMAIN), and the bufferbane server on
 * `10.77.3.2:9876` (see `echo_server.ts`).
 *
 * The client namespace also gets `/etc/netns/bb-client/resolv.conf` naming that server, which
 * `ip netns exec bb-client` mounts over `/etc/resolv.conf`: inside the lab the `system`
 * resolver is the lab's dnsmasq.
 *
 * @module
 */
import { dirname } from "node:path";
import { type CommandRunner, inNamespace, mustRun } from "./commands.ts";
import type { Journal } from "./journal.ts";
import { echoServerPid, startEchoServer, stopEchoServer } from "./echo_server.ts";
import { isLabProcess, readPidFile, stopProcess } from "./processes.ts";
import { TOPOLOGY } from "./topology.ts";

/**
 * Files of the lab's dnsmasq.
 *
 * @example
 * ```ts
 * import { DNSMASQ_FILES } from "./services.ts";
 * console.log(DNSMASQ_FILES.pidFile); // /run/bufferbane-lab/dnsmasq.pid
 * ```
 */
export const DNSMASQ_FILES = {
  pidFile: `${TOPOLOGY.files.stateDir}/dnsmasq.pid`,
  logFile: `${TOPOLOGY.files.stateDir}/dnsmasq.log`,
} as const;

const RESOLV_CONF = `${TOPOLOGY.files.clientEtc}/resolv.conf`;
const RESOLV_MARKER = "# written by bufferbane lab up; removed by lab down";

/**
 * The dnsmasq command line: a daemon bound to the server's address only, no configuration
 * file, no /etc/hosts, no upstream, the lab's names as static addresses.
 *
 * @param files Pid file and log file.
 * @returns The argv.
 *
 * @example
 * ```ts
 * import { dnsmasqArgv } from "./services.ts";
 * const argv = dnsmasqArgv({ pidFile: "/run/x.pid", logFile: "/run/x.log" });
 * console.log(argv.includes("--address=/server.lab.bufferbane.test/10.77.3.2")); // true
 * ```
 */
export function dnsmasqArgv(files: { pidFile: string; logFile: string }): string[] {
  return [
    "dnsmasq",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--bind-interfaces",
    `--listen-address=${TOPOLOGY.addresses.server}`,
    "--port=53",
    `--pid-file=${files.pidFile}`,
    `--log-facility=${files.logFile}`,
    "--log-queries",
    `--local=/${TOPOLOGY.dns.domain}/`,
    ...Object.entries(TOPOLOGY.dns.names).map(([name, address]) => `--address=/${name}/${address}`),
  ];
}

/**
 * Starts the server namespace's services and the client's resolver configuration, recording
 * how to undo each in the journal.
 *
 * @param runner Runs the commands.
 * @param journal Receives the undo steps.
 * @throws {BufferbaneError} `SERVER` when dnsmasq or the bufferbane server does not start.
 *
 * @example
 * ```ts ignore
 * import { systemRunner } from "./commands.ts";
 * import { Journal } from "./journal.ts";
 * import { startServices } from "./services.ts";
 * await startServices(systemRunner, new Journal());
 * ```
 */
export async function startServices(runner: CommandRunner, journal: Journal): Promise<void> {
  // dnsmasq forks into the background once it listens, and reports start-up errors first.
  await mustRun(runner, inNamespace(TOPOLOGY.namespaces.server, dnsmasqArgv(DNSMASQ_FILES)));
  journal.add("dnsmasq", () => stopDnsmasq());
  await startEchoServer(journal);
  if (await writeResolvConf()) journal.add(RESOLV_CONF, () => removeResolvConf());
}

/**
 * Whether every service runs (dnsmasq and the bufferbane server).
 *
 * @returns `true` when both run.
 *
 * @example
 * ```ts
 * import { servicesRunning } from "./services.ts";
 * console.log(typeof servicesRunning()); // boolean
 * ```
 */
export function servicesRunning(): boolean {
  return dnsmasqPid() !== undefined && echoServerPid() !== undefined;
}

/**
 * Stops what {@linkcode startServices} started. Safe to call when nothing runs.
 *
 * @returns Pids that were stopped.
 *
 * @example
 * ```ts ignore
 * import { stopServices } from "./services.ts";
 * console.log(await stopServices());
 * ```
 */
export async function stopServices(): Promise<number[]> {
  const stopped = [...await stopEchoServer(), ...await stopDnsmasq()];
  await removeResolvConf();
  return stopped;
}

/**
 * Whether the lab's dnsmasq runs.
 *
 * @returns Its pid, or `undefined`.
 *
 * @example
 * ```ts ignore
 * import { dnsmasqPid } from "./services.ts";
 * console.log(dnsmasqPid() ?? "not running");
 * ```
 */
export function dnsmasqPid(): number | undefined {
  const pid = readPidFile(DNSMASQ_FILES.pidFile);
  return pid !== undefined && isLabProcess(pid, "dnsmasq") ? pid : undefined;
}

async function stopDnsmasq(): Promise<number[]> {
  const pid = dnsmasqPid();
  if (pid === undefined) return [];
  await stopProcess(pid);
  await Deno.remove(DNSMASQ_FILES.pidFile).catch(() => {});
  return [pid];
}

async function writeResolvConf(): Promise<boolean> {
  try {
    const existing = await Deno.readTextFile(RESOLV_CONF);
    if (!existing.includes(RESOLV_MARKER)) return false; // someone else's: leave it alone
  } catch { /* not there yet */ }
  await Deno.mkdir(TOPOLOGY.files.clientEtc, { recursive: true });
  await Deno.writeTextFile(
    RESOLV_CONF,
    [
      RESOLV_MARKER,
      `nameserver ${TOPOLOGY.addresses.server}`,
      `search ${TOPOLOGY.dns.domain}`,
      "",
    ].join("\n"),
  );
  return true;
}

async function removeResolvConf(): Promise<void> {
  try {
    if (!(await Deno.readTextFile(RESOLV_CONF)).includes(RESOLV_MARKER)) return;
  } catch {
    return;
  }
  await Deno.remove(RESOLV_CONF);
  // The folders go too when nothing else is in them (a non-recursive remove fails otherwise).
  await Deno.remove(TOPOLOGY.files.clientEtc).catch(() => {});
  await Deno.remove(dirname(TOPOLOGY.files.clientEtc)).catch(() => {});
}
