/**
 * The dashboard page (served by the server's dashboard listener, `server/dashboard/app.ts`):
 * asks for the token (kept in this tab's session storage only), lists the configured targets,
 * starts and stops a test, draws its samples live, and shows the summary table (sent, loss,
 * RTT, jitter), a CSV export and the history.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";

interface LiveSample {
  series: string;
  metric: string;
  ts: number;
  value: number | null;
  status: string;
}

interface Stats {
  sent: number;
  lost: number;
  failed: number;
  lossPct: number | null;
  min: number | null;
  avg: number | null;
  p95: number | null;
  max: number | null;
  jitter: number | null;
}

interface Results {
  entry: { id: number; label: string; startedAt: number; endedAt: number | null; status: string };
  rows: { series: string; metric: string; stats: Stats }[];
  samples: LiveSample[];
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const TOKEN_KEY = "bufferbane-dashboard-token";

function setStatus(text: string, kind: "info" | "error" | "busy" = "info"): void {
  const status = $("#status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function el(tag: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const answer = await fetch(path, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token()}` },
  });
  if (answer.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Error("The token was not accepted");
  }
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(body.error ?? `The server said ${answer.status}`);
  return body as T;
}

/** Metrics drawn on the chart: times in ms (a reply's TTL is left to the table). */
const CHARTED = new Set(["rtt", "resolve_time", "owd_up", "owd_down", "late_rtt"]);

function drawChart(all: readonly LiveSample[]): void {
  const container = $("#chart");
  const width = Math.max(280, container.clientWidth || 640);
  const samples = all.filter((s) => CHARTED.has(s.metric));
  const answered = samples.filter((s) => s.value !== null);
  const lost = samples.filter((s) => s.value === null);
  const t0 = samples[0]?.ts ?? 0;
  const span = (samples.at(-1)?.ts ?? t0) - t0;
  container.replaceChildren(Plot.plot({
    width,
    height: Math.round(Math.min(300, Math.max(200, width * 0.4))),
    marginLeft: 48,
    style: { background: "transparent", color: "currentColor", fontSize: "12px" },
    x: {
      label: "seconds",
      tickFormat: (t: number) => ((t - t0) / 1000).toFixed(span < 10_000 ? 1 : 0),
    },
    y: { label: "ms", grid: true, zero: true, nice: true },
    color: { legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.line(answered, { x: "ts", y: "value", stroke: "metric", strokeWidth: 1.3 }),
      Plot.tickX(lost, { x: "ts", stroke: "#d00" }),
    ],
  }));
}

const fmt = (v: number | null, digits = 2) => v === null ? "–" : v.toFixed(digits);

function renderSummary(results: Results): void {
  const table = el("table");
  table.id = "summary-table";
  const head = el("tr");
  for (
    const title of [
      "Series",
      "Metric",
      "Sent",
      "Loss",
      "Min ms",
      "Avg ms",
      "p95 ms",
      "Max ms",
      "Jitter ms",
    ]
  ) {
    head.append(el("th", title));
  }
  table.append(head);
  for (const row of results.rows) {
    const tr = el("tr");
    tr.dataset.metric = row.metric;
    const s = row.stats;
    for (
      const cell of [
        row.series,
        row.metric,
        String(s.sent),
        s.lossPct === null ? "–" : `${s.lossPct.toFixed(1)}%`,
        fmt(s.min, 3),
        fmt(s.avg, 3),
        fmt(s.p95, 3),
        fmt(s.max, 3),
        fmt(s.jitter, 3),
      ]
    ) tr.append(el("td", cell));
    table.append(tr);
  }
  const csv = el("button", "Export CSV") as HTMLButtonElement;
  csv.id = "csv";
  csv.className = "secondary";
  csv.type = "button";
  csv.onclick = async () => {
    const answer = await fetch(`/results/${results.entry.id}?format=csv`, {
      headers: { authorization: `Bearer ${token()}` },
    });
    const url = URL.createObjectURL(await answer.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = `bufferbane-test-${results.entry.id}.csv`;
    link.click();
    URL.revokeObjectURL(url);
  };
  const wrap = el("div");
  wrap.className = "table-wrap";
  wrap.append(table);
  const title = el(
    "h2",
    `Test ${results.entry.id}: ${results.entry.label} (${results.entry.status})`,
  );
  $("#summary").replaceChildren(title, wrap, csv);
}

async function renderHistory(): Promise<void> {
  const { tests } = await api<{ tests: Results["entry"][] }>("/history");
  if (tests.length === 0) {
    $("#history").replaceChildren(el("p", "No tests yet."));
    return;
  }
  const list = el("ul");
  for (const test of tests) {
    const item = el("li");
    const link = el("a", `#${test.id} ${test.label}`) as HTMLAnchorElement;
    link.href = "#";
    link.onclick = async (event) => {
      event.preventDefault();
      const results = await api<Results>(`/results/${test.id}`);
      drawChart(results.samples);
      renderSummary(results);
    };
    item.append(link, ` · ${new Date(test.startedAt).toLocaleString()} · ${test.status}`);
    list.append(item);
  }
  $("#history").replaceChildren(list);
}

async function openDashboard(): Promise<void> {
  const { targets } = await api<{ targets: { name: string; host: string; plugins: string[] }[] }>(
    "/servers",
  );
  $("#login").hidden = true;
  const controls = $<HTMLFormElement>("#controls");
  controls.hidden = false;
  const targetSelect = $<HTMLSelectElement>("#target");
  const pluginSelect = $<HTMLSelectElement>("#plugin");
  if (targets.length === 0) {
    setStatus("No targets are configured: add [[dashboard.targets]] to server.toml.", "error");
    $<HTMLButtonElement>("#start").disabled = true;
    return;
  }
  targetSelect.replaceChildren(...targets.map((t) => {
    const option = el("option", `${t.name} (${t.host})`) as HTMLOptionElement;
    option.value = t.name;
    return option;
  }));
  const fillPlugins = () => {
    const target = targets.find((t) => t.name === targetSelect.value)!;
    pluginSelect.replaceChildren(...target.plugins.map((p) => {
      const option = el("option", p) as HTMLOptionElement;
      option.value = p;
      return option;
    }));
  };
  targetSelect.onchange = fillPlugins;
  fillPlugins();
  await renderHistory();
  setStatus("Pick a target and start a test.");
  const stop = $<HTMLButtonElement>("#stop");
  let running: number | undefined;
  stop.onclick = () => {
    if (running !== undefined) api(`/stop_test/${running}`, { method: "POST" }).catch(() => {});
  };
  controls.onsubmit = async (event) => {
    event.preventDefault();
    const start = $<HTMLButtonElement>("#start");
    start.disabled = true;
    try {
      const { id } = await api<{ id: number }>("/start_test", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          target: targetSelect.value,
          plugin: pluginSelect.value,
          intervalMs: Number($<HTMLSelectElement>("#interval").value),
          durationMs: Number($<HTMLSelectElement>("#duration").value),
        }),
      });
      running = id;
      stop.hidden = false;
      setStatus(`Test ${id} running…`, "busy");
      const samples: LiveSample[] = [];
      const socket = new WebSocket(
        `${location.origin.replace(/^http/, "ws")}/live/${id}?token=${encodeURIComponent(token())}`,
      );
      let redraw = 0;
      await new Promise<void>((resolve, reject) => {
        socket.onmessage = (message) => {
          const data = JSON.parse(String(message.data));
          if (data.type === "sample") {
            samples.push(data.sample);
            if (performance.now() - redraw > 500) {
              redraw = performance.now();
              drawChart(samples);
              setStatus(`Test ${id} running · ${samples.length} samples`, "busy");
            }
          } else if (data.type === "end") resolve();
        };
        socket.onclose = () => resolve();
        socket.onerror = () => reject(new Error("The live connection failed"));
      });
      const results = await api<Results>(`/results/${id}`);
      drawChart(results.samples);
      renderSummary(results);
      await renderHistory();
      setStatus(
        results.samples.length > 0 ? `Test ${id} done.` : `Test ${id} ended without samples.`,
      );
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error), "error");
    } finally {
      running = undefined;
      stop.hidden = true;
      start.disabled = false;
    }
  };
}

function main(): Promise<void> {
  const login = $<HTMLFormElement>("#login");
  login.onsubmit = (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $<HTMLInputElement>("#token").value);
    openDashboard().catch((error) => {
      login.hidden = false;
      setStatus(error instanceof Error ? error.message : String(error), "error");
    });
  };
  if (token() === "") {
    login.hidden = false;
    setStatus("Enter the dashboard token (server.toml: [dashboard] token_env or token_file).");
    return Promise.resolve();
  }
  return openDashboard().catch((error) => {
    login.hidden = false;
    setStatus(error instanceof Error ? error.message : String(error), "error");
  });
}

main();
