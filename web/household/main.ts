/**
 * The virtual household page (`/household`, bundled by the server like the single-user test):
 * four virtual users (gamer, video call, streaming, bulk) share the connection at once, each on
 * its own connection with its own traffic; the page shows each one's latency live, then scores
 * them (`bufferbloat/household.ts`) and says who suffered and why.
 *
 * `?duration=N` sets the test's length in seconds (5 to 120; default 30).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import {
  HOUSEHOLD_PROFILES,
  HOUSEHOLD_USERS,
  type HouseholdResult,
  type HouseholdUser,
  scoreHousehold,
  type UserMeasurements,
} from "../../bufferbloat/household.ts";
import { connectUser, type UserLink } from "./_user_link.ts";

const COLORS: Record<HouseholdUser, string> = {
  gamer: "#1f77d4",
  video: "#2b8a3e",
  streaming: "#e67700",
  bulk: "#c2255c",
};

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

function setStatus(text: string, kind: "info" | "error" | "busy" = "info"): void {
  const status = $("#status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function el(tag: string, text?: string, className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function durationFromQuery(): number {
  const value = Number(new URLSearchParams(location.search).get("duration"));
  return value >= 5 && value <= 120 ? value * 1000 : 30_000;
}

function drawChart(links: readonly UserLink[]): void {
  const container = $("#chart");
  const width = Math.max(280, container.clientWidth || 640);
  const data = links.flatMap((link) =>
    link.rtts.flatMap((r) =>
      r.rttMs === null ? [] : [{ t: r.t, rtt: r.rttMs, user: HOUSEHOLD_PROFILES[link.user].label }]
    )
  );
  container.replaceChildren(Plot.plot({
    width,
    height: Math.round(Math.min(320, Math.max(200, width * 0.45))),
    marginLeft: 48,
    style: { background: "transparent", color: "currentColor", fontSize: "12px" },
    x: { label: "seconds", tickFormat: (t: number) => (t / 1000).toFixed(0) },
    y: { label: "latency (ms)", grid: true, zero: true, nice: true },
    color: {
      domain: HOUSEHOLD_USERS.map((u) => HOUSEHOLD_PROFILES[u].label),
      range: HOUSEHOLD_USERS.map((u) => COLORS[u]),
      legend: true,
    },
    marks: [
      Plot.ruleY([0]),
      Plot.line(data, { x: "t", y: "rtt", stroke: "user", strokeWidth: 1.5 }),
    ],
  }));
}

function renderCards(links: readonly UserLink[] | undefined, result?: HouseholdResult): void {
  const cards = $("#users");
  cards.replaceChildren(...HOUSEHOLD_USERS.map((user) => {
    const profile = HOUSEHOLD_PROFILES[user];
    const card = el("div", undefined, "card user");
    card.dataset.user = user;
    card.style.borderLeft = `6px solid ${COLORS[user]}`;
    card.append(el("h3", profile.label));
    card.append(
      el(
        "p",
        `${profile.activity}: ${profile.downMbps} / ${profile.upMbps} Mbit/s` +
          `${profile.burst.offMs > 0 ? " in bursts" : ""}; limits ${profile.latencyLimitMs} ms, ` +
          `${profile.jitterLimitMs} ms jitter, ${profile.lossLimitPercent}% loss`,
        "muted",
      ),
    );
    const scored = result?.users.find((u) => u.user === user);
    if (scored) {
      const grade = el("div", scored.grade, "grade small");
      grade.dataset.grade = scored.grade;
      card.append(grade);
      card.append(el(
        "p",
        `score ${scored.score} · latency p95 ${scored.latencyP95Ms ?? "–"} ms · jitter ` +
          `${scored.jitterMs ?? "–"} ms · loss ${scored.lossPercent}% · ↓ ${scored.downMbps} ↑ ` +
          `${scored.upMbps} Mbit/s`,
      ));
      if (scored.problems.length > 0) card.append(el("p", scored.problems.join("; "), "problem"));
    } else {
      const link = links?.find((l) => l.user === user);
      const recent = link?.rtts.slice(-10).flatMap((r) => r.rttMs === null ? [] : [r.rttMs]) ?? [];
      const latest = recent.length > 0
        ? `${Math.round(recent.toSorted((a, b) => a - b)[recent.length >> 1]!)} ms`
        : "–";
      card.append(el("p", link ? `latency now ${latest}` : "waiting", "live"));
    }
    return card;
  }));
}

function renderResult(result: HouseholdResult): void {
  const box = $("#result");
  const grade = el("div", result.grade, "grade");
  grade.id = "household-grade";
  grade.dataset.grade = result.grade;
  const verdict = el("p", result.verdict, "verdict");
  verdict.id = "verdict";
  const figures = el(
    "p",
    `Fairness ${result.fairness.toFixed(2)} (1 = every user got the same share of what it ` +
      `needs) · stability ${Math.round(result.stability * 100)}% of seconds with every user ` +
      `within its latency limit`,
  );
  figures.id = "figures";
  box.replaceChildren(grade, verdict, figures);
}

function page(): Promise<void> {
  const start = $<HTMLButtonElement>("#start");
  const stop = $<HTMLButtonElement>("#stop");
  renderCards(undefined);
  start.disabled = false;
  const seconds = durationFromQuery() / 1000;
  setStatus(`Ready. Four virtual users share your connection for ${seconds} seconds.`);
  let abort: (() => void) | undefined;
  stop.onclick = () => abort?.();
  start.onclick = async () => {
    start.disabled = true;
    stop.hidden = false;
    $("#result").replaceChildren();
    let session: string | undefined;
    let links: UserLink[] = [];
    let stopped = false;
    abort = () => {
      stopped = true;
      for (const link of links) link.abort();
    };
    try {
      setStatus("Starting…", "busy");
      const answer = await fetch("/api/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind: "household" }),
      });
      const body = await answer.json().catch(() => ({})) as { id?: string; error?: string };
      if (!answer.ok || !body.id) throw new Error(body.error ?? `The server said ${answer.status}`);
      session = body.id;
      const t0 = performance.now();
      const wsBase = location.origin.replace(/^http/, "ws");
      links = await Promise.all(HOUSEHOLD_USERS.map((u) => connectUser(wsBase, session!, u, t0)));
      const duration = durationFromQuery();
      while (!stopped && performance.now() - t0 < duration) {
        await new Promise((r) => setTimeout(r, 1_000));
        const left = Math.max(0, Math.round((duration - (performance.now() - t0)) / 1000));
        setStatus(`All four users online · ${left} s left`, "busy");
        renderCards(links);
        drawChart(links);
      }
      if (stopped) throw new Error("The test was stopped");
      setStatus("Scoring…", "busy");
      const measured = await Promise.all(links.map((l) => l.finish()));
      const byUser = Object.fromEntries(
        HOUSEHOLD_USERS.map((u, i) => [u, measured[i]!]),
      ) as Record<HouseholdUser, UserMeasurements>;
      const result = scoreHousehold(byUser);
      drawChart(links);
      renderCards(links, result);
      renderResult(result);
      setStatus("Done.");
    } catch (error) {
      for (const link of links) link.abort();
      setStatus(error instanceof Error ? error.message : String(error), "error");
    } finally {
      if (session) {
        fetch(`/api/sessions/${encodeURIComponent(session)}/end`, { method: "POST" })
          .catch(() => {});
      }
      start.disabled = false;
      stop.hidden = true;
      abort = undefined;
    }
  };
  return Promise.resolve();
}

page().catch((error) => setStatus(`Something went wrong: ${error}`, "error"));
