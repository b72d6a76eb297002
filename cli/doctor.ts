/**
 * `doctor`: pre-flight checks with a verdict per line (see `doctor/run.ts`). Exit code 1 when
 * any line fails, 0 otherwise (warnings included).
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { loadRecipe } from "../core/recipe.ts";
import { parseDuration } from "../core/duration.ts";
import { countVerdicts, runDoctor } from "../doctor/run.ts";
import { renderDoctor } from "../doctor/render.ts";
import { defaultDoctorDeps, type DoctorDeps } from "../doctor/deps.ts";
import { CHECK_NAMES, type CheckName } from "../doctor/types.ts";
import { builtinRegistry } from "../plugins/builtin.ts";

/** Flags of the `doctor` command. */
export interface DoctorCommandOptions {
  /** A recipe whose servers, resolvers and interfaces are checked too. */
  recipe?: string;
  /**
   * Print `{ results, counts }` as JSON.
   *
   * @default {false}
   */
  json?: boolean;
  /**
   * Comma-separated subset of the checks.
   *
   * @default {every check}
   */
  checks?: string;
  /**
   * Wait per probe, a duration.
   *
   * @default {"1s"}
   */
  timeout?: string;
  /**
   * Name the system resolver must resolve when the recipe names none.
   *
   * @default {"example.com"}
   */
  dnsName?: string;
}

function parseChecks(text: string | undefined): CheckName[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(",").map((name) => name.trim()).filter((name) => name !== "");
  for (const name of names) {
    if (!(CHECK_NAMES as readonly string[]).includes(name)) {
      throw new BufferbaneError(
        ErrorCode.InvalidArgument,
        `Unknown check "${name}": expected some of ${CHECK_NAMES.join(", ")}`,
      );
    }
  }
  return names as CheckName[];
}

/**
 * Runs the doctor and prints its report.
 *
 * @param flags Command-line flags.
 * @param deps The system (tests pass their own).
 * @returns The exit code: 1 when a check failed.
 *
 * @example
 * ```ts ignore
 * import { doctorCommand } from "./doctor.ts";
 * Deno.exit(await doctorCommand({ checks: "icmp,interface" }));
 * ```
 */
export async function doctorCommand(
  flags: DoctorCommandOptions,
  deps: DoctorDeps = defaultDoctorDeps(),
): Promise<number> {
  const checks = parseChecks(flags.checks);
  const recipe = flags.recipe === undefined
    ? undefined
    : (await loadRecipe(flags.recipe, { registry: builtinRegistry() })).recipe;
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
  const lines = await runDoctor({
    ...(recipe !== undefined ? { recipe } : {}),
    ...(checks !== undefined ? { checks } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(flags.dnsName !== undefined ? { dnsName: flags.dnsName } : {}),
  }, deps);
  const counts = countVerdicts(lines);
  if (flags.json) console.log(JSON.stringify({ results: lines, counts }, null, 2));
  else console.log(renderDoctor(lines));
  return counts.fail > 0 ? 1 : 0;
}
