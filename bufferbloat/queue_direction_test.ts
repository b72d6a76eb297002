import { ok, strictEqual } from "node:assert/strict";
import {
  chartQueue,
  type OneWayDelay,
  queueDirection,
  queueFromPhases,
  shareOf,
} from "./queue_direction.ts";

/** Probes with the server clock `offset` ms ahead of the client's. */
function probes(offset: number, delays: [number, number][]): OneWayDelay[] {
  return delays.map(([up, down]) => ({ upMs: up + offset, downMs: down - offset }));
}

Deno.test("shareOf() applies the none / dominant / both rule", () => {
  const up = shareOf(240, 60); // 240 / 300 = 0.8 -> upstream (limit inclusive)
  strictEqual(up.upShare, 0.8);
  strictEqual(up.direction, "upstream");
  strictEqual(shareOf(59, 241).direction, "downstream"); // 241 / 300 = 0.803
  strictEqual(shareOf(150, 150).direction, "both");
  strictEqual(shareOf(4.9, 0).direction, "none");
  strictEqual(shareOf(5, 0).direction, "upstream");
  // a negative addition (noise) counts as 0: 10 / 10 upstream
  const noisy = shareOf(10, -0.4);
  strictEqual(noisy.upShare, 1);
  strictEqual(noisy.addedDownMs, -0.4);
  ok(Number.isNaN(shareOf(0, 0).upShare));
  strictEqual(shareOf(10, 10, { noneBelowMs: 30 }).direction, "none");
  strictEqual(shareOf(70, 30, { dominantShare: 0.6 }).direction, "upstream");
});

Deno.test("queueDirection() finds a bloated link's queue per phase whatever the clock offset", () => {
  for (const offset of [0, 1234.5, -98765]) {
    // idle medians: up 0.2, down 0.2
    // download: up 0.3 (+0.1), down 290.2 (+290) -> downstream
    // upload: up 280.2 (+280), down 0.3 (+0.1) -> upstream
    // bidirectional: up 250.2 (+250), down 260.2 (+260) -> both
    const result = queueDirection({
      idle: probes(offset, [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]),
      download: probes(offset, [[0.3, 290.2]]),
      upload: probes(offset, [[280.2, 0.3], [280.2, 0.3]]),
      bidirectional: probes(offset, [[250.2, 260.2]]),
    });
    strictEqual(result.source, "one-way delays");
    strictEqual(result.phases.download.direction, "downstream");
    strictEqual(result.phases.download.addedDownMs.toFixed(6), "290.000000");
    strictEqual(result.phases.upload.direction, "upstream");
    strictEqual(result.phases.upload.addedUpMs.toFixed(6), "280.000000");
    strictEqual(result.phases.bidirectional.direction, "both");
    // overall: largest up 280, largest down 290 -> share 280 / 570 = 0.491 -> both
    strictEqual(result.addedUpMs.toFixed(6), "280.000000");
    strictEqual(result.addedDownMs.toFixed(6), "290.000000");
    strictEqual(result.direction, "both");
    strictEqual(result.upShare.toFixed(4), "0.4912");
  }
});

Deno.test("queueDirection() names upload-only bloat upstream and a clean download none", () => {
  const result = queueDirection({
    idle: probes(7, [[1, 1], [1, 1]]),
    download: probes(7, [[1.2, 2.5], [1.1, 2.7]]), // +0.15 / +1.6: under 5 ms
    upload: probes(7, [[301, 1.1]]),
    bidirectional: probes(7, [[299, 3]]),
  });
  strictEqual(result.phases.download.direction, "none");
  strictEqual(result.phases.upload.direction, "upstream");
  strictEqual(result.phases.bidirectional.direction, "upstream");
  strictEqual(result.direction, "upstream");
  // largest up 300, largest down 2 -> 300 / 302
  strictEqual(result.upShare.toFixed(4), "0.9934");
  strictEqual(chartQueue(result.direction), "upload");
});

Deno.test("queueDirection() gives none without idle or loaded delays", () => {
  const result = queueDirection({
    idle: [],
    download: probes(0, [[1, 1]]),
    upload: [],
    bidirectional: [],
  });
  ok(Number.isNaN(result.phases.download.addedUpMs));
  strictEqual(result.phases.download.direction, "none");
  strictEqual(result.direction, "none");
});

Deno.test("queueFromPhases() infers the direction from which phase added delay", () => {
  const result = queueFromPhases({ download: 20, upload: 180, bidirectional: 200 });
  strictEqual(result.source, "phases");
  strictEqual(result.upShare, 0.9); // 180 / 200
  strictEqual(result.direction, "upstream");
  strictEqual(result.phases.download.direction, "downstream");
  strictEqual(result.phases.upload.direction, "upstream");
  strictEqual(result.phases.bidirectional.addedUpMs, 180); // 200 * 0.9
  strictEqual(result.phases.bidirectional.addedDownMs.toFixed(9), "20.000000000");
  strictEqual(queueFromPhases({ download: 1, upload: 2, bidirectional: 3 }).direction, "none");
  strictEqual(queueFromPhases({ download: 100, upload: 100, bidirectional: 3 }).direction, "both");
});

Deno.test("chartQueue() maps directions to the chart's names", () => {
  strictEqual(chartQueue("upstream"), "upload");
  strictEqual(chartQueue("downstream"), "download");
  strictEqual(chartQueue("both"), "both");
  strictEqual(chartQueue("none"), "none");
});
