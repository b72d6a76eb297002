import { hkdfSync } from "node:crypto";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { deriveSessionKeys } from "./keys.ts";
import { deriveThroughputKeys } from "./throughput_keys.ts";

/** Asserts that `fn` throws a RangeError whose message names `part`. */
function throwsRange(fn: () => unknown, part: string): void {
  const error = assertThrows(fn, RangeError);
  assertOk(error.message.includes(part), `"${error.message}" does not name "${part}"`);
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("deriveThroughputKeys() is HKDF-SHA256 over both session keys with the throughput label", () => {
  const session = deriveSessionKeys("s3cret", new Uint8Array(16), new Uint8Array(16).fill(9), 5n);
  const info = new Uint8Array([
    ...new TextEncoder().encode("bufferbane throughput v1"),
    ...[0, 0, 0, 0, 0, 0, 0, 5],
  ]);
  const expected = new Uint8Array(
    hkdfSync(
      "sha256",
      new Uint8Array([...session.clientToServer, ...session.serverToClient]),
      new Uint8Array(0),
      info,
      64,
    ),
  );
  const keys = deriveThroughputKeys(session, 5n);
  assertEquals(hex(keys.hello), hex(expected.subarray(0, 32)));
  assertEquals(hex(keys.grant), hex(expected.subarray(32)));
  // Different from the echo keys, and from another session's.
  assertOk(hex(keys.hello) !== hex(session.clientToServer));
  assertOk(hex(deriveThroughputKeys(session, 6n).hello) !== hex(keys.hello));
});

Deno.test("deriveThroughputKeys() refuses bad keys and ids", () => {
  const session = { clientToServer: new Uint8Array(32), serverToClient: new Uint8Array(32) };
  throwsRange(() => deriveThroughputKeys(session, 0n), "session id");
  throwsRange(() => deriveThroughputKeys(session, 1n << 64n), "session id");
  throwsRange(
    () => deriveThroughputKeys({ ...session, clientToServer: new Uint8Array(16) }, 1n),
    "32 bytes",
  );
});
