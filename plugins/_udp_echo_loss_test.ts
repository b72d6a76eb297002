import { assertEquals } from "../tests/support/assert.ts";
import { LossDirections } from "./_udp_echo_loss.ts";

Deno.test("LossDirections.direction() tells upstream from downstream losses", () => {
  const directions = new LossDirections();
  directions.reply(0, 1);
  directions.reply(3, 2); // 1 and 2 never reached the server
  directions.reply(6, 5); // 4 and 5 reached it, their replies did not come back
  assertEquals([1, 2, 4, 5].map((i) => directions.direction(i)), ["up", "up", "down", "down"]);
  assertEquals(directions.direction(1), undefined, "each request is answered once");
  assertEquals(directions.remembered, 0);
});

Deno.test("LossDirections.direction() is unknown until a later request is answered", () => {
  const directions = new LossDirections();
  directions.reply(0, 1);
  assertEquals(directions.direction(1), undefined);
  directions.reply(2, 3);
  assertEquals(directions.direction(1), "down");
});

Deno.test("LossDirections keeps the counts of a gap that lost both ways", () => {
  const directions = new LossDirections();
  directions.reply(0, 1);
  directions.reply(4, 3); // 3 requests in between, the server got 1 of them
  const found = [1, 2, 3].map((i) => directions.direction(i));
  assertEquals(found.filter((d) => d === "up").length, 2);
  assertEquals(found.filter((d) => d === "down").length, 1);
});

Deno.test("LossDirections ignores reordered replies and forgets late ones", () => {
  const directions = new LossDirections();
  directions.reply(0, 1);
  directions.reply(2, 3);
  directions.reply(1, 3); // reordered: 1 was not lost after all
  assertEquals(directions.direction(1), undefined);
  assertEquals(directions.remembered, 0);
});

Deno.test("LossDirections does not count a request that was never sent", () => {
  const directions = new LossDirections();
  directions.reply(0, 1);
  directions.unsent(1);
  directions.reply(3, 2); // of 1 and 2 only 2 left, and the server did not get it
  assertEquals(directions.direction(1), undefined);
  assertEquals(directions.direction(2), "up");
});
