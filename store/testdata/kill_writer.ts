/**
 * A recorder that never ends, for the test that kills it: it writes samples through a
 * BatchWriter until it is killed, and prints "ready" once rows have reached the file.
 *
 * Usage: `deno run -A store/testdata/kill_writer.ts <store path>`
 *
 * @module
 */
import { BatchWriter } from "../batch_writer.ts";
import { Store } from "../store.ts";

const path = Deno.args[0];
if (path === undefined) throw new Error("Usage: kill_writer.ts <store path>");
const store = Store.open(path);
const runId = store.startRun({
  startedAt: 1_000_000,
  recipeName: "kill",
  recipeText: "",
  effectiveRecipe: {},
  toolVersion: "test",
});
const seriesId = store.seriesId({
  plugin: "test",
  target: "t",
  interface: "",
  server: "",
  metric: "m",
  unit: "ms",
});
const writer = new BatchWriter(store, { flushInterval: 20 });
let ts = 1_000_000;
let announced = false;
while (true) {
  for (let i = 0; i < 500; i++) {
    ts += 10;
    writer.addSample({ seriesId, ts, value: ts % 97, status: "ok", seq: ts, runId });
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (!announced && writer.written > 0) {
    announced = true;
    console.log("ready");
  }
}
