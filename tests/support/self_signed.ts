/**
 * A self-signed certificate for 127.0.0.1 made with Debian's openssl, for HTTPS tests.
 *
 * @module
 */

/**
 * Makes a fresh self-signed P-256 certificate for `127.0.0.1` (valid one day).
 *
 * @returns PEM certificate and key, or `undefined` when openssl is missing or fails.
 *
 * @example
 * ```ts ignore
 * import { selfSignedCertificate } from "./self_signed.ts";
 * const tls = await selfSignedCertificate();
 * console.log(tls?.cert.startsWith("-----BEGIN CERTIFICATE-----"));
 * ```
 */
export async function selfSignedCertificate(): Promise<{ cert: string; key: string } | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "bb-https-" });
  try {
    const { success } = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) return undefined;
    return {
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    };
  } catch {
    return undefined; // no openssl
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
