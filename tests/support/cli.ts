/**
 * Runs the command line as a user would (`deno run -A mod.ts ...`) in a subprocess.
 *
 * @module
 */

/** What a CLI run printed and returned. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

const MOD = new URL("../../mod.ts", import.meta.url).pathname;

/**
 * Runs `deno run -A mod.ts <args>` and waits for it.
 *
 * @param args Arguments after `mod.ts`.
 * @param options Working directory and extra environment.
 * @returns Exit code and output.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./cli.ts";
 * const { code, stdout } = await runCli(["plugins"]);
 * ```
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, ...args],
    cwd: options.cwd ?? Deno.cwd(),
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Starts `deno run -A mod.ts <args>` without waiting, for tests that send signals.
 *
 * @example
 * ```ts ignore
 * import { spawnCli } from "./cli.ts";
 * const child = spawnCli(["recipe", "x.toml"]);
 * child.kill("SIGINT");
 * ```
 */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, ...args],
    cwd: options.cwd ?? Deno.cwd(),
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
