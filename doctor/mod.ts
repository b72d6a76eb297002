/**
 * Pre-flight checks (`bufferbane doctor`): can this machine measure, and is its network path
 * sane? See {@linkcode runDoctor}.
 *
 * @example
 * ```ts ignore
 * import { renderDoctor, runDoctor } from "./mod.ts";
 * console.log(renderDoctor(await runDoctor()));
 * ```
 *
 * @module
 */
export { countVerdicts, type DoctorOptions, runDoctor } from "./run.ts";
export { renderDoctor } from "./render.ts";
export { defaultDoctorDeps, type DoctorDeps } from "./deps.ts";
export { CHECK_NAMES, type CheckName, type CheckResult, type Verdict } from "./types.ts";
export { type PathMtuResult, searchPathMtu } from "./path_mtu.ts";
