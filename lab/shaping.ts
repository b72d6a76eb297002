/**
 * The bottleneck: a `tbf` qdisc on the router's egress, per direction, so that the queue
 * builds in the middle as on a real access link (shaping the sender's own egress lets TCP Small
 * Queues throttle the socket, and little queueing shows).
 *
 * - up (client -> server): on `bb-srv-r`, the router's interface toward the server; both paths
 *   of the client share it.
 * - down (server -> client): on `bb-eth-r` and `bb-wifi-r`, one tbf per path with the same
 *   settings.
 *
 * tbf's `latency` is the scenario's `buffer`: the longest a packet may wait; with the burst the
 * queue holds rate x buffer + burst bytes. A direction the scenario does not shape gets its
 * root qdisc deleted (back to the veth default, `noqueue`).
 *
 * @module
 */
import type { BottleneckDirection, ScenarioSettings } from "./scenario.ts";
import { TOPOLOGY } from "./topology.ts";

/** One tc command to run in the router namespace. */
export interface TcCommand {
  /** Arguments after `tc`. */
  args: string[];
  /** Whether failure is expected and harmless (deleting a qdisc that is not there). */
  mayFail: boolean;
}

/**
 * The tbf arguments for one direction.
 *
 * @param direction Rate (bit/s), buffer (ms), burst (bytes).
 * @returns The words after `root`: `tbf rate <r>bit burst <b> latency <l>us`.
 *
 * @example
 * ```ts
 * import { tbfArgs } from "./shaping.ts";
 * console.log(tbfArgs({ rate: 20_000_000, buffer: 300, burst_bytes: 4000 }).join(" "));
 * // tbf rate 20000000bit burst 4000 latency 300000us
 * ```
 */
export function tbfArgs(direction: BottleneckDirection): string[] {
  return [
    "tbf",
    "rate",
    `${direction.rate}bit`,
    "burst",
    String(direction.burst_bytes),
    "latency",
    `${Math.round(direction.buffer * 1000)}us`,
  ];
}

/**
 * The tc commands that make the router's queues what the scenario says. They can be run on a
 * fresh lab or on one with another scenario (`replace` and `del`).
 *
 * @param scenario The scenario's settings.
 * @returns Commands for `ip netns exec bb-router tc ...`, in order.
 *
 * @example Upload bloat only
 * ```ts
 * import { shapingCommands } from "./shaping.ts";
 * import { loadScenario } from "./scenario.ts";
 * for (const command of shapingCommands(loadScenario("asymmetric"))) {
 *   console.log(command.args.slice(0, 5).join(" "));
 * }
 * // qdisc replace dev bb-srv-r root
 * // qdisc del dev bb-eth-r root
 * // qdisc del dev bb-wifi-r root
 * ```
 */
export function shapingCommands(scenario: Pick<ScenarioSettings, "bottleneck">): TcCommand[] {
  const { routerServer, routerEth, routerWifi } = TOPOLOGY.interfaces;
  const shape = (device: string, direction: BottleneckDirection | undefined): TcCommand =>
    direction === undefined ? { args: ["qdisc", "del", "dev", device, "root"], mayFail: true } : {
      args: ["qdisc", "replace", "dev", device, "root", ...tbfArgs(direction)],
      mayFail: false,
    };
  return [
    shape(routerServer, scenario.bottleneck.up),
    shape(routerEth, scenario.bottleneck.down),
    shape(routerWifi, scenario.bottleneck.down),
  ];
}
