import { assertEquals, assertOk } from "../tests/support/assert.ts";
import {
  Direction,
  openClose,
  openEcho,
  openWelcome,
  sealClose,
  sealEcho,
  sealKnock,
} from "../protocol/codec.ts";
import { deriveKnockKey, deriveSessionKeys, type SessionKeys } from "../protocol/keys.ts";
import { CloseReason, EchoFlag, PacketType, WelcomeStatus } from "../protocol/wire.ts";
import {
  ECHO_LIMIT_DEFAULTS,
  EchoHandler,
  type EchoHandlerOptions,
  type InboundDatagram,
} from "./echo_handler.ts";

const SECRET = "handler test secret";
const NOW_NS = 1_750_000_000_000_000_000n;

/** A handler with fake clocks: `clock.ms` drives rate limits and timeouts. */
function setup(options: Partial<EchoHandlerOptions> = {}) {
  const clock = { ms: 1000, ns: NOW_NS };
  const handler = new EchoHandler({
    secret: SECRET,
    clock: () => clock.ns,
    sendTime: () => ({ time: clock.ns + 500n, raw: clock.ns, corrected: true }),
    monotonic: () => clock.ms,
    ...options,
  });
  return { handler, clock };
}

function datagram(data: Uint8Array, port = 40000, address = "127.0.0.1"): InboundDatagram {
  return { data, from: { address, port }, receivedAt: NOW_NS + 100n, receivedAtSource: "kernel" };
}

interface Opened {
  sessionId: bigint;
  keys: SessionKeys;
  counter: number;
  port: number;
}

function knock(
  random: Uint8Array,
  options: {
    interval?: number;
    packetSize?: number;
    duration?: number;
    time?: bigint;
    secret?: string;
  } = {},
) {
  return sealKnock(deriveKnockKey(options.secret ?? SECRET), {
    clientTime: options.time ?? NOW_NS,
    clientRandom: random,
    interval: options.interval ?? 10_000,
    packetSize: options.packetSize ?? 300,
    duration: options.duration ?? 0,
  });
}

function open(handler: EchoHandler, port = 40000, knockOptions = {}): Opened {
  const random = crypto.getRandomValues(new Uint8Array(16));
  const out = handler.handle(datagram(knock(random, knockOptions), port));
  assertOk(out && out.kind === "welcome");
  const welcome = openWelcome(deriveKnockKey(SECRET), out.data);
  assertOk(welcome.ok && welcome.value.body.status === WelcomeStatus.Accepted);
  const keys = deriveSessionKeys(
    SECRET,
    random,
    welcome.value.body.serverRandom,
    welcome.value.sessionId,
  );
  return { sessionId: welcome.value.sessionId, keys, counter: 0, port };
}

function echo(session: Opened, seq: number, size = 100): Uint8Array {
  return sealEcho(session.keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId: session.sessionId,
    counter: ++session.counter,
    size,
    body: {
      seq,
      requestCounter: 0,
      clientSendTime: 42n,
      serverReceiveTime: 0n,
      serverSendTime: 0n,
      serverReceived: 0,
      flags: 0,
    },
  });
}

Deno.test("EchoHandler opens a session on a valid knock and grants clamped parameters", () => {
  const { handler } = setup({
    limits: { minInterval: 20, maxPacketSize: 1000, maxDuration: 60_000 },
  });
  const random = new Uint8Array(16).fill(7);
  const out = handler.handle(
    datagram(knock(random, { interval: 1_000, packetSize: 1400, duration: 0 })),
  );
  assertOk(out && out.kind === "welcome");
  assertEquals(out.to, { address: "127.0.0.1", port: 40000 });
  assertEquals(out.data.length, 120);
  const welcome = openWelcome(deriveKnockKey(SECRET), out.data);
  assertOk(welcome.ok);
  const body = welcome.value.body;
  assertEquals(body.clientRandom, random);
  assertEquals(
    [body.status, body.interval, body.packetSize, body.duration, body.idleTimeout],
    [WelcomeStatus.Accepted, 20_000, 1000, 60_000, 60_000],
  );
  assertEquals(handler.stats().sessions.active, 1);
});

Deno.test("EchoHandler answers an echo with the stamps, the count and the same size", () => {
  const { handler } = setup();
  const session = open(handler);
  for (let seq = 10; seq < 13; seq++) {
    const out = handler.handle(datagram(echo(session, seq, 172)));
    assertOk(out && out.kind === "reply");
    assertEquals(out.data.length, 172);
    const reply = openEcho(session.keys.serverToClient, out.data, PacketType.EchoReply);
    assertOk(reply.ok);
    assertEquals(reply.value.body, {
      seq,
      requestCounter: session.counter,
      clientSendTime: 42n,
      serverReceiveTime: NOW_NS + 100n,
      serverSendTime: NOW_NS + 500n,
      serverReceived: seq - 9,
      flags: EchoFlag.ServerReceiveKernel | EchoFlag.ServerSendCorrected,
    });
    assertEquals(reply.value.header.counter, seq - 9);
    assertEquals(out.sendTime, { time: NOW_NS + 500n, raw: NOW_NS, corrected: true });
  }
  assertEquals(handler.stats().replies, 3);
});

Deno.test("EchoHandler is silent to replays, strangers and oversized echoes, and counts them", () => {
  const { handler } = setup();
  const session = open(handler);
  const request = echo(session, 1);
  assertOk(handler.handle(datagram(request)));
  assertEquals(handler.handle(datagram(request)), undefined);
  assertEquals(handler.handle(datagram(echo(session, 2), 40001)), undefined);
  const unknown = echo({ ...session, sessionId: session.sessionId ^ 1n }, 3);
  assertEquals(handler.handle(datagram(unknown)), undefined);
  assertEquals(handler.handle(datagram(echo(session, 4, 301))), undefined);
  const forged = echo(session, 5);
  forged[forged.length - 1]! ^= 1;
  assertEquals(handler.handle(datagram(forged)), undefined);
  assertEquals(handler.handle(datagram(new Uint8Array(1473))), undefined);
  assertEquals(handler.handle({ ...datagram(echo(session, 6)), truncated: true }), undefined);
  const dropped = handler.stats().dropped;
  assertEquals(
    [
      dropped.replayedEcho,
      dropped.addressMismatch,
      dropped.unknownSession,
      dropped.oversized,
      dropped.forged,
    ],
    [1, 1, 1, 3, 1],
  );
  // The session still works after all that.
  assertOk(handler.handle(datagram(echo(session, 7))));
});

Deno.test("EchoHandler is silent to bad knocks, and counts why", () => {
  const { handler } = setup();
  const random = new Uint8Array(16).fill(1);
  assertEquals(handler.handle(datagram(knock(random, { secret: "wrong secret" }))), undefined);
  assertEquals(
    handler.handle(datagram(knock(random, { time: NOW_NS - 31_000_000_000n }))),
    undefined,
  );
  const valid = knock(random);
  assertOk(handler.handle(datagram(valid)));
  assertEquals(handler.handle(datagram(valid)), undefined);
  assertEquals(handler.handle(datagram(valid.subarray(0, 127))), undefined);
  const garbage = new Uint8Array(200).fill(0x55);
  assertEquals(handler.handle(datagram(garbage)), undefined);
  const { dropped } = handler.stats();
  assertEquals(
    [dropped.wrongSecret, dropped.staleKnock, dropped.replayedKnock, dropped.malformed],
    [1, 1, 1, 2],
  );
});

Deno.test("EchoHandler resends the same welcome when a knock is retried", () => {
  const { handler } = setup();
  const random = new Uint8Array(16).fill(3);
  const first = handler.handle(datagram(knock(random)));
  const second = handler.handle(datagram(knock(random)));
  assertOk(first && second);
  assertEquals(second.data, first.data);
  assertEquals(handler.stats().sessions.opened, 1);
  // From another port, it is another client.
  const other = handler.handle(datagram(knock(random), 40001));
  assertOk(other && other.data.join() !== first.data.join());
  assertEquals(handler.stats().sessions.opened, 2);
});

Deno.test("EchoHandler refuses sessions beyond its caps, saying why", () => {
  const { handler } = setup({ limits: { maxSessionsPerAddress: 2, maxSessions: 3 } });
  open(handler, 1);
  open(handler, 2);
  const refusal = (address: string) => {
    const out = handler.handle(
      datagram(knock(crypto.getRandomValues(new Uint8Array(16))), 3, address),
    );
    assertOk(out);
    const welcome = openWelcome(deriveKnockKey(SECRET), out.data);
    assertOk(welcome.ok);
    return [welcome.value.sessionId, welcome.value.body.status];
  };
  assertEquals(refusal("127.0.0.1"), [0n, WelcomeStatus.TooManySessions]);
  assertOk(
    handler.handle(datagram(knock(crypto.getRandomValues(new Uint8Array(16))), 4, "127.0.0.2")),
  );
  assertEquals(refusal("127.0.0.3"), [0n, WelcomeStatus.ServerFull]);
  assertEquals(handler.stats().sessions.refused, 2);
});

Deno.test("EchoHandler rate-limits a session above its interval and strangers above theirs", () => {
  const { handler, clock } = setup({
    limits: { sessionBurst: 3 },
    rateLimits: { packetsPerSecond: 1, burst: 2 },
  });
  const session = open(handler, 40000, { interval: 1_000_000 });
  const answered = () => handler.handle(datagram(echo(session, 0))) !== undefined;
  assertEquals([answered(), answered(), answered(), answered()], [true, true, true, false]);
  clock.ms += 1000;
  assertEquals(answered(), true);
  // 127.0.0.1's bucket is full again (2 tokens): two bad knocks pass to be judged, the third
  // is over the limit. Malformed junk is refused before any bucket.
  for (let i = 0; i < 3; i++) {
    assertEquals(handler.handle(datagram(knock(new Uint8Array(16), { secret: "x" }))), undefined);
  }
  assertEquals(handler.handle(datagram(new Uint8Array(128).fill(1))), undefined);
  const { dropped } = handler.stats();
  assertEquals([dropped.rateLimited, dropped.wrongSecret, dropped.malformed], [2, 2, 1]);
});

Deno.test("EchoHandler ends sessions at their duration with a close, and idle ones silently", () => {
  const { handler, clock } = setup({ limits: { idleTimeout: 5_000 } });
  const timed = open(handler, 1, { duration: 2_000 });
  const idle = open(handler, 2);
  clock.ms += 2_000;
  assertOk(handler.handle(datagram(echo(idle, 0), 2)));
  const closes = handler.expire();
  assertEquals(closes.length, 1);
  assertEquals(closes[0]!.to.port, 1);
  const close = openClose(timed.keys.serverToClient, closes[0]!.data, Direction.ServerToClient);
  assertOk(close.ok && close.value.body.reason === CloseReason.DurationReached);
  assertEquals(handler.handle(datagram(echo(timed, 1), 1)), undefined);
  clock.ms += 5_000;
  assertEquals(handler.expire(), []);
  assertEquals(handler.stats().sessions, {
    active: 0,
    opened: 2,
    refused: 0,
    closedByClient: 0,
    expired: 1,
    idle: 1,
  });
});

Deno.test("EchoHandler ends a session on the client's close and all of them at shutdown", () => {
  const events: string[] = [];
  const { handler } = setup({ onSessionEvent: (event) => events.push(event.kind) });
  const a = open(handler, 1);
  open(handler, 2);
  const close = sealClose(a.keys.clientToServer, {
    sessionId: a.sessionId,
    counter: ++a.counter,
    direction: Direction.ClientToServer,
    reason: CloseReason.ClientDone,
  });
  assertEquals(handler.handle(datagram(close, 1)), undefined);
  assertEquals(handler.stats().sessions.closedByClient, 1);
  const closes = handler.closeAll();
  assertEquals(closes.map((out) => [out.kind, out.to.port]), [["close", 2]]);
  assertEquals(events, ["opened", "opened", "closed", "closed"]);
  assertEquals(handler.stats().sessions.active, 0);
});

Deno.test("EchoHandler hands a session's keys over at its opening, not in its events, and says when it ends", () => {
  const changes: { sessionId: bigint; address: string; keys?: SessionKeys }[] = [];
  const events: unknown[] = [];
  const { handler, clock } = setup({
    onSessionKeys: (change) => changes.push(change),
    onSessionEvent: (event) => events.push(event),
  });
  const a = open(handler, 1);
  const b = open(handler, 2);
  assertEquals(changes, [
    { sessionId: a.sessionId, address: "127.0.0.1", keys: a.keys },
    { sessionId: b.sessionId, address: "127.0.0.1", keys: b.keys },
  ]);
  assertOk(
    !JSON.stringify(events, (_k, v) => typeof v === "bigint" ? String(v) : v)
      .includes("clientToServer"),
  );
  clock.ms += ECHO_LIMIT_DEFAULTS.idleTimeout;
  handler.expire();
  assertEquals(
    changes.slice(2).map((c) => [c.sessionId, c.keys]).sort(),
    [
      [a.sessionId, undefined],
      [b.sessionId, undefined],
    ].sort(),
  );
});

Deno.test("EchoHandler treats server-to-client types sent to it as malformed", () => {
  const { handler } = setup();
  const session = open(handler);
  const reply = sealEcho(session.keys.serverToClient, {
    type: PacketType.EchoReply,
    sessionId: session.sessionId,
    counter: 1,
    size: 100,
    body: {
      seq: 0,
      requestCounter: 1,
      clientSendTime: 0n,
      serverReceiveTime: 1n,
      serverSendTime: 1n,
      serverReceived: 1,
      flags: 0,
    },
  });
  assertEquals(handler.handle(datagram(reply)), undefined);
  assertEquals(handler.stats().dropped.malformed, 1);
});

Deno.test("EchoHandler keeps serving when its session listener throws", () => {
  const { handler } = setup({
    onSessionEvent: () => {
      throw new Error("log sink gone");
    },
  });
  const session = open(handler);
  assertOk(handler.handle(datagram(echo(session, 1))));
  assertEquals(handler.stats().dropped.malformed, 0);
});

Deno.test("EchoHandler with reuseReplyBuffer answers the same bytes, from one buffer", () => {
  const seeded = () => {
    let next = 1;
    return (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = next++ & 0xff;
      return bytes;
    };
  };
  const plain = setup({ random: seeded() }).handler;
  const reusing = setup({ random: seeded(), reuseReplyBuffer: true }).handler;
  const random = crypto.getRandomValues(new Uint8Array(16));
  const knocked = datagram(knock(random, { packetSize: 400 }));
  const welcome = plain.handle(knocked);
  assertOk(welcome);
  assertEquals(reusing.handle(knocked)?.data, welcome.data);
  const opened = openWelcome(deriveKnockKey(SECRET), welcome.data);
  assertOk(opened.ok);
  const session: Opened = {
    sessionId: opened.value.sessionId,
    keys: deriveSessionKeys(SECRET, random, opened.value.body.serverRandom, opened.value.sessionId),
    counter: 0,
    port: 40000,
  };
  let buffer: ArrayBufferLike | undefined;
  for (const [seq, size] of [[1, 400], [2, 120], [3, 250]] as const) {
    const request = datagram(echo(session, seq, size));
    const expected = plain.handle(request);
    const reply = reusing.handle(request);
    assertOk(expected && reply && reply.kind === "reply");
    assertEquals(reply.data, expected.data);
    buffer ??= reply.data.buffer;
    assertOk(reply.data.buffer === buffer, "every reply in the same buffer");
  }
  // A forged request after good ones gets nothing, not the last reply again.
  const forged = echo(session, 4, 120);
  forged[forged.length - 1]! ^= 1;
  assertEquals(reusing.handle(datagram(forged)), undefined);
  assertEquals(reusing.stats().dropped.forged, 1);
  const expected = plain.stats();
  assertEquals(reusing.stats(), {
    ...expected,
    datagrams: expected.datagrams + 1,
    dropped: { ...expected.dropped, forged: 1 },
  });
});
