/**
 * Find a tool from Debian's packages, installing its package with apt-get
 * when it is missing and we run as root (`apt-get update` only when the first install fails).
 * When it cannot, it says why in a few words, so a test can skip visibly.
 *
 * @module
 */

/** Whether a tool can be used, and where it is or why not. */
export type ToolAvailability =
  | { available: true; path: string; installed: boolean }
  | { available: false; reason: string };

/** Options for {@linkcode ensureTool}. */
export interface EnsureToolOptions {
  /**
   * Install the package when the tool is missing and we are root.
   *
   * @default {true}
   */
  install?: boolean;
}

const SYSTEM_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

async function findTool(binary: string): Promise<string | undefined> {
  const pathDirs = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
  for (const dir of [...SYSTEM_DIRS, ...pathDirs]) {
    try {
      if ((await Deno.stat(`${dir}/${binary}`)).isFile) return `${dir}/${binary}`;
    } catch { /* not there */ }
  }
  return undefined;
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { success, stdout, stderr } = await new Deno.Command(command, {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return { ok: success, output: decoder.decode(stdout) + decoder.decode(stderr) };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

/**
 * Finds `binary`, installing `debianPackage` when it is missing and we are root.
 *
 * @param binary The program's file name, e.g. `"fping"`.
 * @param debianPackage The package that ships it, e.g. `"fping"`.
 * @param options See {@linkcode EnsureToolOptions}.
 * @returns Where the tool is, or a short reason fit for a test name.
 *
 * @example Skip a test visibly
 * ```ts ignore
 * import { ensureTool } from "./debian.ts";
 * const nft = await ensureTool("nft", "nftables");
 * Deno.test({
 *   name: `my test${nft.available ? "" : ` (skipped: ${nft.reason})`}`,
 *   ignore: !nft.available,
 *   fn() {},
 * });
 * ```
 */
export async function ensureTool(
  binary: string,
  debianPackage: string,
  options: EnsureToolOptions = {},
): Promise<ToolAvailability> {
  const found = await findTool(binary);
  if (found) return { available: true, path: found, installed: false };
  if (!(options.install ?? true)) return { available: false, reason: `${binary} not installed` };
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) {
    return { available: false, reason: `${binary} not installed and not root` };
  }
  const install = () => run("apt-get", ["install", "-y", "--no-install-recommends", debianPackage]);
  let result = await install();
  if (!result.ok) {
    const update = await run("apt-get", ["update"]);
    if (!update.ok) {
      return { available: false, reason: `apt-get update failed: ${lastLine(update.output)}` };
    }
    result = await install();
  }
  if (!result.ok) {
    return {
      available: false,
      reason: `apt-get install ${debianPackage} failed: ${lastLine(result.output)}`,
    };
  }
  const path = await findTool(binary);
  if (!path) return { available: false, reason: `${debianPackage} installed no ${binary}` };
  return { available: true, path, installed: true };
}
