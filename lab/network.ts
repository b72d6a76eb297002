/**
 * Builds the lab's network: namespaces, veth pairs, addresses, routes and sysctls (see
 * `topology.ts` for the picture). Every command runs inside a lab namespace (`ip -n`,
 * `ip netns exec`): the default namespace is never touched.
 *
 * Routing in `bb-client` (set by {@linkcode routeCommands}): two default routes, via `bb-eth` (metric 100, what unbound traffic
 * uses) and via `bb-wifi` (metric 200). A socket bound to `bb-wifi` (`SO_BINDTODEVICE`) only
 * considers routes through `bb-wifi`, so it reaches the server through the WiFi-like path; the
 * router answers each subnet through the interface it lives on. Reverse-path filtering is off
 * in every lab namespace (replies for `bb-wifi` arrive on an interface that is not the best
 * route back to the server) and IPv6 is off (no router solicitations or MLD noise through the
 * relay).
 *
 * @module
 */
import { type CommandRunner, inNamespace, mustRun } from "./commands.ts";
import type { Journal } from "./journal.ts";
import { stopProcess } from "./processes.ts";
import { LAB_LINKS, LAB_NAMESPACES, RELAY_LINK_ENDS, TOPOLOGY } from "./topology.ts";

/**
 * The lab namespaces that exist now.
 *
 * @param runner Runs `ip netns list`.
 * @returns Their names, in the order of `LAB_NAMESPACES`.
 *
 * @example
 * ```ts ignore
 * import { systemRunner } from "./commands.ts";
 * import { existingNamespaces } from "./network.ts";
 * console.log(await existingNamespaces(systemRunner)); // e.g. [] when the lab is down
 * ```
 */
export async function existingNamespaces(runner: CommandRunner): Promise<string[]> {
  const result = await runner(["ip", "netns", "list"]);
  const present = new Set(
    result.stdout.split("\n").map((line) => line.trim().split(/\s+/)[0] ?? "").filter(Boolean),
  );
  return LAB_NAMESPACES.filter((name) => present.has(name));
}

/**
 * Deletes a lab namespace after stopping every process still inside it (a namespace that
 * still holds a process would live on, unnamed). Does nothing when it is already gone.
 *
 * @param runner Runs the commands.
 * @param namespace The namespace.
 * @returns Pids that were stopped.
 * @throws {BufferbaneError} `SERVER` when `ip netns del` fails.
 *
 * @example
 * ```ts ignore
 * import { systemRunner } from "./commands.ts";
 * import { deleteNamespace } from "./network.ts";
 * await deleteNamespace(systemRunner, "bb-server");
 * ```
 */
export async function deleteNamespace(runner: CommandRunner, namespace: string): Promise<number[]> {
  if (!(await existingNamespaces(runner)).includes(namespace)) return [];
  const pids = (await runner(["ip", "netns", "pids", namespace])).stdout
    .split("\n").map((line) => Number(line.trim())).filter((pid) =>
      Number.isInteger(pid) && pid > 0
    );
  for (const pid of pids) await stopProcess(pid);
  await mustRun(runner, ["ip", "netns", "del", namespace]);
  return pids;
}

/**
 * Sysctls set in every lab namespace before its links exist (so new interfaces inherit them).
 *
 * @example
 * ```ts
 * import { NAMESPACE_SYSCTLS } from "./network.ts";
 * console.log(NAMESPACE_SYSCTLS.includes("net.ipv4.conf.default.rp_filter=0")); // true
 * ```
 */
export const NAMESPACE_SYSCTLS: readonly string[] = [
  "net.ipv6.conf.all.disable_ipv6=1",
  "net.ipv6.conf.default.disable_ipv6=1",
  "net.ipv4.conf.all.rp_filter=0",
  "net.ipv4.conf.default.rp_filter=0",
];

/**
 * Creates the namespaces, links and addresses (the default routes come with the scenario:
 * {@linkcode routeCommands}). Each namespace is recorded in the
 * journal as soon as it exists (deleting a namespace deletes its links, qdiscs and tables).
 *
 * @param runner Runs the commands.
 * @param journal Receives an undo step per namespace.
 * @throws {BufferbaneError} `SERVER` when a command fails (what was created is in the journal).
 *
 * @example
 * ```ts ignore
 * import { systemRunner } from "./commands.ts";
 * import { Journal } from "./journal.ts";
 * import { createNetwork } from "./network.ts";
 * const journal = new Journal();
 * await createNetwork(systemRunner, journal);
 * ```
 */
export async function createNetwork(runner: CommandRunner, journal: Journal): Promise<void> {
  const { namespaces: ns, prefixLength } = TOPOLOGY;
  for (const name of LAB_NAMESPACES) {
    await mustRun(runner, ["ip", "netns", "add", name]);
    journal.add(`namespace "${name}"`, () => deleteNamespace(runner, name));
    await mustRun(runner, ["ip", "-n", name, "link", "set", "lo", "up"]);
    await mustRun(runner, inNamespace(name, ["sysctl", "-q", "-w", ...NAMESPACE_SYSCTLS]));
  }
  await mustRun(runner, inNamespace(ns.router, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]));

  for (const { a, b } of LAB_LINKS) {
    await mustRun(runner, [
      ...["ip", "-n", a.namespace, "link", "add", a.name, "type", "veth"],
      ...["peer", "name", b.name, "netns", b.namespace],
    ]);
    for (const end of [a, b]) {
      if (end.address !== undefined) {
        await mustRun(runner, [
          ...["ip", "-n", end.namespace, "addr", "add", `${end.address}/${prefixLength}`],
          ...["dev", end.name],
        ]);
      }
    }
  }
  for (const end of RELAY_LINK_ENDS) {
    await mustRun(
      runner,
      inNamespace(end.namespace, [
        ...["ethtool", "-K", end.name, "tx", "off", "sg", "off", "tso", "off"],
        ...["gso", "off", "gro", "off"],
      ]),
    );
  }
  for (const { a, b } of LAB_LINKS) {
    for (const end of [a, b]) {
      const promisc = end.namespace === ns.air ? ["promisc", "on"] : [];
      await mustRun(runner, ["ip", "-n", end.namespace, "link", "set", end.name, ...promisc, "up"]);
    }
  }
}

/**
 * The `ip route replace` commands for the lab's default routes, each carrying the TCP
 * congestion control connections through it use (`congctl`): the client's two default routes
 * (via `bb-eth` metric 100, via `bb-wifi` metric 200) and the server's. Per-route congestion
 * control is how the lab sets it per scenario: the `net.ipv4.tcp_congestion_control` sysctl of
 * a namespace other than the host's only accepts algorithms listed in the host's
 * `net.ipv4.tcp_allowed_congestion_control` (here `reno bbr`: cubic is refused with EPERM), and
 * the lab does not change the host. An application may still choose its own (`iperf3 -C`).
 *
 * @param congestionControl E.g. `"cubic"`.
 * @returns One argv per route.
 *
 * @example
 * ```ts
 * import { routeCommands } from "./network.ts";
 * console.log(routeCommands("cubic")[1]!.join(" "));
 * // ip -n bb-client route replace default via 10.77.2.1 dev bb-wifi metric 200 congctl cubic
 * ```
 */
export function routeCommands(congestionControl: string): string[][] {
  const { namespaces: ns, interfaces: ifs, addresses: ip } = TOPOLOGY;
  const route = (namespace: string, via: string, device: string, metric: number) => [
    ...["ip", "-n", namespace, "route", "replace", "default", "via", via],
    ...["dev", device, "metric", String(metric), "congctl", congestionControl],
  ];
  return [
    route(ns.client, ip.routerEth, ifs.clientEth, 100),
    route(ns.client, ip.routerWifi, ifs.clientWifi, 200),
    route(ns.server, ip.routerServer, ifs.server, 100),
  ];
}
