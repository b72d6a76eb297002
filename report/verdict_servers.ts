/**
 * The server verdict: is one path worse than the others (a routing or peering problem), or
 * are all servers alike? Round-trip series that name a server are grouped by server; each
 * server is compared with the best one over the probes both got (same plugin, target,
 * interface and metric), on median round trip, jitter and loss.
 *
 * Rules ({@linkcode SERVER_THRESHOLDS}): a server's path is worse on
 * - latency when its mean median round trip is at least 10 ms and 25 % higher (servers far
 *   apart differ by a few ms on a good network; this is more than distance alone);
 * - jitter when its jitter is at least twice the other's and at least 2 ms;
 * - loss when its loss is at least twice the other's and at least 0.5 points more.
 *
 * A path worse on some criterion and better on none is a routing problem on that path, not
 * the access link (which the paths share). Worse on some and better on others is "mixed";
 * neither is "alike". With one server there is no verdict. Paths with fewer than 30 probes
 * are left out.
 *
 * @module
 */
import { type CompareThresholds, compareWithBest, type Comparison } from "./_compare.ts";
import { displayName, formatMs, formatPct, formatRatio } from "./format.ts";

/**
 * When a server's path counts as worse than another's (see the module documentation).
 *
 * @example The latency rule
 * ```ts
 * import { SERVER_THRESHOLDS } from "./verdict_servers.ts";
 * console.log(SERVER_THRESHOLDS.latencyMs, SERVER_THRESHOLDS.latencyRatio); // 10 1.25
 * ```
 */
export const SERVER_THRESHOLDS: Readonly<CompareThresholds> = {
  latencyMs: 10,
  latencyRatio: 1.25,
  jitterRatio: 2,
  jitterMinMs: 2,
  lossRatio: 2,
  lossPoints: 0.5,
  minProbes: 30,
};

/**
 * One series to a server, with its figures over the period.
 *
 * @example UDP echo round trips to Frankfurt
 * ```ts
 * import type { ServerPath } from "./verdict_servers.ts";
 * const path: ServerPath = {
 *   server: "frankfurt", plugin: "udp-echo", target: "", interface: "", metric: "rtt",
 *   medianMs: 35, jitterMs: 1.6, count: 86_400, lost: 518,
 * };
 * ```
 */
export interface ServerPath {
  /** Server name. */
  server: string;
  /** Plugin id. */
  plugin: string;
  /** Target, `""` when none. */
  target: string;
  /** Interface, `""` for the default route. */
  interface: string;
  /** Metric, normally `"rtt"`. */
  metric: string;
  /** Median round trip in ms, `null` when nothing came back. */
  medianMs: number | null;
  /** Jitter (IPDV) in ms. */
  jitterMs: number | null;
  /** Probes sent, lost ones included. */
  count: number;
  /** Probes lost. */
  lost: number;
}

/**
 * One server compared with the best one.
 *
 * @example Frankfurt against Vienna
 * ```ts
 * import type { ServerComparison } from "./verdict_servers.ts";
 * const comparison: ServerComparison = {
 *   subject: "frankfurt", reference: "vienna", paths: ["udp-echo"],
 *   subjectFigures: { medianMs: 35, jitterMs: 1.6, lossPct: 0.6, probes: 1000 },
 *   referenceFigures: { medianMs: 15, jitterMs: 0.8, lossPct: 0.1, probes: 1000 },
 *   addedMs: 20, worse: { latency: true, jitter: false, loss: true },
 *   better: { latency: false, jitter: false, loss: false }, outcome: "worse",
 * };
 * ```
 */
export type ServerComparison = Comparison;

/**
 * The verdict's kinds: `"problem"` (one path or more is worse), `"alike"`, `"mixed"`,
 * `"single"` (one server measured) and `"none"` (no round trips to servers, or none
 * comparable).
 *
 * @example A status
 * ```ts
 * import type { ServerVerdictStatus } from "./verdict_servers.ts";
 * const status: ServerVerdictStatus = "alike";
 * ```
 */
export type ServerVerdictStatus = "problem" | "alike" | "mixed" | "single" | "none";

/**
 * Which server path is worse, in words and numbers.
 *
 * @example Printing the problem
 * ```ts ignore
 * import type { ServerVerdict } from "./verdict_servers.ts";
 * declare const verdict: ServerVerdict;
 * if (verdict.status === "problem") console.log(verdict.problems[0], verdict.sentence);
 * ```
 */
export interface ServerVerdict {
  /** What was found. */
  status: ServerVerdictStatus;
  /** Servers whose path is worse, worst first. */
  problems: string[];
  /** The server the others were compared with, `null` without comparison. */
  reference: string | null;
  /** Every server measured. */
  servers: string[];
  /** Every other server compared with the reference. */
  comparisons: ServerComparison[];
  /**
   * The verdict in one sentence, e.g. `Frankfurt is 20 ms slower than Vienna with 3x the loss:
   * a routing problem on the path to Frankfurt, not your access link`.
   */
  sentence: string;
  /** Further sentences: other worse paths, what was compared. */
  details: string[];
}

const pathKey = (p: ServerPath) =>
  [p.plugin, p.target, p.interface && `@${p.interface}`, p.metric === "rtt" ? "" : p.metric]
    .filter(Boolean).join(" ");

/**
 * Judges the servers from their paths' figures.
 *
 * @param paths Figures of the round-trip series that name a server (others are ignored).
 * @param thresholds When a difference counts.
 * @returns The verdict.
 *
 * @example Frankfurt slower and lossier than Vienna
 * ```ts
 * import { serverVerdict } from "./verdict_servers.ts";
 * const common = { plugin: "udp-echo", target: "", interface: "", metric: "rtt", count: 10_000 };
 * const verdict = serverVerdict([
 *   { ...common, server: "vienna", medianMs: 15, jitterMs: 0.8, lost: 20 },
 *   { ...common, server: "frankfurt", medianMs: 35, jitterMs: 1.6, lost: 60 },
 * ]);
 * console.log(verdict.sentence);
 * // Frankfurt is 20 ms slower than Vienna with 3x the loss (0.6% vs 0.2%): a routing problem on the path to Frankfurt, not your access link
 * ```
 */
export function serverVerdict(
  paths: readonly ServerPath[],
  thresholds: Readonly<CompareThresholds> = SERVER_THRESHOLDS,
): ServerVerdict {
  const measured = paths.filter((p) => p.server !== "");
  const servers = [...new Set(measured.map((p) => p.server))].sort();
  const base = { problems: [], reference: null, servers, comparisons: [], details: [] };
  if (servers.length === 0) {
    return {
      ...base,
      status: "none",
      sentence: "No round trips to servers in this period: no server comparison",
    };
  }
  if (servers.length === 1) {
    return {
      ...base,
      status: "single",
      sentence: `Only one server (${displayName(servers[0]!)}) was measured: no server comparison`,
    };
  }
  const compared = compareWithBest(
    measured.map((p) => ({
      group: p.server,
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
      sentence: `${servers.map(displayName).join(", ")} were not probed the same way ` +
        "(or too few probes): no server comparison",
    };
  }
  const { reference, comparisons } = compared;
  const worse = comparisons.filter((c) => c.outcome === "worse")
    .sort((a, b) => (b.addedMs ?? 0) - (a.addedMs ?? 0));
  const mixed = comparisons.filter((c) => c.outcome === "mixed");
  const compareNote = comparisons.map((c) =>
    `${displayName(c.subject)} compared with ${displayName(c.reference)} on ${
      c.paths.join(", ")
    }: ` +
    `median ${formatMs(c.subjectFigures.medianMs)} vs ${
      formatMs(c.referenceFigures.medianMs)
    } ms, ` +
    `jitter ${formatMs(c.subjectFigures.jitterMs)} vs ${
      formatMs(c.referenceFigures.jitterMs)
    } ms, ` +
    `loss ${formatPct(c.subjectFigures.lossPct)} vs ${formatPct(c.referenceFigures.lossPct)}`
  );
  if (worse.length > 0) {
    const sentences = worse.map(problemSentence);
    return {
      status: "problem",
      problems: worse.map((c) => c.subject),
      reference,
      servers,
      comparisons,
      sentence: sentences[0]!,
      details: [...sentences.slice(1), ...mixed.map(mixedSentence), ...compareNote],
    };
  }
  if (mixed.length > 0) {
    return {
      ...base,
      status: "mixed",
      reference,
      comparisons,
      sentence: mixedSentence(mixed[0]!),
      details: [...mixed.slice(1).map(mixedSentence), ...compareNote],
    };
  }
  return {
    ...base,
    status: "alike",
    reference,
    comparisons,
    sentence: `${servers.map(displayName).join(" and ")} perform alike (${
      comparisons.map(mediansPhrase).join("; ")
    }): no routing problem towards one of them`,
    details: compareNote,
  };
}

/** `is 20 ms slower than Vienna`. */
function speedPhrase(c: Comparison): string {
  const added = c.addedMs ?? 0;
  const other = displayName(c.reference);
  if (added >= 0.5) return `is ${formatMs(added)} ms slower than ${other}`;
  if (added <= -0.5) return `is ${formatMs(-added)} ms faster than ${other}`;
  return `is as fast as ${other}`;
}

/** `3x the loss (0.6% vs 0.2%)` when the loss is noticeably higher, and the same for jitter. */
function withPhrases(c: Comparison): string[] {
  const out: string[] = [];
  const { subjectFigures: s, referenceFigures: r } = c;
  if (
    s.lossPct !== null && r.lossPct !== null && s.lossPct >= 1.5 * r.lossPct &&
    s.lossPct - r.lossPct >= 0.1
  ) {
    out.push(
      `${formatRatio(s.lossPct, r.lossPct)} the loss (${formatPct(s.lossPct)} vs ${
        formatPct(r.lossPct)
      })`,
    );
  }
  if (c.worse.jitter && s.jitterMs !== null && r.jitterMs !== null) {
    out.push(
      `${formatRatio(s.jitterMs, r.jitterMs)} the jitter (${formatMs(s.jitterMs)} vs ${
        formatMs(r.jitterMs)
      } ms)`,
    );
  }
  return out;
}

function problemSentence(c: Comparison): string {
  const withs = withPhrases(c);
  const name = displayName(c.subject);
  return `${name} ${speedPhrase(c)}${withs.length > 0 ? ` with ${withs.join(" and ")}` : ""}: ` +
    `a routing problem on the path to ${name}, not your access link`;
}

function mixedSentence(c: Comparison): string {
  const names = (criteria: Comparison["worse"]) =>
    (["latency", "jitter", "loss"] as const).filter((k) => criteria[k]).join(" and ");
  return `${displayName(c.subject)} is worse on ${names(c.worse)} but better on ${
    names(c.better)
  } than ${displayName(c.reference)} (${mediansPhrase(c)}): no single path is clearly worse`;
}

/** `Frankfurt 16 vs Vienna 15 ms, loss 0.2% vs 0.1%`. */
function mediansPhrase(c: Comparison): string {
  return `${displayName(c.subject)} ${formatMs(c.subjectFigures.medianMs)} vs ${
    displayName(c.reference)
  } ${formatMs(c.referenceFigures.medianMs)} ms, loss ${formatPct(c.subjectFigures.lossPct)} vs ${
    formatPct(c.referenceFigures.lossPct)
  }`;
}
