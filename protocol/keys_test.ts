import { hkdfSync } from "node:crypto";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { deriveKnockKey, deriveSessionKeys, secretBytes } from "./keys.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("deriveKnockKey() is HKDF-SHA256 with the knock label", () => {
  const expected = new Uint8Array(
    hkdfSync(
      "sha256",
      "correct horse battery staple",
      new Uint8Array(0),
      "bufferbane knock v1",
      32,
    ),
  );
  assertEquals(hex(deriveKnockKey("correct horse battery staple")), hex(expected));
  assertOk(hex(deriveKnockKey("another secret")) !== hex(expected));
});

Deno.test("deriveSessionKeys() salts with both randoms and binds the session id", () => {
  const client = new Uint8Array(16).fill(1);
  const server = new Uint8Array(16).fill(2);
  const keys = deriveSessionKeys("s3cret", client, server, 0x0102n);
  const salt = new Uint8Array([...client, ...server]);
  const info = new Uint8Array([
    ...new TextEncoder().encode("bufferbane session v1"),
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    2,
  ]);
  const material = new Uint8Array(hkdfSync("sha256", "s3cret", salt, info, 64));
  assertEquals(hex(keys.clientToServer), hex(material.subarray(0, 32)));
  assertEquals(hex(keys.serverToClient), hex(material.subarray(32)));
  // Any input changes both keys.
  const others = [
    deriveSessionKeys("s3cret", client, server, 0x0103n),
    deriveSessionKeys("s3cret", server, client, 0x0102n),
    deriveSessionKeys("S3cret", client, server, 0x0102n),
  ];
  for (const other of others) {
    assertOk(hex(other.clientToServer) !== hex(keys.clientToServer));
    assertOk(hex(other.serverToClient) !== hex(keys.serverToClient));
  }
});

Deno.test("secretBytes() refuses an empty secret and session keys need 16-byte randoms", () => {
  assertThrows(() => secretBytes(""), RangeError);
  assertThrows(
    () => deriveSessionKeys("s", new Uint8Array(15), new Uint8Array(16), 1n),
    RangeError,
  );
});
