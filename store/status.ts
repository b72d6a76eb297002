/**
 * The one place where status strings meet the integers and texts stored in SQLite.
 *
 * Sample statuses are stored as small integers (`samples.status`): `0` ok, `1` lost, `2`
 * failed. Run statuses, event severities and test statuses are stored as text and checked by
 * the schema.
 *
 * @module
 */
import type { EventSeverity, SampleStatus } from "../core/contract.ts";

/**
 * Stored integer of each sample status.
 *
 * @example The stored integer of a lost sample
 * ```ts
 * import { SAMPLE_STATUS_CODE } from "./status.ts";
 * console.log(SAMPLE_STATUS_CODE.lost); // 1
 * ```
 */
export const SAMPLE_STATUS_CODE: Readonly<Record<SampleStatus, number>> = {
  ok: 0,
  lost: 1,
  failed: 2,
};

const SAMPLE_STATUS_BY_CODE: readonly SampleStatus[] = ["ok", "lost", "failed"];

/**
 * Turns a sample status into its stored integer.
 *
 * @param status `"ok"`, `"lost"` or `"failed"`.
 * @returns `0`, `1` or `2`.
 * @throws {RangeError} When the status is not one of the three.
 *
 * @example Storing a failed sample
 * ```ts
 * import { sampleStatusToCode } from "./status.ts";
 * console.log(sampleStatusToCode("failed")); // 2
 * ```
 */
export function sampleStatusToCode(status: SampleStatus): number {
  const code = SAMPLE_STATUS_CODE[status];
  if (code === undefined) throw new RangeError(`Unknown sample status "${status}"`);
  return code;
}

/**
 * Turns a stored integer back into a sample status.
 *
 * @param code `0`, `1` or `2`.
 * @returns `"ok"`, `"lost"` or `"failed"`.
 * @throws {RangeError} When the integer is not a known status.
 *
 * @example Reading a stored status back
 * ```ts
 * import { sampleStatusFromCode } from "./status.ts";
 * console.log(sampleStatusFromCode(1)); // lost
 * ```
 */
export function sampleStatusFromCode(code: number): SampleStatus {
  const status = SAMPLE_STATUS_BY_CODE[code];
  if (status === undefined) throw new RangeError(`Unknown stored sample status "${code}"`);
  return status;
}

/**
 * Where a run stands: still recording, ended normally, cut short (the process died), or
 * ended by an error.
 *
 * @example A run cut short
 * ```ts
 * import type { RunStatus } from "./status.ts";
 * const status: RunStatus = "interrupted";
 * ```
 */
export type RunStatus = "running" | "completed" | "interrupted" | "failed";

/**
 * Every run status, as the schema's CHECK constraint lists them.
 *
 * @example Every run status
 * ```ts
 * import { RUN_STATUSES } from "./status.ts";
 * console.log(RUN_STATUSES.includes("interrupted")); // true
 * ```
 */
export const RUN_STATUSES: readonly RunStatus[] = ["running", "completed", "interrupted", "failed"];

/**
 * Every event severity, as the schema's CHECK constraint lists them.
 *
 * @example Every event severity
 * ```ts
 * import { EVENT_SEVERITIES } from "./status.ts";
 * console.log(EVENT_SEVERITIES.join(",")); // info,warn,critical,clear
 * ```
 */
export const EVENT_SEVERITIES: readonly EventSeverity[] = ["info", "warn", "critical", "clear"];

/**
 * How a bounded test ended, as stored in `test_results.status`.
 *
 * @example A test that completed
 * ```ts
 * import type { TestStatus } from "./status.ts";
 * const status: TestStatus = "ok";
 * ```
 */
export type TestStatus = "ok" | "failed";

/**
 * Every test status, as the schema's CHECK constraint lists them.
 *
 * @example Every test status
 * ```ts
 * import { TEST_STATUSES } from "./status.ts";
 * console.log(TEST_STATUSES.length); // 2
 * ```
 */
export const TEST_STATUSES: readonly TestStatus[] = ["ok", "failed"];
