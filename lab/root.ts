/**
 * The lab's first check: it needs root.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * Throws unless the process runs as root: the lab creates network namespaces, queues (tc) and
 * firewall rules (nftables), which only root may do.
 *
 * @param uid The user id to check.
 * @throws {BufferbaneError} `PERMISSION`: `The lab needs root (network namespaces, tc,
 * nftables): run with sudo`.
 *
 * @example An unprivileged user is refused
 * ```ts
 * import { requireRoot } from "./root.ts";
 * try {
 *   requireRoot(65534);
 * } catch (error) {
 *   console.log((error as Error).message); // The lab needs root (network namespaces, tc, nftables): run with sudo
 * }
 * ```
 */
export function requireRoot(uid: number | null = Deno.uid()): void {
  if (Deno.build.os !== "linux") {
    throw new BufferbaneError(
      ErrorCode.Permission,
      `The lab needs Linux (network namespaces): this is "${Deno.build.os}"`,
    );
  }
  if (uid !== 0) {
    throw new BufferbaneError(
      ErrorCode.Permission,
      "The lab needs root (network namespaces, tc, nftables): run with sudo",
    );
  }
}
