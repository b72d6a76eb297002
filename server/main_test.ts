/**
 * `server/main.ts` as a process: configuration, JSON logs, health view, SIGUSR2 stats and a
 * graceful SIGTERM that tells the open session; with `[throughput]`, TCP streams authorized by
 * a live UDP echo session and refused without one (loopback only, about 1 s of load).
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { openSession } from "../protocol/client.ts";
import { startTcpLoad, type ThroughputAuthorization } from "../load/tcp_load.ts";
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

const needsFfi = missing(["ffi"]);
const SECRET = "main test secret 0123456789";
const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function config(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  await Deno.writeTextFile(path, text);
  return path;
}

function spawn(args: string[], env: Record<string, string> = { BUFFERBANE_SECRET: SECRET }) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The lines of a byte stream. */
async function* logLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

Deno.test({
  name: skippable(
    "server/main.ts serves, reports health and stats, and shuts down gracefully",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    const path = await config(
      ['listen = "127.0.0.1:0"', "[health]", 'listen = "127.0.0.1:0"'].join("\n"),
    );
    const child = spawn(["--config", path]);
    const lines = logLines(child.stderr);
    const next = async (msg: string) => {
      while (true) {
        const { value, done } = await lines.next();
        assertOk(!done, `the server exited before logging "${msg}"`);
        const line = JSON.parse(value) as Record<string, unknown>;
        if (line.msg === msg) return line;
      }
    };
    try {
      const listening = await next("listening");
      assertEquals(listening.secret, "env BUFFERBANE_SECRET");
      assertOk(!JSON.stringify(listening).includes(SECRET), "the secret was logged");
      const port = Number(String((listening.addresses as string[])[0]).split(":")[1]);
      const health = await fetch(`http://${listening.health}/health`);
      const body = await health.json();
      assertEquals([body.status, body.sessions.active], ["ok", 0]);

      const session = await openSession({ host: "127.0.0.1", port, secret: SECRET, interval: 10 });
      assertEquals((await session.echo(7))?.seq, 7);
      assertEquals((await next("session opened")).packetSize, 1472);

      child.kill("SIGUSR2");
      const stats = await next("stats");
      assertEquals((stats.sessions as { active: number }).active, 1);

      const closed = (async () => {
        for await (const event of session.events(AbortSignal.timeout(3000))) {
          if (event.kind === "closed") return event.reason;
        }
      })();
      child.kill("SIGTERM");
      assertEquals(await closed, "shutdown");
      const final = await next("final stats");
      assertEquals(final.replies, 1);
      assertEquals((await child.status).code, 0);
      await session.close();
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await lines.return(undefined);
      await child.stdout.cancel();
    }
  },
});

Deno.test("server/main.ts refuses to start without a secret, saying how to set one", async () => {
  const path = await config('listen = "127.0.0.1:0"\n');
  const output = await spawn(["--config", path], {}).output();
  assertEquals(output.code, 1);
  const line = JSON.parse(new TextDecoder().decode(output.stderr).trim());
  assertEquals([line.level, line.code], ["error", "SERVER"]);
  assertOk(String(line.msg).startsWith("No secret configured: env BUFFERBANE_SECRET is empty"));
});

Deno.test("server/main.ts --check prints the configuration with the secret redacted", async () => {
  const path = await config('listen = "127.0.0.1:9999"\n[limits]\nmin_interval = "50ms"\n');
  const output = await spawn(["--config", path, "--check"]).output();
  assertEquals(output.code, 0);
  const printed = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(
    [printed.secret, printed.listen, printed.limits.minInterval],
    ["(redacted)", ["127.0.0.1:9999"], 50],
  );
});

Deno.test({
  name: skippable(
    "server/main.ts with [throughput] serves TCP load to a live UDP session only",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    const path = await config(
      [
        'listen = "127.0.0.1:0"',
        'stats_interval = "0s"',
        "[health]",
        'listen = ""',
        "[throughput]",
        'listen = "127.0.0.1:0"',
      ].join("\n"),
    );
    const child = spawn(["--config", path]);
    const lines = logLines(child.stderr);
    const seen: string[] = [];
    const next = async (msg: string) => {
      while (true) {
        const { value, done } = await lines.next();
        assertOk(!done, `the server exited before logging "${msg}"`);
        seen.push(value);
        const line = JSON.parse(value) as Record<string, unknown>;
        if (line.msg === msg) return line;
      }
    };
    try {
      const listening = await next("listening");
      const udpPort = Number(String((listening.addresses as string[])[0]).split(":")[1]);
      const tcp = listening.throughput as string[];
      assertEquals(tcp.length, 1);
      const tcpPort = Number(tcp[0]!.split(":")[1]);
      assertOk(tcpPort > 0 && tcpPort !== 9876, tcp[0]);

      const session = await openSession({
        host: "127.0.0.1",
        port: udpPort,
        secret: SECRET,
        interval: 10,
      });
      await next("session opened");
      const load = startTcpLoad({
        address: "127.0.0.1",
        port: tcpPort,
        session,
        mode: "bidirectional",
        streams: 2,
        warmup: 0,
        duration: 1000,
      });
      const result = await load.done;
      assertOk(result.download!.bytesTotal > 0, JSON.stringify(result.download));
      assertOk(result.upload!.bytesTotal > 0, JSON.stringify(result.upload));
      assertEquals(result.download!.streams.length, 2);

      // No session: the server closes without a word, and the load says so.
      const stranger: ThroughputAuthorization = {
        sessionId: 12345n,
        keys: { clientToServer: new Uint8Array(32), serverToClient: new Uint8Array(32) },
      };
      const refused = async (who: ThroughputAuthorization) => {
        try {
          await startTcpLoad({
            address: "127.0.0.1",
            port: tcpPort,
            session: who,
            streams: 1,
            warmup: 0,
            duration: 500,
          }).done;
          return "served";
        } catch (error) {
          return error instanceof BufferbaneError ? error.code : String(error);
        }
      };
      assertEquals(await refused(stranger), ErrorCode.Server);
      // A session that ended no longer authorizes (its keys left with it).
      const ended = { sessionId: session.sessionId, keys: session.keys };
      await session.close();
      await next("session closed");
      assertEquals(await refused(ended), ErrorCode.Server);

      // The stats come from the final line here (SIGUSR2 is covered by the first test).
      child.kill("SIGTERM");
      const final = await next("final stats") as {
        throughput?: { bytes: { sent: number; received: number } };
      };
      assertOk((final.throughput?.bytes.sent ?? 0) > 0, JSON.stringify(final.throughput));
      assertOk((final.throughput?.bytes.received ?? 0) > 0, JSON.stringify(final.throughput));
      assertEquals((await child.status).code, 0);
      assertOk(!seen.some((line) => line.includes("clientToServer")), "keys were logged");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await lines.return(undefined);
      await child.stdout.cancel();
    }
  },
});
