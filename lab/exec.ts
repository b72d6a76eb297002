/**
 * `lab exec -- <command>`: runs a command inside the client namespace, which is how a user runs
 * bufferbane in the lab:
 *
 * ```sh
 * deno run -A mod.ts lab exec -- deno run -A mod.ts recipe recipes/wifi-vs-ethernet.toml \
 *   --set interfaces=bb-wifi,bb-eth
 * ```
 *
 * The command gets the caller's environment plus {@linkcode LAB_ENV} (`BB_TARGET`,
 * `BB_RESOLVER`, `BB_DNS_NAME`, `BB_LAB`) and the lab's bufferbane server (`BB_SERVER_HOST`,
 * `BB_SERVER_PORT`, `BB_SERVER_THROUGHPUT_PORT`, `BB_SERVER_SECRET`, see `echo_server.ts`),
 * which override variables of the same name so that a recipe's `${BB_TARGET:-...}` or `${BB_SERVER_HOST:-}` can only point at
 * the lab's server. Inside the namespace, `/etc/resolv.conf` names the lab's dnsmasq.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { type CommandRunner, systemRunner } from "./commands.ts";
import { echoServerEnv } from "./echo_server.ts";
import { existingNamespaces } from "./network.ts";
import { requireRoot } from "./root.ts";
import { LAB_ENV, TOPOLOGY } from "./topology.ts";

/** Options of {@linkcode labExec}. */
export interface LabExecOptions {
  /**
   * Runs `ip netns list` to check that the lab is up.
   *
   * @default {systemRunner}
   */
  runner?: CommandRunner;
  /**
   * The user id checked for root.
   *
   * @default {Deno.uid()}
   */
  uid?: number | null;
  /**
   * The namespace to run in.
   *
   * @default {"bb-client"}
   */
  namespace?: string;
}

/**
 * Runs a command in the client namespace with the terminal attached and waits for it.
 *
 * @param argv The command and its arguments.
 * @param options Namespace, runner, user id.
 * @returns The command's exit code (128 + the signal number when a signal ended it).
 * @throws {BufferbaneError} `PERMISSION` when not root; `INVALID_ARGUMENT` without a command or
 * when the lab is not up.
 *
 * @example
 * ```ts ignore
 * import { labExec } from "./exec.ts";
 * Deno.exit(await labExec(["ip", "addr"]));
 * ```
 */
export async function labExec(
  argv: readonly string[],
  options: LabExecOptions = {},
): Promise<number> {
  requireRoot(options.uid === undefined ? Deno.uid() : options.uid);
  if (argv.length === 0) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, "No command to run in the lab", {
      hint: "e.g. lab exec -- ip addr",
    });
  }
  const namespace = options.namespace ?? TOPOLOGY.namespaces.client;
  const present = await existingNamespaces(options.runner ?? systemRunner);
  if (!present.includes(namespace)) {
    throw new BufferbaneError(
      ErrorCode.InvalidArgument,
      `The lab is not up: no namespace "${namespace}"`,
      {
        hint: "run lab up first",
      },
    );
  }
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", namespace, ...argv],
    env: { ...LAB_ENV, ...echoServerEnv() },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the command (same process group); this process waits for its exit code.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  try {
    const status = await child.status;
    return status.signal === null ? status.code : 128 + signalNumber(status.signal);
  } finally {
    Deno.removeSignalListener("SIGINT", ignore);
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 1;
}
