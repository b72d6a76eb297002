/**
 * Fuzzing every decoder, and the server's packet handler, with random and mutated packets:
 * nothing may throw, no decoder may accept a changed packet, and the handler may not answer
 * any of them (and must count every one as dropped). The generator is seeded, so a failure
 * names the seed and the input's index to replay it.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { EchoHandler } from "../server/echo_handler.ts";
import {
  Direction,
  openClose,
  openEcho,
  openKnock,
  openWelcome,
  sealClose,
  sealEcho,
  sealKnock,
  sealWelcome,
} from "./codec.ts";
import { deriveKnockKey, deriveSessionKeys } from "./keys.ts";
import {
  CloseReason,
  decodeCloseBody,
  decodeEchoBody,
  decodeKnockBody,
  decodeWelcomeBody,
  PacketType,
  readHeader,
  WelcomeStatus,
} from "./wire.ts";

const SEED = 0x5eed_b0b;
const RANDOM_INPUTS = 40_000;
const MUTATED_INPUTS = 70_000;
const SECRET = "fuzz test secret";
const NOW_NS = 1_750_000_000_000_000_000n;

/** xorshift32: small, fast, reproducible. */
function generator(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  return {
    below: (n: number) => Math.floor(next() * n),
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/** Valid packets of every kind, sealed with the keys the decoders and the handler use. */
function corpus() {
  const knockKey = deriveKnockKey(SECRET);
  const clientRandom = new Uint8Array(16).fill(0x11);
  const knock = sealKnock(knockKey, {
    clientTime: NOW_NS,
    clientRandom,
    interval: 10_000,
    packetSize: 1472,
    duration: 0,
  });
  const welcome = sealWelcome(knockKey, 9n, {
    clientRandom,
    serverRandom: new Uint8Array(16).fill(0x22),
    serverTime: NOW_NS,
    status: WelcomeStatus.Accepted,
    interval: 10_000,
    packetSize: 1472,
    duration: 0,
    idleTimeout: 60_000,
  });
  return { knockKey, knock, welcome };
}

function mutate(random: ReturnType<typeof generator>, original: Uint8Array): Uint8Array {
  const kind = random.below(6);
  let out: Uint8Array;
  if (kind === 0) {
    out = original.slice(); // flip 1 to 8 bits
    for (let n = 1 + random.below(8); n > 0; n--) {
      out[random.below(out.length)]! ^= 1 << random.below(8);
    }
  } else if (kind === 1) {
    out = original.slice(0, random.below(original.length)); // truncate
  } else if (kind === 2) {
    out = new Uint8Array(original.length + 1 + random.below(64)); // extend
    out.set(original);
    out.set(random.bytes(out.length - original.length), original.length);
  } else if (kind === 3) {
    out = original.slice(); // overwrite a run of bytes
    const at = random.below(out.length);
    out.set(random.bytes(Math.min(out.length - at, 1 + random.below(16))), at);
  } else if (kind === 4) {
    out = original.slice(); // keep the header, randomize the rest
    out.set(random.bytes(out.length - 20), 20);
  } else {
    out = original.slice(); // change only the header's ids
    out.set(random.bytes(16), 4);
  }
  const same = out.length === original.length && out.every((byte, i) => byte === original[i]);
  if (same) out = Uint8Array.of(...original, 0);
  return out;
}

Deno.test("every decoder survives 110k random and mutated packets and accepts none of them", () => {
  const random = generator(SEED);
  const { knockKey, knock, welcome } = corpus();
  const keys = deriveSessionKeys(SECRET, new Uint8Array(16), new Uint8Array(16), 9n);
  const echoBody = {
    seq: 1,
    requestCounter: 1,
    clientSendTime: 1n,
    serverReceiveTime: 2n,
    serverSendTime: 3n,
    serverReceived: 1,
    flags: 0,
  };
  const originals = [
    knock,
    welcome,
    sealEcho(keys.clientToServer, {
      type: PacketType.EchoRequest,
      sessionId: 9n,
      counter: 1,
      size: 200,
      body: {
        ...echoBody,
        requestCounter: 0,
        serverReceiveTime: 0n,
        serverSendTime: 0n,
        serverReceived: 0,
      },
    }),
    sealEcho(keys.serverToClient, {
      type: PacketType.EchoReply,
      sessionId: 9n,
      counter: 1,
      size: 1472,
      body: echoBody,
    }),
    sealClose(keys.clientToServer, {
      sessionId: 9n,
      counter: 2,
      direction: Direction.ClientToServer,
      reason: CloseReason.ClientDone,
    }),
  ];
  // Sanity: the originals open, so a refusal below is the mutation's doing.
  assertOk(openKnock(knockKey, knock).ok && openWelcome(knockKey, welcome).ok);
  let accepted = 0;
  const total = RANDOM_INPUTS + MUTATED_INPUTS;
  for (let i = 0; i < total; i++) {
    const input = i < RANDOM_INPUTS
      ? random.bytes(random.below(4) === 0 ? random.below(140) : random.below(1600))
      : mutate(random, originals[random.below(originals.length)]!);
    try {
      const results = [
        readHeader(input),
        decodeKnockBody(input),
        decodeWelcomeBody(input),
        decodeEchoBody(input, PacketType.EchoRequest),
        decodeEchoBody(input, PacketType.EchoReply),
        decodeCloseBody(input),
      ];
      for (const result of results) assertOk(typeof result.ok === "boolean");
      const opened = [
        openKnock(knockKey, input),
        openWelcome(knockKey, input),
        openEcho(keys.clientToServer, input, PacketType.EchoRequest),
        openEcho(keys.serverToClient, input, PacketType.EchoReply),
        openClose(keys.clientToServer, input, Direction.ClientToServer),
        openClose(keys.serverToClient, input, Direction.ServerToClient),
      ];
      accepted += opened.filter((result) => result.ok).length;
    } catch (error) {
      throw new Error(`Decoder threw on input ${i} (seed ${SEED}): ${error}`);
    }
  }
  assertEquals(accepted, 0, "a random or changed packet passed authentication");
});

Deno.test("the server's handler answers none of 110k random and mutated packets", () => {
  const random = generator(SEED + 1);
  const { knock } = corpus();
  const clock = { ms: 0 };
  const handler = new EchoHandler({
    secret: SECRET,
    clock: () => NOW_NS,
    monotonic: () => clock.ms,
    // No rate limit in the way: every packet reaches the deepest check it can.
    limits: { sessionBurst: 1e9, minInterval: 0.001 },
    rateLimits: { packetsPerSecond: 1e9, burst: 1e9, globalPacketsPerSecond: 1e9 },
  });
  const client = { address: "127.0.0.1", port: 40000 };
  const inbound = (data: Uint8Array, from = client) => ({
    data,
    from,
    receivedAt: NOW_NS,
    receivedAtSource: "kernel" as const,
  });
  // Open a session with the corpus knock and send one valid echo, so that changed copies and
  // replays of the originals meet a live session.
  const welcome = handler.handle(inbound(knock));
  assertOk(welcome);
  const opened = openWelcome(deriveKnockKey(SECRET), welcome.data);
  assertOk(opened.ok);
  const sessionId = opened.value.sessionId;
  const keys = deriveSessionKeys(
    SECRET,
    new Uint8Array(16).fill(0x11),
    opened.value.body.serverRandom,
    sessionId,
  );
  const request = sealEcho(keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId,
    counter: 1,
    size: 300,
    body: {
      seq: 0,
      requestCounter: 0,
      clientSendTime: 0n,
      serverReceiveTime: 0n,
      serverSendTime: 0n,
      serverReceived: 0,
      flags: 0,
    },
  });
  assertOk(handler.handle(inbound(request)));
  const reply = sealEcho(keys.serverToClient, {
    type: PacketType.EchoReply,
    sessionId,
    counter: 1,
    size: 300,
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
  // Never sent: its counter is new, so changed copies get past the replay window to the tag.
  const unsent = sealEcho(keys.clientToServer, {
    type: PacketType.EchoRequest,
    sessionId,
    counter: 2,
    size: 1000,
    body: {
      seq: 1,
      requestCounter: 0,
      clientSendTime: 0n,
      serverReceiveTime: 0n,
      serverSendTime: 0n,
      serverReceived: 0,
      flags: 0,
    },
  });
  const originals = [knock, request, reply, welcome.data];
  const mutable = [...originals, unsent, unsent];
  const before = handler.stats();
  const total = RANDOM_INPUTS + MUTATED_INPUTS;
  let answered = 0;
  for (let i = 0; i < total; i++) {
    clock.ms += 0.01;
    const data = i < RANDOM_INPUTS
      ? random.bytes(random.below(1600))
      : mutate(random, mutable[random.below(mutable.length)]!);
    // Most come from the session's address; some from its neighbours.
    const from = random.below(8) === 0 ? { address: "127.0.0.1", port: 40001 } : client;
    if (handler.handle(inbound(data, from)) !== undefined) answered++;
  }
  // Replays of the untouched originals: silent too.
  for (const original of originals) if (handler.handle(inbound(original)) !== undefined) answered++;
  assertEquals(answered, 0);
  const after = handler.stats();
  const dropped = (stats: typeof after) => Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  assertEquals(after.datagrams - before.datagrams, total + originals.length);
  assertEquals(dropped(after) - dropped(before), total + originals.length);
  assertEquals(after.sessions.active, 1);
  // The fuzzer reached the deep checks, not only the header's.
  for (const reason of ["forged", "replayedEcho", "wrongSecret", "addressMismatch"] as const) {
    assertOk(after.dropped[reason] > 1000, `only ${after.dropped[reason]} ${reason}`);
  }
});
