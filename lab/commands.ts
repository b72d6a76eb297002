/**
 * How the lab runs system commands (`ip`, `tc`, `nft`, `ethtool`, `sysctl`, ...): through one
 * replaceable {@linkcode CommandRunner}, so tests can watch the commands or make one fail.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/** What a command printed and how it ended. */
export interface CommandResult {
  /** Exit code (-1 when the program could not be started). */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error (or why the program could not be started). */
  stderr: string;
}

/** Options of one command run. */
export interface RunOptions {
  /** Text given on standard input; none (`/dev/null`) when not set. */
  stdin?: string;
}

/**
 * Runs one command (`argv[0]` is the program) and reports how it ended; it does not throw on
 * a non-zero exit.
 */
export type CommandRunner = (
  argv: readonly string[],
  options?: RunOptions,
) => Promise<CommandResult>;

/**
 * The real runner: `Deno.Command`, output captured.
 *
 * @param argv Program and arguments.
 * @param options Standard input.
 * @returns Exit code and output.
 *
 * @example
 * ```ts
 * import { systemRunner } from "./commands.ts";
 * const result = await systemRunner(["true"]);
 * console.log(result.code); // 0
 * ```
 */
export const systemRunner: CommandRunner = async (argv, options = {}) => {
  const [program, ...args] = argv;
  if (program === undefined) throw new TypeError("systemRunner() needs a program");
  try {
    const child = new Deno.Command(program, {
      args,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const output = await child.output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: -1, stdout: "", stderr: (error as Error).message };
  }
};

/**
 * The argv that runs a command inside a namespace: `ip netns exec <namespace> ...`.
 *
 * @param namespace The namespace.
 * @param argv The command.
 * @returns The wrapped command.
 *
 * @example
 * ```ts
 * import { inNamespace } from "./commands.ts";
 * console.log(inNamespace("bb-router", ["tc", "qdisc", "show"]).join(" ")); // ip netns exec bb-router tc qdisc show
 * ```
 */
export function inNamespace(namespace: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", namespace, ...argv];
}

/**
 * Runs a command and throws when it fails.
 *
 * @param runner The runner.
 * @param argv Program and arguments.
 * @param options Standard input.
 * @returns Standard output.
 * @throws {BufferbaneError} `SERVER`: `Command failed: "<argv>": <last line of stderr>`.
 *
 * @example
 * ```ts
 * import { mustRun, systemRunner } from "./commands.ts";
 * console.log((await mustRun(systemRunner, ["echo", "hi"])).trim()); // hi
 * ```
 */
export async function mustRun(
  runner: CommandRunner,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await runner(argv, options);
  if (result.code !== 0) {
    const detail = result.stderr.trim().split("\n").at(-1) || `exit code ${result.code}`;
    throw new BufferbaneError(
      ErrorCode.Server,
      `Command failed: "${argv.join(" ")}": ${detail}`,
    );
  }
  return result.stdout;
}
