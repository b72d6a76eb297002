import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { startHttpEndpoints } from "./http_endpoints.ts";
import { type HouseholdSocketStats, MEDIA_HEADER_BYTES, MEDIA_KIND } from "./household_socket.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`${url} did not open`));
  });
  return socket;
}

Deno.test("household sockets: each user's traffic at its rate and pattern, probes echoed, upstream counted", async () => {
  const server = await startHttpEndpoints({ web: {} });
  const sessions = server.web!.sessions;
  const session = sessions.start("127.0.0.1", "household");
  assertOk("id" in session);
  const ws = server.url.replace("http", "ws");
  const url = (user: string) => `${ws}/ws/household?session=${session.id}&user=${user}`;
  try {
    // Refusals first: wrong user, a single-user session, no session.
    for (
      const [path, status] of [
        [`/ws/household?session=${session.id}&user=cat`, 400],
        ["/ws/household?session=nope&user=gamer", 403],
      ] as const
    ) {
      const answer = await fetch(`${server.url}${path}`, { headers: { upgrade: "websocket" } });
      assertEquals(answer.status, status, path);
      await answer.body?.cancel();
    }
    const gamer = await openSocket(url("gamer"));
    const streaming = await openSocket(url("streaming"));
    const duplicate = await fetch(`${server.url}/ws/household?session=${session.id}&user=gamer`, {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    assertEquals(duplicate.status, 409);
    await duplicate.body?.cancel();

    const arrivals: { user: string; at: number; bytes: number; seq: number }[] = [];
    const echoes: number[] = [];
    const stats = new Map<string, HouseholdSocketStats>();
    const started = performance.now();
    for (const [user, socket] of [["gamer", gamer], ["streaming", streaming]] as const) {
      socket.onmessage = (event) => {
        if (typeof event.data === "string") {
          const message = JSON.parse(event.data);
          if (typeof message.t === "number") echoes.push(performance.now() - message.t);
          if (message.stats) stats.set(user, message.stats);
          return;
        }
        const view = new DataView(event.data as ArrayBuffer);
        assertEquals(view.getUint8(0), MEDIA_KIND.down);
        arrivals.push({
          user,
          at: performance.now() - started,
          bytes: (event.data as ArrayBuffer).byteLength,
          seq: view.getUint32(1),
        });
      };
    }
    // The gamer sends upstream packets, with one gap, and probes.
    const up = new Uint8Array(128);
    const view = new DataView(up.buffer);
    view.setUint8(0, MEDIA_KIND.up);
    for (let i = 0; i < 60; i++) {
      if (i === 30) continue; // a packet the page dropped
      view.setUint32(1, i);
      view.setFloat64(5, performance.timeOrigin + performance.now());
      gamer.send(up);
      if (i % 10 === 0) gamer.send(JSON.stringify({ t: performance.now() }));
      await sleep(100);
    }
    for (const socket of [gamer, streaming]) socket.send(JSON.stringify({ stats: true }));
    await sleep(300);
    const seconds = (performance.now() - started) / 1000;

    const gamerBytes = arrivals.filter((a) => a.user === "gamer").reduce((s, a) => s + a.bytes, 0);
    const gamerMbps = gamerBytes * 8 / 1e6 / seconds;
    assertOk(gamerMbps > 1.2 && gamerMbps < 1.7, `gamer ${gamerMbps.toFixed(2)} Mbit/s`);
    assertOk(arrivals.filter((a) => a.user === "gamer").every((a) => a.bytes === 256));
    // Streaming: 25 Mbit/s for 1 s, then 4 s of silence.
    const streamed = arrivals.filter((a) => a.user === "streaming");
    const inFirst = streamed.filter((a) => a.at < 1_100).reduce((s, a) => s + a.bytes, 0);
    const inQuiet = streamed.filter((a) => a.at > 1_300 && a.at < 4_900).reduce(
      (s, a) => s + a.bytes,
      0,
    );
    const burstMbps = inFirst * 8 / 1e6 / 1.1;
    assertOk(burstMbps > 18 && burstMbps < 30, `burst ${burstMbps.toFixed(1)} Mbit/s`);
    assertEquals(inQuiet, 0, "nothing between bursts");
    assertOk(streamed.some((a) => a.at > 5_000 && a.at < 6_200), "the next burst came");
    assertEquals(echoes.length, 5); // at 0, 10, 20, 40 and 50 (30 was skipped)
    const gamerStats = stats.get("gamer")!;
    assertEquals(gamerStats.upReceived, 59);
    assertEquals(gamerStats.upMissing, 1);
    assertEquals(gamerStats.upBytes, 59 * 128);
    assertEquals(gamerStats.dropped, 0);
    // The stats answer left a little before the last packets counted here.
    const gamerPackets = arrivals.filter((a) => a.user === "gamer").length;
    assertOk(
      Math.abs(gamerStats.sent - gamerPackets) < 0.1 * gamerPackets,
      `${gamerStats.sent} vs ${gamerPackets}`,
    );
    assertEquals(MEDIA_HEADER_BYTES, 13);

    // The session's end closes every user's socket.
    const closed = Promise.all(
      [gamer, streaming].map((s) => new Promise<CloseEvent>((resolve) => s.onclose = resolve)),
    );
    sessions.end(session.id, "done");
    const events = await closed;
    assertEquals(events.map((e) => e.reason), ["test session ended", "test session ended"]);
  } finally {
    await server.close();
  }
});

Deno.test("household sockets count against the client's streams and bytes per hour", async () => {
  const server = await startHttpEndpoints({
    web: {},
    limits: { bytesPerHour: 200_000, maxStreamsPerAddress: 1 },
  });
  const session = server.web!.sessions.start("127.0.0.1", "household");
  assertOk("id" in session);
  const ws = server.url.replace("http", "ws");
  try {
    const bulk = await openSocket(`${ws}/ws/household?session=${session.id}&user=bulk`);
    const closed = new Promise<CloseEvent>((resolve) => bulk.onclose = resolve);
    // A second user of the same client is over its one stream.
    const second = await fetch(`${server.url}/ws/household?session=${session.id}&user=gamer`, {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    assertEquals(second.status, 429);
    assertOk((await second.text()).includes("address streams"));
    // 50 Mbit/s spends a 200 kB allowance at once: the server closes the socket.
    const close = await closed;
    assertEquals([close.code, close.reason], [1008, "bytes per hour"]);
  } finally {
    await server.close();
  }
});
