/**
 * The programs the lab runs, and the Debian packages that ship them. Missing ones are installed
 * with apt-get (the lab runs as root) before anything is created.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { ensureTool } from "../tools/debian.ts";

/**
 * Program -> Debian package, for every program the lab runs.
 *
 * @example
 * ```ts
 * import { LAB_TOOLS } from "./tools.ts";
 * console.log(LAB_TOOLS.ethtool, LAB_TOOLS.dnsmasq); // ethtool dnsmasq-base
 * ```
 */
export const LAB_TOOLS: Readonly<Record<string, string>> = {
  ip: "iproute2",
  tc: "iproute2",
  nft: "nftables",
  ethtool: "ethtool",
  dnsmasq: "dnsmasq-base",
  sysctl: "procps",
  setsid: "util-linux",
};

/**
 * Makes sure every program of {@linkcode LAB_TOOLS} is there, installing missing packages.
 *
 * @param tools Program -> package.
 * @returns Packages that were installed now.
 * @throws {BufferbaneError} `SERVER` naming the programs that are missing and why.
 *
 * @example
 * ```ts ignore
 * import { ensureLabTools } from "./tools.ts";
 * console.log(await ensureLabTools()); // e.g. [ "ethtool" ]
 * ```
 */
export async function ensureLabTools(
  tools: Readonly<Record<string, string>> = LAB_TOOLS,
): Promise<string[]> {
  const installed: string[] = [];
  const missing: string[] = [];
  for (const [binary, debianPackage] of Object.entries(tools)) {
    const found = await ensureTool(binary, debianPackage);
    if (!found.available) missing.push(`${binary} (${found.reason})`);
    else if (found.installed) installed.push(debianPackage);
  }
  if (missing.length > 0) {
    throw new BufferbaneError(
      ErrorCode.Server,
      `The lab cannot find ${missing.join(", ")}`,
      { hint: `install with: apt-get install ${[...new Set(Object.values(tools))].join(" ")}` },
    );
  }
  return installed;
}
