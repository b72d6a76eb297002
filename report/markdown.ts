/**
 * The Markdown report: the same content as the HTML report (summary and badges, verdicts,
 * alerts with the severity timeline, charts, bufferbloat grades, DNS timings, throughput,
 * every series, the manifest), with the charts as PNG files beside it, linked relatively.
 *
 * @module
 */
import { BUFFERBLOAT_GRADES } from "../charts/bufferbloat_summary.ts";
import { formatUtc } from "../charts/time_axis.ts";
import { CHART_TYPES, type ChartType } from "../charts/types.ts";
import { formatDuration } from "../core/duration.ts";
import { formatMs, formatPct } from "./format.ts";
import type { ReportModel, SeriesSummary } from "./model.ts";
import { REPORT_PRESETS } from "./preset.ts";

/**
 * The image files a Markdown report links, relative to it.
 *
 * @example Two images
 * ```ts
 * import type { MarkdownImages } from "./markdown.ts";
 * const images: MarkdownImages = {
 *   charts: new Map([["latency_over_time", "latency_over_time.png"]]),
 *   timeline: "severity_timeline.png",
 * };
 * ```
 */
export interface MarkdownImages {
  /** Each chart's file. */
  charts: ReadonlyMap<ChartType, string>;
  /** The severity timeline's file, if drawn. */
  timeline?: string;
}

/** Escapes text for a table cell or a line: pipes, emphasis markers, line breaks. */
function md(text: string): string {
  return text.replace(/([\\|*_`[\]<>])/g, "\\$1").replace(/\r?\n/g, " ");
}

/** A Markdown link target with spaces and parentheses escaped. */
function link(path: string): string {
  return path.replaceAll(" ", "%20").replaceAll("(", "%28").replaceAll(")", "%29");
}

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): string {
  if (rows.length === 0) return "";
  const align = headers.map((_, i) => numeric.includes(i) ? "---:" : "---");
  return [
    `| ${headers.map(md).join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n") + "\n";
}

function value(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return "–";
  if (unit === "ms") return formatMs(v);
  const size = Math.abs(v);
  return size >= 100 ? v.toFixed(0) : size >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * Renders the report as Markdown.
 *
 * @param model The report model (redacted already, when it should be).
 * @param images The files of the charts and the timeline, relative to the Markdown file.
 * @returns The Markdown text.
 *
 * @example The verdicts of a day of synthetic data
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { renderMarkdown } from "./markdown.ts";
 * import { buildReportModel } from "./model.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const text = renderMarkdown(buildReportModel(store, { start, end, preset: "compact" }), { charts: new Map() });
 * console.log(text.includes("the WiFi link is the problem"), text.includes("## Run manifest")); // true true
 * store.close();
 * ```
 */
export function renderMarkdown(model: ReportModel, images: MarkdownImages): string {
  const content = REPORT_PRESETS[model.preset];
  const { counts } = model.alerts;
  const parts: string[] = [];
  parts.push(`# ${md(model.title)}\n`);
  parts.push(
    `${md(model.periodLabel)} · host ${md(model.host)} · made ${
      formatUtc(model.generatedAt)
    } UTC · ` +
      `${model.preset} report${model.redacted ? " · **redacted**" : ""}\n`,
  );

  parts.push("## Summary\n");
  parts.push(
    `**Alerts:** ${counts.critical} critical · ${counts.warn} warn · ${model.alerts.open} open · ` +
      `${counts.clear} cleared · ${counts.info} info\n`,
  );
  const names = ["Interfaces", "Servers", "Bufferbloat", "Alerts"];
  parts.push(
    model.findings.map((f, i) => `- **${names[i] ?? "Finding"}:** ${md(f)}`).join("\n") + "\n",
  );

  const iv = model.interfaces;
  parts.push("## Interface verdict\n");
  parts.push(`> **${md(iv.sentence)}**\n`);
  parts.push(table(
    ["Interface", "Compared with", "Adds (ms)", "Jitter (ms)", "Loss", "Paths", "Outcome"],
    iv.comparisons.map((c) => [
      md(c.subject.label),
      md(c.reference.label),
      c.addedMs === null ? "–" : `${c.addedMs >= 0 ? "+" : ""}${formatMs(c.addedMs)}`,
      `${formatMs(c.subject.jitterMs)} vs ${formatMs(c.reference.jitterMs)}`,
      `${formatPct(c.subject.lossPct)} vs ${formatPct(c.reference.lossPct)}`,
      String(c.paths.length),
      c.outcome,
    ]),
    [2, 5],
  ));
  if (content.pathTables) {
    parts.push(table(
      ["Path", "Kind", "Median (ms)", "p95 (ms)", "Jitter (ms)", "Loss", "Probes"],
      model.series.filter((s) => s.role === "latency" && s.interface !== "").map((s) => [
        md(s.label),
        s.interfaceKind ?? "",
        formatMs(s.p50),
        formatMs(s.p95),
        formatMs(s.jitter),
        formatPct(s.lossPct),
        String(s.count),
      ]),
      [2, 3, 4, 5, 6],
    ));
  }
  parts.push(list(iv.details));

  const sv = model.servers;
  parts.push("## Server comparison\n");
  parts.push(`> **${md(sv.sentence)}**\n`);
  parts.push(table(
    ["Server", "Compared with", "Median (ms)", "Jitter (ms)", "Loss", "Outcome"],
    sv.comparisons.map((c) => [
      md(c.subject),
      md(c.reference),
      `${formatMs(c.subjectFigures.medianMs)} vs ${formatMs(c.referenceFigures.medianMs)}`,
      `${formatMs(c.subjectFigures.jitterMs)} vs ${formatMs(c.referenceFigures.jitterMs)}`,
      `${formatPct(c.subjectFigures.lossPct)} vs ${formatPct(c.referenceFigures.lossPct)}`,
      c.outcome,
    ]),
  ));
  parts.push(list(sv.details));

  const { alerts } = model;
  parts.push("## Alerts\n");
  parts.push(`${md(alerts.sentence)}\n`);
  if (images.timeline !== undefined) parts.push(`![Severity timeline](${link(images.timeline)})\n`);
  const shown = alerts.episodes.slice(-content.maxEpisodes).reverse();
  parts.push(table(
    ["Severity", "What", "From (UTC)", "To (UTC)", "For", "Message"],
    shown.map((ep) => [
      `**${ep.severity}**`,
      md(ep.subject),
      formatUtc(ep.start),
      ep.open ? "still open" : formatUtc(ep.end),
      ep.end > ep.start
        ? formatDuration(Math.max(60_000, Math.round((ep.end - ep.start) / 60_000) * 60_000))
        : "–",
      md(ep.message),
    ]),
  ));
  if (shown.length < alerts.episodes.length) {
    parts.push(
      `*The ${shown.length} latest of ${alerts.episodes.length} alerts; the full report lists them all.*\n`,
    );
  }

  parts.push("## Charts\n");
  for (const type of model.charts) {
    const info = CHART_TYPES.find((t) => t.id === type)!;
    const file = images.charts.get(type);
    parts.push(`### ${info.title}\n`);
    parts.push(file === undefined ? "*Not drawn.*\n" : `![${info.title}](${link(file)})\n`);
    parts.push(`*${md(info.description)}*\n`);
  }

  const bb = model.bufferbloat;
  parts.push("## Bufferbloat grades\n");
  parts.push(`${md(bb.sentence)}\n`);
  if (bb.tests.length > 0) {
    parts.push(
      `Grades: ${
        BUFFERBLOAT_GRADES.map((g) => `**${g}** ${bb.gradeCounts[g] ?? 0}`).join(" · ")
      }\n`,
    );
  }
  parts.push(table(
    ["Day (UTC)", "Tests", "Grades", "Median increase (ms)", "Worst"],
    bb.days.map((day) => [
      day.day,
      String(day.tests),
      BUFFERBLOAT_GRADES.filter((g) => day.grades[g]).map((g) => `${g} ${day.grades[g]}`).join(
        ", ",
      ),
      formatMs(day.medianIncreaseMs),
      day.worstGrade ?? "–",
    ]),
    [1, 3],
  ));

  if (content.dnsAndThroughput) {
    const dns = model.series.filter((s) => s.role === "dns");
    parts.push("## DNS timings\n");
    parts.push(
      dns.length === 0
        ? "*No DNS lookups in this period.*\n"
        : statsTable(dns, "Name via resolver", "Lookups"),
    );
    const throughput = model.series.filter((s) => s.role === "throughput");
    parts.push("## Throughput\n");
    parts.push(
      throughput.length === 0 ? "*No throughput measured in this period.*\n" : table(
        ["Series", "Median", "Min", "Average", "Max", "Unit", "Samples"],
        throughput.map((s) => [
          md(s.label),
          value(s.p50, s.unit),
          value(s.min, s.unit),
          value(s.avg, s.unit),
          value(s.max, s.unit),
          md(s.unit),
          String(s.count),
        ]),
        [1, 2, 3, 4, 6],
      ),
    );
  }

  parts.push("## Every series\n");
  parts.push(
    model.series.length === 0 ? "*No samples in this period.*\n" : table(
      ["Series", "Kind", "Median", "p95", "Jitter", "Loss", "Unit", "Samples"],
      model.series.map((s) => [
        md(s.label),
        s.role,
        value(s.p50, s.unit),
        value(s.p95, s.unit),
        value(s.jitter, s.unit),
        formatPct(s.lossPct),
        md(s.unit),
        String(s.count),
      ]),
      [2, 3, 4, 5, 7],
    ),
  );

  if (content.allEvents) {
    parts.push("## Every event\n");
    parts.push(
      alerts.events.length === 0 ? "*No events in this period.*\n" : table(
        ["Time (UTC)", "Severity", "Kind", "What", "Message"],
        alerts.events.map((
          ev,
        ) => [formatUtc(ev.ts), ev.severity, md(ev.kind), md(ev.subject), md(ev.message)]),
      ),
    );
  }

  const m = model.manifest;
  parts.push("## Run manifest\n");
  parts.push(table(["Field", "Value"], [
    ["Period", `${m.start} – ${m.end}`],
    ["Generated", m.generatedAt],
    ["Tool version", m.toolVersion],
    ["Store", md(m.storePath)],
    ["Schema version", String(m.schemaVersion)],
    ["Preset", model.preset],
    ["Redacted", model.redacted ? "yes: host names and addresses are masked" : "no"],
    ["Events, test results", `${m.events}, ${m.testResults}`],
    ["Data SHA-256", `\`${m.dataSha256}\``],
  ]));
  parts.push(table(
    ["Series", "Samples", "Lost", "SHA-256 of the data read"],
    m.series.map((s) => [md(s.label), String(s.samples), String(s.lost), `\`${s.sha256}\``]),
    [1, 2],
  ));
  parts.push(table(
    [
      "Run",
      "Recipe",
      "Recipe SHA-256",
      "Version",
      "Host",
      "Status",
      "Started",
      "Ended",
      "Interfaces",
    ],
    m.runs.map((r) => [
      String(r.id),
      md(r.recipeName),
      `\`${r.recipeHash}\``,
      md(r.toolVersion),
      md(r.host),
      r.status,
      r.startedAt,
      r.endedAt ?? "–",
      md(r.interfaces.map((i) => `${i.name} (${i.kind})`).join(", ")),
    ]),
  ));
  parts.push(`*Made by bufferbane ${md(m.toolVersion)} from the store's rollups.*\n`);
  return parts.filter(Boolean).join("\n");
}

function list(lines: readonly string[]): string {
  return lines.length === 0 ? "" : lines.map((line) => `- ${md(line)}`).join("\n") + "\n";
}

function statsTable(series: readonly SeriesSummary[], first: string, countName: string): string {
  return table(
    [first, "Median (ms)", "p95 (ms)", "p99 (ms)", "Max (ms)", "Failed", countName],
    series.map((s) => [
      md(s.label),
      value(s.p50, s.unit),
      value(s.p95, s.unit),
      value(s.p99, s.unit),
      value(s.max, s.unit),
      formatPct(s.lossPct),
      String(s.count),
    ]),
    [1, 2, 3, 4, 5, 6],
  );
}
