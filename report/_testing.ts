/**
 * Helpers of the report tests: a store whose targets, servers, resolver, host, events and
 * reasons are all addresses or host names (to check redaction), and the synthetic week.
 *
 * @module
 */
import { Store } from "../store/mod.ts";
import { writeSyntheticData } from "../synthetic/generate.ts";

/** End of the test data. */
export const TEST_END = Date.UTC(2026, 9, 31);

/**
 * Every name and address the address store holds; none may be left in a redacted report.
 * (`02:00:5e:10:00:01` is a MAC address.)
 */
export const RAW_NAMES = [
  "198.51.100.7",
  "2001:db8::7",
  "203.0.113.50",
  "fra.example.net",
  "dns.example.net",
  "192.0.2.53",
  "lab-box.example.org",
  "198.51.100.1",
  "2001:db8::1",
  "02:00:5e:10:00:01",
] as const;

const HOUR = 3_600_000;

/**
 * Two hours, one probe every 10 s: ICMP to an IPv4 and an IPv6 target over eth0 (clean) and
 * wlan0 (13 ms more, jittery, lossy), UDP echo to a server named by its address and one named
 * by a host name (30 ms farther), DNS through a resolver address, a bufferbloat test, alerts
 * and lost probes whose reasons name addresses. Run on host `lab-box.example.org`.
 *
 * @param path Where to create it.
 * @returns The store and its period.
 */
export function addressStore(path = ":memory:"): { store: Store; start: number; end: number } {
  const end = TEST_END;
  const start = end - 2 * HOUR;
  const store = Store.open(path, { host: "lab-box.example.org" });
  const runId = store.startRun({
    startedAt: start,
    recipeName: "addresses",
    recipeText: 'targets = ["198.51.100.7", "2001:db8::7"]\n',
    effectiveRecipe: {
      targets: ["198.51.100.7", "2001:db8::7"],
      servers: [{ name: "203.0.113.50", host: "203.0.113.50" }, {
        name: "fra.example.net",
        host: "fra.example.net",
      }],
      resolvers: ["192.0.2.53"],
      used_interfaces: [
        { name: "eth0", kind: "ethernet", mac: "02:00:5e:10:00:01" },
        { name: "wlan0", kind: "wifi" },
      ],
    },
    toolVersion: "0.1.0",
  });
  const key = { interface: "", server: "", unit: "ms" };
  const series: { id: number; base: number; spread: number; lossEvery: number }[] = [];
  for (const target of ["198.51.100.7", "2001:db8::7"]) {
    for (
      const [iface, add, spread, lossEvery] of [["eth0", 0, 1, 500], ["wlan0", 13, 17, 40]] as const
    ) {
      series.push({
        id: store.seriesId({ ...key, plugin: "icmp", target, interface: iface, metric: "rtt" }),
        base: 15 + add,
        spread,
        lossEvery,
      });
    }
  }
  for (const [server, base] of [["203.0.113.50", 15], ["fra.example.net", 45]] as const) {
    series.push({
      id: store.seriesId({ ...key, plugin: "udp-echo", target: "", server, metric: "rtt" }),
      base,
      spread: 2,
      lossEvery: 400,
    });
  }
  series.push({
    id: store.seriesId({
      plugin: "dns",
      target: "dns.example.net",
      interface: "",
      server: "192.0.2.53",
      metric: "resolve_time",
      unit: "ms",
    }),
    base: 9,
    spread: 6,
    lossEvery: 300,
  });
  const rows = [];
  for (const s of series) {
    for (let i = 0, ts = start; ts < end; i++, ts += 10_000) {
      if (i % s.lossEvery === 7) {
        const reason = Math.floor(i / s.lossEvery) % 2 === 0
          ? "unreachable from 198.51.100.1"
          : "time exceeded at 2001:db8::1 (02:00:5e:10:00:01)";
        rows.push({
          seriesId: s.id,
          ts,
          value: null,
          status: "lost" as const,
          reason,
          seq: i,
          runId,
        });
      } else {
        const wobble = ((i * 7919) % 100) / 100;
        rows.push({
          seriesId: s.id,
          ts,
          value: s.base + s.spread * wobble,
          status: "ok" as const,
          seq: i,
          runId,
        });
      }
    }
  }
  store.insertSamples(rows);
  const data = {
    series: "icmp/198.51.100.7/wlan0//rtt",
    plugin: "icmp",
    target: "198.51.100.7",
    interface: "wlan0",
    server: "",
    stat: "p95",
  };
  store.insertEvents([
    {
      runId,
      ts: start + 10 * 60_000,
      kind: "alert",
      severity: "warn",
      seriesId: series[1]!.id,
      message: "icmp rtt p95 over 1m is 48.0 ms (warn >= 40) for 198.51.100.7 on wlan0",
      data: { ...data, from: "ok", to: "warn", value: 48 },
    },
    {
      runId,
      ts: start + 40 * 60_000,
      kind: "alert",
      severity: "clear",
      seriesId: series[1]!.id,
      message: "icmp rtt p95 over 1m is 19.0 ms (ok) for 198.51.100.7 on wlan0",
      data: { ...data, from: "warn", to: "ok", value: 19 },
    },
    {
      runId,
      ts: start + 50 * 60_000,
      kind: "interface_down",
      severity: "critical",
      message: "wlan0 (02:00:5e:10:00:01) lost its address 2001:db8::7 from fra.example.net",
    },
  ]);
  store.insertTestResult({
    runId,
    ts: start + 30 * 60_000,
    plugin: "bufferbloat",
    target: "",
    interface: "",
    server: "203.0.113.50",
    durationMs: 30_000,
    status: "ok",
    grade: "C",
    summary: {
      idle_latency_ms: { p25: 14.5, median: 15 },
      loaded_latency_ms: {
        download: { median: 22, p95: 30 },
        upload: { median: 110, p95: 170 },
        bidirectional: { median: 115, p95: 180 },
      },
      increase_ms: 100,
      rpm: 520,
      queue: "upload",
    },
  });
  store.finishRun(runId, { endedAt: end, status: "completed" });
  store.refreshRollups();
  return { store, start, end };
}

let week: Store | undefined;

/**
 * Seven days of synthetic data, one probe a minute, made once per test file.
 *
 * @returns The store (left open for the process) and its period.
 */
export function syntheticWeek(): { store: Store; start: number; end: number } {
  if (week === undefined) {
    week = Store.open(":memory:");
    writeSyntheticData(week, { days: 7, intervalMs: 60_000, end: TEST_END });
  }
  return { store: week, start: TEST_END - 7 * 86_400_000, end: TEST_END };
}
