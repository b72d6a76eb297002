/**
 * The view when stdout is not a terminal and JSON was not asked for: a start line, one line per
 * event, and the summary. No redraws, so logs stay readable.
 *
 * @module
 */
import type { RunObserver } from "../core/run_observer.ts";
import { formatRunSummary } from "./summary_text.ts";

/** Options for {@linkcode createPlainView}. */
export interface PlainViewOptions {
  /** Where lines go. Default: stdout. */
  write?: (line: string) => void;
}

/**
 * Creates the plain-text observer.
 *
 * @example
 * ```ts
 * import { createPlainView } from "./plain_view.ts";
 * const lines: string[] = [];
 * createPlainView({ write: (l) => lines.push(l) }).onStart?.({ runId: 1, recipe: "r", jobs: 2, notes: [] });
 * console.log(lines[0]); // bufferbane: running "r" (run 1, 2 series)
 * ```
 */
export function createPlainView(options: PlainViewOptions = {}): RunObserver {
  const write = options.write ?? ((line: string) => console.log(line));
  return {
    onStart(info) {
      write(`bufferbane: running "${info.recipe}" (run ${info.runId}, ${info.jobs} series)`);
      for (const note of info.notes) write(`note: ${note}`);
    },
    onEvent(event) {
      write(`${new Date(event.timestamp).toISOString()} ${event.severity} ${event.message}`);
    },
    onStop(summary) {
      for (const line of formatRunSummary(summary)) write(line);
    },
  };
}
