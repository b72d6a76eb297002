/**
 * Redaction for reports and exports that leave the house: host names and addresses are
 * replaced by tokens, consistently (the same name gets the same token everywhere in one
 * report or export), so the figures still read but do not say where they were measured.
 *
 * - Machine host names (the runs' `host`) become `host-N`, always.
 * - Targets and servers that are IPv4 or IPv6 addresses become `addr-N`; those that are DNS
 *   names with a dot (`vienna.example.com`, `example.com`) become `host-N`. Single-word labels
 *   (`gateway`, `vienna`: recipe names, not resolvable) stay, as do interface and plugin names.
 * - In free text (event messages, reasons, labels) every name registered so far is replaced,
 *   and every IPv4, IPv6 and MAC address (`mac-N`) found.
 *
 * Tokens are numbered in the order names are met; {@linkcode redactorForStore} meets the
 * store's names in a fixed order first, so a report and an export of the same store agree.
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import type { ExportRow, Store } from "../store/mod.ts";

const HOST_NAME =
  /^(?=.{1,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}\.?$/i;
const IPV4_IN_TEXT = /(?<![0-9A-Za-z_.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z_]|\.\d)/g;
const IPV6_IN_TEXT =
  /(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?:%[0-9A-Za-z_.-]+)?(?![0-9A-Za-z_:])/g;
const MAC_IN_TEXT = /(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g;

/** Keys of recipe JSON whose string values may be host names or addresses. */
const HOSTISH_KEY = /host|target|server|address|resolver|peer/i;

/**
 * Whether a text is an IPv4 or IPv6 address (a zone like `%eth0` allowed).
 *
 * @param text Any text.
 * @returns `true` for an address.
 *
 * @example Addresses and names
 * ```ts
 * import { isAddress } from "./redact.ts";
 * console.log(isAddress("198.51.100.7"), isAddress("2001:db8::1"), isAddress("vienna")); // true true false
 * ```
 */
export function isAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/**
 * Whether a text is a DNS name with at least one dot and a top-level label starting with a
 * letter (so `1.2.3.4` and `15.2` are not).
 *
 * @param text Any text.
 * @returns `true` for a host name.
 *
 * @example Host names need a dot
 * ```ts
 * import { isHostName } from "./redact.ts";
 * console.log(isHostName("vienna.example.com"), isHostName("gateway"), isHostName("1.1.1.1")); // true false false
 * ```
 */
export function isHostName(text: string): boolean {
  return HOST_NAME.test(text);
}

/**
 * Replaces host names and addresses by tokens, the same token for the same name.
 *
 * @example One address, twice
 * ```ts
 * import { Redactor } from "./redact.ts";
 * const redactor = new Redactor();
 * console.log(redactor.value("198.51.100.7"), redactor.value("gateway"), redactor.host("box"));
 * // addr-1 gateway host-1
 * console.log(redactor.text("timeout from 198.51.100.7 on box (aa:bb:cc:dd:ee:ff)"));
 * // timeout from addr-1 on host-1 (mac-1)
 * ```
 */
export class Redactor {
  #tokens = new Map<string, string>();
  #counts = { host: 0, addr: 0, mac: 0 };
  #names: string[] = [];
  #namePattern: RegExp | undefined;

  /**
   * Masks a machine's host name, whatever it looks like.
   *
   * @param name The host name.
   * @returns Its token, e.g. `host-1`; `""` stays `""`.
   */
  host(name: string): string {
    if (name === "") return name;
    if (isAddress(name)) return this.#token(name, "addr");
    return this.#token(name, "host");
  }

  /**
   * Masks a field value (a target, a server) when it is an address or a dotted host name;
   * other values (labels such as `gateway`) stay.
   *
   * @param value The value.
   * @returns Its token, or the value.
   */
  value(value: string): string {
    if (isAddress(value)) return this.#token(value, "addr");
    if (isHostName(value)) return this.#token(value, "host");
    return value;
  }

  /**
   * Masks every registered name, and every IPv4, IPv6 and MAC address, in a free text.
   *
   * @param text The text.
   * @returns The text with tokens.
   */
  text(text: string): string {
    if (text === "") return text;
    const names = this.#pattern();
    return text.replace(names, (match, name, mac, v6, v4) => {
      if (name !== undefined) return this.#tokens.get(name) ?? name;
      if (mac !== undefined) return this.#token(mac.toLowerCase(), "mac");
      if (v6 !== undefined) {
        const bare = v6.replace(/%.*$/, "");
        return /[0-9A-Fa-f]/.test(bare) && isIPv6(bare) ? this.#token(v6, "addr") : match;
      }
      return isIPv4(v4) ? this.#token(v4, "addr") : match;
    });
  }

  /**
   * Every name masked so far and its token, in the order they were met.
   *
   * @returns Pairs of name and token.
   */
  mappings(): [string, string][] {
    return [...this.#tokens];
  }

  #token(name: string, kind: "host" | "addr" | "mac"): string {
    let token = this.#tokens.get(name);
    if (token === undefined) {
      token = `${kind}-${++this.#counts[kind]}`;
      this.#tokens.set(name, token);
      if (kind !== "mac") {
        this.#names.push(name);
        this.#namePattern = undefined;
      }
    }
    return token;
  }

  /**
   * One pattern for every registered name on its own (not inside a longer name), then MAC,
   * IPv6 and IPv4 candidates, so tokens are numbered in the order the text gives them.
   */
  #pattern(): RegExp {
    if (this.#namePattern === undefined) {
      const alternatives = [...this.#names].sort((a, b) => b.length - a.length)
        .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      const names = alternatives.length === 0
        ? "(?!)"
        : `(?<![A-Za-z0-9_.:-])(?:${alternatives.join("|")})(?![A-Za-z0-9_:-]|\\.[A-Za-z0-9])`;
      this.#namePattern = new RegExp(
        `(${names})|(${MAC_IN_TEXT.source})|(${IPV6_IN_TEXT.source})|(${IPV4_IN_TEXT.source})`,
        "g",
      );
    }
    return this.#namePattern;
  }
}

/**
 * A redactor that has met the store's names in a fixed order: every run's host and the host
 * names and addresses of its recipe (oldest run first), then every series' target and server
 * (in the store's series order). Reports and exports of one store thus use the same tokens.
 *
 * @param store An open store.
 * @returns The redactor.
 *
 * @example A store with an address target
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { redactorForStore } from "./redact.ts";
 * const store = Store.open(":memory:", { host: "box" });
 * store.startRun({ startedAt: 0, recipeName: "r", recipeText: "", effectiveRecipe: {}, toolVersion: "0" });
 * store.seriesId({ plugin: "icmp", target: "192.0.2.1", interface: "eth0", server: "", metric: "rtt", unit: "ms" });
 * console.log(redactorForStore(store).mappings()); // [ [ "box", "host-1" ], [ "192.0.2.1", "addr-1" ] ]
 * store.close();
 * ```
 */
export function redactorForStore(store: Store): Redactor {
  const redactor = new Redactor();
  for (const run of store.runs()) {
    redactor.host(run.host);
    visitHostish(run.effectiveRecipe, false, (value) => redactor.value(value));
  }
  for (const series of store.findSeries()) {
    redactor.value(series.target);
    redactor.value(series.server);
  }
  return redactor;
}

function visitHostish(value: unknown, hostish: boolean, visit: (value: string) => void): void {
  if (typeof value === "string") {
    if (hostish) visit(value);
  } else if (Array.isArray(value)) {
    for (const item of value) visitHostish(item, hostish, visit);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      visitHostish(item, hostish || HOSTISH_KEY.test(key), visit);
    }
  }
}

/**
 * Keys whose string values {@linkcode redactDeep} leaves alone: names of interfaces,
 * plugins, metrics and units, kinds, severities, grades, statuses and hashes.
 *
 * @example The kept keys
 * ```ts
 * import { KEEP_KEYS } from "./redact.ts";
 * console.log(KEEP_KEYS.has("interface"), KEEP_KEYS.has("target")); // true false
 * ```
 */
export const KEEP_KEYS: ReadonlySet<string> = new Set([
  "interface",
  "plugin",
  "metric",
  "unit",
  "kind",
  "role",
  "severity",
  "grade",
  "status",
  "outcome",
  "queue",
  "preset",
  "sha256",
  "dataSha256",
  "recipeHash",
  "toolVersion",
  "format",
]);

/**
 * A copy of a value with every string passed through {@linkcode Redactor.text}, but those
 * under {@linkcode KEEP_KEYS} (or the given keys).
 *
 * @param value Plain data (objects, arrays, strings, numbers, booleans, `null`).
 * @param redactor The redactor.
 * @param keep Keys to leave alone.
 * @returns The copy.
 *
 * @example A copy with a masked label
 * ```ts
 * import { redactDeep, Redactor } from "./redact.ts";
 * const copy = redactDeep({ interface: "eth0", label: "198.51.100.7 @eth0", rows: [1, 2] }, new Redactor());
 * console.log(copy); // { interface: "eth0", label: "addr-1 @eth0", rows: [ 1, 2 ] }
 * ```
 */
export function redactDeep<T>(
  value: T,
  redactor: Redactor,
  keep: ReadonlySet<string> = KEEP_KEYS,
): T {
  const walk = (item: unknown, key: string | undefined): unknown => {
    if (typeof item === "string") {
      return key !== undefined && keep.has(key) ? item : redactor.text(item);
    }
    if (Array.isArray(item)) return item.map((entry) => walk(entry, key));
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v, k)]));
    }
    return item;
  };
  return walk(value, undefined) as T;
}

/**
 * An export row with its target and server masked (see {@linkcode Redactor.value}) and the
 * addresses in its reason masked.
 *
 * @param row The row.
 * @param redactor The redactor (one per export, so tokens stay consistent).
 * @returns The masked row.
 *
 * @example A lost probe
 * ```ts
 * import { redactExportRow, Redactor } from "./redact.ts";
 * const row = {
 *   ts: 0, time: "1970-01-01T00:00:00.000Z", plugin: "icmp", target: "198.51.100.7", interface: "eth0", server: "",
 *   metric: "rtt", unit: "ms", value: null, status: "lost" as const, reason: "unreachable from 198.51.100.7", seq: 0, runId: 1,
 * };
 * const masked = redactExportRow(row, new Redactor());
 * console.log(masked.target, masked.reason); // addr-1 unreachable from addr-1
 * ```
 */
export function redactExportRow(row: ExportRow, redactor: Redactor): ExportRow {
  return {
    ...row,
    target: redactor.value(row.target),
    server: redactor.value(row.server),
    reason: row.reason === null ? null : redactor.text(row.reason),
  };
}

/**
 * Masks the text of an SVG document: the content of its elements and its `aria-label`s
 * (the markup, coordinates and styles are left alone).
 *
 * @param svg The SVG document.
 * @param redactor The redactor.
 * @returns The masked document.
 *
 * @example Text in an SVG
 * ```ts
 * import { redactSvg, Redactor } from "./redact.ts";
 * console.log(redactSvg('<svg><text x="1.5">198.51.100.7 @eth0</text></svg>', new Redactor()));
 * // <svg><text x="1.5">addr-1 @eth0</text></svg>
 * ```
 */
export function redactSvg(svg: string, redactor: Redactor): string {
  return svg
    .replace(/>([^<]+)</g, (_, text: string) => `>${redactor.text(text)}<`)
    .replace(
      /(aria-label|aria-description)="([^"]*)"/g,
      (_, name: string, text: string) => `${name}="${redactor.text(text)}"`,
    );
}
