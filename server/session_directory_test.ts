import { assertEquals } from "../tests/support/assert.ts";
import { SessionDirectory } from "./session_directory.ts";

const keys = { clientToServer: new Uint8Array(32), serverToClient: new Uint8Array(32).fill(1) };

Deno.test("SessionDirectory authorizes a live session from its own IP address only", () => {
  const sessions = new SessionDirectory();
  sessions.add(1n, "::ffff:127.0.0.1", keys);
  assertEquals(sessions.authorize(1n, "127.0.0.1"), keys);
  assertEquals(sessions.authorize(1n, "::ffff:127.0.0.1"), keys);
  assertEquals(sessions.authorize(1n, "127.0.0.2"), undefined);
  assertEquals(sessions.authorize(2n, "127.0.0.1"), undefined);
  sessions.remove(1n);
  assertEquals(sessions.authorize(1n, "127.0.0.1"), undefined);
});

Deno.test("SessionDirectory stays bounded", () => {
  const sessions = new SessionDirectory(2);
  for (const id of [1n, 2n, 3n]) sessions.add(id, "10.0.0.1", keys);
  assertEquals(sessions.size, 2);
  assertEquals(sessions.authorize(1n, "10.0.0.1"), undefined);
  assertEquals(sessions.authorize(3n, "10.0.0.1"), keys);
  sessions.clear();
  assertEquals(sessions.size, 0);
});
