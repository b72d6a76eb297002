/**
 * Resolves a recipe's `interfaces` setting into interface names. `"auto"` picks every interface
 * that is up and is not loopback, read from sysfs.
 *
 * @module
 */

/** Options for {@linkcode resolveInterfaces}. */
export interface ResolveInterfacesOptions {
  /** sysfs network class folder, injectable for tests. Default: `/sys/class/net`. */
  sysfsNet?: string;
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}

/**
 * Lists interfaces that are up (operstate `up`, or `unknown` with carrier) and not loopback.
 *
 * @param options Injectable sysfs root.
 * @returns Interface names, sorted.
 *
 * @example
 * ```ts
 * import { upInterfaces } from "./interfaces_auto.ts";
 * console.log(Array.isArray(upInterfaces())); // true
 * ```
 */
export function upInterfaces(options: ResolveInterfacesOptions = {}): string[] {
  const root = options.sysfsNet ?? "/sys/class/net";
  const names: string[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(root);
  } catch {
    return [];
  }
  for (const entry of entries) {
    const base = `${root}/${entry.name}`;
    if (readText(`${base}/type`) === "772") continue; // ARPHRD_LOOPBACK
    const state = readText(`${base}/operstate`);
    if (state === "up" || (state === "unknown" && readText(`${base}/carrier`) === "1")) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/**
 * Turns a recipe's `interfaces` value into a list: a list stays as it is, `"auto"` becomes the
 * interfaces that are up (a note records the choice), and no interfaces means the default route.
 *
 * @param setting The recipe value: a list of names or `"auto"`.
 * @param notes Collects a note describing what `"auto"` chose.
 * @param options Injectable sysfs root.
 * @returns Interface names (`[]` = default route).
 *
 * @example
 * ```ts
 * import { resolveInterfaces } from "./interfaces_auto.ts";
 * console.log(resolveInterfaces(["eth0"], [])); // ["eth0"]
 * ```
 */
export function resolveInterfaces(
  setting: string[] | "auto",
  notes: string[],
  options: ResolveInterfacesOptions = {},
): string[] {
  if (setting !== "auto") return setting;
  const found = upInterfaces(options);
  notes.push(
    found.length > 0
      ? `interfaces = "auto" chose ${found.join(", ")}`
      : `interfaces = "auto" found no interface that is up: using the default route`,
  );
  return found;
}
