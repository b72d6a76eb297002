/**
 * The throughput test's progress bar: one line on a terminal, redrawn in place, cleared at the
 * end. It draws only when its output is a terminal (stderr by default), so logs and pipes stay
 * clean.
 *
 * ```text
 * throughput vienna download [##########----------]  52%   941.3 Mbit/s
 * ```
 *
 * @module
 */

/** Where the bar draws. */
export interface ProgressOutput {
  /** Whether the output is a terminal (the bar draws nothing otherwise). */
  isTerminal(): boolean;
  /** Writes text without a newline. */
  write(text: string): void;
  /** Terminal width in columns, when known. */
  columns?(): number | undefined;
}

/**
 * Standard error as a {@linkcode ProgressOutput}.
 *
 * @example
 * ```ts
 * import { stderrOutput } from "./_throughput_progress.ts";
 * console.log(typeof stderrOutput.isTerminal()); // boolean
 * ```
 */
export const stderrOutput: ProgressOutput = {
  isTerminal: () => Deno.stderr.isTerminal(),
  write: (text) => {
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
  },
  columns: () => {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return undefined;
    }
  },
};

/**
 * A one-line progress bar (see the module documentation).
 *
 * @example Drawing to a fake terminal
 * ```ts
 * import { ProgressBar } from "./_throughput_progress.ts";
 * let screen = "";
 * const bar = new ProgressBar({ isTerminal: () => true, write: (t) => screen += t, columns: () => 60 });
 * bar.update("download", 0.5, 941.25);
 * console.log(JSON.stringify(screen)); // "\r\u001b[2Kdownload [##########----------]  50%   941.3 Mbit/s"
 * bar.clear();
 * ```
 */
export class ProgressBar {
  readonly #output: ProgressOutput;
  readonly #enabled: boolean;
  #drawn = false;

  /** @param output Where to draw; {@linkcode stderrOutput} by default. */
  constructor(output: ProgressOutput = stderrOutput) {
    this.#output = output;
    let terminal = false;
    try {
      terminal = output.isTerminal();
    } catch { /* not a terminal */ }
    this.#enabled = terminal;
  }

  /** Whether the bar draws at all (its output is a terminal). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Redraws the line.
   *
   * @param label What is running, e.g. `"throughput vienna download"`.
   * @param fraction Done so far, 0 to 1.
   * @param mbps The latest goodput, Mbit/s.
   */
  update(label: string, fraction: number, mbps: number): void {
    if (!this.#enabled) return;
    const width = 20;
    const done = Math.max(0, Math.min(width, Math.round(fraction * width)));
    const percent = String(Math.round(Math.max(0, Math.min(1, fraction)) * 100)).padStart(3);
    const rate = Number.isFinite(mbps) ? mbps.toFixed(1).padStart(7) : "      -";
    let line = `${label} [${"#".repeat(done)}${
      "-".repeat(width - done)
    }] ${percent}% ${rate} Mbit/s`;
    const columns = this.#output.columns?.();
    if (columns !== undefined && columns > 10 && line.length > columns - 1) {
      line = line.slice(line.length - (columns - 1));
    }
    this.#output.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  /** Erases the line (call at the end). */
  clear(): void {
    if (!this.#enabled || !this.#drawn) return;
    this.#output.write("\r\x1b[2K");
    this.#drawn = false;
  }
}
