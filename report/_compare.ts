/**
 * What the interface and server verdicts share: figures of groups of paths (an interface's
 * targets, a server's probes), compared over the paths both groups measured, criterion by
 * criterion against thresholds, and the choice of the group the others are compared with.
 *
 * @module
 */

/** One measured path of a group: its median round trip, jitter and loss over the period. */
export interface PathFigures {
  /** The group: an interface name, or a server name. */
  group: string;
  /** What the path goes to, the same text in every group (e.g. the target). */
  path: string;
  /** Median round trip in ms, `null` when nothing came back. */
  medianMs: number | null;
  /** Mean absolute difference of consecutive round trips (IPDV) in ms, `null` below two. */
  jitterMs: number | null;
  /** Probes sent (lost ones included). */
  count: number;
  /** Probes lost. */
  lost: number;
}

/** When a group counts as worse than another on each criterion. */
export interface CompareThresholds {
  /** Median round trip at least this many ms higher... */
  latencyMs: number;
  /** ...and at least this many times the other's. */
  latencyRatio: number;
  /** Jitter at least this many times the other's... */
  jitterRatio: number;
  /** ...and at least this many ms. */
  jitterMinMs: number;
  /** Loss at least this many times the other's... */
  lossRatio: number;
  /** ...and at least this many percentage points more. */
  lossPoints: number;
  /** Paths with fewer probes are left out. */
  minProbes: number;
}

/** A group's figures over the paths of one comparison. */
export interface GroupFigures {
  /** Mean of the paths' median round trips in ms. */
  medianMs: number | null;
  /** Mean of the paths' jitter in ms. */
  jitterMs: number | null;
  /** Lost probes over sent probes of all paths, in percent. */
  lossPct: number | null;
  /** Probes sent on those paths. */
  probes: number;
}

/** Per criterion: whether it holds. */
export interface Criteria {
  /** Higher round trips. */
  latency: boolean;
  /** More jitter. */
  jitter: boolean;
  /** More loss. */
  loss: boolean;
}

/** One group compared with another over the paths both measured. */
export interface Comparison {
  /** The group compared. */
  subject: string;
  /** The group it is compared with. */
  reference: string;
  /** The paths both measured. */
  paths: string[];
  /** The subject's figures over them. */
  subjectFigures: GroupFigures;
  /** The reference's figures over them. */
  referenceFigures: GroupFigures;
  /** Subject's median minus the reference's, in ms. */
  addedMs: number | null;
  /** Criteria on which the subject is worse. */
  worse: Criteria;
  /** Criteria on which the subject is better. */
  better: Criteria;
  /**
   * `"worse"`: worse on some criterion, better on none; `"better"`: the other way round;
   * `"mixed"`: both; `"alike"`: neither.
   */
  outcome: "worse" | "better" | "mixed" | "alike";
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;

/** Figures of one group over some paths. */
function groupFigures(paths: readonly PathFigures[]): GroupFigures {
  const count = paths.reduce((sum, p) => sum + p.count, 0);
  const lost = paths.reduce((sum, p) => sum + p.lost, 0);
  return {
    medianMs: mean(paths.flatMap((p) => p.medianMs === null ? [] : [p.medianMs])),
    jitterMs: mean(paths.flatMap((p) => p.jitterMs === null ? [] : [p.jitterMs])),
    lossPct: count > 0 ? lost / count * 100 : null,
    probes: count,
  };
}

/** Whether `a` is worse than `b` on each criterion. */
function worseOn(a: GroupFigures, b: GroupFigures, t: CompareThresholds): Criteria {
  const latency = a.medianMs !== null && b.medianMs !== null &&
    a.medianMs - b.medianMs >= t.latencyMs && a.medianMs >= b.medianMs * t.latencyRatio;
  const jitter = a.jitterMs !== null && b.jitterMs !== null &&
    a.jitterMs >= b.jitterMs * t.jitterRatio && a.jitterMs >= t.jitterMinMs;
  const loss = a.lossPct !== null && b.lossPct !== null &&
    a.lossPct >= b.lossPct * t.lossRatio && a.lossPct - b.lossPct >= t.lossPoints;
  return { latency, jitter, loss };
}

const any = (c: Criteria) => c.latency || c.jitter || c.loss;

/**
 * Compares two groups over the paths both measured with at least `minProbes` probes.
 *
 * @param paths Every path of every group.
 * @param subject The group compared.
 * @param reference The group compared with.
 * @param thresholds When a difference counts.
 * @returns The comparison, `undefined` when the groups share no path.
 */
export function compareGroups(
  paths: readonly PathFigures[],
  subject: string,
  reference: string,
  thresholds: CompareThresholds,
): Comparison | undefined {
  const usable = paths.filter((p) => p.count >= thresholds.minProbes);
  const mine = new Map(usable.filter((p) => p.group === subject).map((p) => [p.path, p]));
  const theirs = new Map(usable.filter((p) => p.group === reference).map((p) => [p.path, p]));
  const common = [...mine.keys()].filter((path) => theirs.has(path)).sort();
  if (common.length === 0) return undefined;
  const subjectFigures = groupFigures(common.map((path) => mine.get(path)!));
  const referenceFigures = groupFigures(common.map((path) => theirs.get(path)!));
  const worse = worseOn(subjectFigures, referenceFigures, thresholds);
  const better = worseOn(referenceFigures, subjectFigures, thresholds);
  const outcome = any(worse) ? (any(better) ? "mixed" : "worse") : any(better) ? "better" : "alike";
  return {
    subject,
    reference,
    paths: common,
    subjectFigures,
    referenceFigures,
    addedMs: subjectFigures.medianMs !== null && referenceFigures.medianMs !== null
      ? subjectFigures.medianMs - referenceFigures.medianMs
      : null,
    worse,
    better,
    outcome,
  };
}

/**
 * The group the others are compared with: the one worse on the fewest criteria across all
 * pairs, then the one with the lowest round trips; and every other group compared with it.
 *
 * @param paths Every path of every group.
 * @param thresholds When a difference counts.
 * @returns The reference and the comparisons (groups sharing no path with it are left out),
 * `undefined` with fewer than two groups.
 */
export function compareWithBest(
  paths: readonly PathFigures[],
  thresholds: CompareThresholds,
): { reference: string; comparisons: Comparison[] } | undefined {
  const groups = [...new Set(paths.map((p) => p.group))].sort();
  if (groups.length < 2) return undefined;
  const score = new Map(groups.map((g) => [g, { worse: 0, added: 0 }]));
  for (const a of groups) {
    for (const b of groups) {
      if (a === b) continue;
      const comparison = compareGroups(paths, a, b, thresholds);
      if (comparison === undefined) continue;
      const entry = score.get(a)!;
      const { worse } = comparison;
      entry.worse += Number(worse.latency) + Number(worse.jitter) + Number(worse.loss);
      entry.added += comparison.addedMs ?? 0;
    }
  }
  const [reference] = [...groups].sort((a, b) =>
    score.get(a)!.worse - score.get(b)!.worse || score.get(a)!.added - score.get(b)!.added ||
    a.localeCompare(b)
  );
  const comparisons = groups.filter((g) => g !== reference)
    .flatMap((g) => compareGroups(paths, g, reference!, thresholds) ?? []);
  return { reference: reference!, comparisons };
}
