/**
 * What a doctor check says: one line with a verdict, and a hint how to fix what is wrong.
 *
 * @module
 */

/**
 * `"ok"`: fine; `"warn"`: works, but something will skew or limit measurements; `"fail"`:
 * something bufferbane needs is broken (the exit code says so); `"skip"`: the check does not
 * apply here (no recipe servers to probe, say).
 *
 * @example
 * ```ts
 * import type { Verdict } from "./types.ts";
 * const verdict: Verdict = "warn";
 * ```
 */
export type Verdict = "ok" | "warn" | "fail" | "skip";

/**
 * One line of the doctor's report.
 *
 * @example A gateway that answers
 * ```ts
 * import type { CheckResult } from "./types.ts";
 * const line: CheckResult = {
 *   check: "gateway", subject: "192.0.2.1 via eth0", verdict: "ok", message: "answers ping in 0.4 ms",
 * };
 * ```
 */
export interface CheckResult {
  /** Which check: `"icmp"`, `"dns"`, `"gateway"`, `"path-mtu"`, `"interface"`, `"self-test"`. */
  check: string;
  /** What it looked at, e.g. an interface or a server; absent for a check about the host. */
  subject?: string;
  /** The verdict. */
  verdict: Verdict;
  /** What was found, one line. */
  message: string;
  /** How to fix it, for `warn` and `fail`. */
  hint?: string;
  /** Figures behind the verdict (for `--json`). */
  data?: Record<string, unknown>;
}

/**
 * The names of the checks, in the order they run; `--checks` takes a comma-separated subset.
 *
 * @example
 * ```ts
 * import { CHECK_NAMES } from "./types.ts";
 * console.log(CHECK_NAMES.join(",")); // icmp,dns,gateway,path-mtu,interface,self-test
 * ```
 */
export const CHECK_NAMES = [
  "icmp",
  "dns",
  "gateway",
  "path-mtu",
  "interface",
  "self-test",
] as const;

/** One of {@linkcode CHECK_NAMES}. */
export type CheckName = typeof CHECK_NAMES[number];
