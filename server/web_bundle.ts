/**
 * Builds the browser code of the server's web pages (`web/`) into one JavaScript file each,
 * with `deno bundle` (esbuild inside the Deno binary that runs the server), once per process:
 * the pages then need nothing from outside the server, and no build output is committed.
 *
 * @module
 */

/** Options of {@linkcode bundleBrowserCode}. */
export interface BundleOptions {
  /**
   * Minify the output.
   *
   * @default {true}
   */
  minify?: boolean;
  /**
   * Give up after this long, ms.
   *
   * @default {120000}
   */
  timeout?: number;
}

const ROOT = new URL("../", import.meta.url);
const cache = new Map<string, Promise<string>>();

/**
 * The bundled JavaScript of an entry module of `web/` (built on the first call, then cached).
 *
 * @param entry The entry module, relative to the repository root (`"web/bufferbloat/main.ts"`).
 * @param options Minify, timeout.
 * @returns The bundle's text.
 * @throws {Error} When `deno bundle` fails (its message included).
 *
 * @example
 * ```ts ignore
 * import { bundleBrowserCode } from "./web_bundle.ts";
 * const js = await bundleBrowserCode("web/bufferbloat/main.ts");
 * ```
 */
export function bundleBrowserCode(entry: string, options: BundleOptions = {}): Promise<string> {
  const key = `${entry}:${options.minify ?? true}`;
  let built = cache.get(key);
  if (!built) {
    built = build(entry, options);
    cache.set(key, built);
    built.catch(() => cache.delete(key)); // a later call tries again
  }
  return built;
}

async function build(entry: string, options: BundleOptions): Promise<string> {
  const path = new URL(entry, ROOT).pathname;
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--config",
    new URL("deno.json", ROOT).pathname,
    ...(options.minify ?? true ? ["--minify"] : []),
    path,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, options.timeout ?? 120_000);
  try {
    const { success, stdout, stderr } = await child.output();
    if (!success) {
      throw new Error(
        `Bundling ${entry} failed: ${new TextDecoder().decode(stderr).trim().slice(0, 2_000)}`,
      );
    }
    return new TextDecoder().decode(stdout);
  } finally {
    clearTimeout(timer);
  }
}
