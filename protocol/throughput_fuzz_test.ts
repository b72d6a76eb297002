/**
 * Fuzzing the throughput handshake's decoders and the server's admission with random and
 * mutated HELLOs and GRANTs: nothing may throw, no decoder may accept a changed message, and
 * the admission may grant none of them. The generator is seeded, so a failure names the seed
 * and the input's index to replay it.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { ThroughputAdmission } from "../server/throughput_admission.ts";
import { ThroughputLimiter } from "../server/throughput_limits.ts";
import type { SessionKeys } from "./keys.ts";
import { openGrant, openHello, sealGrant, sealHello } from "./throughput_codec.ts";
import { deriveThroughputKeys } from "./throughput_keys.ts";
import {
  decodeGrantBody,
  decodeHelloBody,
  readThroughputHeader,
  StreamDirection,
  ThroughputMessage,
} from "./throughput_wire.ts";

const SEED = 0x7b0_5eed;
const RANDOM_INPUTS = 20_000;
const MUTATED_INPUTS = 40_000;

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
    out = original.slice(); // keep the clear part, randomize the rest
    out.set(random.bytes(out.length - 12), 12);
  } else {
    out = original.slice(); // change only the session id
    out.set(random.bytes(8), 4);
  }
  const same = out.length === original.length && out.every((byte, i) => byte === original[i]);
  if (same) out = Uint8Array.of(...original, 0);
  return out;
}

const sessionKeys: SessionKeys = {
  clientToServer: new Uint8Array(32).fill(0x31),
  serverToClient: new Uint8Array(32).fill(0x32),
};
const keys = deriveThroughputKeys(sessionKeys, 77n);
const body = { direction: StreamDirection.Upload, index: 1, count: 4, duration: 12_000 };

Deno.test("the throughput decoders survive 60k random and mutated messages and accept none", () => {
  const random = generator(SEED);
  const hello = sealHello(keys.hello, 77n, body);
  const grant = sealGrant(keys.grant, 77n, hello.nonce, {
    duration: 10_000,
    direction: StreamDirection.Upload,
    index: 1,
  });
  const expected = { sessionId: 77n, nonce: hello.nonce, body };
  assertOk(openHello(keys.hello, hello.message).ok && openGrant(keys.grant, grant, expected).ok);
  const originals = [hello.message, grant];
  let accepted = 0;
  for (let i = 0; i < RANDOM_INPUTS + MUTATED_INPUTS; i++) {
    const input = i < RANDOM_INPUTS
      ? random.bytes(random.below(4) === 0 ? random.below(80) : random.below(400))
      : mutate(random, originals[random.below(originals.length)]!);
    try {
      for (
        const result of [
          readThroughputHeader(input, ThroughputMessage.Hello),
          readThroughputHeader(input, ThroughputMessage.Grant),
          decodeHelloBody(input),
          decodeGrantBody(input),
        ]
      ) {
        assertOk(typeof result.ok === "boolean");
      }
      accepted += [openHello(keys.hello, input), openGrant(keys.grant, input, expected)]
        .filter((result) => result.ok).length;
    } catch (error) {
      throw new Error(`A decoder threw on input ${i} (seed ${SEED}): ${error}`);
    }
  }
  assertEquals(accepted, 0, "a random or changed message passed authentication");
});

Deno.test("the admission grants none of 60k random and mutated HELLOs", async () => {
  const random = generator(SEED + 1);
  const admission = new ThroughputAdmission({
    // Every session id is "live" with the same keys: changed ids reach the tag check.
    authorize: () => sessionKeys,
    limiter: new ThroughputLimiter({ maxStreams: 1e9, maxStreamsPerAddress: 1e9 }),
    maxHellosPerSession: 1e9,
  });
  const hello = sealHello(keys.hello, 77n, body).message;
  const first = await admission.admit(hello, "127.0.0.1");
  assertOk(first.ok);
  first.ticket.close();
  let granted = 0;
  for (let i = 0; i < RANDOM_INPUTS + MUTATED_INPUTS; i++) {
    const input = i < RANDOM_INPUTS ? random.bytes(random.below(200)) : mutate(random, hello);
    const result = await admission.admit(input, "127.0.0.1");
    if (result.ok) {
      granted++;
      result.ticket.close();
    }
  }
  // The untouched original again: a replay.
  assertEquals(await admission.admit(hello, "127.0.0.1"), { ok: false, reason: "replayed" });
  assertEquals(granted, 0);
  const refused = admission.stats().refused;
  assertOk(refused.malformed > 1000 && refused.unauthentic > 1000, JSON.stringify(refused));
});
