/**
 * What the FFI socket tests need from the environment, and test names that say why a test
 * was skipped.
 *
 * @module
 */
import { ffiAllowed } from "./libc.ts";

/** A requirement of a test. */
export type Requirement = "ffi" | "root";

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * Why a test cannot run here, or `undefined` when it can.
 *
 * @param needs What the test needs.
 * @returns A short reason, e.g. `"not root"`.
 *
 * @example Nothing needed, nothing missing
 * ```ts
 * import { missing } from "./_test_env.ts";
 * console.log(missing([]) === undefined); // true
 * ```
 */
export function missing(needs: readonly Requirement[]): string | undefined {
  if (needs.includes("ffi") && !ffiAllowed()) return "--allow-ffi not granted";
  if (needs.includes("root") && !isRoot()) return "not root";
  return undefined;
}

/**
 * A test name with the skip reason appended, e.g. `"x (skipped: not root)"`.
 *
 * @param name The test's name.
 * @param reason Why it is skipped, or `undefined` when it runs.
 * @returns The name to give `Deno.test`.
 *
 * @example A skipped test says why
 * ```ts
 * import { skippable } from "./_test_env.ts";
 * console.log(skippable("ping works", "not root")); // ping works (skipped: not root)
 * ```
 */
export function skippable(name: string, reason: string | undefined): string {
  return reason === undefined ? name : `${name} (skipped: ${reason})`;
}
