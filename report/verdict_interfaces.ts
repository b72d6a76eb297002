/**
 * The interface verdict: is the local link (WiFi, a second NIC) the problem? Series that
 * measure the same path (plugin, target, server, metric) over different interfaces are paired;
 * each interface is compared with the best one over the paths both measured, on median round
 * trip, jitter and loss.
 *
 * Rules ({@linkcode INTERFACE_THRESHOLDS}): an interface is worse on
 * - latency when its mean median round trip is at least 5 ms higher (and at least 1x);
 * - jitter when its mean jitter (IPDV) is at least twice the other's and at least 2 ms;
 * - loss when its loss is at least twice the other's and at least 0.5 points more.
 *
 * It is "the problem" when it is worse on at least one criterion and better on none. Worse on
 * some and better on others is "mixed" (no single link is clearly worse); neither is "alike"
 * (the local link is not the problem). With one interface there is no verdict. Paths with
 * fewer than 30 probes are left out.
 *
 * @module
 */
import type { InterfaceKind } from "../interfaces/types.ts";
import { type CompareThresholds, compareWithBest, type Comparison } from "./_compare.ts";
import { formatMs, formatPct } from "./format.ts";
import { interfaceLabel, linkLabel } from "./interface_kind.ts";

/**
 * When an interface counts as worse than another (see the module documentation).
 *
 * @example The thresholds
 * ```ts
 * import { INTERFACE_THRESHOLDS } from "./verdict_interfaces.ts";
 * console.log(INTERFACE_THRESHOLDS.latencyMs, INTERFACE_THRESHOLDS.lossPoints); // 5 0.5
 * ```
 */
export const INTERFACE_THRESHOLDS: Readonly<CompareThresholds> = {
  latencyMs: 5,
  latencyRatio: 1,
  jitterRatio: 2,
  jitterMinMs: 2,
  lossRatio: 2,
  lossPoints: 0.5,
  minProbes: 30,
};

/**
 * One series measured over an interface, with its figures over the period.
 *
 * @example Vienna over WiFi for a day, one probe a second
 * ```ts
 * import type { InterfacePath } from "./verdict_interfaces.ts";
 * const path: InterfacePath = {
 *   interface: "wlan0", kind: "wifi", plugin: "icmp", target: "vienna", server: "", metric: "rtt",
 *   medianMs: 28, jitterMs: 8.5, count: 86_400, lost: 1987,
 * };
 * ```
 */
export interface InterfacePath {
  /** The interface name. */
  interface: string;
  /** Its kind. */
  kind: InterfaceKind;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Server, `""` when none. */
  server: string;
  /** Metric, normally `"rtt"`. */
  metric: string;
  /** Median round trip in ms, `null` when nothing came back. */
  medianMs: number | null;
  /** Jitter (IPDV) in ms, `null` below two round trips. */
  jitterMs: number | null;
  /** Probes sent, lost ones included. */
  count: number;
  /** Probes lost. */
  lost: number;
}

/**
 * One interface's figures in a comparison: over the paths both interfaces measured.
 *
 * @example Ethernet figures
 * ```ts
 * import type { InterfaceFigures } from "./verdict_interfaces.ts";
 * const eth0: InterfaceFigures = { name: "eth0", kind: "ethernet", label: "Ethernet (eth0)", medianMs: 15, jitterMs: 0.8, lossPct: 0.1, probes: 86_400 };
 * ```
 */
export interface InterfaceFigures {
  /** Interface name. */
  name: string;
  /** Its kind. */
  kind: InterfaceKind;
  /** How sentences name it, e.g. `WiFi (wlan0)`. */
  label: string;
  /** Mean of the paths' median round trips, ms. */
  medianMs: number | null;
  /** Mean of the paths' jitter, ms. */
  jitterMs: number | null;
  /** Loss over all the paths' probes, percent. */
  lossPct: number | null;
  /** Probes counted. */
  probes: number;
}

/**
 * One interface compared with the reference (the best one).
 *
 * @example Printing an outcome
 * ```ts ignore
 * import type { InterfaceComparison } from "./verdict_interfaces.ts";
 * declare const comparison: InterfaceComparison;
 * console.log(comparison.subject.name, comparison.outcome);
 * ```
 */
export interface InterfaceComparison {
  /** The interface compared. */
  subject: InterfaceFigures;
  /** The reference interface. */
  reference: InterfaceFigures;
  /** The paths both measured, e.g. `icmp vienna`. */
  paths: string[];
  /** How many ms the subject adds (negative: it is faster). */
  addedMs: number | null;
  /** Criteria on which the subject is worse. */
  worse: { latency: boolean; jitter: boolean; loss: boolean };
  /** Criteria on which the subject is better. */
  better: { latency: boolean; jitter: boolean; loss: boolean };
  /** `"worse"`, `"better"`, `"mixed"` or `"alike"` (see the module documentation). */
  outcome: Comparison["outcome"];
}

/**
 * The verdict's kinds: `"problem"` (one or more interfaces are the problem), `"alike"`,
 * `"mixed"`, `"single"` (one interface measured) and `"none"` (no round trips per interface,
 * or none on shared paths).
 *
 * @example A status
 * ```ts
 * import type { InterfaceVerdictStatus } from "./verdict_interfaces.ts";
 * const status: InterfaceVerdictStatus = "problem";
 * ```
 */
export type InterfaceVerdictStatus = "problem" | "alike" | "mixed" | "single" | "none";

/**
 * Which interface is the problem, in words and numbers.
 *
 * @example Printing the problem
 * ```ts ignore
 * import type { InterfaceVerdict } from "./verdict_interfaces.ts";
 * declare const verdict: InterfaceVerdict;
 * if (verdict.status === "problem") console.log(verdict.problems[0], verdict.sentence);
 * ```
 */
export interface InterfaceVerdict {
  /** What was found. */
  status: InterfaceVerdictStatus;
  /** Names of the interfaces that are the problem, worst first. */
  problems: string[];
  /** The interface the others were compared with, `null` without comparison. */
  reference: string | null;
  /** Every interface measured, with its kind and label. */
  interfaces: { name: string; kind: InterfaceKind; label: string }[];
  /** Every other interface compared with the reference. */
  comparisons: InterfaceComparison[];
  /**
   * The verdict in one sentence, e.g. `WiFi (wlan0) adds 13 ms latency, jitter 8.5 vs 0.8 ms,
   * loss 2.3% vs 0.1%: the WiFi link is the problem`.
   */
  sentence: string;
  /** Further sentences: other problem interfaces, what was compared. */
  details: string[];
}

const pathKey = (p: InterfacePath) =>
  [p.plugin, p.target, p.server && `via ${p.server}`, p.metric === "rtt" ? "" : p.metric]
    .filter(Boolean).join(" ");

/**
 * Judges the interfaces from their paths' figures.
 *
 * @param paths Figures of the series that have an interface (others are ignored).
 * @param thresholds When a difference counts.
 * @returns The verdict.
 *
 * @example WiFi against Ethernet to the same target
 * ```ts
 * import { interfaceVerdict } from "./verdict_interfaces.ts";
 * const common = { plugin: "icmp", target: "vienna", server: "", metric: "rtt", count: 10_000 };
 * const verdict = interfaceVerdict([
 *   { ...common, interface: "eth0", kind: "ethernet", medianMs: 15, jitterMs: 0.8, lost: 10 },
 *   { ...common, interface: "wlan0", kind: "wifi", medianMs: 28, jitterMs: 8.5, lost: 230 },
 * ]);
 * console.log(verdict.sentence);
 * // WiFi (wlan0) adds 13 ms latency, jitter 8.5 vs 0.8 ms, loss 2.3% vs 0.1%: the WiFi link is the problem
 * ```
 */
export function interfaceVerdict(
  paths: readonly InterfacePath[],
  thresholds: Readonly<CompareThresholds> = INTERFACE_THRESHOLDS,
): InterfaceVerdict {
  const measured = paths.filter((p) => p.interface !== "");
  const kinds = new Map(measured.map((p) => [p.interface, p.kind]));
  const interfaces = [...kinds].map(([name, kind]) => ({
    name,
    kind,
    label: interfaceLabel(name, kind),
  })).sort((a, b) => a.name.localeCompare(b.name));
  const base = { problems: [], reference: null, interfaces, comparisons: [], details: [] };
  if (interfaces.length === 0) {
    return {
      ...base,
      status: "none",
      sentence: "No round trips per interface in this period: no interface comparison",
    };
  }
  if (interfaces.length === 1) {
    return {
      ...base,
      status: "single",
      sentence: `Only one interface (${
        interfaces[0]!.label
      }) was measured: no interface comparison`,
    };
  }
  const compared = compareWithBest(
    measured.map((p) => ({
      group: p.interface,
      path: pathKey(p),
      medianMs: p.medianMs,
      jitterMs: p.jitterMs,
      count: p.count,
      lost: p.lost,
    })),
    thresholds,
  );
  if (compared === undefined || compared.comparisons.length === 0) {
    return {
      ...base,
      status: "none",
      sentence: `${interfaces.map((i) => i.label).join(", ")} measured no common target ` +
        "(or too few probes): no interface comparison",
    };
  }
  const figures = (name: string, of: Comparison["subjectFigures"]): InterfaceFigures => {
    const kind = kinds.get(name)!;
    return { name, kind, label: interfaceLabel(name, kind), ...of };
  };
  const comparisons: InterfaceComparison[] = compared.comparisons.map((c) => ({
    subject: figures(c.subject, c.subjectFigures),
    reference: figures(c.reference, c.referenceFigures),
    paths: c.paths,
    addedMs: c.addedMs,
    worse: c.worse,
    better: c.better,
    outcome: c.outcome,
  }));
  const worse = comparisons.filter((c) => c.outcome === "worse")
    .sort((a, b) => (b.addedMs ?? 0) - (a.addedMs ?? 0));
  const mixed = comparisons.filter((c) => c.outcome === "mixed");
  const compareNote = comparisons.map((c) =>
    `${c.subject.label} compared with ${c.reference.label} on ${c.paths.length} common ` +
    `path(s) (${c.paths.join(", ")}): median ${formatMs(c.subject.medianMs)} vs ` +
    `${formatMs(c.reference.medianMs)} ms`
  );
  if (worse.length > 0) {
    const sentences = worse.map(problemSentence);
    return {
      status: "problem",
      problems: worse.map((c) => c.subject.name),
      reference: compared.reference,
      interfaces,
      comparisons,
      sentence: sentences[0]!,
      details: [...sentences.slice(1), ...mixed.map(mixedSentence), ...compareNote],
    };
  }
  if (mixed.length > 0) {
    return {
      ...base,
      status: "mixed",
      reference: compared.reference,
      comparisons,
      sentence: mixedSentence(mixed[0]!),
      details: [...mixed.slice(1).map(mixedSentence), ...compareNote],
    };
  }
  const first = comparisons[0]!;
  return {
    ...base,
    status: "alike",
    reference: compared.reference,
    comparisons,
    sentence: `${interfaces.map((i) => i.label).join(" and ")} perform alike (${
      latencyPhrase(first)
    }, ${figuresPhrase(first)}): the local link is not the problem`,
    details: compareNote,
  };
}

/** `adds 13 ms latency`, `has 2 ms less latency`, `adds no latency`. */
function latencyPhrase(c: InterfaceComparison): string {
  const added = c.addedMs ?? 0;
  const who = c.outcome === "alike" ? `${c.subject.name} ` : "";
  if (added >= 0.5) return `${who}adds ${formatMs(added)} ms latency`;
  if (added <= -0.5) return `${who}has ${formatMs(-added)} ms less latency`;
  return `${who}adds no latency`;
}

/** `jitter 8.5 vs 0.8 ms, loss 2.3% vs 0.1%`. */
function figuresPhrase(c: InterfaceComparison): string {
  return `jitter ${formatMs(c.subject.jitterMs)} vs ${formatMs(c.reference.jitterMs)} ms, ` +
    `loss ${formatPct(c.subject.lossPct)} vs ${formatPct(c.reference.lossPct)}`;
}

function problemSentence(c: InterfaceComparison): string {
  return `${c.subject.label} ${latencyPhrase(c)}, ${figuresPhrase(c)}: ` +
    `${linkLabel(c.subject.name, c.subject.kind)} is the problem`;
}

function mixedSentence(c: InterfaceComparison): string {
  const names = (criteria: InterfaceComparison["worse"]) =>
    (["latency", "jitter", "loss"] as const).filter((k) => criteria[k]).join(" and ");
  return `${c.subject.label} is worse on ${names(c.worse)} but better on ${
    names(c.better)
  } than ${c.reference.label} (${latencyPhrase(c)}, ${
    figuresPhrase(c)
  }): no single link is clearly the problem`;
}
