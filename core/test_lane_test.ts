import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import { TestLane } from "./test_lane.ts";

Deno.test("TestLane serves one holder at a time, by due time, then rank, then arrival", async () => {
  const lane = new TestLane();
  const log: string[] = [];
  const hold = async (name: string, due: number, rank: number, ms: number) => {
    using _turn = await lane.take({ due, rank });
    log.push(`+${name}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push(`-${name}`);
  };
  await Promise.all([
    hold("late", 5, 0, 1),
    hold("second", 0, 1, 1),
    hold("first", 0, 0, 20),
    hold("third", 0, 1, 1),
  ]);
  assertEquals(log, [
    "+first",
    "-first",
    "+second",
    "-second",
    "+third",
    "-third",
    "+late",
    "-late",
  ]);
  assertEquals(lane.waiting, 0);
});

Deno.test("TestLane: a waiter that gives up leaves the line, and a double release is harmless", async () => {
  const lane = new TestLane();
  const first = await lane.take();
  const stop = new AbortController();
  const gaveUp = lane.take({ signal: stop.signal });
  const third = lane.take();
  assertEquals(lane.waiting, 2);
  stop.abort(new Error("run stopped"));
  const error = await assertRejects(() => gaveUp, Error);
  assertEquals(error.message, "run stopped");
  assertEquals(lane.waiting, 1);
  first.release();
  first.release();
  const turn = await third;
  assertEquals(lane.waiting, 0);
  turn.release();
  const again = await lane.take(); // free again
  again.release();
});
