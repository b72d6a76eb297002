import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import {
  nodeSessionAead,
  type SessionAead,
  sessionAead,
  sodiumSessionAead,
} from "./_session_aead.ts";

const sodium = sodiumSessionAead();
const implementations: SessionAead[] = [nodeSessionAead, ...(sodium ? [sodium] : [])];

const key = crypto.getRandomValues(new Uint8Array(32));
const nonce = crypto.getRandomValues(new Uint8Array(12));
const aad = crypto.getRandomValues(new Uint8Array(20));
const sizes = [0, 1, 8, 63, 64, 65, 136, 1436];

for (const aead of implementations) {
  Deno.test(`${aead.name}: what it seals, @noble/ciphers opens, byte for byte`, () => {
    for (const size of sizes) {
      const plaintext = crypto.getRandomValues(new Uint8Array(size));
      const sealed = new Uint8Array(size + 16);
      aead.seal(key, nonce, aad, plaintext, sealed);
      assertEquals(sealed, chacha20poly1305(key, nonce, aad).encrypt(plaintext));
      assertEquals(chacha20poly1305(key, nonce, aad).decrypt(sealed), plaintext);
    }
  });

  Deno.test(`${aead.name}: what @noble/ciphers seals, it opens`, () => {
    for (const size of sizes) {
      const plaintext = crypto.getRandomValues(new Uint8Array(size));
      const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
      assertEquals(aead.open(key, nonce, aad, sealed), plaintext);
      const into = new Uint8Array(size + 5).fill(0xee);
      const opened = aead.open(key, nonce, aad, sealed, into);
      assertEquals(opened, plaintext);
      assertOk(opened!.buffer === into.buffer, "opened into the given buffer");
    }
  });

  Deno.test(`${aead.name}: any changed byte, another key, nonce or header is refused`, () => {
    const plaintext = crypto.getRandomValues(new Uint8Array(56));
    const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
    for (let i = 0; i < sealed.length; i++) {
      const changed = sealed.slice();
      changed[i]! ^= 0x01;
      assertEquals(aead.open(key, nonce, aad, changed), undefined, `byte ${i}`);
    }
    const other = (bytes: Uint8Array) => bytes.map((byte, i) => i === 0 ? byte ^ 0x80 : byte);
    assertEquals(aead.open(other(key), nonce, aad, sealed), undefined);
    assertEquals(aead.open(key, other(nonce), aad, sealed), undefined);
    assertEquals(aead.open(key, nonce, other(aad), sealed), undefined);
    assertEquals(aead.open(key, nonce, aad, sealed.subarray(0, 15)), undefined);
    assertEquals(aead.open(key, nonce, aad, sealed.subarray(1)), undefined);
  });

  Deno.test(`${aead.name}: seals in place`, () => {
    const plaintext = crypto.getRandomValues(new Uint8Array(100));
    const packet = new Uint8Array(20 + 100 + 16);
    packet.set(plaintext, 20);
    aead.seal(key, nonce, aad, packet.subarray(20, 120), packet.subarray(20));
    assertEquals(packet.subarray(20), chacha20poly1305(key, nonce, aad).encrypt(plaintext));
  });

  Deno.test(`${aead.name}: refuses buffers of the wrong size`, () => {
    assertThrows(
      () => aead.seal(key, nonce, aad, new Uint8Array(10), new Uint8Array(25)),
      RangeError,
    );
    const sealed = chacha20poly1305(key, nonce, aad).encrypt(new Uint8Array(10));
    assertThrows(() => aead.open(key, nonce, aad, sealed, new Uint8Array(9)), RangeError);
  });
}

Deno.test("sessionAead() prefers libsodium when it loads", () => {
  assertEquals(sessionAead().name, sodium ? "libsodium" : "node:crypto");
  assertOk(sessionAead() === sessionAead());
});
