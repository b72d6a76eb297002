import dgram from "node:dgram";
import type { Buffer } from "node:buffer";
import { BufferbaneError } from "../core/errors.ts";
import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { UdpSocket } from "../ffi/mod.ts";
import { DscpError } from "../ffi/dscp.ts";
import { startEchoServer } from "../server/udp_echo_server.ts";
import { type EchoReply, type EchoSession, openSession } from "./client.ts";
import { roundTripMs } from "./clock_offset.ts";
import { directionalLoss } from "./directional_loss.ts";

const needsFfi = missing(["ffi"]);
const SECRET = "client test secret";

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name: skippable(name, needsFfi), ignore: needsFfi !== undefined, fn });
}

async function collect(
  session: EchoSession,
  count: number,
  timeoutMs = 3000,
): Promise<EchoReply[]> {
  const replies: EchoReply[] = [];
  for await (const event of session.events(AbortSignal.timeout(timeoutMs))) {
    if (event.kind === "reply") replies.push(event);
    if (replies.length === count) break;
  }
  return replies;
}

test("openSession() knocks, and replies to requests in flight come with four kernel stamps", async () => {
  await using server = await startEchoServer({ secret: SECRET, limits: { minInterval: 1 } });
  await using session = await openSession({
    host: "127.0.0.1",
    port: server.port,
    secret: SECRET,
    interval: 1,
    packetSize: 500,
  });
  assertEquals(session.parameters, {
    interval: 1,
    packetSize: 500,
    duration: 86_400_000,
    idleTimeout: 60_000,
  });
  const sends = [];
  for (let seq = 100; seq < 120; seq++) sends.push(session.send(seq, { size: 92 + seq - 100 }));
  const sent = await Promise.all(sends);
  assertEquals(sent.map((s) => s.counter), Array.from({ length: 20 }, (_, i) => i + 1));
  const replies = await collect(session, 20);
  assertEquals(replies.map((r) => r.seq).sort(), sent.map((s) => s.seq));
  for (const reply of replies) {
    const request = sent.find((s) => s.seq === reply.seq)!;
    assertEquals(reply.size, request.size);
    assertEquals(reply.clientSentAt, request.sentAt);
    assertEquals(
      [reply.clientSentAtSource, reply.serverReceivedAtSource, reply.clientReceivedAtSource],
      ["kernel", "kernel", "kernel"],
    );
    // One clock on loopback: the stamps are in order, the server's time inside the round trip
    // (its send time is a corrected estimate, so allow it a little slack).
    assertOk(reply.clientSentAt <= reply.serverReceivedAt);
    assertOk(reply.serverReceivedAt <= reply.serverSentAt);
    assertOk(reply.serverSentAt <= reply.clientReceivedAt + 1_000_000n);
    assertOk(roundTripMs(reply) < 50);
  }
  const last = replies.at(-1)!;
  assertEquals(directionalLoss(last).upLost + directionalLoss(last).downLost, 0);
  assertEquals(Math.max(...replies.map((r) => r.serverReceived)), 20);
  assertEquals(session.stats(), {
    sent: 20,
    replies: 20,
    duplicates: 0,
    unmatched: 0,
    invalid: 0,
    strays: 0,
  });
});

test("EchoSession.echo() gives one reply at a time and close() ends the server's session", async () => {
  await using server = await startEchoServer({ secret: SECRET, limits: { minInterval: 1 } });
  const session = await openSession({
    host: "127.0.0.1",
    port: server.port,
    secret: SECRET,
    interval: 1,
  });
  for (let seq = 0; seq < 5; seq++) {
    const reply = await session.echo(seq);
    assertEquals([reply?.seq, reply?.serverReceived], [seq, seq + 1]);
  }
  assertThrows(() => session.send(5, { size: 1473 }), RangeError);
  await session.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assertEquals(server.stats().sessions.closedByClient, 1);
  assertThrows(() => session.send(6), BufferbaneError);
});

test("openSession() fails clearly with the wrong secret, a refusal or nobody listening", async () => {
  await using server = await startEchoServer({
    secret: SECRET,
    limits: { maxSessionsPerAddress: 1 },
  });
  const options = { host: "127.0.0.1", port: server.port, handshakeTimeout: 200, attempts: 2 };
  const wrong = await assertRejects(
    () => openSession({ ...options, secret: "wrong secret" }),
    BufferbaneError,
  );
  assertEquals(wrong.message, `No answer from server "127.0.0.1:${server.port}" after 2 knocks`);
  assertEquals(server.stats().dropped.wrongSecret, 2);

  await using first = await openSession({ ...options, secret: SECRET });
  assertOk(first.sessionId > 0n);
  const refused = await assertRejects(
    () => openSession({ ...options, secret: SECRET }),
    BufferbaneError,
  );
  assertEquals(
    refused.message,
    `Server "127.0.0.1:${server.port}" refused the session: too many sessions from this address`,
  );

  const closed = UdpSocket.open({ bind: { address: "127.0.0.1" } });
  const port = closed.localAddress.port;
  closed.close();
  const unreachable = await assertRejects(
    () => openSession({ ...options, port, secret: SECRET }),
    BufferbaneError,
  );
  assertOk(
    unreachable.message.includes("is unreachable: destination unreachable: port unreachable"),
  );
});

test("the server's shutdown reaches the session as a close event", async () => {
  const server = await startEchoServer({ secret: SECRET });
  await using session = await openSession({ host: "127.0.0.1", port: server.port, secret: SECRET });
  const events = (async () => {
    const kinds: string[] = [];
    for await (const event of session.events(AbortSignal.timeout(3000))) {
      kinds.push(event.kind === "closed" ? `closed:${event.reason}` : event.kind);
    }
    return kinds;
  })();
  await server.close();
  assertEquals(await events, ["closed:shutdown"]);
  assertOk(session.closed);
  assertThrows(() => session.send(0), BufferbaneError);
});

test("a reply duplicated on the way back is yielded once and counted", async () => {
  await using server = await startEchoServer({ secret: SECRET, limits: { minInterval: 1 } });
  // A relay that forwards requests and sends every answer back twice.
  const relay = dgram.createSocket("udp4");
  let client: { address: string; port: number } | undefined;
  relay.on("message", (message: Buffer, from: dgram.RemoteInfo) => {
    if (from.port === server.port) {
      relay.send(message, client!.port, client!.address);
      relay.send(message, client!.port, client!.address);
    } else {
      client = { address: from.address, port: from.port };
      relay.send(message, server.port, "127.0.0.1");
    }
  });
  await new Promise<void>((resolve) => relay.bind(0, "127.0.0.1", resolve));
  try {
    await using session = await openSession({
      host: "127.0.0.1",
      port: relay.address().port,
      secret: SECRET,
      interval: 1,
    });
    for (let seq = 0; seq < 3; seq++) await session.send(seq);
    const replies = await collect(session, 3);
    assertEquals(replies.map((r) => r.seq), [0, 1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const more = await collect(session, 1, 200);
    assertEquals(more, []);
    assertEquals(session.stats().duplicates, 3);
  } finally {
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  }
});

test("openSession() works over IPv6", async () => {
  await using server = await startEchoServer({
    secret: SECRET,
    listen: [{ address: "::1", port: 0 }],
  });
  await using session = await openSession({ host: "::1", port: server.port, secret: SECRET });
  const reply = await session.echo(1);
  assertEquals(reply?.seq, 1);
});

test("openSession() marks its requests with the DSCP asked for, by name or number", async () => {
  await using server = await startEchoServer({ secret: SECRET });
  await using marked = await openSession({
    host: "127.0.0.1",
    port: server.port,
    secret: SECRET,
    dscp: "AF41",
  });
  assertEquals(marked.dscp, 34);
  assertEquals((await marked.echo(1))?.seq, 1);
  await using numbered = await openSession({
    host: "127.0.0.1",
    port: server.port,
    secret: SECRET,
    dscp: 46,
  });
  assertEquals(numbered.dscp, 46);
  await using plain = await openSession({ host: "127.0.0.1", port: server.port, secret: SECRET });
  assertEquals(plain.dscp, 0);
});

test("openSession() refuses a DSCP out of range or unknown before sending anything", async () => {
  for (const dscp of [64, -1, 2.5, "EX"]) {
    const error = await assertRejects(
      () => openSession({ host: "127.0.0.1", port: 9, secret: SECRET, dscp }),
      DscpError,
    );
    assertEquals([error.code, error.value], ["INVALID_DSCP", dscp]);
  }
});
