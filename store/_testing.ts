/**
 * Fixtures shared by the store's tests: temporary folders and a store with one run.
 *
 * @module
 */
import { join } from "node:path";
import type { Store } from "./store.ts";
import type { SeriesKey } from "./types.ts";

/**
 * Runs `work` with a fresh temporary folder, removed afterwards.
 *
 * @param work Gets the folder's path.
 * @returns What `work` returns.
 */
export async function withTempDir<T>(work: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bufferbane_store_" });
  try {
    return await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A store file path inside `dir`.
 *
 * @param dir A folder.
 * @returns `<dir>/store.db`.
 */
export function storePath(dir: string): string {
  return join(dir, "store.db");
}

/**
 * A series key with defaults.
 *
 * @param fields Fields to override.
 * @returns The key.
 */
export function seriesKey(fields: Partial<SeriesKey> = {}): SeriesKey {
  return {
    plugin: "ping",
    target: "example.net",
    interface: "",
    server: "",
    metric: "rtt",
    unit: "ms",
    ...fields,
  };
}

/**
 * Starts a run in `store`.
 *
 * @param store The store.
 * @param startedAt Start time.
 * @returns The run id.
 */
export function startTestRun(store: Store, startedAt = 1_700_000_000_000): number {
  return store.startRun({
    startedAt,
    recipeName: "test",
    recipeText: 'name = "test"\n',
    effectiveRecipe: { name: "test" },
    toolVersion: "0.0.0-test",
  });
}

/**
 * Whether the sqlite3 command-line tool can be run.
 *
 * @returns `true` when `sqlite3 -version` succeeds.
 */
export async function hasSqliteCli(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sqlite3", { args: ["-version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Runs one query with the sqlite3 command-line tool.
 *
 * @param path The database file.
 * @param sql The query.
 * @returns Its output, trimmed.
 */
export async function sqliteCli(path: string, sql: string): Promise<string> {
  const output = await new Deno.Command("sqlite3", { args: [path, sql] }).output();
  const text = new TextDecoder();
  if (!output.success) throw new Error(`sqlite3 failed: ${text.decode(output.stderr)}`);
  return text.decode(output.stdout).trim();
}
