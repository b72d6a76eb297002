/**
 * The HTML report: one self-contained file that works offline (styles, data and plotly.js
 * inlined; no request leaves the page). Summary with alert badges and the verdicts, the
 * severity timeline, interactive charts (zoom, hover), the interface and server comparisons,
 * bufferbloat grades over time, DNS timings, throughput, every series and the run manifest.
 * Light and dark colours follow the system, with a toggle; the layout reads on a phone.
 *
 * Two variants: interactive (plotly charts), and print (the static SVG charts of
 * `charts/render.ts` in their place, no script), which the PDF is printed from.
 *
 * @module
 */
import { GRADE_COLORS } from "../charts/colors.ts";
import { BUFFERBLOAT_GRADES } from "../charts/bufferbloat_summary.ts";
import { formatUtc } from "../charts/time_axis.ts";
import { CHART_TYPES, type ChartType } from "../charts/types.ts";
import { formatDuration } from "../core/duration.ts";
import type { AlertEpisode } from "./alerts.ts";
import { formatMs, formatPct } from "./format.ts";
import type { ReportModel, SeriesSummary } from "./model.ts";
import { type PlotlyFigure, plotlyFigures } from "./plotly_figures.ts";
import { REPORT_PRESETS } from "./preset.ts";
import { SEVERITY_COLORS, severityTimelineSvg } from "./timeline_svg.ts";

/**
 * Options for {@linkcode renderHtml}.
 *
 * @example The print variant
 * ```ts ignore
 * import type { HtmlOptions } from "./html.ts";
 * declare const svg: string;
 * const options: HtmlOptions = { staticCharts: new Map([["latency_over_time", svg]]) };
 * ```
 */
export interface HtmlOptions {
  /**
   * Static SVG documents of the charts: when given, the print variant is made, with these in
   * place of the interactive charts and without any script.
   *
   * @default {undefined (interactive)}
   */
  staticCharts?: ReadonlyMap<ChartType, string>;
  /**
   * The plotly.js bundle to inline (interactive variant only).
   *
   * @default {read with loadPlotlySource when needed}
   */
  plotlySource?: string;
}

/**
 * Reads the minified plotly.js bundle of the pinned `plotly.js-dist-min` package.
 *
 * @returns Its source (about 4.6 MiB).
 *
 * @example The bundle is large
 * ```ts
 * import { loadPlotlySource } from "./html.ts";
 * console.log((await loadPlotlySource()).length > 1_000_000); // true
 * ```
 */
export async function loadPlotlySource(): Promise<string> {
  const module = await import("plotly.js-dist-min/plotly.min.js", { with: { type: "text" } });
  return module.default;
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param text The text.
 * @returns The escaped text.
 *
 * @example Markup is escaped
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * console.log(escapeHtml('<a href="x">&</a>')); // &lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * Renders the report as one HTML document.
 *
 * @param model The report model (redacted already, when it should be).
 * @param options Variant and plotly source.
 * @returns The document.
 *
 * @example The print variant of a day of synthetic data
 * ```ts
 * import { Store } from "../store/mod.ts";
 * import { writeSyntheticData } from "../synthetic/generate.ts";
 * import { buildReportModel } from "./model.ts";
 * import { renderHtml } from "./html.ts";
 * const store = Store.open(":memory:");
 * const { start, end } = writeSyntheticData(store, { days: 1, intervalMs: 60_000 });
 * const html = await renderHtml(buildReportModel(store, { start, end, preset: "compact" }), { staticCharts: new Map() });
 * console.log(html.includes("the WiFi link is the problem"), html.includes("<script")); // true false
 * store.close();
 * ```
 */
export async function renderHtml(model: ReportModel, options: HtmlOptions = {}): Promise<string> {
  const print = options.staticCharts !== undefined;
  const figures = print ? [] : plotlyFigures(model);
  const plotly = print ? "" : options.plotlySource ?? await loadPlotlySource();
  const content = REPORT_PRESETS[model.preset];
  const sections = [
    summarySection(model),
    interfaceSection(model),
    serverSection(model),
    alertSection(model),
    chartSection(model, figures, options.staticCharts),
    bufferbloatSection(model, figures),
    content.dnsAndThroughput ? dnsSection(model, figures) : "",
    content.dnsAndThroughput ? throughputSection(model) : "",
    seriesSection(model),
    content.allEvents ? eventSection(model) : "",
    manifestSection(model),
  ];
  const scripts = print ? "" : [
    `<script type="application/json" id="report-figures">${
      JSON.stringify(figures).replaceAll("<", "\\u003c")
    }</script>`,
    `<script>${
      plotly.replaceAll("</script", "\\x3C/script").replaceAll("<!--", "\\x3C!--")
    }</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
  ].join("\n");
  return `<!DOCTYPE html>
<html lang="en"${print ? ' data-theme="light" class="print"' : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="bufferbane ${escapeHtml(model.manifest.toolVersion)}">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
<div>
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">${escapeHtml(model.periodLabel)} · host ${escapeHtml(model.host)} · made ${
    escapeHtml(formatUtc(model.generatedAt))
  } UTC · ${model.preset} report${model.redacted ? ' · <span class="tag">redacted</span>' : ""}</p>
</div>
${print ? "" : '<button type="button" id="theme-toggle" class="toggle">Dark mode</button>'}
</header>
<main>
${sections.filter(Boolean).join("\n")}
</main>
<footer>Made by bufferbane ${
    escapeHtml(model.manifest.toolVersion)
  } from the store's rollups; this file works offline.</footer>
${scripts}
</body>
</html>
`;
}

const e = escapeHtml;

/** A table; cells are HTML already; numeric columns are right-aligned. */
function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): string {
  if (rows.length === 0) return "";
  // Cells stay on one line (a narrow screen scrolls the table), but for columns of long texts.
  const long = headers.map((_, i) =>
    rows.some((row) => (row[i] ?? "").replace(/<[^>]*>/g, "").length > 40)
  );
  const cls = (i: number) => numeric.includes(i) ? ' class="num"' : long[i] ? ' class="wrap"' : "";
  return `<div class="scroll"><table><thead><tr>${
    headers.map((h, i) => `<th${cls(i)}>${e(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${cell}</td>`).join("")}</tr>`)
      .join("")
  }</tbody></table></div>`;
}

function badge(text: string, color: string, title = ""): string {
  return `<span class="badge" style="--badge:${color}"${title ? ` title="${e(title)}"` : ""}>${
    e(text)
  }</span>`;
}

/** A value in its unit, three significant digits or so. */
function value(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return "–";
  if (unit === "ms") return formatMs(v);
  const size = Math.abs(v);
  return size >= 100 ? v.toFixed(0) : size >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function verdictClass(status: string): string {
  return status === "problem"
    ? "bad"
    : status === "alike"
    ? "good"
    : status === "mixed"
    ? "warn"
    : "none";
}

function summarySection(model: ReportModel): string {
  const { counts } = model.alerts;
  const badges = [
    badge(`${counts.critical} critical`, SEVERITY_COLORS.critical, "critical events"),
    badge(`${counts.warn} warn`, SEVERITY_COLORS.warn, "warning events"),
    badge(
      `${model.alerts.open} open`,
      model.alerts.open > 0 ? SEVERITY_COLORS.critical : SEVERITY_COLORS.clear,
      "alerts still raised at the end",
    ),
    badge(`${counts.clear} cleared`, SEVERITY_COLORS.clear, "alerts cleared"),
    badge(`${counts.info} info`, SEVERITY_COLORS.info, "other events"),
  ];
  const classes = [
    verdictClass(model.interfaces.status),
    verdictClass(model.servers.status),
    model.bufferbloat.worstGrade !== null && "CDF".includes(model.bufferbloat.worstGrade)
      ? "warn"
      : "none",
    model.alerts.raised > 0 ? "warn" : "good",
  ];
  return `<section id="summary"><h2>Summary</h2>
<div class="badges" aria-label="Alert counts">${badges.join("")}</div>
<ul class="findings">${
    model.findings.map((f, i) => `<li class="finding ${classes[i] ?? "none"}">${e(f)}</li>`).join(
      "",
    )
  }</ul></section>`;
}

function interfaceSection(model: ReportModel): string {
  const verdict = model.interfaces;
  const rows = verdict.comparisons.map((c) => [
    e(c.subject.label),
    e(c.reference.label),
    e(c.addedMs === null ? "–" : `${c.addedMs >= 0 ? "+" : ""}${formatMs(c.addedMs)}`),
    e(`${formatMs(c.subject.jitterMs)} vs ${formatMs(c.reference.jitterMs)}`),
    e(`${formatPct(c.subject.lossPct)} vs ${formatPct(c.reference.lossPct)}`),
    e(String(c.paths.length)),
    e(c.outcome),
  ]);
  const paths = REPORT_PRESETS[model.preset].pathTables
    ? model.series.filter((s) => s.role === "latency" && s.interface !== "")
    : [];
  const pathRows = paths.map((s) => [
    e(s.label),
    e(s.interfaceKind ?? ""),
    e(formatMs(s.p50)),
    e(formatMs(s.p95)),
    e(formatMs(s.jitter)),
    e(formatPct(s.lossPct)),
    e(String(s.count)),
  ]);
  return `<section id="interfaces"><h2>Interface verdict</h2>
<p class="verdict ${verdictClass(verdict.status)}">${e(verdict.sentence)}</p>
${
    table(
      ["Interface", "Compared with", "Adds (ms)", "Jitter (ms)", "Loss", "Paths", "Outcome"],
      rows,
      [2, 5],
    )
  }
${
    table(["Path", "Kind", "Median (ms)", "p95 (ms)", "Jitter (ms)", "Loss", "Probes"], pathRows, [
      2,
      3,
      4,
      5,
      6,
    ])
  }
${details(verdict.details)}
<p class="note">An interface is the problem when it is worse than the best one on latency (+5 ms), jitter (2x and at least 2 ms) or loss (2x and +0.5 points), and better on none; figures over the targets both measured.</p>
</section>`;
}

function details(lines: readonly string[]): string {
  return lines.length === 0
    ? ""
    : `<ul class="details">${lines.map((l) => `<li>${e(l)}</li>`).join("")}</ul>`;
}

function serverSection(model: ReportModel): string {
  const verdict = model.servers;
  const rows = verdict.comparisons.map((c) => [
    e(c.subject),
    e(c.reference),
    e(`${formatMs(c.subjectFigures.medianMs)} vs ${formatMs(c.referenceFigures.medianMs)}`),
    e(`${formatMs(c.subjectFigures.jitterMs)} vs ${formatMs(c.referenceFigures.jitterMs)}`),
    e(`${formatPct(c.subjectFigures.lossPct)} vs ${formatPct(c.referenceFigures.lossPct)}`),
    e(c.outcome),
  ]);
  return `<section id="servers"><h2>Server comparison</h2>
<p class="verdict ${verdictClass(verdict.status)}">${e(verdict.sentence)}</p>
${table(["Server", "Compared with", "Median (ms)", "Jitter (ms)", "Loss", "Outcome"], rows)}
${details(verdict.details)}
<p class="note">A server's path is worse when it is slower by 10 ms and 25 %, has twice the jitter (at least 2 ms) or twice the loss (+0.5 points), and is better on nothing: one path worse while the others are fine points at routing, not at your access link.</p>
</section>`;
}

function episodeRows(episodes: readonly AlertEpisode[]): string[][] {
  return episodes.map((ep) => [
    badge(ep.severity, SEVERITY_COLORS[ep.severity]),
    e(ep.subject),
    e(formatUtc(ep.start)),
    e(ep.open ? "still open" : formatUtc(ep.end)),
    e(
      ep.end > ep.start
        ? formatDuration(Math.max(60_000, Math.round((ep.end - ep.start) / 60_000) * 60_000))
        : "–",
    ),
    e(ep.message),
  ]);
}

function alertSection(model: ReportModel): string {
  const { alerts } = model;
  const max = REPORT_PRESETS[model.preset].maxEpisodes;
  const shown = alerts.episodes.slice(-max).reverse();
  const svg = severityTimelineSvg(alerts.episodes, alerts.subjects, model, {
    width: 800,
    laneHeight: 26,
  });
  const more = alerts.episodes.length - shown.length;
  return `<section id="alerts"><h2>Alerts</h2>
<p>${e(alerts.sentence)}</p>
<div class="scroll timeline">${svg}</div>
${table(["Severity", "What", "From (UTC)", "To (UTC)", "For", "Message"], episodeRows(shown), [4])}
${
    more > 0
      ? `<p class="note">The ${shown.length} latest of ${alerts.episodes.length} alerts; the full report lists them all.</p>`
      : ""
  }
</section>`;
}

function chartSection(
  model: ReportModel,
  figures: readonly PlotlyFigure[],
  staticCharts: ReadonlyMap<ChartType, string> | undefined,
): string {
  const parts = model.charts.map((type) => {
    const info = CHART_TYPES.find((t) => t.id === type)!;
    if (staticCharts !== undefined) {
      const svg = staticCharts.get(type);
      if (svg === undefined) return "";
      const src = `data:image/svg+xml;base64,${base64(svg)}`;
      return `<figure class="chart"><img src="${src}" alt="${e(info.title)}"><figcaption>${
        e(info.description)
      }</figcaption></figure>`;
    }
    const index = figures.findIndex((f) => f.id === type);
    if (index < 0) {
      return `<figure class="chart"><h3>${
        e(info.title)
      }</h3><p class="note">No data for this chart in the period.</p></figure>`;
    }
    return plotFigure(figures[index]!, index);
  });
  return `<section id="charts"><h2>Charts</h2>${parts.join("\n")}</section>`;
}

function plotFigure(figure: PlotlyFigure, index: number): string {
  const keys = figure.legend.map((entry) =>
    `<button type="button" class="key" data-group="${e(entry.group)}" aria-pressed="${!entry
      .hidden}"><span class="swatch" style="background:${e(entry.color)}"></span>${
      e(entry.label)
    }</button>`
  );
  return `<figure class="chart"><h3>${e(figure.title)}</h3><div class="plot" id="plot-${
    e(figure.id)
  }" data-figure="${index}"></div>${
    keys.length > 0
      ? `<div class="legend" aria-label="Legend: click to show or hide">${keys.join("")}</div>`
      : ""
  }<figcaption>${e(figure.description)}</figcaption></figure>`;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function bufferbloatSection(model: ReportModel, figures: readonly PlotlyFigure[]): string {
  const section = model.bufferbloat;
  const badges = BUFFERBLOAT_GRADES.map((grade) =>
    badge(
      `${grade}: ${section.gradeCounts[grade] ?? 0}`,
      GRADE_COLORS[grade] ?? "#888",
      `tests graded ${grade}`,
    )
  );
  const index = figures.findIndex((f) => f.id === "bufferbloat_grades");
  const dayRows = section.days.map((day) => [
    e(day.day),
    e(String(day.tests)),
    BUFFERBLOAT_GRADES.filter((g) => day.grades[g]).map((g) =>
      badge(`${g} ${day.grades[g]}`, GRADE_COLORS[g] ?? "#888")
    ).join(" "),
    e(formatMs(day.medianIncreaseMs)),
    e(day.worstGrade ?? "–"),
  ]);
  return `<section id="bufferbloat"><h2>Bufferbloat grades</h2>
<p>${e(section.sentence)}</p>
${section.tests.length > 0 ? `<div class="badges">${badges.join("")}</div>` : ""}
${index >= 0 ? plotFigure(figures[index]!, index) : ""}
${table(["Day (UTC)", "Tests", "Grades", "Median increase (ms)", "Worst"], dayRows, [1, 3])}
</section>`;
}

function statsRows(series: readonly SeriesSummary[]): string[][] {
  return series.map((s) => [
    e(s.label),
    e(value(s.p50, s.unit)),
    e(value(s.p95, s.unit)),
    e(value(s.p99, s.unit)),
    e(value(s.max, s.unit)),
    e(formatPct(s.lossPct)),
    e(String(s.count)),
  ]);
}

function dnsSection(model: ReportModel, figures: readonly PlotlyFigure[]): string {
  const dns = model.series.filter((s) => s.role === "dns");
  const index = figures.findIndex((f) => f.id === "dns_timings");
  return `<section id="dns"><h2>DNS timings</h2>
${dns.length === 0 ? '<p class="note">No DNS lookups in this period.</p>' : ""}
${
    table(
      ["Name via resolver", "Median (ms)", "p95 (ms)", "p99 (ms)", "Max (ms)", "Failed", "Lookups"],
      statsRows(dns),
      [1, 2, 3, 4, 5, 6],
    )
  }
${index >= 0 ? plotFigure(figures[index]!, index) : ""}
</section>`;
}

function throughputSection(model: ReportModel): string {
  const series = model.series.filter((s) => s.role === "throughput");
  const rows = series.map((s) => [
    e(s.label),
    e(value(s.p50, s.unit)),
    e(value(s.min, s.unit)),
    e(value(s.avg, s.unit)),
    e(value(s.max, s.unit)),
    e(s.unit),
    e(String(s.count)),
  ]);
  return `<section id="throughput"><h2>Throughput</h2>
${series.length === 0 ? '<p class="note">No throughput measured in this period.</p>' : ""}
${table(["Series", "Median", "Min", "Average", "Max", "Unit", "Samples"], rows, [1, 2, 3, 4, 6])}
</section>`;
}

function seriesSection(model: ReportModel): string {
  const rows = model.series.map((s) => [
    e(s.label),
    e(s.role),
    e(value(s.p50, s.unit)),
    e(value(s.p95, s.unit)),
    e(value(s.jitter, s.unit)),
    e(formatPct(s.lossPct)),
    e(s.unit),
    e(String(s.count)),
  ]);
  return `<section id="series"><h2>Every series</h2>
${
    table(["Series", "Kind", "Median", "p95", "Jitter", "Loss", "Unit", "Samples"], rows, [
      2,
      3,
      4,
      5,
      7,
    ])
  }
${model.series.length === 0 ? '<p class="note">No samples in this period.</p>' : ""}
</section>`;
}

function eventSection(model: ReportModel): string {
  const rows = model.alerts.events.map((ev) => [
    e(formatUtc(ev.ts)),
    badge(ev.severity, SEVERITY_COLORS[ev.severity]),
    e(ev.kind),
    e(ev.subject),
    e(ev.message),
  ]);
  return `<section id="events"><h2>Every event</h2>
${rows.length === 0 ? '<p class="note">No events in this period.</p>' : ""}
${table(["Time (UTC)", "Severity", "Kind", "What", "Message"], rows)}
</section>`;
}

function manifestSection(model: ReportModel): string {
  const m = model.manifest;
  const facts: [string, string][] = [
    ["Period", `${m.start} – ${m.end}`],
    ["Generated", m.generatedAt],
    ["Tool version", m.toolVersion],
    ["Store", m.storePath],
    ["Schema version", String(m.schemaVersion)],
    ["Preset", model.preset],
    ["Redacted", model.redacted ? "yes: host names and addresses are masked" : "no"],
    ["Events, test results", `${m.events}, ${m.testResults}`],
    ["Data SHA-256", m.dataSha256],
  ];
  const seriesRows = m.series.map((s) => [
    e(s.label),
    e(String(s.samples)),
    e(String(s.lost)),
    `<code>${e(s.sha256)}</code>`,
  ]);
  const runRows = m.runs.map((r) => [
    e(String(r.id)),
    e(r.recipeName),
    `<code>${e(r.recipeHash)}</code>`,
    e(r.toolVersion),
    e(r.host),
    e(r.status),
    e(r.startedAt),
    e(r.endedAt ?? "–"),
    e(r.interfaces.map((i) => `${i.name} (${i.kind})`).join(", ")),
  ]);
  return `<section id="manifest"><h2>Run manifest</h2>
<dl class="facts">${
    facts.map(([k, v]) =>
      `<dt>${e(k)}</dt><dd>${k.includes("SHA") ? `<code>${e(v)}</code>` : e(v)}</dd>`
    ).join("")
  }</dl>
${table(["Series", "Samples", "Lost", "SHA-256 of the data read"], seriesRows, [1, 2])}
${
    table([
      "Run",
      "Recipe",
      "Recipe SHA-256",
      "Version",
      "Host",
      "Status",
      "Started",
      "Ended",
      "Interfaces",
    ], runRows)
  }
</section>`;
}

const STYLE = `
:root{--bg:#ffffff;--fg:#1b1d21;--muted:#5c6370;--card:#f5f6f8;--line:#dfe2e7;--accent:#2f6db3;
--bad:#c0392b;--warn:#d68910;--good:#2e8b57;color-scheme:light}
:root[data-theme=dark]{--bg:#121417;--fg:#e5e7eb;--muted:#9aa1ac;--card:#1b1f24;--line:#30353d;--accent:#7fb0ee;
--bad:#ef6b5b;--warn:#f0b34a;--good:#5cc28a;color-scheme:dark}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#121417;--fg:#e5e7eb;--muted:#9aa1ac;
--card:#1b1f24;--line:#30353d;--accent:#7fb0ee;--bad:#ef6b5b;--warn:#f0b34a;--good:#5cc28a;color-scheme:dark}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",
"DejaVu Sans",sans-serif;overflow-wrap:anywhere}
header.top{display:flex;gap:12px;align-items:flex-start;justify-content:space-between;padding:16px;
border-bottom:1px solid var(--line);max-width:1200px;margin:0 auto}
h1{font-size:1.45rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:0 0 10px;padding-top:6px}
h3{font-size:1rem;margin:0 0 6px}
.meta,.note,figcaption,footer{color:var(--muted);font-size:.88rem}
main{max-width:1200px;margin:0 auto;padding:0 16px}
section{margin:18px 0;padding:14px;background:var(--card);border:1px solid var(--line);border-radius:8px;min-width:0}
.toggle{flex:none;font:inherit;font-size:.85rem;padding:6px 10px;border-radius:6px;border:1px solid var(--line);
background:var(--card);color:var(--fg);cursor:pointer}
.badges{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 10px}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:.82rem;font-weight:600;color:#fff;
background:var(--badge);white-space:nowrap}
.tag{border:1px solid var(--line);border-radius:4px;padding:0 5px}
.findings{list-style:none;padding:0;margin:0}
.finding,.verdict{border-left:4px solid var(--line);padding:6px 10px;margin:6px 0;background:var(--bg);border-radius:4px}
.bad{border-left-color:var(--bad)}.warn{border-left-color:var(--warn)}.good{border-left-color:var(--good)}
.verdict{font-weight:600}
.details{padding-left:18px;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.86rem;margin:8px 0;overflow-wrap:normal}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;
white-space:nowrap}td.wrap{white-space:normal;min-width:16em}
th{font-weight:600;white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow-wrap:normal}
code{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:.8rem;word-break:break-all}
figure.chart{margin:14px 0;min-width:0}
.plot{width:100%;min-height:300px}
.legend{display:flex;flex-wrap:wrap;gap:2px 14px;margin:4px 0 2px;font-size:.82rem}
.key{display:inline-flex;align-items:center;gap:6px;padding:2px 0;border:none;background:none;color:inherit;
font:inherit;cursor:pointer;text-align:left}.key[aria-pressed=false]{opacity:.45;text-decoration:line-through}
.swatch{flex:none;width:16px;height:4px;border-radius:2px}
figure.chart img{width:100%;height:auto;display:block;background:#fff;border-radius:4px}
.timeline svg{display:block;width:100%;min-width:600px;height:auto}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px;margin:0 0 8px;font-size:.9rem}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;min-width:0}
footer{max-width:1200px;margin:0 auto;padding:12px 16px 28px}
@media (max-width:600px){body{font-size:14px}header.top{padding:12px}main{padding:0 8px}
section{padding:10px;margin:12px 0}dl.facts{grid-template-columns:minmax(0,1fr)}dl.facts dt{margin-top:6px}}
@page{size:A4;margin:12mm}
@media print{:root,:root[data-theme=dark]{--bg:#fff;--fg:#000;--muted:#444;--card:#fff;--line:#ccc;color-scheme:light}
.toggle{display:none}section{break-inside:auto;border:none;padding:0}figure.chart,tr,.finding,.verdict{break-inside:avoid}
.scroll{overflow:visible}.timeline svg{min-width:0}.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

/** Draws the figures and wires the theme toggle (runs in the page). */
const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem("bufferbane-theme");
    if (saved === "dark" || saved === "light") root.setAttribute("data-theme", saved);
  } catch (_) {}
  var media = window.matchMedia("(prefers-color-scheme: dark)");
  function dark() {
    var theme = root.getAttribute("data-theme");
    return theme ? theme === "dark" : media.matches;
  }
  function themed(layout) {
    var ink = dark() ? "#e5e7eb" : "#1b1d21";
    var grid = dark() ? "#353b44" : "#e1e4e8";
    var update = { paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", "font.color": ink };
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis[0-9]*$/.test(key)) {
        update[key + ".gridcolor"] = grid;
        update[key + ".zerolinecolor"] = grid;
        update[key + ".linecolor"] = grid;
      }
    });
    return update;
  }
  var figures = JSON.parse(document.getElementById("report-figures").textContent);
  var plots = [];
  var config = { responsive: true, displaylogo: false };
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var figure = figures[Number(element.getAttribute("data-figure"))];
    var layout = JSON.parse(JSON.stringify(figure.layout));
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    Plotly.newPlot(element, figure.data, layout, config).then(function () {
      return Plotly.relayout(element, themed(figure.layout));
    });
    plots.push([element, figure]);
    var legend = element.parentNode.querySelector(".legend");
    if (!legend) return;
    legend.querySelectorAll(".key").forEach(function (key) {
      key.addEventListener("click", function () {
        var group = key.getAttribute("data-group");
        var show = key.getAttribute("aria-pressed") !== "true";
        var indices = [];
        figure.data.forEach(function (trace, i) {
          if ((trace.legendgroup || trace.name) === group) indices.push(i);
        });
        Plotly.restyle(element, { visible: show ? true : "legendonly" }, indices);
        key.setAttribute("aria-pressed", String(show));
      });
    });
  });
  var button = document.getElementById("theme-toggle");
  function restyle() {
    button.textContent = dark() ? "Light mode" : "Dark mode";
    plots.forEach(function (plot) { Plotly.relayout(plot[0], themed(plot[1].layout)); });
  }
  button.addEventListener("click", function () {
    root.setAttribute("data-theme", dark() ? "light" : "dark");
    try { localStorage.setItem("bufferbane-theme", root.getAttribute("data-theme")); } catch (_) {}
    restyle();
  });
  media.addEventListener("change", function () { if (!root.getAttribute("data-theme")) restyle(); });
  button.textContent = dark() ? "Light mode" : "Dark mode";
})();
`;
