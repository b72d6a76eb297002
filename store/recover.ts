/**
 * Finds runs whose recording process died without saying so, and marks them interrupted.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import process from "node:process";

/**
 * Options for {@linkcode recoverInterruptedRuns}.
 *
 * @example Treating every recorded process as dead
 * ```ts
 * import type { RecoverOptions } from "./recover.ts";
 * const options: RecoverOptions = { host: "box", isAlive: () => false };
 * ```
 */
export interface RecoverOptions {
  /**
   * This machine's host name; only runs recorded on it can be checked.
   *
   * @default {Deno.hostname()}
   */
  host?: string;
  /**
   * Tells whether a process id is alive.
   *
   * @default {isProcessAlive}
   */
  isAlive?: (pid: number) => boolean;
}

/**
 * A run that {@linkcode recoverInterruptedRuns} marked interrupted.
 *
 * @example A recovered run
 * ```ts
 * import type { RecoveredRun } from "./recover.ts";
 * const run: RecoveredRun = { id: 3, endedAt: 1_700_000_000_000 };
 * ```
 */
export interface RecoveredRun {
  /** Run id. */
  id: number;
  /** The `ended_at` it was given: its last sample's time, or its start. */
  endedAt: number;
}

/**
 * Tells whether a process with this id exists (signal 0: nothing is sent).
 *
 * @param pid A process id.
 * @returns `true` when the process exists, also when it belongs to another user.
 *
 * @example Checking this process
 * ```ts
 * import { isProcessAlive } from "./recover.ts";
 * console.log(isProcessAlive(Deno.pid)); // true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Marks as `"interrupted"` every run still `"running"` whose process (same host, recorded
 * pid) no longer exists. Its `ended_at` becomes the time of its last sample, or its start
 * when it has none. Runs of other hosts and runs without a pid are left alone.
 *
 * @param db A writable database with the store's schema.
 * @param options Host name and liveness check.
 * @returns The runs it marked.
 *
 * @example Recovering a run whose process died
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { migrate } from "./schema.ts";
 * import { recoverInterruptedRuns } from "./recover.ts";
 * const db = new DatabaseSync(":memory:");
 * migrate(db);
 * db.exec(`INSERT INTO runs (started_at, recipe_name, recipe_text, recipe_hash, effective_recipe,
 *   host, tool_version, pid) VALUES (1000, 'r', '', '', '{}', 'box', '0.1.0', 42)`);
 * const recovered = recoverInterruptedRuns(db, { host: "box", isAlive: () => false });
 * console.log(recovered); // [ { id: 1, endedAt: 1000 } ]
 * ```
 */
export function recoverInterruptedRuns(
  db: DatabaseSync,
  options: RecoverOptions = {},
): RecoveredRun[] {
  const { host = Deno.hostname(), isAlive = isProcessAlive } = options;
  const candidates = db.prepare(
    "SELECT id, pid, started_at FROM runs WHERE status = 'running' AND host = ? AND pid IS NOT NULL",
  ).all(host) as { id: number; pid: number; started_at: number }[];
  const dead = candidates.filter((run) => run.pid !== Deno.pid && !isAlive(run.pid));
  if (dead.length === 0) return [];
  const seriesIds = (db.prepare("SELECT id FROM series").all() as { id: number }[]).map((row) =>
    row.id
  );
  // Per series, walk the (series_id, ts) index backwards from the newest sample, over the
  // rows since the run started only, until one of the run is found.
  const lastOfSeries = db.prepare(
    `SELECT ts FROM samples WHERE series_id = ? AND ts >= ? AND run_id = ?
     ORDER BY ts DESC LIMIT 1`,
  );
  const mark = db.prepare(
    "UPDATE runs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'",
  );
  const recovered: RecoveredRun[] = [];
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const run of dead) {
      let endedAt = run.started_at;
      for (const seriesId of seriesIds) {
        const row = lastOfSeries.get(seriesId, run.started_at, run.id) as
          | { ts: number }
          | undefined;
        if (row && row.ts > endedAt) endedAt = row.ts;
      }
      if (Number(mark.run(endedAt, run.id).changes) > 0) recovered.push({ id: run.id, endedAt });
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
  return recovered;
}
