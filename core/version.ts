/**
 * The tool version recorded with every run.
 *
 * @module
 */

/**
 * bufferbane's version (kept equal to `version` in deno.json; a test checks it).
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION.split(".").length); // 3
 * ```
 */
export const VERSION = "0.1.0";
