import { assertEquals } from "../tests/support/assert.ts";
import { directionalLoss } from "./directional_loss.ts";

Deno.test("directionalLoss() splits loss between the way up and the way down", () => {
  assertEquals(directionalLoss({ sent: 200, serverReceived: 190, replies: 171 }), {
    sent: 200,
    upLost: 10,
    downLost: 19,
    upLossPercent: 5,
    downLossPercent: 10,
    totalLossPercent: 14.5,
  });
});

Deno.test("directionalLoss() measures the span between two replies", () => {
  const start = { sent: 100, serverReceived: 95, replies: 90 };
  const end = { sent: 200, serverReceived: 195, replies: 170 };
  const loss = directionalLoss(end, start);
  assertEquals([loss.sent, loss.upLost, loss.downLost], [100, 0, 20]);
});

Deno.test("directionalLoss() never goes below zero when counts run ahead by reordering", () => {
  const loss = directionalLoss({ sent: 10, serverReceived: 11, replies: 12 });
  assertEquals([loss.upLost, loss.downLost, loss.totalLossPercent], [0, 0, 0]);
  assertEquals(
    Number.isNaN(directionalLoss({ sent: 0, serverReceived: 0, replies: 0 }).upLossPercent),
    true,
  );
});
