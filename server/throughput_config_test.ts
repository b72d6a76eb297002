import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { assertEquals, assertOk, assertThrows } from "../tests/support/assert.ts";
import { BufferbaneError } from "../core/errors.ts";
import { THROUGHPUT_LIMIT_DEFAULTS } from "./throughput_limits.ts";
import {
  parseByteSize,
  readHttpsFiles,
  resolveThroughputConfig,
  throughputConfigShape,
} from "./throughput_config.ts";

const root = z.strictObject({ ...throughputConfigShape });
const parse = (toml: string) => resolveThroughputConfig(root.parse(parseToml(toml)));

Deno.test("neither section: no service starts, default limits", () => {
  const config = parse("");
  assertEquals(config, {
    throughput: undefined,
    http: undefined,
    limits: { ...THROUGHPUT_LIMIT_DEFAULTS },
  });
});

Deno.test("[throughput] turns the TCP service on, with documented defaults", () => {
  const config = parse("[throughput]\n");
  assertEquals(config.throughput, {
    listen: [{ address: "0.0.0.0", port: 9876 }],
    helloTimeout: 5_000,
    grace: 2_000,
    connectionsPerSecond: 20,
  });
  assertEquals(config.limits, {
    maxDuration: 30_000,
    maxStreamsPerAddress: 16,
    maxStreams: 64,
    bytesPerHour: 45_000_000_000,
    maxAddresses: 65_536,
  });
  assertEquals(config.http, undefined);
});

Deno.test("every key of both sections is read", () => {
  const config = parse(`
[throughput]
listen = ["[::]:7000", "127.0.0.1"]
hello_timeout = "2s"
grace = "500ms"
connections_per_second = 5
[throughput.limits]
max_duration = "1m"
max_streams_per_address = 8
max_streams = 32
bytes_per_hour = "10 GiB"
max_addresses = 100
[http]
listen = "[::1]:8443"
cert_file = "/etc/c.pem"
key_file = "/etc/k.pem"
cors_origin = "https://speed.example"
max_download_bytes = "250MB"
max_upload_bytes = 1000
max_websockets_per_address = 2
websocket_max_duration = "30s"
`);
  assertEquals(config.throughput, {
    listen: [{ address: "::", port: 7000 }, { address: "127.0.0.1", port: 9876 }],
    helloTimeout: 2_000,
    grace: 500,
    connectionsPerSecond: 5,
  });
  assertEquals(config.limits, {
    maxDuration: 60_000,
    maxStreamsPerAddress: 8,
    maxStreams: 32,
    bytesPerHour: 10 * 1024 ** 3,
    maxAddresses: 100,
  });
  assertEquals(config.http, {
    listen: { address: "::1", port: 8443 },
    certFile: "/etc/c.pem",
    keyFile: "/etc/k.pem",
    corsOrigin: "https://speed.example",
    maxDownloadBytes: 250_000_000,
    maxUploadBytes: 1000,
    maxWebSocketsPerAddress: 2,
    webSocketMaxDuration: 30_000,
  });
});

Deno.test('listen = "" keeps the limits for [http] with the TCP service off', () => {
  const config = parse('[throughput]\nlisten = ""\n[throughput.limits]\nmax_streams = 3\n[http]\n');
  assertEquals(config.throughput, undefined);
  assertEquals(config.limits.maxStreams, 3);
  assertEquals(config.http?.listen, { address: "0.0.0.0", port: 9878 });
});

Deno.test("bad values are refused with the key's path", () => {
  const problems = (toml: string) => {
    const result = root.safeParse(parseToml(toml));
    assertOk(!result.success);
    return result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };
  assertOk(problems('[throughput]\nlisten = "example.com:1"')[0]!.startsWith("throughput.listen:"));
  assertOk(problems('[throughput.limits]\nbytes_per_hour = "lots"')[0]!.includes("byte size"));
  assertOk(problems('[throughput.limits]\nmax_duration = "10ms"')[0]!.includes("at least 1000"));
  assertOk(problems("[throughput]\nunknown = 1")[0]!.includes("unknown"));
  assertOk(problems('[http]\ncert_file = "/c.pem"')[0]!.includes("both cert_file and key_file"));
  assertOk(problems('[http]\nlisten = ["0.0.0.0:1", "0.0.0.0:2"]')[0]!.includes("exactly one"));
});

Deno.test("parseByteSize() reads SI and IEC units", () => {
  assertEquals(parseByteSize("1.5kB"), 1500);
  assertEquals(parseByteSize("2 MiB"), 2 * 1024 * 1024);
  assertEquals(parseByteSize("7"), 7);
  assertEquals(parseByteSize("3TB"), 3e12);
  assertThrows(() => parseByteSize("3 parsecs"), RangeError);
  assertThrows(() => parseByteSize(-1), RangeError);
});

Deno.test("readHttpsFiles() reads both files, or says which one it cannot read", () => {
  const http = resolveThroughputConfig(
    root.parse(parseToml('[http]\ncert_file = "/c.pem"\nkey_file = "/k.pem"\n')),
  ).http!;
  const files: Record<string, string> = { "/c.pem": "CERT", "/k.pem": "KEY" };
  assertEquals(readHttpsFiles(http, (path) => files[path]!), { cert: "CERT", key: "KEY" });
  const error = assertThrows(() =>
    readHttpsFiles(http, (path) => {
      if (path === "/k.pem") throw new Error("permission denied");
      return "CERT";
    }), BufferbaneError);
  assertOk(error.message.includes('HTTPS key "/k.pem"'));
});
