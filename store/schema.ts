/**
 * The store's schema and its migrations.
 *
 * The store is a plain SQLite file (WAL journal) that the `sqlite3` command-line tool can
 * read. `PRAGMA user_version` holds the schema version; {@linkcode migrate} applies the
 * missing migrations, in order, in one transaction, when a store is opened. Times are
 * milliseconds since the Unix epoch (INTEGER); JSON columns hold JSON text.
 *
 * Version 1:
 *
 * ```text
 * runs          one row per recording run
 *   id                INTEGER PRIMARY KEY
 *   started_at        INTEGER NOT NULL          ms
 *   ended_at          INTEGER                   ms, NULL while running
 *   status            TEXT NOT NULL             'running' | 'completed' | 'interrupted' | 'failed'
 *   recipe_name       TEXT NOT NULL
 *   recipe_path       TEXT                      NULL for an inline recipe
 *   recipe_text       TEXT NOT NULL             the recipe as supplied
 *   recipe_hash       TEXT NOT NULL             SHA-256 of recipe_text, lowercase hex
 *   effective_recipe  TEXT NOT NULL             JSON: the recipe with defaults filled in
 *   host              TEXT NOT NULL             host name of the recorder
 *   tool_version      TEXT NOT NULL
 *   pid               INTEGER                   recorder's process id (spots dead runs)
 *   summary           TEXT                      JSON, set when the run ends
 *
 * series        one row per plugin x target x interface x server x metric x unit
 *   id                INTEGER PRIMARY KEY
 *   plugin            TEXT NOT NULL
 *   target            TEXT NOT NULL DEFAULT ''
 *   interface         TEXT NOT NULL DEFAULT ''  '' = default route
 *   server            TEXT NOT NULL DEFAULT ''  '' = no server
 *   metric            TEXT NOT NULL
 *   unit              TEXT NOT NULL DEFAULT ''
 *   UNIQUE (plugin, target, interface, server, metric, unit)
 *
 * samples       one row per probe, a lost probe included
 *   series_id         INTEGER NOT NULL -> series.id
 *   ts                INTEGER NOT NULL          ms, when the probe was sent
 *   value             REAL                      NULL when lost or failed
 *   status            INTEGER NOT NULL          0 ok, 1 lost, 2 failed
 *   seq               INTEGER                   the probe's sequence number
 *   reason            TEXT                      why lost or failed
 *   run_id            INTEGER NOT NULL -> runs.id
 *   INDEX samples_series_ts (series_id, ts)     per-series time ranges
 *
 * events        things that happened during a run
 *   id                INTEGER PRIMARY KEY
 *   run_id            INTEGER -> runs.id        NULL outside a run
 *   ts                INTEGER NOT NULL          ms
 *   kind              TEXT NOT NULL             'alert', 'missed_slots', ...
 *   severity          TEXT NOT NULL             'info' | 'warn' | 'critical' | 'clear'
 *   series_id         INTEGER -> series.id      NULL when about no series
 *   message           TEXT NOT NULL
 *   data              TEXT                      JSON or NULL
 *   INDEX events_ts (ts), INDEX events_run_ts (run_id, ts)
 *
 * test_results  one row per bounded test
 *   id                INTEGER PRIMARY KEY
 *   run_id            INTEGER NOT NULL -> runs.id
 *   ts                INTEGER NOT NULL          ms, when the test started
 *   plugin            TEXT NOT NULL
 *   target            TEXT NOT NULL DEFAULT ''
 *   interface         TEXT NOT NULL DEFAULT ''
 *   server            TEXT NOT NULL DEFAULT ''
 *   duration_ms       REAL NOT NULL
 *   status            TEXT NOT NULL             'ok' | 'failed'
 *   grade             TEXT                      'A+' ... or NULL
 *   summary           TEXT NOT NULL             JSON
 *   INDEX test_results_ts (ts)
 * ```
 *
 * Version 2 adds rollups: per-minute and per-hour summaries of each series, so that charts
 * over weeks read thousands of rows instead of millions (see `rollup_refresh.ts` and
 * `rollup_query.ts`). They are a cache: every figure can be computed again from `samples`.
 *
 * ```text
 * rollups       one row per series x width x bucket that holds samples
 *   series_id         INTEGER NOT NULL -> series.id
 *   width             INTEGER NOT NULL          60000 (minute) or 3600000 (hour)
 *   bucket_start      INTEGER NOT NULL          ms, a multiple of width
 *   count             INTEGER NOT NULL          rows, lost and failed included
 *   lost              INTEGER NOT NULL          rows whose status is not ok
 *   ok_count          INTEGER NOT NULL          ok rows with a value
 *   min, max          REAL                      NULL when ok_count = 0
 *   sum, sum_sq       REAL NOT NULL             of the ok values, and of their squares
 *   first_ok, last_ok REAL                      first and last ok value in time order
 *   ipdv_sum          REAL NOT NULL             sum of |v(i) - v(i-1)| over consecutive ok values
 *   ipdv_count        INTEGER NOT NULL          how many such differences
 *   sketch            BLOB NOT NULL             log-binned counts of the ok values (1 % bins)
 *   PRIMARY KEY (series_id, width, bucket_start)   WITHOUT ROWID
 *
 * rollup_marks  how far each series is rolled up
 *   series_id         INTEGER PRIMARY KEY -> series.id
 *   rolled_until      INTEGER NOT NULL          ms, a whole minute: every minute before it has
 *                                               its rollup, every hour ending by it too; a
 *                                               write of an earlier sample moves it back
 * ```
 *
 * Version 3 is for running for months: the probe interval in effect on each sample (adaptive
 * intervals change it during a run), and how far each series' raw samples were compacted away
 * (see `compact.ts`: raw samples older than the retention are deleted once rolled up; the
 * rollups then stand for them).
 *
 * ```text
 * samples.interval_ms         INTEGER         the probe interval in effect, ms; NULL when unknown
 * rollup_marks.compacted_until INTEGER        ms, a whole minute: every raw sample before it was
 *                                             deleted after being rolled up; NULL = none
 * ```
 *
 * Version 4 adds the severity timeline of alerts: a view over the `alert` events (threshold
 * rules and the anomaly detector record their series, levels and figures in `data`), and an
 * index to read one kind of event over a period.
 *
 * ```text
 * alert_timeline  VIEW: one row per alert raise, escalation or clear, oldest first by ts
 *   id, run_id, ts, series_id                 from events
 *   plugin, target, interface, server, metric from series (NULL without a series)
 *   detector          TEXT                    'anomaly' or 'threshold'
 *   stat              TEXT                    the rule's statistic, 'anomaly' for the detector
 *   severity          TEXT                    'warn' | 'critical' | 'clear'
 *   level_from, level_to TEXT                 'ok' | 'warn' | 'critical'
 *   reason            TEXT                    anomaly: raised, escalated, cleared, adapted
 *   confidence        REAL                    anomaly: fused confidence in [0, 1]
 *   value             REAL                    threshold: the statistic's value
 *   message           TEXT
 * INDEX events_kind_ts (kind, ts)
 * ```
 *
 * Foreign keys are declared for readers of the schema but not enforced (`PRAGMA
 * foreign_keys` stays off), which keeps ingest fast.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * One step of the schema: the SQL that brings a store from `version - 1` to `version`.
 *
 * @example A migration adding a column
 * ```ts
 * import type { Migration } from "./schema.ts";
 * const addNote: Migration = {
 *   version: 2, description: "Add runs.note", sql: "ALTER TABLE runs ADD COLUMN note TEXT",
 * };
 * ```
 */
export interface Migration {
  /** The `user_version` after this migration; migrations are numbered 1, 2, 3, ... */
  version: number;
  /** One line saying what it changes. */
  description: string;
  /** The statements to run. */
  sql: string;
}

/**
 * Every migration, in order. Append new ones; never edit a released one.
 *
 * @example The first migration
 * ```ts
 * import { MIGRATIONS } from "./schema.ts";
 * console.log(MIGRATIONS[0]?.version); // 1
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "Create runs, series, samples, events and test_results",
    sql: `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  status TEXT NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
  recipe_name TEXT NOT NULL,
  recipe_path TEXT,
  recipe_text TEXT NOT NULL,
  recipe_hash TEXT NOT NULL,
  effective_recipe TEXT NOT NULL,
  host TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  pid INTEGER,
  summary TEXT
);
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  plugin TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  interface TEXT NOT NULL DEFAULT '',
  server TEXT NOT NULL DEFAULT '',
  metric TEXT NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  UNIQUE (plugin, target, interface, server, metric, unit)
);
CREATE TABLE samples (
  series_id INTEGER NOT NULL REFERENCES series (id),
  ts INTEGER NOT NULL,
  value REAL,
  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
  seq INTEGER,
  reason TEXT,
  run_id INTEGER NOT NULL REFERENCES runs (id)
);
CREATE INDEX samples_series_ts ON samples (series_id, ts);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs (id),
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warn', 'critical', 'clear')),
  series_id INTEGER REFERENCES series (id),
  message TEXT NOT NULL,
  data TEXT
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_run_ts ON events (run_id, ts);
CREATE TABLE test_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  ts INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  interface TEXT NOT NULL DEFAULT '',
  server TEXT NOT NULL DEFAULT '',
  duration_ms REAL NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  grade TEXT,
  summary TEXT NOT NULL
);
CREATE INDEX test_results_ts ON test_results (ts);
`,
  },
  {
    version: 2,
    description: "Create rollups and rollup_marks: per-minute and per-hour series summaries",
    sql: `
CREATE TABLE rollups (
  series_id INTEGER NOT NULL REFERENCES series (id),
  width INTEGER NOT NULL CHECK (width IN (60000, 3600000)),
  bucket_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  ok_count INTEGER NOT NULL,
  min REAL,
  max REAL,
  sum REAL NOT NULL,
  sum_sq REAL NOT NULL,
  first_ok REAL,
  last_ok REAL,
  ipdv_sum REAL NOT NULL,
  ipdv_count INTEGER NOT NULL,
  sketch BLOB NOT NULL,
  PRIMARY KEY (series_id, width, bucket_start)
) WITHOUT ROWID;
CREATE TABLE rollup_marks (
  series_id INTEGER PRIMARY KEY REFERENCES series (id),
  rolled_until INTEGER NOT NULL
);
`,
  },
  {
    version: 3,
    description: "Add samples.interval_ms and rollup_marks.compacted_until: adaptive intervals, " +
      "compaction",
    sql: `
ALTER TABLE samples ADD COLUMN interval_ms INTEGER;
ALTER TABLE rollup_marks ADD COLUMN compacted_until INTEGER;
`,
  },
  {
    version: 4,
    description: "Create the alert_timeline view and index events by kind and time",
    sql: `
CREATE INDEX events_kind_ts ON events (kind, ts);
CREATE VIEW alert_timeline AS
SELECT
  e.id AS id,
  e.run_id AS run_id,
  e.ts AS ts,
  e.series_id AS series_id,
  s.plugin AS plugin,
  s.target AS target,
  s.interface AS interface,
  s.server AS server,
  s.metric AS metric,
  CASE WHEN json_valid(e.data) AND json_extract(e.data, '$.detector') = 'anomaly'
    THEN 'anomaly' ELSE 'threshold' END AS detector,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.stat') END AS stat,
  e.severity AS severity,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.from') END AS level_from,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.to') END AS level_to,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.reason') END AS reason,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.confidence') END AS confidence,
  CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.value') END AS value,
  e.message AS message
FROM events AS e LEFT JOIN series AS s ON s.id = e.series_id
WHERE e.kind = 'alert';
`,
  },
];

/**
 * The schema version this code writes: the last migration's version.
 *
 * @example The version this code writes
 * ```ts
 * import { SCHEMA_VERSION } from "./schema.ts";
 * console.log(SCHEMA_VERSION >= 1); // true
 * ```
 */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Options for {@linkcode migrate}.
 *
 * @example Naming the file in error messages
 * ```ts
 * import type { MigrateOptions } from "./schema.ts";
 * const options: MigrateOptions = { path: "bufferbane.db" };
 * ```
 */
export interface MigrateOptions {
  /**
   * The store's path, for error messages.
   *
   * @default {":memory:"}
   */
  path?: string;
  /**
   * The migrations to apply.
   *
   * @default {MIGRATIONS}
   */
  migrations?: readonly Migration[];
}

/**
 * Reads the schema version of an open database.
 *
 * @param db An open database.
 * @returns The value of `PRAGMA user_version` (0 for a new file).
 *
 * @example A new database has version 0
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { schemaVersion } from "./schema.ts";
 * console.log(schemaVersion(new DatabaseSync(":memory:"))); // 0
 * ```
 */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Brings a database up to the newest schema: applies every migration whose version is above
 * `user_version`, in order, in one write transaction, then sets `user_version`. Applying it
 * twice changes nothing. When it fails, nothing of it is kept.
 *
 * @param db An open, writable database.
 * @param options The path (for messages) and the migrations.
 * @returns The versions applied, in order (empty when the store was up to date).
 * @throws {BufferbaneError} `STORE_VERSION` when the store is newer than the migrations know.
 *
 * @example Migrating a new database
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { migrate, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
 * const db = new DatabaseSync(":memory:");
 * migrate(db);
 * console.log(schemaVersion(db) === SCHEMA_VERSION); // true
 * console.log(migrate(db).length); // 0
 * ```
 */
export function migrate(db: DatabaseSync, options: MigrateOptions = {}): number[] {
  const { path = ":memory:", migrations = MIGRATIONS } = options;
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  // Read the version inside the write transaction, so two processes opening a new file at
  // the same time do not both create the tables.
  db.exec("BEGIN IMMEDIATE");
  try {
    const current = schemaVersion(db);
    if (current > latest) throw newerVersionError(path, current, latest);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      applied.push(migration.version);
    }
    if (applied.length > 0) db.exec(`PRAGMA user_version = ${latest}`);
    db.exec("COMMIT");
    return applied;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * The error for a store written by a newer bufferbane.
 *
 * @param path The store's path.
 * @param found The store's `user_version`.
 * @param known The newest version this code knows.
 * @returns A `STORE_VERSION` error.
 *
 * @example Rejecting a store from the future
 * ```ts
 * import { newerVersionError } from "./schema.ts";
 * console.log(newerVersionError("a.db", 9, 1).message);
 * // Store "a.db" has schema version 9, newer than this bufferbane knows (1)
 * ```
 */
export function newerVersionError(path: string, found: number, known: number): BufferbaneError {
  return new BufferbaneError(
    ErrorCode.StoreVersion,
    `Store "${path}" has schema version ${found}, newer than this bufferbane knows (${known})`,
    { hint: "upgrade bufferbane, or choose another store file" },
  );
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new RangeError(
        `Migration "${migration.description}" has version ${migration.version}: expected ${
          index + 1
        }`,
      );
    }
  });
}
