/**
 * Option helpers shared by the commands: repeatable flags, `key=value` pairs, the store path.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * Commander collector for repeatable flags (`--plugin a.ts --plugin b.ts`).
 *
 * @example
 * ```ts
 * import { collect } from "./options.ts";
 * console.log(collect("b", ["a"])); // ["a", "b"]
 * ```
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Turns `["a=1", "b=x"]` into `{a: "1", b: "x"}`.
 *
 * @param pairs `key=value` texts.
 * @param flag The flag name, for the error.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` when a pair has no `=`.
 *
 * @example
 * ```ts
 * import { parsePairs } from "./options.ts";
 * console.log(parsePairs(["duration=30s"], "--set")); // { duration: "30s" }
 * ```
 */
export function parsePairs(pairs: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) {
      throw new BufferbaneError(ErrorCode.InvalidArgument, `${flag} "${pair}": expected key=value`);
    }
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/**
 * The store path: the flag, else `BUFFERBANE_DB`, else `bufferbane.db` in the current folder.
 *
 * @example
 * ```ts
 * import { storePath } from "./options.ts";
 * console.log(storePath("x.db")); // x.db
 * ```
 */
export function storePath(flag: string | undefined): string {
  return flag ?? Deno.env.get("BUFFERBANE_DB") ?? "bufferbane.db";
}

/** Output modes of commands that run probes. */
export type OutputMode = "table" | "json" | "plain" | "quiet";

/**
 * Checks an `--output` value for run commands; default: table on a terminal, plain otherwise.
 *
 * @example
 * ```ts
 * import { outputMode } from "./options.ts";
 * console.log(outputMode("json")); // json
 * ```
 */
export function outputMode(value: string | undefined): OutputMode {
  if (value === undefined) return Deno.stdout.isTerminal() ? "table" : "plain";
  if (value === "table" || value === "json" || value === "plain" || value === "quiet") return value;
  throw new BufferbaneError(ErrorCode.InvalidArgument, `--output "${value}": unknown mode`, {
    hint: "use table, json, plain or quiet",
  });
}
