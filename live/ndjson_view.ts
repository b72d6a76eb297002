/**
 * The `--output json` view: NDJSON on stdout and nothing else. One line per primary series and
 * second that had samples (`type: "interval"`), one line per event (`type: "event"`), and a last
 * line with the run summary (`type: "summary"`).
 *
 * @module
 */
import type { RunObserver } from "../core/run_observer.ts";
import { IntervalTracker } from "./interval_tracker.ts";

/** Options for {@linkcode createNdjsonView}. */
export interface NdjsonViewOptions {
  /** Where lines go. Default: stdout. */
  write?: (line: string) => void;
  /** Length of a summary interval in ms. Default: 1000. */
  intervalMs?: number;
}

function round(value: number | null, digits = 3): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const encoder = new TextEncoder();

/**
 * Creates the NDJSON observer.
 *
 * @param options Output and interval.
 * @returns An observer; it stops its timer when the run stops.
 *
 * @example
 * ```ts
 * import { createNdjsonView } from "./ndjson_view.ts";
 * const lines: string[] = [];
 * const view = createNdjsonView({ write: (l) => lines.push(l) });
 * view.onEvent?.({ timestamp: 0, kind: "alert", severity: "warn", message: "x" });
 * console.log(JSON.parse(lines[0]!).type); // event
 * ```
 */
export function createNdjsonView(options: NdjsonViewOptions = {}): RunObserver {
  const write = options.write ??
    ((line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n")));
  const tracker = new IntervalTracker();
  let timer: ReturnType<typeof setInterval> | undefined;
  const flush = () => {
    const timestamp = new Date().toISOString();
    for (const { label, interval, total } of tracker.tick()) {
      const s = interval.snapshot();
      write(JSON.stringify({
        type: "interval",
        timestamp,
        plugin: label.plugin,
        target: label.target,
        interface: label.interface || null,
        server: label.server || null,
        metric: label.metric,
        unit: label.unit,
        sent: s.sent,
        received: s.received,
        lost: s.lost,
        failed: s.failed,
        loss_pct: round(s.lossPct, 2),
        avg_rtt_ms: round(s.avg),
        min_rtt_ms: round(s.min),
        max_rtt_ms: round(s.max),
        // RFC 3550 jitter is a running estimate: report its value now, not per interval.
        jitter_ms: round(total.snapshot().jitter),
      }));
    }
  };
  return {
    onStart() {
      timer = setInterval(flush, options.intervalMs ?? 1000);
    },
    onSample(label, sample) {
      tracker.add(label, sample);
    },
    onEvent(event) {
      write(JSON.stringify({
        type: "event",
        timestamp: new Date(event.timestamp).toISOString(),
        kind: event.kind,
        severity: event.severity,
        message: event.message,
        ...(event.series
          ? {
            plugin: event.series.plugin,
            target: event.series.target,
            metric: event.series.metric,
          }
          : {}),
      }));
    },
    onStop(summary) {
      if (timer !== undefined) clearInterval(timer);
      flush();
      write(JSON.stringify({ type: "summary", ...summary }));
    },
  };
}
