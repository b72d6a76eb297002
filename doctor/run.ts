/**
 * `bufferbane doctor`: pre-flight checks, one line per finding with a verdict and a hint.
 *
 * | check       | looks at                                                                  |
 * | ----------- | ------------------------------------------------------------------------- |
 * | `icmp`      | ping sockets (`net.ipv4.ping_group_range`) or raw sockets (`CAP_NET_RAW`) |
 * | `dns`       | the system resolver; with a recipe, its server names and dns resolvers    |
 * | `gateway`   | each default route's gateway, pinged through its interface                |
 * | `path-mtu`  | with a recipe, the path MTU to each server (Don't-Fragment probes)        |
 * | `interface` | state of each interface: up, carrier, addresses, routes                   |
 * | `self-test` | a 2 s run against the embedded server on loopback, and the store          |
 *
 * @module
 */
import type { Recipe } from "../core/recipe_schema.ts";
import { checkDns } from "./check_dns.ts";
import { checkGateway } from "./check_gateway.ts";
import { checkIcmp } from "./check_icmp.ts";
import { checkInterfaces } from "./check_interfaces.ts";
import { checkPathMtu } from "./check_path_mtu.ts";
import type { DoctorContext } from "./context.ts";
import { defaultDoctorDeps, type DoctorDeps } from "./deps.ts";
import { CHECK_NAMES, type CheckName, type CheckResult } from "./types.ts";

/**
 * Options of {@linkcode runDoctor}.
 *
 * @example Only the path MTU to a recipe's servers
 * ```ts ignore
 * const options: DoctorOptions = { recipe, checks: ["path-mtu"] };
 * ```
 */
export interface DoctorOptions {
  /** A recipe whose servers, resolvers and interfaces are checked too. */
  recipe?: Recipe;
  /**
   * Which checks run.
   *
   * @default {every one of CHECK_NAMES}
   */
  checks?: readonly CheckName[];
  /**
   * Wait per probe (ping, DNS query), ms.
   *
   * @default {1000}
   */
  timeoutMs?: number;
  /**
   * The name the system resolver must resolve when the recipe names none.
   *
   * @default {"example.com"}
   */
  dnsName?: string;
}

/**
 * Runs the checks in order. A check that throws becomes a `fail` line; the others still run.
 *
 * @param options Recipe, checks and waits.
 * @param deps The system (tests pass their own).
 * @returns Every line.
 *
 * @example Only the ICMP permission check, on a system that allows neither socket
 * ```ts
 * import { runDoctor } from "./run.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const deps = { ...defaultDoctorDeps(), icmpPermission: () => new Error("EPERM") };
 * const lines = await runDoctor({ checks: ["icmp"] }, deps);
 * console.log(lines.map((l) => l.verdict)); // [ "fail" ]
 * ```
 */
export async function runDoctor(
  options: DoctorOptions = {},
  deps: DoctorDeps = defaultDoctorDeps(),
): Promise<CheckResult[]> {
  const context: DoctorContext = {
    deps,
    recipe: options.recipe,
    timeoutMs: options.timeoutMs ?? 1000,
    dnsName: options.dnsName ?? "example.com",
  };
  const wanted = new Set(options.checks ?? CHECK_NAMES);
  const lines: CheckResult[] = [];
  let icmpAllowed = false;
  const checks: Record<CheckName, () => Promise<CheckResult[]>> = {
    icmp: async () => {
      const result = await checkIcmp(context);
      icmpAllowed = result.some((line) => line.verdict === "ok");
      return result;
    },
    dns: () => checkDns(context),
    gateway: () => checkGateway(context),
    "path-mtu": () => checkPathMtu(context),
    interface: () => checkInterfaces(context),
    "self-test": () => {
      if (!wanted.has("icmp")) {
        icmpAllowed = deps.icmpPermission("ping", 4) === undefined ||
          deps.icmpPermission("raw", 4) === undefined;
      }
      return deps.selfTest({ icmp: icmpAllowed });
    },
  };
  for (const name of CHECK_NAMES) {
    if (!wanted.has(name)) continue;
    try {
      lines.push(...await checks[name]());
    } catch (error) {
      lines.push({
        check: name,
        verdict: "fail",
        message: `the check itself failed: ${(error as Error).message}`,
        hint: "run with -A; if it persists, this is a bug in bufferbane",
      });
    }
  }
  return lines;
}

/**
 * Counts lines by verdict.
 *
 * @param lines The doctor's lines.
 * @returns Counts of `ok`, `warn`, `fail` and `skip`.
 *
 * @example
 * ```ts
 * import { countVerdicts } from "./run.ts";
 * console.log(countVerdicts([{ check: "icmp", verdict: "ok", message: "" }]));
 * // { ok: 1, warn: 0, fail: 0, skip: 0 }
 * ```
 */
export function countVerdicts(lines: readonly CheckResult[]) {
  const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const line of lines) counts[line.verdict]++;
  return counts;
}
