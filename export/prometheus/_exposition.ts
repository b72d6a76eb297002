/**
 * A small reader of the Prometheus text exposition format (sample lines only), for tests that
 * check what the exporter serves.
 *
 * @module
 */

/**
 * One sample line: `name{label="value",...} number`.
 *
 * @example
 * ```ts
 * import type { ExposedSample } from "./_exposition.ts";
 * const sample: ExposedSample = { name: "up", labels: {}, value: 1 };
 * ```
 */
export interface ExposedSample {
  /** Metric name, with its `_bucket`, `_sum` or `_count` suffix. */
  name: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Value (`+Inf`, `-Inf` and `NaN` as numbers). */
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the sample lines of an exposition; comments and blank lines are skipped.
 *
 * @param text The exposition.
 * @returns The samples, in order.
 *
 * @example
 * ```ts
 * import { parseExposition } from "./_exposition.ts";
 * const samples = parseExposition('# TYPE x gauge\nx{a="1",b="q\\"t"} 2.5\n');
 * console.log(samples[0]?.labels.b, samples[0]?.value); // q"t 2.5
 * ```
 */
export function parseExposition(text: string): ExposedSample[] {
  const samples: ExposedSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (!match) throw new SyntaxError(`Not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => c === "n" ? "\n" : c);
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]!.replace("Inf", "Infinity")) });
  }
  return samples;
}

/**
 * The samples of one name whose labels include `labels`.
 *
 * @param samples Parsed samples.
 * @param name The name.
 * @param labels Labels that must match.
 * @returns The matching samples.
 *
 * @example
 * ```ts
 * import { parseExposition, select } from "./_exposition.ts";
 * const samples = parseExposition('x{a="1"} 1\nx{a="2"} 2\n');
 * console.log(select(samples, "x", { a: "2" }).map((s) => s.value)); // [ 2 ]
 * ```
 */
export function select(
  samples: readonly ExposedSample[],
  name: string,
  labels: Record<string, string> = {},
): ExposedSample[] {
  return samples.filter((sample) =>
    sample.name === name &&
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  );
}
