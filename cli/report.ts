/**
 * `report --format html|md|pdf --last 7d --output report.html [--redact] [--compact|--full]`:
 * a report of a period (7 days unless told), with the verdicts printed on the terminal too.
 * HTML is one self-contained offline file; Markdown is a `.md` file (or a folder) with PNG
 * charts beside it; PDF is printed by headless Chromium. `--full` (all charts and tables) is
 * the default for every format; `--compact` keeps the verdicts, alerts and three charts.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import { parsePeriod } from "../core/period.ts";
import { Store } from "../store/mod.ts";
import { presetFromFlags } from "../report/preset.ts";
import { REPORT_FORMATS, type ReportFormat, writeReport } from "../report/write.ts";
import { pixels } from "./chart.ts";
import { storePath } from "./options.ts";
import { seriesFilter, type SeriesFilterFlags } from "./series_filter.ts";

/**
 * Flags of the `report` command, as commander passes them.
 *
 * @example A week as HTML
 * ```ts
 * import type { ReportCommandOptions } from "./report.ts";
 * const flags: ReportCommandOptions = { format: "html", last: "7d", output: "week.html" };
 * ```
 */
export interface ReportCommandOptions extends SeriesFilterFlags {
  /** `html`, `md` or `pdf`. */
  format: string;
  /** File to write (Markdown: a `.md` file or a folder). */
  output: string;
  /** Period ending now; default `7d`. */
  last?: string;
  /** Period start. */
  start?: string;
  /** Period end. */
  end?: string;
  /** Mask host names and addresses. */
  redact?: boolean;
  /** Fewer charts and tables. */
  compact?: boolean;
  /** Every chart and table (the default). */
  full?: boolean;
  /** Host name shown; default the newest run's. */
  host?: string;
  /** Width of Markdown charts in pixels. */
  width?: string;
  /** Height of Markdown charts in pixels. */
  height?: string;
  /** Chromium executable for PDF. */
  chromium?: string;
  /** Store path. */
  db?: string;
}

/**
 * Checks the `--format` flag.
 *
 * @param text The flag's value.
 * @returns The format.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for another format.
 *
 * @example Case does not matter
 * ```ts
 * import { reportFormat } from "./report.ts";
 * console.log(reportFormat("PDF")); // pdf
 * ```
 */
export function reportFormat(text: string): ReportFormat {
  const format = text.trim().toLowerCase();
  if ((REPORT_FORMATS as readonly string[]).includes(format)) return format as ReportFormat;
  throw new BufferbaneError(ErrorCode.InvalidArgument, `--format "${text}": unknown format`, {
    hint: `use ${REPORT_FORMATS.join(", ")}`,
  });
}

/**
 * Runs the command; returns the exit code.
 *
 * @param flags The flags.
 * @returns 0.
 *
 * @example Running it
 * ```ts ignore
 * import { reportCommand } from "./report.ts";
 * await reportCommand({ format: "html", last: "7d", output: "week.html" });
 * ```
 */
export async function reportCommand(flags: ReportCommandOptions): Promise<number> {
  const format = reportFormat(flags.format);
  const preset = presetFromFlags(flags);
  const width = pixels(flags.width, "--width");
  const height = pixels(flags.height, "--height");
  const period = parsePeriod({ ...flags, defaultLast: "7d" });
  const store = Store.open(storePath(flags.db), { readOnly: true });
  try {
    const written = await writeReport(store, {
      ...period,
      format,
      output: flags.output,
      preset,
      filter: seriesFilter(flags),
      redact: flags.redact ?? false,
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(width === undefined ? {} : { chartWidth: width }),
      ...(height === undefined ? {} : { chartHeight: height }),
      ...(flags.chromium === undefined ? {} : { chromium: flags.chromium }),
    });
    const { model } = written;
    const extra = written.files.length > 1 ? ` and ${written.files.length - 1} images` : "";
    console.log(
      `${written.files[0]}: ${format} report, ${model.periodLabel}, ${preset}` +
        `${model.redacted ? ", redacted" : ""}, ${formatBytes(written.bytes)}${extra}`,
    );
    for (const finding of model.findings) console.log(`  ${finding}`);
    return 0;
  } finally {
    store.close();
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} bytes`;
}
