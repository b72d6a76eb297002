/**
 * The alerts of a report: events counted per severity, and alert raises paired with their
 * clears into episodes (what was alerting, how badly, from when to when), for the badges, the
 * severity timeline and the alert table.
 *
 * @module
 */
import type { EventSeverity } from "../core/contract.ts";
import type { StoredEvent } from "../store/mod.ts";

/**
 * One stretch of time during which something was alerting at one severity. Alerts raised
 * before the period start at its start; alerts still raised at its end are `open`. Events of
 * other kinds with severity `warn` or `critical` are episodes of no length.
 *
 * @example Evening latency on the WiFi link
 * ```ts
 * import type { AlertEpisode } from "./alerts.ts";
 * const episode: AlertEpisode = {
 *   subject: "icmp vienna @wlan0 p95", severity: "warn", start: 0, end: 3_600_000, open: false,
 *   message: "icmp rtt p95 over 1m is 48.2 ms (warn >= 40) for vienna on wlan0",
 * };
 * ```
 */
export interface AlertEpisode {
  /** What was alerting, e.g. `icmp vienna @wlan0 p95`. */
  subject: string;
  /** `"warn"` or `"critical"`. */
  severity: "warn" | "critical";
  /** When it started (the period's start when it was raised before). */
  start: number;
  /** When it ended (the period's end when still open). */
  end: number;
  /** Whether it was still raised at the end of the period. */
  open: boolean;
  /** The message of the event that raised it. */
  message: string;
}

/**
 * One event as a report lists it.
 *
 * @example A cleared alert
 * ```ts
 * import type { ReportEvent } from "./alerts.ts";
 * const event: ReportEvent = { ts: 0, kind: "alert", severity: "clear", subject: "udp-echo frankfurt p95", message: "ok again" };
 * ```
 */
export interface ReportEvent {
  /** When it happened. */
  ts: number;
  /** Its kind, e.g. `"alert"`. */
  kind: string;
  /** Its severity. */
  severity: EventSeverity;
  /** What it is about (see {@linkcode AlertEpisode.subject}). */
  subject: string;
  /** Its message. */
  message: string;
}

/**
 * The alerts of a period.
 *
 * @example No alerts
 * ```ts
 * import { summarizeAlerts } from "./alerts.ts";
 * console.log(summarizeAlerts([], { start: 0, end: 1 }).sentence); // No alerts in this period
 * ```
 */
export interface AlertsSummary {
  /** Events per severity. */
  counts: Record<EventSeverity, number>;
  /** Episodes (alerts raised, and other events at warn or critical). */
  raised: number;
  /** Episodes still open at the end. */
  open: number;
  /** Episodes, by start time. */
  episodes: AlertEpisode[];
  /** The subjects, one timeline lane each, in order of first episode. */
  subjects: string[];
  /** Every event of the period, by time. */
  events: ReportEvent[];
  /** One sentence: how many, how bad, what alerted most. */
  sentence: string;
}

/**
 * Counts the events of a period and pairs alert raises with their clears. An alert is known by
 * `data.series` and `data.stat` (as the alert engine records them), else by its series id.
 *
 * @param events Events of the period, by time.
 * @param period The period.
 * @returns The summary.
 *
 * @example One alert raised and cleared
 * ```ts
 * import { summarizeAlerts } from "./alerts.ts";
 * const data = { series: "icmp/vienna/wlan0//rtt", plugin: "icmp", target: "vienna", interface: "wlan0", server: "", stat: "p95" };
 * const summary = summarizeAlerts([
 *   { id: 1, runId: 1, ts: 100, kind: "alert", severity: "warn", seriesId: 1, message: "p95 high", data },
 *   { id: 2, runId: 1, ts: 400, kind: "alert", severity: "clear", seriesId: 1, message: "ok", data },
 * ], { start: 0, end: 1000 });
 * console.log(summary.episodes.map((e) => [e.subject, e.start, e.end, e.open])); // [ [ "icmp vienna @wlan0 p95", 100, 400, false ] ]
 * console.log(summary.sentence); // 1 alert in this period (1 warn), none still open; most on icmp vienna @wlan0 p95 (1)
 * ```
 */
export function summarizeAlerts(
  events: readonly StoredEvent[],
  period: { start: number; end: number },
): AlertsSummary {
  const counts: Record<EventSeverity, number> = { critical: 0, warn: 0, info: 0, clear: 0 };
  const episodes: AlertEpisode[] = [];
  const raised = new Map<string, AlertEpisode>();
  const listed: ReportEvent[] = [];
  for (const event of events) {
    counts[event.severity]++;
    const subject = subjectOf(event);
    listed.push({
      ts: event.ts,
      kind: event.kind,
      severity: event.severity,
      subject,
      message: event.message,
    });
    if (event.kind !== "alert") {
      if (event.severity === "warn" || event.severity === "critical") {
        episodes.push({
          subject,
          severity: event.severity,
          start: event.ts,
          end: event.ts,
          open: false,
          message: event.message,
        });
      }
      continue;
    }
    const key = alertKey(event);
    const current = raised.get(key);
    if (current !== undefined) {
      current.end = event.ts;
      current.open = false;
      raised.delete(key);
    } else if (event.severity === "clear") {
      // Raised before the period: it alerted from the start.
      const from = event.data?.from;
      if (from === "warn" || from === "critical") {
        episodes.push({
          subject,
          severity: from,
          start: period.start,
          end: event.ts,
          open: false,
          message: event.message,
        });
      }
    }
    if (event.severity === "warn" || event.severity === "critical") {
      const episode: AlertEpisode = {
        subject,
        severity: event.severity,
        start: event.ts,
        end: period.end,
        open: true,
        message: event.message,
      };
      episodes.push(episode);
      raised.set(key, episode);
    }
  }
  episodes.sort((a, b) => a.start - b.start || a.subject.localeCompare(b.subject));
  const subjects = [...new Set(episodes.map((e) => e.subject))];
  return {
    counts,
    raised: episodes.length,
    open: episodes.filter((e) => e.open).length,
    episodes,
    subjects,
    events: listed,
    sentence: alertSentence(episodes),
  };
}

function alertKey(event: StoredEvent): string {
  const series = event.data?.series;
  const stat = event.data?.stat;
  if (typeof series === "string") return `${series}|${typeof stat === "string" ? stat : ""}`;
  return `#${event.seriesId ?? ""}|${event.kind}`;
}

/** `icmp vienna @wlan0 p95` from the event's data; its kind otherwise. */
function subjectOf(event: StoredEvent): string {
  const data = event.data ?? {};
  const text = (key: string) => typeof data[key] === "string" ? data[key] as string : "";
  const plugin = text("plugin");
  if (plugin === "") return event.kind;
  const where = text("target") || text("server");
  const iface = text("interface");
  return [plugin, where, iface && `@${iface}`, text("stat")].filter(Boolean).join(" ");
}

function alertSentence(alerting: readonly AlertEpisode[]): string {
  if (alerting.length === 0) return "No alerts in this period";
  const critical = alerting.filter((e) => e.severity === "critical").length;
  const warn = alerting.length - critical;
  const open = alerting.filter((e) => e.open).length;
  const bySubject = new Map<string, number>();
  for (const e of alerting) bySubject.set(e.subject, (bySubject.get(e.subject) ?? 0) + 1);
  const [top, topCount] = [...bySubject].sort((a, b) =>
    b[1] - a[1] || a[0].localeCompare(b[0])
  )[0]!;
  const levels = [critical > 0 ? `${critical} critical` : "", warn > 0 ? `${warn} warn` : ""]
    .filter(Boolean).join(", ");
  return `${alerting.length} alert${
    alerting.length === 1 ? "" : "s"
  } in this period (${levels}), ` +
    `${open === 0 ? "none" : open} still open; most on ${top} (${topCount})`;
}
