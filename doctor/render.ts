/**
 * The doctor's lines as text: `VERDICT  check  subject: message`, with `hint:` under lines that
 * are not ok, and a closing count.
 *
 * @module
 */
import { countVerdicts } from "./run.ts";
import type { CheckResult } from "./types.ts";

/**
 * Renders the report as text lines.
 *
 * @param lines The doctor's lines.
 * @returns Text, one finding per line (hints indented below).
 *
 * @example
 * ```ts
 * import { renderDoctor } from "./render.ts";
 * console.log(renderDoctor([
 *   { check: "gateway", verdict: "fail", message: "no default route", hint: "connect" },
 * ]));
 * // FAIL  gateway    no default route
 * //       hint: connect
 * //
 * // 0 ok, 0 warn, 1 fail, 0 skipped
 * ```
 */
export function renderDoctor(lines: readonly CheckResult[]): string {
  const out: string[] = [];
  for (const line of lines) {
    const verdict = line.verdict.toUpperCase().padEnd(4);
    const subject = line.subject ? `${line.subject}: ` : "";
    out.push(`${verdict}  ${line.check.padEnd(9)}  ${subject}${line.message}`);
    if (line.hint && line.verdict !== "ok") out.push(`      hint: ${line.hint}`);
  }
  const counts = countVerdicts(lines);
  out.push("", `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail, ${counts.skip} skipped`);
  return out.join("\n");
}
