import { assertEquals } from "../tests/support/assert.ts";
import { Journal } from "./journal.ts";

Deno.test("Journal.rollback() undoes newest first and keeps going past a failure", async () => {
  const journal = new Journal();
  const undone: string[] = [];
  journal.add("namespace a", () => void undone.push("a"));
  journal.add("relay", () => {
    throw new Error("already gone");
  });
  journal.add("dnsmasq", async () => {
    await Promise.resolve();
    undone.push("dnsmasq");
  });
  assertEquals(journal.length, 3);
  assertEquals(await journal.rollback(), ["relay: already gone"]);
  assertEquals(undone, ["dnsmasq", "a"]);
  assertEquals([journal.length, await journal.rollback()], [0, []]);
});
