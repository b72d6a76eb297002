import assert from "node:assert/strict";
import { RowQueue } from "./_row_queue.ts";

Deno.test("RowQueue keeps order and drops from the front", () => {
  const queue = new RowQueue<number>();
  for (let i = 0; i < 5000; i++) queue.push(i);
  assert.equal(queue.dropOldest(3000), 3000);
  queue.push(5000);
  assert.equal(queue.length, 2001);
  assert.deepEqual(queue.toArray().slice(0, 2), [3000, 3001]);
  assert.equal(queue.toArray().at(-1), 5000);
  assert.equal(queue.dropOldest(99_999), 2001);
  assert.equal(queue.length, 0);
  queue.push(7);
  assert.deepEqual(queue.toArray(), [7]);
  queue.clear();
  assert.deepEqual(queue.toArray(), []);
});
