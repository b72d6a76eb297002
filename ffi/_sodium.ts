/**
 * ChaCha20-Poly1305 (RFC 8439, "IETF" variant: 96-bit nonce) from the system's libsodium, when
 * it is installed and FFI is allowed: one synchronous call seals or opens a packet in place,
 * with no allocation. Opening checks the tag (in constant time) before it decrypts anything;
 * when the tag is wrong it only zeroes the output.
 *
 * {@linkcode loadSodium} never prompts for a permission and never throws: without
 * `--allow-ffi` or without the library it returns `undefined`, and callers use another
 * implementation.
 *
 * @module
 */
import { ffiAllowed } from "./libc.ts";

// `unsigned long long` lengths are declared `usize` (64 bits on the x86_64 and arm64 Linux this
// runs on).
const SYMBOLS = {
  // int sodium_init(void);
  sodium_init: { parameters: [], result: "i32" },
  // int crypto_aead_chacha20poly1305_ietf_encrypt_detached(unsigned char *c,
  //     unsigned char *mac, unsigned long long *maclen_p, const unsigned char *m,
  //     unsigned long long mlen, const unsigned char *ad, unsigned long long adlen,
  //     const unsigned char *nsec, const unsigned char *npub, const unsigned char *k);
  crypto_aead_chacha20poly1305_ietf_encrypt_detached: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  // int crypto_aead_chacha20poly1305_ietf_decrypt_detached(unsigned char *m,
  //     unsigned char *nsec, const unsigned char *c, unsigned long long clen,
  //     const unsigned char *mac, const unsigned char *ad, unsigned long long adlen,
  //     const unsigned char *npub, const unsigned char *k);
  crypto_aead_chacha20poly1305_ietf_decrypt_detached: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** Library names tried in order. */
const NAMES = ["libsodium.so.23", "libsodium.so.26", "libsodium.so"];

/** ChaCha20-Poly1305 through libsodium. */
export interface SodiumChaCha20Poly1305 {
  /**
   * Seals `plaintext` into `ciphertext` (same length) and writes the 16-byte tag into `tag`.
   * `ciphertext` may be the very bytes of `plaintext` (in place); else no output may overlap
   * an input.
   */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
  ): void;
  /**
   * Checks `tag` over `aad` and `ciphertext`, then decrypts into `plaintext` (same length).
   *
   * @returns `false` when the tag is wrong (then `plaintext` was only zeroed).
   */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    plaintext: Uint8Array,
  ): boolean;
}

let loaded: SodiumChaCha20Poly1305 | null | undefined;

/**
 * libsodium's ChaCha20-Poly1305, or `undefined` when FFI is not allowed or the library is
 * missing (checked once).
 *
 * @returns The functions, or `undefined`.
 *
 * @example Seal and open, when libsodium is there
 * ```ts
 * import { loadSodium } from "./_sodium.ts";
 * const sodium = loadSodium();
 * if (sodium) {
 *   const key = new Uint8Array(32), nonce = new Uint8Array(12), aad = new Uint8Array(4);
 *   const text = new Uint8Array([1, 2, 3]), sealed = new Uint8Array(3), tag = new Uint8Array(16);
 *   sodium.seal(key, nonce, aad, text, sealed, tag);
 *   const opened = new Uint8Array(3);
 *   console.log(sodium.open(key, nonce, aad, sealed, tag, opened), opened.join()); // true 1,2,3
 * }
 * ```
 */
export function loadSodium(): SodiumChaCha20Poly1305 | undefined {
  if (loaded === undefined) loaded = open() ?? null;
  return loaded ?? undefined;
}

function open(): SodiumChaCha20Poly1305 | undefined {
  if (!ffiAllowed()) return undefined;
  for (const name of NAMES) {
    let library: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      library = Deno.dlopen(name, SYMBOLS);
    } catch {
      continue;
    }
    const symbols = library.symbols;
    if (symbols.sodium_init() < 0) {
      library.close();
      continue;
    }
    const encrypt = symbols.crypto_aead_chacha20poly1305_ietf_encrypt_detached;
    const decrypt = symbols.crypto_aead_chacha20poly1305_ietf_decrypt_detached;
    return {
      seal(key, nonce, aad, plaintext, ciphertext, tag) {
        check(key, nonce, tag, ciphertext.byteLength === plaintext.byteLength);
        encrypt(
          ciphertext,
          tag,
          null,
          plaintext,
          BigInt(plaintext.byteLength),
          aad,
          BigInt(aad.byteLength),
          null,
          nonce,
          key,
        );
      },
      open(key, nonce, aad, ciphertext, tag, plaintext) {
        check(key, nonce, tag, plaintext.byteLength === ciphertext.byteLength);
        return decrypt(
          plaintext,
          null,
          ciphertext,
          BigInt(ciphertext.byteLength),
          tag,
          aad,
          BigInt(aad.byteLength),
          nonce,
          key,
        ) === 0;
      },
    };
  }
  return undefined;
}

/** C reads as many bytes as the sizes say: never hand it a shorter buffer. */
function check(key: Uint8Array, nonce: Uint8Array, tag: Uint8Array, sameLength: boolean): void {
  if (key.byteLength !== 32 || nonce.byteLength !== 12 || tag.byteLength !== 16 || !sameLength) {
    throw new RangeError(
      "Invalid ChaCha20-Poly1305 buffers: expected a 32-byte key, a 12-byte nonce, a 16-byte " +
        "tag and equal text lengths",
    );
  }
}
