/**
 * The congestion control algorithms a throughput client may ask the server to send with, as
 * one-byte codes on the wire (`throughput_wire.ts`): the names Linux knows in
 * `tcp_available_congestion_control` when the modules are loaded. Code 0 means "the server's
 * default"; a GRANT answers {@linkcode CONGESTION_CONTROL_REFUSED} when the server's kernel
 * would not set the algorithm asked for.
 *
 * @module
 */

/**
 * Algorithm names by code: code `n` (from 1) is `CONGESTION_CONTROL_NAMES[n - 1]`. Append
 * only: a code never changes its meaning.
 *
 * @example
 * ```ts
 * import { CONGESTION_CONTROL_NAMES } from "./congestion_control.ts";
 * console.log(CONGESTION_CONTROL_NAMES.slice(0, 3).join(" ")); // reno cubic bbr
 * ```
 */
export const CONGESTION_CONTROL_NAMES = [
  "reno",
  "cubic",
  "bbr",
  "bic",
  "htcp",
  "vegas",
  "westwood",
  "dctcp",
  "illinois",
  "hybla",
  "scalable",
  "yeah",
  "lp",
  "veno",
  "highspeed",
  "nv",
  "cdg",
] as const;

/**
 * The code of "the server's default" (nothing asked, or an upload, where the server only
 * receives).
 *
 * @example
 * ```ts
 * import { CONGESTION_CONTROL_DEFAULT } from "./congestion_control.ts";
 * console.log(CONGESTION_CONTROL_DEFAULT); // 0
 * ```
 */
export const CONGESTION_CONTROL_DEFAULT = 0;

/**
 * The GRANT's code for "asked, but the server's kernel refused it" (not built in, or not in
 * `tcp_allowed_congestion_control`): the stream runs with the server's default.
 *
 * @example
 * ```ts
 * import { CONGESTION_CONTROL_REFUSED } from "./congestion_control.ts";
 * console.log(CONGESTION_CONTROL_REFUSED); // 255
 * ```
 */
export const CONGESTION_CONTROL_REFUSED = 255;

/**
 * The code of an algorithm's name.
 *
 * @param name E.g. `"cubic"`.
 * @returns Its code (1 and up), or `undefined` when the wire has no code for it.
 *
 * @example
 * ```ts
 * import { congestionControlCode } from "./congestion_control.ts";
 * console.log(congestionControlCode("cubic"), congestionControlCode("mine")); // 2 undefined
 * ```
 */
export function congestionControlCode(name: string): number | undefined {
  const index = (CONGESTION_CONTROL_NAMES as readonly string[]).indexOf(name);
  return index < 0 ? undefined : index + 1;
}

/**
 * The name of a code.
 *
 * @param code A code from a HELLO or a GRANT.
 * @returns The name, or `undefined` for 0, 255 and codes without a name.
 *
 * @example
 * ```ts
 * import { congestionControlName } from "./congestion_control.ts";
 * console.log(congestionControlName(3), congestionControlName(0)); // bbr undefined
 * ```
 */
export function congestionControlName(code: number): string | undefined {
  return code >= 1 ? CONGESTION_CONTROL_NAMES[code - 1] : undefined;
}
