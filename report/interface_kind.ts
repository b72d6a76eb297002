/**
 * The kind of each interface a report compares (WiFi, Ethernet, ...): as the runs recorded it
 * (`effective_recipe.used_interfaces`, written by the runner from sysfs or the recipe's
 * `[interface_types]`), else guessed from the name.
 *
 * @module
 */
import type { InterfaceKind } from "../interfaces/types.ts";
import type { RunRecord } from "../store/mod.ts";

/**
 * What each kind is called in a report's sentences.
 *
 * @example The labels of two kinds
 * ```ts
 * import { KIND_LABELS } from "./interface_kind.ts";
 * console.log(KIND_LABELS.wifi, KIND_LABELS.ethernet); // WiFi Ethernet
 * ```
 */
export const KIND_LABELS: Readonly<Record<InterfaceKind, string>> = {
  wifi: "WiFi",
  ethernet: "Ethernet",
  loopback: "Loopback",
  virtual: "Virtual",
  other: "",
};

/**
 * Guesses an interface's kind from its name, as Linux names them: `wlan*`, `wl*` (predictable
 * names like `wlp3s0`) and `ath*` are WiFi; `eth*`, `en*` (`enp0s31f6`, `eno1`) and `em*` are
 * Ethernet; `lo` is the loopback; veth, bridges, tunnels and containers' interfaces are
 * virtual; anything else is `"other"`.
 *
 * @param name The interface name.
 * @returns The kind.
 *
 * @example Predictable and classic names
 * ```ts
 * import { kindFromName } from "./interface_kind.ts";
 * console.log(kindFromName("wlp3s0"), kindFromName("enp0s31f6"), kindFromName("wwan0")); // wifi ethernet other
 * ```
 */
export function kindFromName(name: string): InterfaceKind {
  if (/^(wlan|wl|ath|wifi)/.test(name)) return "wifi";
  if (/^(eth|en|em)/.test(name)) return "ethernet";
  if (name === "lo") return "loopback";
  if (/^(veth|br|docker|virbr|tun|tap|wg|vlan|bond|podman|cni)/.test(name)) return "virtual";
  return "other";
}

/**
 * The kinds the runs recorded, newest run last so its kind wins. A recorded `"other"` (an
 * interface that was missing when the run described it) does not count: the name decides.
 *
 * @param runs Runs, oldest first (as {@linkcode Store.runs} lists them).
 * @returns Kind per interface name.
 *
 * @example Kinds a run recorded
 * ```ts
 * import { recordedKinds } from "./interface_kind.ts";
 * const run = { effectiveRecipe: { used_interfaces: [{ name: "wlp2s0", kind: "wifi" }, { name: "x", kind: "other" }] } };
 * console.log(recordedKinds([run])); // Map(1) { "wlp2s0" => "wifi" }
 * ```
 */
export function recordedKinds(
  runs: readonly Pick<RunRecord, "effectiveRecipe">[],
): Map<string, InterfaceKind> {
  const kinds = new Map<string, InterfaceKind>();
  for (const run of runs) {
    const used = run.effectiveRecipe.used_interfaces;
    if (!Array.isArray(used)) continue;
    for (const entry of used as unknown[]) {
      if (typeof entry !== "object" || entry === null) continue;
      const { name, kind } = entry as { name?: unknown; kind?: unknown };
      if (typeof name !== "string" || typeof kind !== "string") continue;
      if (kind in KIND_LABELS && kind !== "other") kinds.set(name, kind as InterfaceKind);
    }
  }
  return kinds;
}

/**
 * An interface's kind: the recorded one, else {@linkcode kindFromName}.
 *
 * @param name The interface name.
 * @param recorded Kinds from {@linkcode recordedKinds}.
 * @returns The kind.
 *
 * @example A recorded kind wins over the name
 * ```ts
 * import { interfaceKind } from "./interface_kind.ts";
 * console.log(interfaceKind("eth1", new Map([["eth1", "wifi"]])), interfaceKind("eth1", new Map())); // wifi ethernet
 * ```
 */
export function interfaceKind(
  name: string,
  recorded: ReadonlyMap<string, InterfaceKind>,
): InterfaceKind {
  return recorded.get(name) ?? kindFromName(name);
}

/**
 * How a report names an interface: the kind's label and the name, e.g. `WiFi (wlan0)`; the name
 * alone when the kind says nothing.
 *
 * @param name The interface name.
 * @param kind Its kind.
 * @returns The text.
 *
 * @example An interface with and without a kind
 * ```ts
 * import { interfaceLabel } from "./interface_kind.ts";
 * console.log(interfaceLabel("wlan0", "wifi"), interfaceLabel("wwan0", "other")); // WiFi (wlan0) wwan0
 * ```
 */
export function interfaceLabel(name: string, kind: InterfaceKind): string {
  const label = KIND_LABELS[kind];
  return label ? `${label} (${name})` : name;
}

/**
 * How a report names the link of an interface in a conclusion: `the WiFi link`, else
 * `the wwan0 link`.
 *
 * @param name The interface name.
 * @param kind Its kind.
 * @returns The text.
 *
 * @example Conclusions name the link
 * ```ts
 * import { linkLabel } from "./interface_kind.ts";
 * console.log(linkLabel("wlan0", "wifi"), "/", linkLabel("wwan0", "other")); // the WiFi link / the wwan0 link
 * ```
 */
export function linkLabel(name: string, kind: InterfaceKind): string {
  return `the ${KIND_LABELS[kind] || name} link`;
}
