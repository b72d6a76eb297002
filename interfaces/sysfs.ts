/**
 * Reads `/sys/class/net`: the interface names and, for each, the files bufferbane uses. Every
 * read is forgiving: a file that is missing or unreadable (`carrier` of an interface that is down
 * gives `EINVAL`) becomes `null`.
 *
 * Reading `/sys` needs `--allow-all` in Deno today.
 *
 * @module
 */
import type { InterfaceFacts } from "./classify.ts";

/** The default sysfs network class folder. */
export const SYSFS_NET = "/sys/class/net";

/** One interface as read from sysfs. */
export interface SysfsInterface {
  /** Folder name, the interface name. */
  name: string;
  /** Facts for {@linkcode classifyInterface}. */
  facts: InterfaceFacts;
  /** `operstate`, `""` when unreadable. */
  operstate: string;
  /** `carrier`, `null` when unreadable. */
  carrier: boolean | null;
  /** `address`, `null` when empty or unreadable. */
  mac: string | null;
  /** `mtu`, `null` when unreadable. */
  mtu: number | null;
  /** Basename of `device/driver`, `null` when there is none. */
  driver: string | null;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

function readNumber(path: string): number | null {
  const text = readText(path);
  if (text === null || text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function linkBasename(path: string): string | null {
  try {
    return Deno.readLinkSync(path).split("/").filter((part) => part !== "").pop() ?? null;
  } catch {
    return null;
  }
}

/**
 * Parses a `uevent` file (`KEY=VALUE` lines) into a map.
 *
 * @param text The file's content.
 * @returns Keys and values.
 *
 * @example
 * ```ts
 * import { parseUevent } from "./sysfs.ts";
 * console.log(parseUevent("DEVTYPE=wlan\nINTERFACE=wlan0\n").get("DEVTYPE")); // wlan
 * ```
 */
export function parseUevent(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0) values.set(line.slice(0, equals), line.slice(equals + 1).trim());
  }
  return values;
}

/**
 * Lists the interface names under a sysfs network class folder, sorted.
 *
 * @param sysfsNet The folder.
 * @returns Names, or `null` when the folder cannot be read (not Linux, or no permission).
 *
 * @example
 * ```ts ignore
 * import { listSysfsInterfaces } from "./sysfs.ts";
 * console.log(listSysfsInterfaces("/sys/class/net")?.includes("lo")); // true
 * ```
 */
export function listSysfsInterfaces(sysfsNet: string = SYSFS_NET): string[] | null {
  try {
    return [...Deno.readDirSync(sysfsNet)].map((entry) => entry.name).sort();
  } catch {
    return null;
  }
}

/**
 * Reads one interface's folder.
 *
 * @param sysfsNet The sysfs network class folder.
 * @param name The interface name (a folder in `sysfsNet`).
 * @returns What sysfs says.
 *
 * @example
 * ```ts ignore
 * import { readSysfsInterface } from "./sysfs.ts";
 * console.log(readSysfsInterface("/sys/class/net", "lo").facts.hardwareType); // 772
 * ```
 */
export function readSysfsInterface(sysfsNet: string, name: string): SysfsInterface {
  const base = `${sysfsNet}/${name}`;
  const carrier = readText(`${base}/carrier`);
  const tunFlags = readNumber(`${base}/tun_flags`);
  const devtype = parseUevent(readText(`${base}/uevent`) ?? "").get("DEVTYPE") ?? null;
  return {
    name,
    facts: {
      hardwareType: readNumber(`${base}/type`),
      flags: readNumber(`${base}/flags`),
      devtype: devtype === "" ? null : devtype,
      index: readNumber(`${base}/ifindex`),
      iflink: readNumber(`${base}/iflink`),
      wireless: exists(`${base}/phy80211`) || exists(`${base}/wireless`),
      bridge: exists(`${base}/bridge`),
      bonding: exists(`${base}/bonding`),
      tunFlags,
      physical: exists(`${base}/device`),
    },
    operstate: readText(`${base}/operstate`) ?? "",
    carrier: carrier === "1" ? true : carrier === "0" ? false : null,
    mac: readText(`${base}/address`) || null,
    mtu: readNumber(`${base}/mtu`),
    driver: linkBasename(`${base}/device/driver`),
  };
}
