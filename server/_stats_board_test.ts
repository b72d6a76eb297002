import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { EchoHandler } from "./echo_handler.ts";
import { StatsBoard } from "./_stats_board.ts";

Deno.test("StatsBoard carries every counter of the handler, the service and the stamps", () => {
  const handler = new EchoHandler({ secret: "board test" });
  // Some counters away from zero, each to a different value.
  for (let i = 0; i < 3; i++) {
    handler.handle({
      data: new Uint8Array(i + 1),
      from: { address: "192.0.2.1", port: 1000 + i },
      receivedAt: 0n,
      receivedAtSource: "user",
    });
  }
  const writer = new StatsBoard();
  const reader = new StatsBoard(writer.buffer);
  writer.writeEcho(handler.counters);
  writer.writeService({ sendErrors: 1, icmpErrors: 2, queueDrops: 3 });
  writer.writeSendStamps({
    samples: 4,
    correctionUs: 5.5,
    errorMedianUs: 6,
    errorP99Us: 7,
    uncorrectedMedianUs: 8,
  });
  const { sendErrors, icmpErrors, queueDrops, sendStamps, ...echo } = reader.read();
  assertEquals(echo, handler.stats());
  assertEquals(echo.dropped.malformed, 3);
  assertEquals([sendErrors, icmpErrors, queueDrops], [1, 2, 3]);
  assertEquals(sendStamps, {
    samples: 4,
    correctionUs: 5.5,
    errorMedianUs: 6,
    errorP99Us: 7,
    uncorrectedMedianUs: 8,
  });
});

Deno.test("a new StatsBoard reads zeros and no send-stamp figures yet", () => {
  const stats = new StatsBoard().read();
  assertEquals([stats.datagrams, stats.sessions.active, stats.queueDrops], [0, 0, 0]);
  assertEquals([stats.sendStamps.samples, stats.sendStamps.correctionUs], [0, 0]);
  assertOk(Number.isNaN(stats.sendStamps.errorMedianUs));
});
