import { assertEquals, assertOk } from "../tests/support/assert.ts";
import type { SessionKeys } from "../protocol/keys.ts";
import { openGrant, sealHello } from "../protocol/throughput_codec.ts";
import { deriveThroughputKeys } from "../protocol/throughput_keys.ts";
import {
  CONGESTION_CONTROL_REFUSED,
  congestionControlCode,
} from "../protocol/congestion_control.ts";
import { GRANT_SIZE, type HelloBody, StreamDirection } from "../protocol/throughput_wire.ts";
import { SessionDirectory } from "./session_directory.ts";
import {
  startThroughputService,
  type ThroughputEvent,
  type ThroughputServiceOptions,
} from "./throughput_service.ts";

const sessionKeys: SessionKeys = {
  clientToServer: new Uint8Array(32).fill(5),
  serverToClient: new Uint8Array(32).fill(6),
};
const keys = deriveThroughputKeys(sessionKeys, 21n);
const download: HelloBody = {
  direction: StreamDirection.Download,
  index: 0,
  count: 1,
  duration: 300,
};

async function withService(
  options: Partial<ThroughputServiceOptions>,
  fn: (
    port: number,
    events: ThroughputEvent[],
    service: Awaited<ReturnType<typeof startThroughputService>>,
  ) => Promise<void>,
) {
  const sessions = new SessionDirectory();
  sessions.add(21n, "127.0.0.1", sessionKeys);
  const events: ThroughputEvent[] = [];
  const service = await startThroughputService({
    authorize: sessions.authorize,
    onEvent: (event) => events.push(event),
    ...options,
  });
  try {
    await fn(service.addresses[0]!.port, events, service);
  } finally {
    await service.close();
  }
}

/** Sends `hello` and reads everything the server sends until it closes (bounded). */
async function exchange(
  port: number,
  hello: Uint8Array,
  options: { upload?: number; readLimit?: number } = {},
): Promise<{ received: Uint8Array; total: number; ms: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const guard = setTimeout(() => conn.close(), 10_000);
  const started = performance.now();
  const head: number[] = [];
  let total = 0;
  try {
    await conn.write(hello);
    if (options.upload !== undefined) {
      // Read the GRANT, then send for `upload` ms, then close our side and wait for the server's.
      const grant = new Uint8Array(GRANT_SIZE);
      let got = 0;
      while (got < GRANT_SIZE) {
        const n = await conn.read(grant.subarray(got));
        if (n === null) break;
        got += n;
      }
      head.push(...grant.subarray(0, got));
      total = got;
      if (got === GRANT_SIZE) {
        const chunk = new Uint8Array(65536);
        const end = performance.now() + options.upload;
        try {
          while (performance.now() < end) await conn.write(chunk);
        } catch { /* the server closed */ }
        try {
          await conn.closeWrite();
        } catch { /* already closed */ }
      }
    }
    const buffer = new Uint8Array(65536);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        break;
      }
      if (n === null) break;
      if (head.length < 64) head.push(...buffer.subarray(0, Math.min(n, 64 - head.length)));
      total += n;
      if (options.readLimit !== undefined && total >= options.readLimit) break;
    }
  } finally {
    clearTimeout(guard);
    try {
      conn.close();
    } catch { /* closed by the guard */ }
  }
  return { received: new Uint8Array(head), total, ms: performance.now() - started };
}

Deno.test("an authorized download stream gets a GRANT, then data for the granted time", async () => {
  await withService({}, async (port, events) => {
    const hello = sealHello(keys.hello, 21n, download);
    const { received, total, ms } = await exchange(port, hello.message);
    const grant = openGrant(keys.grant, received.subarray(0, GRANT_SIZE), {
      sessionId: 21n,
      nonce: hello.nonce,
      body: download,
    });
    // The GRANT names the algorithm the server sends with: here the system's default.
    const systemDefault = congestionControlCode(
      Deno.readTextFileSync("/proc/sys/net/ipv4/tcp_congestion_control").trim(),
    );
    assertEquals(grant, {
      ok: true,
      value: {
        duration: 300,
        direction: 1,
        index: 0,
        ...(systemDefault ? { congestionControl: systemDefault } : {}),
      },
    });
    assertOk(total > 1_000_000, `only ${total} bytes in 300 ms on loopback`);
    assertOk(ms >= 290, `the stream ended after ${ms} ms`);
    await waitFor(() => events.some((e) => e.kind === "ended"));
    const ended = events.find((e) => e.kind === "ended");
    assertOk(ended?.kind === "ended" && ended.reason === "done" && ended.bytes > 1_000_000);
  });
});

Deno.test("a download is sent with the congestion control it asks for, or told it was refused", async () => {
  await withService({}, async (port) => {
    // reno is always built in and always allowed.
    const reno = { ...download, congestionControl: congestionControlCode("reno")! };
    const hello = sealHello(keys.hello, 21n, reno);
    const { received, total } = await exchange(port, hello.message);
    const grant = openGrant(keys.grant, received.subarray(0, GRANT_SIZE), {
      sessionId: 21n,
      nonce: hello.nonce,
      body: reno,
    });
    assertEquals(grant.ok && grant.value.congestionControl, congestionControlCode("reno"));
    assertOk(total > 1_000_000);
    // cdg is not in this kernel (nor most): refused, and the stream still flows.
    const cdg = { ...download, congestionControl: congestionControlCode("cdg")! };
    const second = sealHello(keys.hello, 21n, cdg);
    const answer = await exchange(port, second.message);
    const refused = openGrant(keys.grant, answer.received.subarray(0, GRANT_SIZE), {
      sessionId: 21n,
      nonce: second.nonce,
      body: cdg,
    });
    const available = Deno.readTextFileSync(
      "/proc/sys/net/ipv4/tcp_available_congestion_control",
    ).split(/\s+/);
    if (!available.includes("cdg")) {
      assertEquals(refused.ok && refused.value.congestionControl, CONGESTION_CONTROL_REFUSED);
    }
    assertOk(answer.total > 1_000_000);
  });
});

Deno.test("an authorized upload stream is read until the client closes", async () => {
  await withService({}, async (port, events, service) => {
    const hello = sealHello(keys.hello, 21n, { ...download, direction: StreamDirection.Upload });
    const { total } = await exchange(port, hello.message, { upload: 200 });
    assertEquals(total, GRANT_SIZE); // the GRANT, then nothing: the server only reads
    await waitFor(() => events.some((e) => e.kind === "ended"));
    const ended = events.find((e) => e.kind === "ended");
    assertOk(ended?.kind === "ended" && ended.direction === "upload" && ended.bytes > 100_000);
    assertEquals(service.stats().bytes.received, ended.bytes);
  });
});

Deno.test("strangers get no byte back: garbage, an unknown session, a forged HELLO, wrong address", async () => {
  await withService({}, async (port, events) => {
    const forged = deriveThroughputKeys(
      { ...sessionKeys, clientToServer: new Uint8Array(32) },
      21n,
    );
    const cases = [
      crypto.getRandomValues(new Uint8Array(68)),
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n".padEnd(68, " ")),
      sealHello(deriveThroughputKeys(sessionKeys, 22n).hello, 22n, download).message,
      sealHello(forged.hello, 21n, download).message,
    ];
    for (const message of cases) {
      const { total } = await exchange(port, message);
      assertEquals(total, 0);
    }
    const reasons = events.map((e) => e.kind === "refused" ? e.reason : e.kind);
    assertEquals(reasons, ["malformed", "malformed", "unknown_session", "unauthentic"]);
  });
  // The session's client is 127.0.0.1: a HELLO from another address of this host is refused.
  const sessions = new SessionDirectory();
  sessions.add(21n, "127.0.0.2", sessionKeys);
  const service = await startThroughputService({ authorize: sessions.authorize });
  try {
    const { total } = await exchange(
      service.addresses[0]!.port,
      sealHello(keys.hello, 21n, download).message,
    );
    assertEquals(total, 0);
    assertEquals(service.stats().admission.refused.unknown_session, 1);
  } finally {
    await service.close();
  }
});

Deno.test("a replayed HELLO gets no byte back", async () => {
  await withService({}, async (port) => {
    const hello = sealHello(keys.hello, 21n, { ...download, duration: 50 }).message;
    assertOk((await exchange(port, hello)).total > GRANT_SIZE);
    assertEquals((await exchange(port, hello)).total, 0);
  });
});

Deno.test("the duration is capped at maxDuration", async () => {
  await withService({ limits: { maxDuration: 200 } }, async (port) => {
    const hello = sealHello(keys.hello, 21n, { ...download, duration: 60_000 });
    const { received, ms } = await exchange(port, hello.message);
    const grant = openGrant(keys.grant, received.subarray(0, GRANT_SIZE), {
      sessionId: 21n,
      nonce: hello.nonce,
      body: { ...download, duration: 60_000 },
    });
    assertEquals(grant.ok && grant.value.duration, 200);
    assertOk(ms < 5_000, `a 200 ms grant lasted ${ms} ms`);
  });
});

Deno.test("streams beyond the per-client cap get no byte back", async () => {
  await withService({ limits: { maxStreamsPerAddress: 2 } }, async (port, events) => {
    const body = { ...download, count: 2, duration: 1_000 };
    const open = [0, 1].map(() => Deno.connect({ hostname: "127.0.0.1", port }));
    const conns = await Promise.all(open);
    try {
      for (const [index, conn] of conns.entries()) {
        await conn.write(sealHello(keys.hello, 21n, { ...body, index }).message);
        const grant = new Uint8Array(GRANT_SIZE);
        assertOk((await conn.read(grant)) !== null);
      }
      const third = await exchange(port, sealHello(keys.hello, 21n, body).message);
      assertEquals(third.total, 0);
      assertOk(events.some((e) => e.kind === "refused" && e.reason === "address_streams"));
    } finally {
      for (const conn of conns) conn.close();
    }
  });
});

Deno.test("a client's bytes per hour are enforced: the stream ends, the next HELLO gets nothing", async () => {
  await withService({ limits: { bytesPerHour: 2_000_000 } }, async (port, events) => {
    const first = await exchange(
      port,
      sealHello(keys.hello, 21n, { ...download, duration: 5_000 }).message,
    );
    assertOk(first.total >= 2_000_000 && first.total < 2_000_000 + 2 * 262_144 + GRANT_SIZE);
    assertOk(first.ms < 4_000, `the stream went on for ${first.ms} ms`);
    await waitFor(() => events.some((e) => e.kind === "ended"));
    const ended = events.find((e) => e.kind === "ended");
    assertOk(ended?.kind === "ended" && ended.reason === "bytes_per_hour");
    const second = await exchange(port, sealHello(keys.hello, 21n, download).message);
    assertEquals(second.total, 0);
    assertOk(events.some((e) => e.kind === "refused" && e.reason === "bytes_per_hour"));
  });
});

Deno.test("a connection that sends no HELLO is closed after helloTimeout", async () => {
  await withService({ helloTimeout: 150 }, async (port, events) => {
    const { total, ms } = await exchange(port, new Uint8Array(10)); // a partial HELLO
    assertEquals(total, 0);
    assertOk(ms >= 100 && ms < 3_000, `closed after ${ms} ms`);
    assertOk(events.some((e) => e.kind === "refused" && e.reason === "hello_timeout"));
  });
});

Deno.test("connections beyond connectionsPerSecond are closed at once", async () => {
  await withService({ connectionsPerSecond: 1 }, async (port, _events, service) => {
    // Burst of 2 allowed; the 3rd and 4th are dropped before reading anything.
    for (let i = 0; i < 4; i++) await exchange(port, new Uint8Array(68));
    assertEquals(service.stats().dropped.rate_limited, 2);
  });
});

Deno.test("close() ends streams in progress", async () => {
  const sessions = new SessionDirectory();
  sessions.add(21n, "127.0.0.1", sessionKeys);
  const service = await startThroughputService({ authorize: sessions.authorize });
  const pending = exchange(
    service.addresses[0]!.port,
    sealHello(keys.hello, 21n, { ...download, duration: 20_000 }).message,
  );
  await waitFor(() => service.stats().active.download === 1);
  const started = performance.now();
  await service.close();
  const { ms } = await pending;
  assertOk(performance.now() - started < 2_000 && ms < 10_000);
  assertEquals(service.stats().active.download, 0);
});

async function waitFor(condition: () => boolean, ms = 3_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
