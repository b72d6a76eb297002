/**
 * The live view on a terminal: a table of every primary series (last, avg, min, max, jitter,
 * loss) redrawn each second in place; events print above it; the summary replaces it at the end.
 *
 * @module
 */
import type { RunObserver } from "../core/run_observer.ts";
import { formatPercent, formatTable, formatValue, seriesName } from "./format.ts";
import { IntervalTracker } from "./interval_tracker.ts";
import { formatRunSummary } from "./summary_text.ts";

/** Options for {@linkcode createTableView}. */
export interface TableViewOptions {
  /** Where text goes. Default: stdout. */
  write?: (text: string) => void;
  /** Redraw period in ms. Default: 1000. */
  refreshMs?: number;
}

const encoder = new TextEncoder();
const SEVERITY_MARK = { info: "·", warn: "!", critical: "!!", clear: "✓" } as const;

/**
 * Creates the terminal table observer.
 *
 * @param options Output and refresh period.
 * @returns An observer.
 *
 * @example
 * ```ts
 * import { createTableView } from "./table_view.ts";
 * let out = "";
 * const view = createTableView({ write: (t) => out += t });
 * view.onEvent?.({ timestamp: 0, kind: "alert", severity: "warn", message: "High RTT" });
 * console.log(out.includes("High RTT")); // true
 * ```
 */
export function createTableView(options: TableViewOptions = {}): RunObserver {
  const write = options.write ?? ((text: string) => Deno.stdout.writeSync(encoder.encode(text)));
  const tracker = new IntervalTracker();
  let drawnLines = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let header = "";

  const erase = () => {
    if (drawnLines > 0) write(`\x1b[${drawnLines}F\x1b[J`);
    drawnLines = 0;
  };
  const draw = () => {
    tracker.tick();
    const rows = [["plugin", "series", "sent", "loss", "last", "avg", "min", "max", "jitter"]];
    for (const { label, total, lastReason } of tracker.all()) {
      const s = total.snapshot();
      rows.push([
        label.plugin,
        seriesName(label),
        String(s.sent),
        formatPercent(s.lossPct),
        lastReason ?? formatValue(s.last),
        formatValue(s.avg),
        formatValue(s.min),
        formatValue(s.max),
        formatValue(s.jitter),
      ]);
    }
    const lines = [header, ...formatTable(rows)];
    erase();
    write(lines.join("\n") + "\n");
    drawnLines = lines.length;
  };

  return {
    onStart(info) {
      header =
        `bufferbane: running "${info.recipe}" (run ${info.runId}, ${info.jobs} series); values in ms; Ctrl-C stops`;
      for (const note of info.notes) write(`note: ${note}\n`);
      draw();
      timer = setInterval(draw, options.refreshMs ?? 1000);
    },
    onSample(label, sample) {
      tracker.add(label, sample);
    },
    onEvent(event) {
      erase();
      const time = new Date(event.timestamp).toLocaleTimeString();
      write(`${time} ${SEVERITY_MARK[event.severity]} ${event.message}\n`);
      if (timer !== undefined) draw();
    },
    onStop(summary) {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      erase();
      write(formatRunSummary(summary).join("\n") + "\n");
    },
  };
}
