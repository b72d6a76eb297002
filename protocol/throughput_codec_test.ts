import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { openGrant, openHello, sealGrant, sealHello } from "./throughput_codec.ts";
import { deriveThroughputKeys } from "./throughput_keys.ts";
import { HELLO_SIZE, StreamDirection, ThroughputMessage } from "./throughput_wire.ts";

/** Asserts that `fn` throws a RangeError whose message names `part`. */
function throwsRange(fn: () => unknown, part: string): void {
  const error = assertThrows(fn, RangeError);
  assertOk(error.message.includes(part), `"${error.message}" does not name "${part}"`);
}

const keys = deriveThroughputKeys(
  { clientToServer: new Uint8Array(32).fill(1), serverToClient: new Uint8Array(32).fill(2) },
  42n,
);
const body = { direction: StreamDirection.Upload, index: 2, count: 4, duration: 12_000 };

Deno.test("a HELLO opens with its key and gives back session, nonce and body", () => {
  const nonce = new Uint8Array(24).fill(7);
  const { message } = sealHello(keys.hello, 42n, body, nonce);
  assertEquals(message.length, HELLO_SIZE);
  assertEquals(openHello(keys.hello, message), {
    ok: true,
    value: { sessionId: 42n, nonce, body },
  });
  // The layout: the clear part, then the nonce, in the clear.
  assertEquals(Array.from(message.subarray(0, 4)), [0x62, 0x62, 1, ThroughputMessage.Hello]);
  assertEquals(Array.from(message.subarray(12, 36)), Array.from(nonce));
});

Deno.test("a HELLO is refused with the GRANT key, another session's key, or any changed byte", () => {
  const { message } = sealHello(keys.hello, 42n, body);
  assertEquals(openHello(keys.grant, message), { ok: false, reason: "unauthentic" });
  const other = deriveThroughputKeys(
    { clientToServer: new Uint8Array(32).fill(1), serverToClient: new Uint8Array(32).fill(2) },
    43n,
  );
  assertEquals(openHello(other.hello, message).ok, false);
  for (let i = 4; i < message.length; i++) {
    const changed = message.slice();
    changed[i]! ^= 0x01;
    const result = openHello(keys.hello, changed);
    assertEquals(result.ok, false, `byte ${i}`);
  }
});

Deno.test("a well-sealed HELLO with a bad body is refused as bad_field", () => {
  // Seal by hand a body with a reserved byte set: the tag is right, the body is not.
  const nonce = new Uint8Array(24);
  const message = sealHello(keys.hello, 42n, body, nonce).message;
  const plain = new Uint8Array(16);
  plain[0] = 1;
  plain[1] = 200; // no congestion control has that code
  plain[5] = 1;
  plain[11] = 1;
  xchacha20poly1305(keys.hello, nonce, message.subarray(0, 12)).encrypt(
    plain,
    message.subarray(36),
  );
  assertEquals(openHello(keys.hello, message), { ok: false, reason: "bad_field" });
});

Deno.test("a GRANT answers exactly one HELLO", () => {
  const hello = sealHello(keys.hello, 42n, body);
  const grant = sealGrant(keys.grant, 42n, hello.nonce, {
    duration: 10_000,
    direction: StreamDirection.Upload,
    index: 2,
  });
  const expected = { sessionId: 42n, nonce: hello.nonce, body };
  assertEquals(openGrant(keys.grant, grant, expected), {
    ok: true,
    value: { duration: 10_000, direction: StreamDirection.Upload, index: 2 },
  });
  // Another HELLO's nonce, the HELLO key, another session: refused.
  const another = sealHello(keys.hello, 42n, body);
  assertEquals(openGrant(keys.grant, grant, { ...expected, nonce: another.nonce }), {
    ok: false,
    reason: "unauthentic",
  });
  assertEquals(openGrant(keys.hello, grant, expected).ok, false);
  assertEquals(openGrant(keys.grant, grant, { ...expected, sessionId: 41n }).ok, false);
  // A GRANT for another stream index or direction, or longer than asked: refused.
  for (
    const changed of [{ index: 1 }, { direction: StreamDirection.Download }, { duration: 12_001 }]
  ) {
    const other = sealGrant(keys.grant, 42n, hello.nonce, {
      duration: 10_000,
      direction: StreamDirection.Upload,
      index: 2,
      ...changed,
    });
    assertEquals(openGrant(keys.grant, other, expected), { ok: false, reason: "bad_field" });
  }
  // A HELLO is not a GRANT.
  assertOk(!openGrant(keys.grant, hello.message, expected).ok);
});

Deno.test("sealing refuses bad keys and nonces", () => {
  throwsRange(() => sealHello(new Uint8Array(16), 1n, body), "key");
  throwsRange(() => sealHello(keys.hello, 1n, body, new Uint8Array(12)), "nonce");
  throwsRange(() => sealHello(keys.hello, 0n, body), "session id");
  throwsRange(
    () => sealGrant(keys.grant, 1n, new Uint8Array(23), { duration: 1, direction: 1, index: 0 }),
    "nonce",
  );
});
