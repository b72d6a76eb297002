/**
 * `server/main.ts` as a process: configuration, JSON logs, health view, SIGUSR1 stats and a
 * graceful SIGTERM that tells the open session.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { missing, skippable } from "../ffi/_test_env.ts";
import { openSession } from "../protocol/client.ts";

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

      child.kill("SIGUSR1");
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
