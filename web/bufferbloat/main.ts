/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The browser bufferbloat test page (bundled by the server at start, see
 * `server/web_bundle.ts`). The same bundle serves two pages, told apart by
 * `<body data-page>`:
 *
 * - `test`: a Start button runs the test (`_test_run.ts`) with a live chart, then posts the
 *   samples to `/api/results`; the server grades them and the page shows its grading and a
 *   link to share;
 * - `result`: the shared result `data-result` names, fetched from `/api/results/{id}`.
 *
 * Phase durations may be shortened for trials with `?baseline=2&warmup=1&saturation=3&bidirectional=3`
 * (seconds, 1 to 60).
 *
 * @module
 */
import type { BrowserResult, LatencySample } from "../../bufferbloat/browser_result.ts";
import { drawLatencyChart, PHASE_LABELS } from "./_chart.ts";
import { DEFAULT_PLAN, runTest, TestRunError, type TestPlan } from "./_test_run.ts";
import { renderResult } from "./_view.ts";

interface Stored {
  id: string;
  createdAt: number;
  result: BrowserResult;
  samples: LatencySample[];
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

function setStatus(text: string, kind: "info" | "error" | "busy" = "info"): void {
  const status = $("#status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function planFromQuery(): TestPlan {
  const params = new URLSearchParams(location.search);
  const seconds = (name: string, fallback: number) => {
    const value = Number(params.get(name));
    return params.has(name) && value >= 1 && value <= 60 ? value * 1000 : fallback;
  };
  return {
    baseline: seconds("baseline", DEFAULT_PLAN.baseline),
    warmup: seconds("warmup", DEFAULT_PLAN.warmup),
    saturation: seconds("saturation", DEFAULT_PLAN.saturation),
    bidirectional: seconds("bidirectional", DEFAULT_PLAN.bidirectional),
  };
}

function testPage(): Promise<void> {
  const start = $<HTMLButtonElement>("#start");
  const stop = $<HTMLButtonElement>("#stop");
  const chart = $("#chart");
  const result = $("#result");
  const share = $("#share");
  let controller: AbortController | undefined;
  start.disabled = false;
  setStatus("Ready. The test loads your connection for about 45 seconds.");
  stop.onclick = () => controller?.abort();
  start.onclick = async () => {
    controller = new AbortController();
    start.disabled = true;
    stop.hidden = false;
    result.replaceChildren();
    share.hidden = true;
    const samples: LatencySample[] = [];
    let redraw = 0;
    let phaseLabel = "";
    let goodputText = "";
    const show = () => setStatus(`${phaseLabel}${goodputText}`, "busy");
    try {
      setStatus("Starting…", "busy");
      const run = await runTest(location.origin, planFromQuery(), {
        onPhase: (phase, endsInMs) => {
          phaseLabel = `${PHASE_LABELS[phase]} (${Math.round(endsInMs / 1000)} s)`;
          goodputText = "";
          show();
        },
        onSample: (sample) => {
          samples.push(sample);
          const now = performance.now();
          if (now - redraw > 500) {
            redraw = now;
            drawLatencyChart(chart, samples);
          }
        },
        onGoodput: (g) => {
          const parts = [
            g.downloadMbps ? `↓ ${g.downloadMbps.toFixed(1)} Mbit/s` : "",
            g.uploadMbps ? `↑ ${g.uploadMbps.toFixed(1)} Mbit/s` : "",
          ].filter(Boolean);
          goodputText = parts.length > 0 ? ` · ${parts.join(" ")}` : "";
          show();
        },
      }, controller.signal);
      drawLatencyChart(chart, run.samples);
      setStatus("Grading…", "busy");
      const answer = await fetch("/api/results", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(run),
      });
      const stored = await answer.json() as Stored & { error?: string };
      if (!answer.ok) throw new TestRunError(stored.error ?? `Saving failed (${answer.status})`);
      renderResult(result, stored.result);
      const link = new URL(`/results/${stored.id}`, location.origin).href;
      const anchor = $<HTMLAnchorElement>("#share-link");
      anchor.href = link;
      anchor.textContent = link;
      share.hidden = false;
      setStatus("Done.");
    } catch (error) {
      const retry = error instanceof TestRunError && error.retryAfter
        ? ` (try again in ${Math.ceil(error.retryAfter / 60)} min)`
        : "";
      setStatus(`${error instanceof Error ? error.message : String(error)}${retry}`, "error");
    } finally {
      start.disabled = false;
      stop.hidden = true;
      controller = undefined;
    }
  };
  return Promise.resolve();
}

async function resultPage(id: string): Promise<void> {
  setStatus("Loading the result…", "busy");
  const answer = await fetch(`/api/results/${encodeURIComponent(id)}`);
  if (answer.status === 404) {
    setStatus("There is no such result: the link may be mistyped, or the result has expired.", "error");
    return;
  }
  if (!answer.ok) {
    setStatus(`The result could not be loaded (${answer.status}).`, "error");
    return;
  }
  const stored = await answer.json() as Stored;
  $("#taken").textContent = `Taken ${new Date(stored.createdAt).toLocaleString()}`;
  if (stored.samples.length === 0) {
    setStatus("This result holds no latency samples.", "error");
  } else {
    drawLatencyChart($("#chart"), stored.samples);
    setStatus("");
  }
  renderResult($("#result"), stored.result);
}

const page = document.body.dataset.page;
(page === "result" ? resultPage(document.body.dataset.result ?? "") : testPage()).catch(
  (error) => setStatus(`Something went wrong: ${error instanceof Error ? error.message : error}`, "error"),
);
