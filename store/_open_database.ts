/**
 * Opens the SQLite file behind a store: pragmas, migrations, and errors a person can act on.
 * A failed open of a new file leaves no file behind.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import {
  migrate,
  type Migration,
  MIGRATIONS,
  newerVersionError,
  SCHEMA_VERSION,
  schemaVersion,
} from "./schema.ts";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Open for reading only: no migration, no file created. */
  readOnly: boolean;
  /** How long a statement waits for another connection's lock, in milliseconds. */
  busyTimeout: number;
  /** Migrations to apply (tests inject failing ones). */
  migrations?: readonly Migration[];
}

/** Page cache per connection, in KiB: room for a large batch and its index pages. */
const CACHE_KIB = 16_384;

const SIDE_FILES = ["", "-wal", "-shm", "-journal"];

/** Size the WAL file is truncated to after a checkpoint, in bytes. */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;

function hasTables(db: DatabaseSync): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema LIMIT 1").get() !== undefined;
}

/**
 * Opens (and for writing, creates and migrates) the database at `path`.
 *
 * @param path A file path or `":memory:"`.
 * @param options Read-only flag, busy timeout, migrations.
 * @returns The open connection.
 * @throws {BufferbaneError} `STORE_OPEN` or `STORE_VERSION`.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): DatabaseSync {
  const inMemory = path === ":memory:";
  if (!inMemory) checkFolder(path);
  if (!inMemory && options.readOnly && !exists(path)) {
    throw openError(path, "the file does not exist", {
      hint: "check the path, or record a run first to create the store",
    });
  }
  const created = inMemory
    ? []
    : SIDE_FILES.map((suffix) => path + suffix).filter((file) => !exists(file));
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: options.readOnly });
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(options.busyTimeout))}`);
    db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
    if (options.readOnly) {
      if (needsUpgrade(db, path)) {
        // An older store is upgraded once through a writing connection, then read as asked.
        db.close();
        openDatabase(path, { ...options, readOnly: false }).close();
        return openDatabase(path, options);
      }
    } else {
      // A new file gives freed pages back to the file system on compaction (see compact.ts);
      // an existing one keeps its mode (switching it needs a full VACUUM).
      if (schemaVersion(db) === 0 && !hasTables(db)) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
      db.exec("PRAGMA journal_mode = WAL");
      // Truncate the WAL after a checkpoint beyond this size, so a burst does not leave a big
      // WAL file behind for the life of the process.
      db.exec(`PRAGMA journal_size_limit = ${WAL_LIMIT_BYTES}`);
      db.exec("PRAGMA synchronous = NORMAL");
      migrate(db, { path, migrations: options.migrations ?? MIGRATIONS });
    }
    return db;
  } catch (error) {
    if (db?.isOpen) db.close();
    for (const file of created) removeQuietly(file);
    if (error instanceof BufferbaneError) throw error;
    throw openError(path, sqliteReason(error, path), { cause: error });
  }
}

/** Whether a store opened for reading has an older schema (a newer one is an error). */
function needsUpgrade(db: DatabaseSync, path: string): boolean {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) throw newerVersionError(path, version, SCHEMA_VERSION);
  return version < SCHEMA_VERSION;
}

function checkFolder(path: string): void {
  const folder = dirname(path);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(folder);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? `folder "${folder}" does not exist`
      : `cannot reach folder "${folder}": ${error instanceof Error ? error.message : error}`;
    throw openError(path, reason, {
      cause: error,
      hint: "create the folder or choose another path",
    });
  }
  if (!info.isDirectory) {
    throw openError(path, `"${folder}" is not a folder`, { hint: "choose another path" });
  }
}

function openError(
  path: string,
  reason: string,
  options: { cause?: unknown; hint?: string },
): BufferbaneError {
  return new BufferbaneError(ErrorCode.StoreOpen, `Cannot open store "${path}": ${reason}`, {
    cause: options.cause,
    hint: options.hint ?? "check that the folder exists and is writable, and that the file is a " +
        "bufferbane store",
  });
}

function sqliteReason(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const suffix = `: ${path}`;
  return message.endsWith(suffix) ? message.slice(0, -suffix.length) : message;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Not there: nothing to clean up.
  }
}
