/**
 * Reports an interface outage once: one event when probes through the series' interface start
 * failing (down, removed), one when they work again. Shared by the socket plugins.
 *
 * @module
 */
import type { PluginContext } from "./contract.ts";

/**
 * Outage state of one series' interface.
 *
 * @example
 * ```ts
 * import { InterfaceOutage } from "./interface_outage.ts";
 * const events: string[] = [];
 * const outage = new InterfaceOutage({ interface: "eth1", event: (e) => events.push(e.kind) }, "icmp");
 * outage.fails("ENODEV: interface \"eth1\" does not exist");
 * outage.fails("again"); // already reported
 * outage.works();
 * console.log(events); // [ "icmp_interface_down", "icmp_interface_up" ]
 * ```
 */
export class InterfaceOutage {
  #ctx: Pick<PluginContext, "interface" | "event">;
  #prefix: string;
  #metric: string;
  #problem: string | undefined;

  /**
   * @param ctx The series' context (its interface and event sink).
   * @param prefix Event kind prefix, e.g. `"icmp"` gives `icmp_interface_down`.
   * @param metric The metric the events concern. Default: `"rtt"`.
   */
  constructor(ctx: Pick<PluginContext, "interface" | "event">, prefix: string, metric = "rtt") {
    this.#ctx = ctx;
    this.#prefix = prefix;
    this.#metric = metric;
  }

  /** The reason of the ongoing outage, `undefined` when the interface works. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Probes through the interface fail for `reason`; reported once per outage. */
  fails(reason: string): void {
    if (this.#problem !== undefined || this.#ctx.interface === undefined) return;
    this.#problem = reason;
    this.#ctx.event({
      kind: `${this.#prefix}_interface_down`,
      metric: this.#metric,
      severity: "warn",
      message: `${reason}; probes through "${this.#ctx.interface}" fail until it works again`,
      data: { interface: this.#ctx.interface },
    });
  }

  /** Probes through the interface work; ends an outage and reports it. */
  works(): void {
    if (this.#problem === undefined) return;
    this.#problem = undefined;
    this.#ctx.event({
      kind: `${this.#prefix}_interface_up`,
      metric: this.#metric,
      severity: "info",
      message: `Interface "${this.#ctx.interface}" works again: probing resumed`,
      data: { interface: this.#ctx.interface },
    });
  }
}
