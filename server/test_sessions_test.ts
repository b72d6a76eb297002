import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { TestSessions } from "./test_sessions.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("TestSessions: a session ends when idle, and its streams are cut", async () => {
  const ends: string[] = [];
  const sessions = new TestSessions({
    limits: { idleTimeout: 80, maxDuration: 10_000 },
    onEnd: (_session, reason) => ends.push(reason),
  });
  const session = sessions.start("192.0.2.1", "single");
  assertOk("id" in session);
  let cut = 0;
  sessions.attach(session.id, () => cut++);
  sessions.attach(session.id, () => cut++);
  // Signs of life keep it open past the idle timeout.
  for (let i = 0; i < 4; i++) {
    await sleep(40);
    assertOk(sessions.touch(session.id));
  }
  assertEquals(cut, 0);
  await sleep(200);
  assertEquals(cut, 2);
  assertEquals(ends, ["idle"]);
  assertEquals(sessions.get(session.id), undefined);
  assertEquals(sessions.touch(session.id), false);
  assertEquals(sessions.attach(session.id, () => {}), undefined, "no streams for an ended one");
  assertEquals(sessions.stats().ended.idle, 1);
  sessions.close();
});

Deno.test("TestSessions: a busy session still ends at its maximum duration", async () => {
  const sessions = new TestSessions({ limits: { idleTimeout: 1_000, maxDuration: 150 } });
  const session = sessions.start("192.0.2.1", "single");
  assertOk("id" in session);
  let cut = false;
  sessions.attach(session.id, () => cut = true);
  const started = performance.now();
  while (!cut && performance.now() - started < 2_000) {
    sessions.touch(session.id);
    await sleep(20);
  }
  assertOk(cut, "cut at the maximum duration");
  assertEquals(sessions.stats().ended.max_duration, 1);
  sessions.close();
});

Deno.test("TestSessions: per-client caps on tests per hour and open sessions, with retry times", () => {
  let now = 0;
  const sessions = new TestSessions({
    limits: { testsPerHour: 3, concurrentPerAddress: { single: 1, household: 4 } },
    now: () => now,
  });
  const first = sessions.start("192.0.2.1", "single");
  assertOk("id" in first);
  const second = sessions.start("192.0.2.1", "single");
  assertOk("reason" in second && second.reason === "concurrent", JSON.stringify(second));
  // Another client is not affected; an IPv6 /64 counts as one client.
  assertOk("id" in sessions.start("192.0.2.2", "single"));
  assertOk("id" in sessions.start("2001:db8:1:2::a", "single"));
  const sameSlash64 = sessions.start("2001:db8:1:2::b", "single");
  assertOk("reason" in sameSlash64 && sameSlash64.reason === "concurrent");
  sessions.end(first.id, "done");
  now += 60_000;
  assertOk(
    "id" in (() => {
      const s = sessions.start("192.0.2.1", "single");
      if ("id" in s) sessions.end(s.id, "done");
      return s;
    })(),
  );
  now += 60_000;
  const third = sessions.start("192.0.2.1", "single");
  assertOk("id" in third);
  sessions.end(third.id, "done");
  now += 60_000;
  const fourth = sessions.start("192.0.2.1", "single");
  assertOk("reason" in fourth && fourth.reason === "tests_per_hour", JSON.stringify(fourth));
  // The first test started 3 min ago: the hour frees a slot 57 min from now.
  assertEquals(fourth.retryAfter, 3_600 - 180);
  assertOk(fourth.message.includes("3 tests in the last hour"), fourth.message);
  now += 3_420_000;
  assertOk("id" in sessions.start("192.0.2.1", "single"));
  const stats = sessions.stats();
  assertEquals(stats.refused.concurrent, 2);
  assertEquals(stats.refused.tests_per_hour, 1);
  sessions.close();
  assertEquals(sessions.stats().open, { single: 0, household: 0 });
});

Deno.test("TestSessions: four household sessions at once per client by default", () => {
  const sessions = new TestSessions();
  for (let i = 0; i < 4; i++) assertOk("id" in sessions.start("198.51.100.9", "household"));
  const fifth = sessions.start("198.51.100.9", "household");
  assertOk("reason" in fifth && fifth.reason === "concurrent");
  assertOk("id" in sessions.start("198.51.100.9", "single"), "kinds are capped apart");
  assertEquals(sessions.stats().open, { single: 1, household: 4 });
  sessions.close();
});

Deno.test("TestSessions: the server-wide cap, unguessable ids", () => {
  const sessions = new TestSessions({ limits: { maxSessions: 2 } });
  const a = sessions.start("192.0.2.1", "single");
  const b = sessions.start("192.0.2.2", "single");
  const c = sessions.start("192.0.2.3", "single");
  assertOk("reason" in c && c.reason === "server_busy");
  assertOk("id" in a && "id" in b && a.id !== b.id);
  assertOk(/^[A-Za-z0-9_-]{22}$/.test(a.id), a.id);
  sessions.close();
});
