/**
 * Rows between their TypeScript shape and their SQL parameters: checks, status codes, JSON.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { EVENT_SEVERITIES, type RunStatus, sampleStatusToCode, TEST_STATUSES } from "./status.ts";
import type { EventRow, RunRecord, SampleRow, TestResultRow } from "./types.ts";

/** A `runs` row as SQLite returns it. */
export type RunRow = {
  id: number;
  started_at: number;
  ended_at: number | null;
  status: RunStatus;
  recipe_name: string;
  recipe_path: string | null;
  recipe_text: string;
  recipe_hash: string;
  effective_recipe: string;
  host: string;
  tool_version: string;
  pid: number | null;
  summary: string | null;
};

/**
 * Writes one sample's eight INSERT parameters into `args` at `offset`.
 *
 * @param args The parameter array of a (multi-row) INSERT.
 * @param offset Where this row's parameters start.
 * @param row The sample.
 */
export function fillSample(args: SQLInputValue[], offset: number, row: SampleRow): void {
  args[offset] = row.seriesId;
  args[offset + 1] = Math.round(row.ts);
  args[offset + 2] = row.value;
  args[offset + 3] = sampleStatusToCode(row.status);
  args[offset + 4] = row.seq ?? null;
  args[offset + 5] = row.reason ?? null;
  args[offset + 6] = row.runId;
  args[offset + 7] = row.intervalMs ?? null;
}

/**
 * Checks what SQLite would not, before a row is queued or written.
 *
 * @param row A sample.
 * @throws {RangeError} When its time is not finite or its status unknown.
 */
export function checkSample(row: SampleRow): void {
  if (!Number.isFinite(row.ts)) throw new RangeError(`Sample time "${row.ts}" is not finite`);
  sampleStatusToCode(row.status);
}

/**
 * Turns an event into the values of its INSERT, checking it and serializing its data.
 *
 * @param row An event.
 * @returns The statement's parameters.
 * @throws {RangeError} When the severity is unknown.
 */
export function prepareEvent(row: EventRow): SQLInputValue[] {
  if (!EVENT_SEVERITIES.includes(row.severity)) {
    throw new RangeError(`Unknown event severity "${row.severity}"`);
  }
  return [
    row.runId,
    Math.round(row.ts),
    row.kind,
    row.severity,
    row.seriesId ?? null,
    row.message,
    row.data == null ? null : JSON.stringify(row.data),
  ];
}

/**
 * Turns a test result into the values of its INSERT, checking it and serializing its summary.
 *
 * @param row A test result.
 * @returns The statement's parameters.
 * @throws {RangeError} When the status is unknown.
 */
export function prepareTestResult(row: TestResultRow): SQLInputValue[] {
  if (!TEST_STATUSES.includes(row.status)) {
    throw new RangeError(`Unknown test status "${row.status}"`);
  }
  return [
    row.runId,
    Math.round(row.ts),
    row.plugin,
    row.target,
    row.interface,
    row.server,
    row.durationMs,
    row.status,
    row.grade ?? null,
    JSON.stringify(row.summary ?? {}),
  ];
}

/**
 * Turns a `runs` row into a {@linkcode RunRecord}, parsing its JSON columns.
 *
 * @param row The row as SQLite returns it.
 * @returns The record.
 */
export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
    recipeName: row.recipe_name,
    recipePath: row.recipe_path,
    recipeText: row.recipe_text,
    recipeHash: row.recipe_hash,
    effectiveRecipe: JSON.parse(row.effective_recipe),
    host: row.host,
    toolVersion: row.tool_version,
    pid: row.pid,
    summary: row.summary === null ? null : JSON.parse(row.summary),
  };
}
