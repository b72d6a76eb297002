import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { openGrant, sealHello } from "../protocol/throughput_codec.ts";
import { deriveThroughputKeys } from "../protocol/throughput_keys.ts";
import { StreamDirection } from "../protocol/throughput_wire.ts";
import { ThroughputAdmission } from "./throughput_admission.ts";
import { ThroughputLimiter } from "./throughput_limits.ts";
import { SessionDirectory } from "./session_directory.ts";

const sessionKeys: SessionKeys = {
  clientToServer: new Uint8Array(32).fill(3),
  serverToClient: new Uint8Array(32).fill(4),
};
const keys = deriveThroughputKeys(sessionKeys, 11n);
const body = { direction: StreamDirection.Download, index: 0, count: 4, duration: 12_000 };

function setup(limits = {}, options = {}) {
  const sessions = new SessionDirectory();
  sessions.add(11n, "127.0.0.1", sessionKeys);
  const limiter = new ThroughputLimiter(limits);
  const admission = new ThroughputAdmission({
    authorize: sessions.authorize,
    limiter,
    ...options,
  });
  return { sessions, limiter, admission };
}

Deno.test("admit() grants a HELLO of a live session, with a GRANT only its client can open", async () => {
  const { admission, limiter } = setup();
  const hello = sealHello(keys.hello, 11n, body);
  const admitted = await admission.admit(hello.message, "127.0.0.1");
  assertOk(admitted.ok);
  assertEquals([admitted.duration, admitted.sessionId, admitted.hello], [12_000, 11n, body]);
  assertEquals(
    openGrant(keys.grant, admitted.grant, { sessionId: 11n, nonce: hello.nonce, body }),
    {
      ok: true,
      value: { duration: 12_000, direction: StreamDirection.Download, index: 0 },
    },
  );
  assertEquals(limiter.streams, 1);
  admitted.ticket.close();
  assertEquals(limiter.streams, 0);
});

Deno.test("admit() refuses strangers: unknown session, other address, wrong key, garbage", async () => {
  const { admission } = setup();
  const hello = sealHello(keys.hello, 11n, body).message;
  assertEquals(await admission.admit(hello, "127.0.0.2"), {
    ok: false,
    reason: "unknown_session",
  });
  const otherSession = sealHello(deriveThroughputKeys(sessionKeys, 12n).hello, 12n, body).message;
  assertEquals(await admission.admit(otherSession, "127.0.0.1"), {
    ok: false,
    reason: "unknown_session",
  });
  // Right session id, but sealed with a key derived from other session keys.
  const forged = sealHello(
    deriveThroughputKeys({ ...sessionKeys, serverToClient: new Uint8Array(32) }, 11n).hello,
    11n,
    body,
  ).message;
  assertEquals(await admission.admit(forged, "127.0.0.1"), { ok: false, reason: "unauthentic" });
  assertEquals(await admission.admit(new Uint8Array(68), "127.0.0.1"), {
    ok: false,
    reason: "malformed",
  });
  assertEquals(await admission.admit(hello.subarray(0, 67), "127.0.0.1"), {
    ok: false,
    reason: "malformed",
  });
  const stats = admission.stats();
  assertEquals([stats.granted, stats.refused.unknown_session, stats.refused.unauthentic], [
    0,
    2,
    1,
  ]);
});

Deno.test("admit() refuses a replayed HELLO, even when the first was granted", async () => {
  const { admission } = setup();
  const hello = sealHello(keys.hello, 11n, body).message;
  const first = await admission.admit(hello, "127.0.0.1");
  assertOk(first.ok);
  first.ticket.close();
  assertEquals(await admission.admit(hello, "127.0.0.1"), { ok: false, reason: "replayed" });
  // Two at once (an async authorize): only one passes.
  const slow = new ThroughputAdmission({
    authorize: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return sessionKeys;
    },
    limiter: new ThroughputLimiter(),
  });
  const again = sealHello(keys.hello, 11n, body).message;
  const results = await Promise.all([
    slow.admit(again, "127.0.0.1"),
    slow.admit(again, "127.0.0.1"),
  ]);
  assertEquals(results.filter((r) => r.ok).length, 1);
  assertEquals(results.find((r) => !r.ok), { ok: false, reason: "replayed" });
});

Deno.test("admit() caps the duration and refuses beyond the stream limits", async () => {
  const { admission } = setup({ maxDuration: 5_000, maxStreamsPerAddress: 2 });
  const two = { ...body, count: 2 };
  const a = await admission.admit(sealHello(keys.hello, 11n, two).message, "127.0.0.1");
  assertOk(a.ok);
  assertEquals(a.duration, 5_000);
  const b = await admission.admit(
    sealHello(keys.hello, 11n, { ...two, index: 1 }).message,
    "127.0.0.1",
  );
  assertOk(b.ok);
  assertEquals(await admission.admit(sealHello(keys.hello, 11n, two).message, "127.0.0.1"), {
    ok: false,
    reason: "address_streams",
  });
  a.ticket.close();
  // A test announcing more streams than a client may have is refused at once.
  assertEquals(await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1"), {
    ok: false,
    reason: "address_streams",
  });
});

Deno.test("admit() refuses a session's HELLOs beyond maxHellosPerSession", async () => {
  const { admission } = setup({}, { maxHellosPerSession: 3 });
  for (let i = 0; i < 3; i++) {
    const admitted = await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1");
    assertOk(admitted.ok);
    admitted.ticket.close();
  }
  assertEquals(await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1"), {
    ok: false,
    reason: "too_many_hellos",
  });
});

Deno.test("admit() counts an authorize that throws as an unknown session", async () => {
  const admission = new ThroughputAdmission({
    authorize: () => {
      throw new Error("worker gone");
    },
    limiter: new ThroughputLimiter(),
  });
  assertEquals(await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1"), {
    ok: false,
    reason: "unknown_session",
  });
});

Deno.test("admit() forgets nonces after replayMemory", async () => {
  const clock = { ms: 0 };
  const { admission } = setup({}, { replayMemory: 1000, monotonic: () => clock.ms });
  const granted = await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1");
  assertOk(granted.ok);
  assertEquals(admission.stats().trackedSessions, 1);
  clock.ms = 2000;
  const later = await admission.admit(sealHello(keys.hello, 11n, body).message, "127.0.0.1");
  assertOk(later.ok);
  assertEquals(admission.stats().trackedSessions, 1);
});
