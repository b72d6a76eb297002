import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { readBufferbloatSummary } from "../charts/bufferbloat_summary.ts";
import { phaseResponsiveness, type TimedValue } from "./rpm.ts";
import {
  type BufferbloatSummaryInput,
  buildBufferbloatSummary,
  formatBufferbloatSummary,
} from "./summary.ts";

function steady(ms: number, count = 100): TimedValue[] {
  return Array.from({ length: count }, (_, i) => ({ at: i * 100, value: ms }));
}

/** A link with a 300 ms upload buffer: idle 10 ms, upload +290 ms upstream. */
function uploadBloat(): BufferbloatSummaryInput {
  const idle = [9, 10, 11, 10, 10]; // median 10, p25 10
  const responsiveness = (ms: number) =>
    phaseResponsiveness({
      start: 0,
      end: 10_000,
      foreign: steady(ms),
      self: undefined,
      goodput: steady(19),
    });
  // one-way delays with a server clock 500 ms ahead
  const at = (up: number, down: number) => ({ upMs: up + 500, downMs: down - 500 });
  return {
    latency: {
      idle,
      download: [12, 13, 14, null], // median 13 -> +3, A+
      upload: [280, 300, 320], // median 300 -> +290, D
      bidirectional: [250, 260], // median 255 -> +245, D
    },
    latencySource: "udp-echo",
    oneWay: {
      idle: [at(5, 5), at(5, 5)],
      download: [at(5, 8)],
      upload: [at(295, 5)],
      bidirectional: [at(245, 10)],
    },
    icmp: {
      idle: [9.5],
      download: [12],
      upload: [299],
      bidirectional: [],
    },
    responsiveness: {
      download: responsiveness(13),
      upload: responsiveness(300),
      bidirectional: responsiveness(255),
    },
    goodput: {
      download: { download: [19, 19.2, 18.8], upload: [] },
      upload: { download: [], upload: [19.1, 19.1] },
      bidirectional: { download: [10, 11], upload: [9, 8] },
    },
    settings: { streams: 8 },
    notes: ["icmp note"],
  };
}

Deno.test("buildBufferbloatSummary() grades, attributes and counts a bloated upload", () => {
  const result = buildBufferbloatSummary(uploadBloat());
  strictEqual(result.version, 1);
  deepStrictEqual(
    [result.idle_latency_ms.median, result.idle_latency_ms.p25, result.idle_latency_ms.samples],
    [10, 10, 5],
  );
  strictEqual(result.loaded_latency_ms.download.increase_ms, 3);
  strictEqual(result.loaded_latency_ms.download.grade, "A+");
  strictEqual(result.loaded_latency_ms.download.lost, 1);
  strictEqual(result.loaded_latency_ms.upload.increase_ms, 290);
  strictEqual(result.loaded_latency_ms.upload.grade, "D");
  // LibreQoS: upload mean 300 minus idle p25 10
  strictEqual(result.loaded_latency_ms.upload.libreqos_increase_ms, 290);
  // p99 of 280 300 320: h = 1.98 -> 319.6; minus idle median 10
  strictEqual(result.loaded_latency_ms.upload.peak_increase_ms, 309.6);
  strictEqual(result.increase_ms, 290);
  strictEqual(result.increase_phase, "upload");
  strictEqual(result.increase_statistic, "phase median minus idle median");
  strictEqual(result.grade, "D");
  strictEqual(result.baseline_grade, "A+");
  // phase grades A+, D, D: (6 + 2 + 2) / 3 = 3.33 -> C; baseline A+ -> C
  strictEqual(result.combined_grade, "C");
  // RPM: the least responsive phase is upload, 60000 / 300 = 200
  strictEqual(result.rpm, 200);
  strictEqual(result.rpm_phase, "upload");
  strictEqual(result.rpm_class, "Poor");
  strictEqual(result.rpm_confidence, "Medium"); // no self probes
  strictEqual(result.responsiveness.download.rpm, 4615); // 60000 / 13 = 4615.4
  strictEqual(result.responsiveness.upload.self_source, "foreign");
  // queue: upload +290 up / +0 down; download +0 / +3; bidirectional +240 / +5
  strictEqual(result.queue_direction.source, "one-way delays");
  strictEqual(result.queue_direction.phases.upload.direction, "upstream");
  strictEqual(result.queue_direction.phases.upload.added_up_ms, 290);
  strictEqual(result.queue_direction.phases.download.direction, "none");
  strictEqual(result.queue_direction.direction, "upstream");
  strictEqual(result.queue, "upload");
  // goodput medians
  strictEqual(result.goodput_mbps.download.download?.median, 19);
  strictEqual(result.goodput_mbps.download.upload, undefined);
  strictEqual(result.goodput_mbps.bidirectional.upload?.mean, 8.5);
  // icmp beside: the bidirectional phase had none answered
  strictEqual(result.icmp_latency_ms?.upload?.increase_ms, 289.5);
  strictEqual(result.icmp_latency_ms?.bidirectional?.median, null);
  deepStrictEqual(result.notes, ["icmp note"]);
  strictEqual(result.phase_windows, null);
  // the charts read it
  ok(readBufferbloatSummary(JSON.parse(JSON.stringify(result))));
});

Deno.test("buildBufferbloatSummary() infers the queue from the phases without one-way delays", () => {
  const input = { ...uploadBloat(), oneWay: undefined, latencySource: "icmp" as const };
  const result = buildBufferbloatSummary(input);
  strictEqual(result.queue_direction.source, "phases");
  // upload +290 vs download +3: 290 / 293 = 0.99 -> upstream
  strictEqual(result.queue_direction.direction, "upstream");
  strictEqual(result.latency_source, "icmp");
});

Deno.test("buildBufferbloatSummary() refuses a phase without answers", () => {
  const input = uploadBloat();
  throws(
    () =>
      buildBufferbloatSummary({ ...input, latency: { ...input.latency, upload: [null, null] } }),
    /no latency probe was answered in the upload phase/,
  );
  throws(
    () => buildBufferbloatSummary({ ...input, latency: { ...input.latency, idle: [] } }),
    /idle phase/,
  );
});

Deno.test("formatBufferbloatSummary() prints grades, the phase table, queue and counts", () => {
  const lines = formatBufferbloatSummary(
    buildBufferbloatSummary(uploadBloat()),
    'bufferbloat against "lab"',
  );
  strictEqual(
    lines[0],
    'bufferbloat against "lab": grade D (combined C), +290 ms under upload load, ' +
      "200 RPM (Poor, confidence Medium)",
  );
  ok(lines[1]!.includes("median") && lines[1]!.includes("queue"), lines[1]!);
  const upload = lines.find((line) => line.trimStart().startsWith("upload"))!;
  // p95: h = 2 * 0.95 = 1.9 -> 300 + 0.9 * 20 = 318; p99: h = 1.98 -> 319.6, printed 320
  ok(/upload\s+300\s+318\s+320\s+\+290\s+D\s+19\.1 up\s+upstream$/.test(upload), upload);
  const download = lines.find((line) => line.trimStart().startsWith("download"))!;
  ok(/\+3\.0\s+A\+\s+19\.0 down\s+none$/.test(download), download);
  const bidirectional = lines.find((line) => line.trimStart().startsWith("bidirectional"))!;
  ok(bidirectional.includes("10.5 down / 8.5 up"), bidirectional);
  ok(
    lines.includes(
      "  queue: upstream (the load adds +290 ms upstream, +5.0 ms downstream; from one-way delays)",
    ),
    lines.join("\n"),
  );
  ok(
    lines.some((line) => line.includes("udp-echo samples: idle 5, download 3 (1 lost), upload 3")),
  );
  ok(lines.some((line) => line.startsWith("  responsiveness: 200 RPM in the upload phase")));
  ok(
    lines.some((line) =>
      line.startsWith("  icmp medians (ms): idle 9.5, download 12, upload 299, bidirectional –")
    ),
  );
  strictEqual(lines.at(-1), "  note: icmp note");
});
