/**
 * Writes a report file: reads the model, masks it when asked, and renders it as HTML (one
 * self-contained file), Markdown (a `.md` file with its PNG charts beside it) or PDF (the
 * print variant of the HTML through headless Chromium). Every file appears only once complete.
 *
 * Markdown output: `--output report.md` writes `report.md` and `report-<chart>.png` in the
 * same folder; `--output folder` (no `.md`) writes `folder/report.md` and `folder/<chart>.png`.
 *
 * @module
 */
import { basename, dirname, extname, join } from "node:path";
import { svgToPng } from "../charts/render.ts";
import type { Rect } from "../charts/types.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";
import type { Store } from "../store/mod.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { buildReportModel, type ReportModel, type ReportOptions } from "./model.ts";
import { printHtmlToPdf } from "./pdf.ts";
import { redactDeep, type Redactor, redactorForStore } from "./redact.ts";
import { renderStaticCharts } from "./static_charts.ts";
import { severityTimelineSvg } from "./timeline_svg.ts";

/**
 * The report formats.
 *
 * @example The formats
 * ```ts
 * import { REPORT_FORMATS } from "./write.ts";
 * console.log(REPORT_FORMATS.join(" ")); // html md pdf
 * ```
 */
export const REPORT_FORMATS = ["html", "md", "pdf"] as const;

/**
 * A report format: `"html"`, `"md"` or `"pdf"`.
 *
 * @example A format
 * ```ts
 * import type { ReportFormat } from "./write.ts";
 * const format: ReportFormat = "pdf";
 * ```
 */
export type ReportFormat = typeof REPORT_FORMATS[number];

/**
 * Options for {@linkcode writeReport}.
 *
 * @example A redacted compact PDF of the last week
 * ```ts
 * import type { WriteReportOptions } from "./write.ts";
 * const end = Date.now();
 * const options: WriteReportOptions = {
 *   format: "pdf", output: "week.pdf", start: end - 7 * 86_400_000, end, preset: "compact", redact: true,
 * };
 * ```
 */
export interface WriteReportOptions extends ReportOptions {
  /** `"html"`, `"md"` or `"pdf"`. */
  format: ReportFormat;
  /** The file to write (Markdown: a `.md` file or a folder). */
  output: string;
  /**
   * Mask host names and addresses (see `redact.ts`).
   *
   * @default {false}
   */
  redact?: boolean;
  /**
   * Width of the Markdown report's PNG charts (and of its timeline), pixels.
   *
   * @default {1920}
   */
  chartWidth?: number;
  /**
   * Height of the Markdown report's PNG charts, pixels.
   *
   * @default {1080}
   */
  chartHeight?: number;
  /**
   * Chromium executable for PDF.
   *
   * @default {found on the PATH (see findChromium)}
   */
  chromium?: string;
  /**
   * plotly.js source to inline in HTML.
   *
   * @default {the pinned plotly.js-dist-min bundle}
   */
  plotlySource?: string;
}

/**
 * What {@linkcode writeReport} wrote.
 *
 * @example Printing the files
 * ```ts ignore
 * import type { WrittenReport } from "./write.ts";
 * declare const written: WrittenReport;
 * console.log(written.files[0], written.model.interfaces.sentence);
 * ```
 */
export interface WrittenReport {
  /** The format. */
  format: ReportFormat;
  /** Files written: the report first, then its images. */
  files: string[];
  /** Size of the report file in bytes. */
  bytes: number;
  /** The Markdown report's chart images: file, size and where data is drawn. */
  images: { type: string; file: string; width: number; height: number; plotAreas: Rect[] }[];
  /** The model it was rendered from (masked when redacted). */
  model: ReportModel;
}

/**
 * The model of a report, masked when asked: the host and every host name and address in its
 * texts are replaced by tokens (one redactor for the whole report, so tokens agree).
 *
 * @param store An open store.
 * @param options Period, preset, filter, host, redaction.
 * @returns The model and the redactor used, if any.
 *
 * @example The host is masked
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { reportModel } from "./write.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const { model } = reportModel(store, { start, end, redact: true });
 * console.log(model.host, model.title, model.redacted); // host-1 Network report: host-1 true
 * store.close();
 * ```
 */
export function reportModel(
  store: Store,
  options: ReportOptions & { redact?: boolean },
): { model: ReportModel; redactor: Redactor | undefined } {
  const model = buildReportModel(store, options);
  if (!options.redact) return { model, redactor: undefined };
  const redactor = redactorForStore(store);
  const host = redactor.host(model.host);
  return { model: { ...redactDeep(model, redactor), host, redacted: true }, redactor };
}

/**
 * Reads a period of the store and writes the report.
 *
 * @param store An open store.
 * @param options Format, output, period, preset, redaction.
 * @returns The files written and the model.
 * @throws {BufferbaneError} `INVALID_ARGUMENT` for an unknown format or an empty period; see
 * `pdf.ts` for PDF errors.
 *
 * @example A Markdown report into a folder
 * ```ts ignore
 * import { Store } from "../store/mod.ts";
 * import { writeReport } from "./write.ts";
 * const store = Store.open("bufferbane.db", { readOnly: true });
 * const end = Date.now();
 * const written = await writeReport(store, { format: "md", output: "week", start: end - 7 * 86_400_000, end });
 * console.log(written.files);
 * ```
 */
export async function writeReport(
  store: Store,
  options: WriteReportOptions,
): Promise<WrittenReport> {
  const { format } = options;
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new BufferbaneError(ErrorCode.InvalidArgument, `--format "${format}": unknown format`, {
      hint: `use ${REPORT_FORMATS.join(", ")}`,
    });
  }
  const { model, redactor } = reportModel(store, options);
  const chartOptions = {
    ...(redactor === undefined ? {} : { redactor }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
  };
  if (format === "html") {
    const html = await renderHtml(model, {
      ...(options.plotlySource === undefined ? {} : { plotlySource: options.plotlySource }),
    });
    const bytes = await writeAtomically(options.output, new TextEncoder().encode(html));
    return { format, files: [options.output], bytes, model, images: [] };
  }
  if (format === "pdf") {
    const charts = await renderStaticCharts(store, model, { format: "svg", ...chartOptions });
    const html = await renderHtml(model, {
      staticCharts: new Map(charts.map((c) => [c.type, c.svg])),
    });
    await printHtmlToPdf(html, options.output, {
      ...(options.chromium === undefined ? {} : { chromium: options.chromium }),
    });
    const bytes = (await Deno.stat(options.output)).size;
    return { format, files: [options.output], bytes, model, images: [] };
  }
  const { file, folder, prefix } = markdownPaths(options.output);
  await Deno.mkdir(folder, { recursive: true });
  const width = options.chartWidth ?? 1920;
  const charts = await renderStaticCharts(store, model, {
    format: "png",
    width,
    height: options.chartHeight ?? 1080,
    ...chartOptions,
  });
  const files: string[] = [];
  const names = new Map<(typeof charts)[number]["type"], string>();
  const images: WrittenReport["images"] = [];
  for (const chart of charts) {
    const name = `${prefix}${chart.type}.png`;
    const path = join(folder, name);
    await writeAtomically(path, chart.bytes);
    names.set(chart.type, name);
    files.push(path);
    const { type, width, height, plotAreas } = chart;
    images.push({ type, file: path, width, height, plotAreas });
  }
  const timeline = `${prefix}severity_timeline.png`;
  const svg = severityTimelineSvg(model.alerts.episodes, model.alerts.subjects, model, {
    width,
    laneHeight: Math.round(width / 60),
  });
  await writeAtomically(join(folder, timeline), await svgToPng(svg));
  files.push(join(folder, timeline));
  const text = renderMarkdown(model, { charts: names, timeline });
  const bytes = await writeAtomically(file, new TextEncoder().encode(text));
  return { format, files: [file, ...files], bytes, model, images };
}

/**
 * Where a Markdown report goes: a `.md` path gives that file, its folder, and its name as
 * the prefix of the images; any other path is a folder holding `report.md` and the images.
 *
 * @param output The `--output` value.
 * @returns The Markdown file, the folder and the image prefix.
 *
 * @example Two kinds of output
 * ```ts
 * import { markdownPaths } from "./write.ts";
 * console.log(markdownPaths("out/week.md"), markdownPaths("out/week"));
 * // { file: "out/week.md", folder: "out", prefix: "week-" } { file: "out/week/report.md", folder: "out/week", prefix: "" }
 * ```
 */
export function markdownPaths(output: string): { file: string; folder: string; prefix: string } {
  if (extname(output).toLowerCase() === ".md") {
    return {
      file: output,
      folder: dirname(output),
      prefix: `${basename(output, extname(output))}-`,
    };
  }
  return { file: join(output, "report.md"), folder: output, prefix: "" };
}

/** Writes a file beside its place, then renames it; returns its size. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<number> {
  const temp = `${path}.partial-${Deno.pid}`;
  try {
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return bytes.length;
}
