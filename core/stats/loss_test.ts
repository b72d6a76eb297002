import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { countStatuses, lossPercent } from "./loss.ts";

Deno.test("lossPercent() divides lost by ok + lost", () => {
  // 1 lost of 8 sent: 1 / 8 * 100 = 12.5
  strictEqual(lossPercent(["ok", "ok", "lost", "ok", "ok", "ok", "ok", "ok"]), 12.5);
  // 3 lost of 4 sent: 75
  strictEqual(lossPercent({ ok: 1, lost: 3 }), 75);
});

Deno.test("lossPercent() leaves failed probes out of both terms", () => {
  // ok 3, lost 1, failed 4: 1 / (3 + 1) * 100 = 25, not 1 / 8 = 12.5 or 5 / 8 = 62.5
  strictEqual(
    lossPercent(["failed", "ok", "failed", "lost", "ok", "failed", "ok", "failed"]),
    25,
  );
  strictEqual(lossPercent({ ok: 3, lost: 1, failed: 4 }), 25);
});

Deno.test("lossPercent() is 100 when all are lost, 0 when none is", () => {
  strictEqual(lossPercent(["lost", "lost", "lost"]), 100);
  strictEqual(lossPercent(["ok", "ok"]), 0);
});

Deno.test("lossPercent() is NaN when nothing was sent", () => {
  strictEqual(lossPercent([]), NaN);
  strictEqual(lossPercent(["failed", "failed"]), NaN);
  strictEqual(lossPercent({ ok: 0, lost: 0, failed: 2 }), NaN);
});

Deno.test("countStatuses() counts each status", () => {
  deepStrictEqual(countStatuses(["lost", "ok", "failed", "ok"]), { ok: 2, lost: 1, failed: 1 });
  deepStrictEqual(countStatuses([]), { ok: 0, lost: 0, failed: 0 });
});
