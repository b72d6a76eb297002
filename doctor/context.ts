/**
 * What every doctor check gets: the system ({@linkcode DoctorDeps}), the recipe if one was
 * given, and the waits.
 *
 * @module
 */
import type { Recipe } from "../core/recipe_schema.ts";
import type { DoctorDeps } from "./deps.ts";

/**
 * The input of a check.
 *
 * @example Without a recipe
 * ```ts
 * import type { DoctorContext } from "./context.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const context: DoctorContext = {
 *   deps: defaultDoctorDeps(), recipe: undefined, timeoutMs: 1000, dnsName: "example.com",
 * };
 * ```
 */
export interface DoctorContext {
  /** The system. */
  deps: DoctorDeps;
  /** The recipe given with `--recipe`, whose servers, resolvers and interfaces are checked. */
  recipe: Recipe | undefined;
  /** Wait per probe (ping, DNS query), ms. */
  timeoutMs: number;
  /** The name the system resolver must resolve when the recipe names none. */
  dnsName: string;
}
