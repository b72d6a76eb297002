import { BufferbaneError } from "../core/errors.ts";
import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { loadServerConfig, parseEndpoint, parseServerConfig } from "./config.ts";
import { THROUGHPUT_LIMIT_DEFAULTS } from "./throughput_limits.ts";

const SECRET = "0123456789abcdef-secret";
const env = (name: string) => name === "BUFFERBANE_SECRET" ? SECRET : undefined;

Deno.test("parseServerConfig() reads every key", () => {
  const config = parseServerConfig(
    [
      'listen = ["127.0.0.1:9000", "[::1]:9001"]',
      'secret_env = "MY_SECRET"',
      'log_level = "debug"',
      'stats_interval = "1m"',
      "kernel_send_stamps = false",
      "[limits]",
      "max_sessions = 50",
      "max_sessions_per_address = 2",
      'min_interval = "100ms"',
      "max_packet_size = 256",
      'max_duration = "60s"',
      'idle_timeout = "10s"',
      'knock_tolerance = "5s"',
      "session_burst = 4",
      "[rate_limit]",
      "packets_per_second = 5",
      "burst = 10",
      "global_packets_per_second = 100",
      "max_addresses = 1000",
      "[health]",
      'listen = "127.0.0.1:0"',
    ].join("\n"),
    { env: (name) => name === "MY_SECRET" ? SECRET : undefined },
  );
  assertEquals(config, {
    listen: [{ address: "127.0.0.1", port: 9000 }, { address: "::1", port: 9001 }],
    secret: SECRET,
    secretSource: "env MY_SECRET",
    logLevel: "debug",
    statsInterval: 60_000,
    kernelSendStamps: false,
    limits: {
      maxSessions: 50,
      maxSessionsPerAddress: 2,
      minInterval: 100,
      maxPacketSize: 256,
      maxDuration: 60_000,
      idleTimeout: 10_000,
      knockTolerance: 5_000,
      sessionBurst: 4,
    },
    rateLimits: { packetsPerSecond: 5, burst: 10, globalPacketsPerSecond: 100, maxAddresses: 1000 },
    health: { address: "127.0.0.1", port: 0 },
    throughput: {
      throughput: undefined,
      http: undefined,
      limits: { ...THROUGHPUT_LIMIT_DEFAULTS },
    },
  });
});

Deno.test("parseServerConfig() has safe defaults and can turn the health view off", () => {
  const config = parseServerConfig('[health]\nlisten = ""\n', { env });
  assertEquals(config.listen, [{ address: "0.0.0.0", port: 9876 }]);
  assertEquals(config.health, undefined);
  assertEquals(config.limits.minInterval, 10);
  assertEquals(config.rateLimits.packetsPerSecond, 20);
});

Deno.test("parseServerConfig() names the file, line and key of every problem", () => {
  const error = assertThrows(
    () =>
      parseServerConfig(
        ['listen = "example.com:1"', "[limits]", 'min_interval = "0s"', "max_sesions = 3"].join(
          "\n",
        ),
        { path: "/etc/bufferbane/server.toml", env },
      ),
    BufferbaneError,
  );
  assertEquals(error.code, "SERVER");
  assertEquals(
    error.message,
    'Invalid server config "/etc/bufferbane/server.toml": ' + [
      '/etc/bufferbane/server.toml:1: listen: expected an IP address and port such as "0.0.0.0:9876", got "example.com:1"',
      "/etc/bufferbane/server.toml:3: limits.min_interval: must be above 0",
      "/etc/bufferbane/server.toml:4: limits.max_sesions: unknown key",
    ].join("; "),
  );
});

Deno.test("parseServerConfig() reports TOML syntax errors with their line", () => {
  const error = assertThrows(() => parseServerConfig("a = 1\nb = [", { env }), BufferbaneError);
  assertOk(error.message.startsWith('Invalid server config "server.toml": server.toml:2: '));
});

Deno.test("parseServerConfig() needs a secret of 16 characters or more", () => {
  const missing = assertThrows(
    () => parseServerConfig("", { env: () => undefined }),
    BufferbaneError,
  );
  assertEquals(missing.message, "No secret configured: env BUFFERBANE_SECRET is empty");
  const short = assertThrows(() => parseServerConfig("", { env: () => "short" }), BufferbaneError);
  assertEquals(
    short.message,
    "Secret from env BUFFERBANE_SECRET is too short: 5 characters, at least 16 needed",
  );
  const fromFile = parseServerConfig('secret_file = "/run/secret"', {
    env: () => undefined,
    readFile: (path) => path === "/run/secret" ? `${SECRET}\n` : "",
  });
  assertEquals([fromFile.secret, fromFile.secretSource], [SECRET, "file /run/secret"]);
});

Deno.test("parseEndpoint() takes IPv4, bracketed IPv6 and bare addresses", () => {
  assertEquals(parseEndpoint("192.0.2.1:53"), { address: "192.0.2.1", port: 53 });
  assertEquals(parseEndpoint("[2001:db8::1]:443"), { address: "2001:db8::1", port: 443 });
  assertEquals(parseEndpoint("2001:db8::1"), { address: "2001:db8::1", port: 9876 });
  assertThrows(() => parseEndpoint("host:1"), RangeError);
  assertThrows(() => parseEndpoint("1.2.3.4:70000"), RangeError);
});

Deno.test("loadServerConfig() uses defaults for a missing optional file only", async () => {
  const path = `${await Deno.makeTempDir()}/absent.toml`;
  const config = await loadServerConfig(path, { optional: true, env });
  assertEquals(config.listen, [{ address: "0.0.0.0", port: 9876 }]);
  const error = await assertRejects(() => loadServerConfig(path, { env }), BufferbaneError);
  assertOk(error.message.startsWith(`Cannot read server config "${path}"`));
});

Deno.test("server.example.toml parses and documents exactly the defaults", async () => {
  const example = await Deno.readTextFile(new URL("./server.example.toml", import.meta.url));
  assertEquals(parseServerConfig(example, { env }), parseServerConfig("", { env }));
  // Its commented [throughput] and [http] sections, uncommented (HTTPS files left out), are
  // the sections' defaults.
  const uncommented = example.slice(example.indexOf("# [throughput]")).split("\n")
    .filter((line) => /^# (\[|[a-z_]+ = )/.test(line) && !/^# (cert|key)_file/.test(line))
    .map((line) => line.slice(2)).join("\n");
  assertEquals(
    parseServerConfig(uncommented, { env }).throughput,
    parseServerConfig("[throughput]\n[http]\n", { env }).throughput,
  );
});

Deno.test("parseServerConfig() starts the throughput service and HTTP endpoints only when their sections are there", () => {
  const env = () => "0123456789abcdef0123";
  const none = parseServerConfig("", { env });
  assertEquals([none.throughput.throughput, none.throughput.http], [undefined, undefined]);
  const both = parseServerConfig(
    '[throughput]\nlisten = "127.0.0.1:0"\n[throughput.limits]\nmax_duration = "10s"\n[http]\n',
    { env },
  );
  assertEquals(both.throughput.throughput?.listen, [{ address: "127.0.0.1", port: 0 }]);
  assertEquals(both.throughput.limits.maxDuration, 10_000);
  assertEquals(both.throughput.http?.listen, { address: "0.0.0.0", port: 9878 });
  let message = "";
  try {
    parseServerConfig('[throughput]\nlisten = "nowhere"\n', { env });
  } catch (error) {
    message = (error as Error).message;
  }
  assertOk(message.includes("server.toml:2: throughput.listen"), message);
});

Deno.test("parseServerConfig() reads [dashboard] and the browser test keys of [http]", () => {
  const config = parseServerConfig(
    [
      "[http]",
      'listen = "127.0.0.1:9878"',
      "web = true",
      'test_max_duration = "2m"',
      "tests_per_hour = 4",
      "",
      "[dashboard]",
      'listen = "127.0.0.1:9879"',
      'token_file = "/etc/bufferbane/dashboard.token"',
      "[[dashboard.targets]]",
      'name = "core-router"',
      'host = "10.0.0.1"',
      'plugins = ["icmp", "udp-echo"]',
    ].join("\n"),
    { env },
  );
  assertEquals(config.throughput.http?.web?.sessions.maxDuration, 120_000);
  assertEquals(config.throughput.http?.web?.sessions.testsPerHour, 4);
  assertEquals(config.throughput.http?.web?.sessions.idleTimeout, 30_000);
  assertEquals(config.dashboard?.listen, { address: "127.0.0.1", port: 9879 });
  assertEquals(config.dashboard?.tokenFile, "/etc/bufferbane/dashboard.token");
  assertEquals(config.dashboard?.targets, [
    { name: "core-router", host: "10.0.0.1", plugins: ["icmp", "udp-echo"] },
  ]);
  const error = assertThrows(
    () =>
      parseServerConfig(
        ["[dashboard]", "[[dashboard.targets]]", 'name = "bad name"', 'host = "x"'].join("\n"),
        { env },
      ),
    BufferbaneError,
  );
  assertOk(error.message.includes("server.toml:3: dashboard.targets[0].name"), error.message);
});
