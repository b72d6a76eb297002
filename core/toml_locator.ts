/**
 * Finds the line where a key is defined in TOML source, so recipe errors can say
 * `recipes/x.toml:12: probes[1].interval: ...`.
 *
 * This is a careful scanner, not a second TOML parser: it understands table headers
 * (`[table]`, `[[array.of.tables]]`), dotted and quoted keys, inline tables, arrays (also across
 * lines), comments and every string form (so the content of a multi-line string or array is never
 * misread as a key). It expects text that a real TOML parser has already accepted; on anything
 * else it does its best and never throws.
 *
 * @module
 */

/**
 * A path to a key: table and key names as strings, array indices (0-based) as numbers.
 *
 * @example The interval of the second probe
 * ```ts
 * import type { KeyPath } from "./toml_locator.ts";
 * const path: KeyPath = ["probes", 1, "interval"];
 * ```
 */
export type KeyPath = readonly (string | number)[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Writes a key path the way error messages show it: nested keys dotted, array indices in
 * brackets, keys that are not bare quoted.
 *
 * @param path The key path.
 * @returns A text such as `probes[1].options.record_type`; the empty path gives `""`.
 *
 * @example Formatting a path
 * ```ts
 * import { formatKeyPath } from "./toml_locator.ts";
 * console.log(formatKeyPath(["probes", 1, "options", "record_type"])); // probes[1].options.record_type
 * console.log(formatKeyPath(["servers", 0, "a.b"])); // servers[0]."a.b"
 * ```
 */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const name = BARE_KEY.test(segment) ? segment : JSON.stringify(segment);
      out += out === "" ? name : `.${name}`;
    }
  }
  return out;
}

/**
 * Maps key paths to the 1-based line where they are defined in one TOML text. Build it once per
 * text, then ask for as many paths as needed.
 *
 * @example Locating keys in a recipe
 * ```ts
 * import { TomlLocator } from "./toml_locator.ts";
 * const locator = new TomlLocator([
 *   'name = "demo"',
 *   "[[probes]]",
 *   'plugin = "dns"',
 *   "[[probes]]",
 *   'plugin = "icmp"',
 *   'interval = "1x"',
 * ].join("\n"));
 * console.log(locator.line(["probes", 1, "interval"])); // 6
 * console.log(locator.line(["probes", 0, "interval"])); // 2
 * ```
 */
export class TomlLocator {
  #lines: Map<string, number>;

  /** @param text The TOML source. */
  constructor(text: string) {
    this.#lines = new TomlKeyScanner(text).scan();
  }

  /**
   * The line where a key is defined. When the key itself is absent (a missing required key),
   * the line of its closest existing ancestor: the table header of an array element, the key
   * holding an inline table, or line 1 for the document itself.
   *
   * @param path The key path, e.g. `["alerts", "rules", 0, "warn"]`.
   * @returns A 1-based line number.
   */
  line(path: KeyPath): number {
    for (let length = path.length; length > 0; length--) {
      const line = this.#lines.get(pathKey(path.slice(0, length)));
      if (line !== undefined) return line;
    }
    return 1;
  }

  /**
   * Tells whether the key itself is defined in the text (not just an ancestor).
   *
   * @param path The key path.
   * @returns `true` when the text defines this exact path.
   */
  has(path: KeyPath): boolean {
    return this.#lines.has(pathKey(path));
  }
}

/**
 * One-shot form of {@linkcode TomlLocator}: the line where a key is defined, or of its closest
 * existing ancestor.
 *
 * @param text The TOML source.
 * @param path The key path.
 * @returns A 1-based line number.
 *
 * @example A key inside an inline table
 * ```ts
 * import { locateKey } from "./toml_locator.ts";
 * const text = '[[probes]]\nplugin = "dns"\noptions = { record_type = "A" }\n';
 * console.log(locateKey(text, ["probes", 0, "options", "record_type"])); // 3
 * ```
 */
export function locateKey(text: string, path: KeyPath): number {
  return new TomlLocator(text).line(path);
}

function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

/** Walks the text once and records the first line of every key path it defines. */
class TomlKeyScanner {
  #text: string;
  #pos = 0;
  #lineStarts: number[] = [0];
  #lines = new Map<string, number>();
  /** Latest element index of every array of tables, by the array's resolved path. */
  #latestIndex = new Map<string, number>();

  constructor(text: string) {
    this.#text = text;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "\n") this.#lineStarts.push(i + 1);
    }
  }

  scan(): Map<string, number> {
    let table: (string | number)[] = [];
    const text = this.#text;
    while (this.#pos < text.length) {
      this.#skipSpaces();
      const char = text[this.#pos];
      if (char === undefined) break;
      if (char === "\n" || char === "\r") {
        this.#pos++;
      } else if (char === "#") {
        this.#skipToLineEnd();
      } else if (char === "[") {
        table = this.#header();
        this.#skipToLineEnd();
      } else {
        const before = this.#pos;
        this.#keyValue(table);
        if (this.#pos === before) this.#pos++;
        this.#skipToLineEnd();
      }
    }
    return this.#lines;
  }

  /** Reads a `[table]` or `[[array]]` header and returns the table path it opens. */
  #header(): (string | number)[] {
    const line = this.#lineAt(this.#pos);
    const isArray = this.#text.startsWith("[[", this.#pos);
    this.#pos += isArray ? 2 : 1;
    const names = this.#key();
    if (names.length === 0) return [];
    const path: (string | number)[] = [];
    names.forEach((name, i) => {
      path.push(name);
      const isLast = i === names.length - 1;
      if (!isLast) {
        const latest = this.#latestIndex.get(pathKey(path));
        if (latest !== undefined) path.push(latest);
      }
    });
    if (isArray) {
      const arrayKey = pathKey(path);
      const index = (this.#latestIndex.get(arrayKey) ?? -1) + 1;
      this.#latestIndex.set(arrayKey, index);
      path.push(index);
    }
    this.#recordWithAncestors(path, line);
    return path;
  }

  /** Reads `key = value` (with a dotted or quoted key) relative to `base`. */
  #keyValue(base: readonly (string | number)[]): void {
    const line = this.#lineAt(this.#pos);
    const names = this.#key();
    if (names.length === 0) return;
    this.#skipSpaces();
    if (this.#text[this.#pos] !== "=") return;
    this.#pos++;
    this.#skipSpaces();
    const path = [...base, ...names];
    for (let length = base.length + 1; length <= path.length; length++) {
      this.#record(path.slice(0, length), line);
    }
    this.#value(path);
  }

  /** Reads a possibly dotted key made of bare and quoted parts. */
  #key(): string[] {
    const names: string[] = [];
    const text = this.#text;
    while (this.#pos < text.length) {
      this.#skipSpaces();
      const char = text[this.#pos];
      if (char === '"') {
        const start = this.#pos;
        this.#skipBasicString();
        names.push(decodeBasicString(text.slice(start, this.#pos)));
      } else if (char === "'") {
        const start = this.#pos;
        this.#skipLiteralString();
        names.push(text.slice(start + 1, this.#pos - 1));
      } else {
        const start = this.#pos;
        while (this.#pos < text.length && /[A-Za-z0-9_-]/.test(text[this.#pos]!)) this.#pos++;
        if (this.#pos === start) break;
        names.push(text.slice(start, this.#pos));
      }
      this.#skipSpaces();
      if (text[this.#pos] !== ".") break;
      this.#pos++;
    }
    return names;
  }

  /** Skips one value, recording the keys of inline tables and the elements of arrays. */
  #value(path: readonly (string | number)[]): void {
    const text = this.#text;
    const char = text[this.#pos];
    if (text.startsWith('"""', this.#pos)) this.#skipMultilineString('"""');
    else if (text.startsWith("'''", this.#pos)) this.#skipMultilineString("'''");
    else if (char === '"') this.#skipBasicString();
    else if (char === "'") this.#skipLiteralString();
    else if (char === "[") this.#array(path);
    else if (char === "{") this.#inlineTable(path);
    else {
      while (this.#pos < text.length && !",]}#\r\n".includes(text[this.#pos]!)) this.#pos++;
    }
  }

  #array(path: readonly (string | number)[]): void {
    const text = this.#text;
    this.#pos++;
    let index = 0;
    while (this.#pos < text.length) {
      this.#skipBlank();
      if (text[this.#pos] === "]") {
        this.#pos++;
        return;
      }
      if (this.#pos >= text.length) return;
      const before = this.#pos;
      const elementPath = [...path, index];
      this.#record(elementPath, this.#lineAt(this.#pos));
      this.#value(elementPath);
      index++;
      this.#skipBlank();
      if (text[this.#pos] === ",") this.#pos++;
      else if (this.#pos === before) this.#pos++;
    }
  }

  #inlineTable(path: readonly (string | number)[]): void {
    const text = this.#text;
    this.#pos++;
    while (this.#pos < text.length) {
      this.#skipBlank();
      if (text[this.#pos] === "}") {
        this.#pos++;
        return;
      }
      const before = this.#pos;
      this.#keyValue(path);
      this.#skipBlank();
      if (text[this.#pos] === ",") this.#pos++;
      else if (this.#pos === before) this.#pos++;
    }
  }

  #skipBasicString(): void {
    const text = this.#text;
    this.#pos++;
    while (this.#pos < text.length) {
      const char = text[this.#pos];
      if (char === "\\") this.#pos += 2;
      else if (char === '"') {
        this.#pos++;
        return;
      } else if (char === "\n") return;
      else this.#pos++;
    }
  }

  #skipLiteralString(): void {
    const text = this.#text;
    this.#pos++;
    while (this.#pos < text.length) {
      const char = text[this.#pos];
      if (char === "'") {
        this.#pos++;
        return;
      }
      if (char === "\n") return;
      this.#pos++;
    }
  }

  /** Skips `"""..."""` or `'''...'''`, including up to two quotes right before the closing. */
  #skipMultilineString(delimiter: '"""' | "'''"): void {
    const text = this.#text;
    const quote = delimiter[0]!;
    this.#pos += 3;
    while (this.#pos < text.length) {
      if (quote === '"' && text[this.#pos] === "\\") {
        this.#pos += 2;
      } else if (text.startsWith(delimiter, this.#pos)) {
        this.#pos += 3;
        for (let extra = 0; extra < 2 && text[this.#pos] === quote; extra++) this.#pos++;
        return;
      } else {
        this.#pos++;
      }
    }
  }

  #skipSpaces(): void {
    while (this.#text[this.#pos] === " " || this.#text[this.#pos] === "\t") this.#pos++;
  }

  /** Skips spaces, newlines and comments (between array elements and inline-table entries). */
  #skipBlank(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const char = text[this.#pos]!;
      if (char === "#") this.#skipToLineEnd();
      else if (" \t\r\n".includes(char)) this.#pos++;
      else return;
    }
  }

  #skipToLineEnd(): void {
    const end = this.#text.indexOf("\n", this.#pos);
    this.#pos = end === -1 ? this.#text.length : end;
  }

  #record(path: readonly (string | number)[], line: number): void {
    const key = pathKey(path);
    if (!this.#lines.has(key)) this.#lines.set(key, line);
  }

  #recordWithAncestors(path: readonly (string | number)[], line: number): void {
    for (let length = 1; length <= path.length; length++) this.#record(path.slice(0, length), line);
  }

  /** The 1-based line of a text offset (binary search over line starts). */
  #lineAt(offset: number): number {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

/** Decodes a quoted basic-string key such as `"a\"b"`; falls back to the raw content. */
function decodeBasicString(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    if (typeof value === "string") return value;
  } catch {
    // TOML escapes JSON lacks (\e, \UXXXXXXXX): keep the raw content
  }
  return quoted.slice(1, -1);
}
