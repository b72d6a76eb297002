import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import dgram from "node:dgram";
import type { Buffer } from "node:buffer";
// @ts-types="npm:@types/dns-packet@5.6.5"
import * as dnsPacket from "dns-packet";
import { queryDns, rcodeName } from "./_dns_query.ts";
import { startDnsResponder } from "../server/dns_responder.ts";

/** A loopback UDP server whose replies the test scripts; `reply` returns datagrams to send. */
async function scriptedServer(
  reply: (query: dnsPacket.DecodedPacket) => Uint8Array[],
): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message: Buffer, peer: dgram.RemoteInfo) => {
    for (const datagram of reply(dnsPacket.decode(message))) {
      socket.send(datagram, peer.port, peer.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function responseTo(query: dnsPacket.DecodedPacket, rcode: number, id = query.id): Uint8Array {
  return dnsPacket.encode({
    type: "response",
    id,
    flags: rcode,
    questions: query.questions,
    answers: rcode === 0
      ? [{ type: "A", name: query.questions![0]!.name, ttl: 5, data: "192.0.2.1" }]
      : [],
  });
}

Deno.test("queryDns() reports answers, NODATA and NXDOMAIN from a responder", async () => {
  const responder = await startDnsResponder({
    records: { "a.test": { A: ["192.0.2.1", "192.0.2.2"], TXT: ["x"] } },
  });
  try {
    const ask = (name: string, recordType: "A" | "AAAA") =>
      queryDns(
        { name, recordType, address: "127.0.0.1", port: responder.port },
        AbortSignal.timeout(1000),
      );
    const found = await ask("a.test.", "A");
    assertEquals({ ...found, elapsed: 0 }, {
      rcode: "NOERROR",
      answers: 2,
      truncated: false,
      elapsed: 0,
    });
    assert(found.elapsed > 0 && found.elapsed < 1000, `elapsed ${found.elapsed}`);
    assertEquals((await ask("a.test", "AAAA")).answers, 0);
    assertEquals((await ask("nowhere.test", "A")).rcode, "NXDOMAIN");
  } finally {
    await responder.close();
  }
});

Deno.test("queryDns() names every response code the server sends", async () => {
  const server = await scriptedServer((query) => {
    const rcode = Number(query.questions![0]!.name.split(".")[0]!.slice(1));
    return [responseTo(query, rcode)];
  });
  try {
    for (
      const [rcode, name] of [[2, "SERVFAIL"], [5, "REFUSED"], [1, "FORMERR"], [12, "RCODE12"]]
    ) {
      const result = await queryDns(
        { name: `r${rcode}.test`, recordType: "A", address: "127.0.0.1", port: server.port },
        AbortSignal.timeout(1000),
      );
      assertEquals(result.rcode, name);
    }
  } finally {
    await server.close();
  }
});

Deno.test("queryDns() ignores garbage and answers with a wrong id or question", async () => {
  const server = await scriptedServer((query) => [
    new Uint8Array([1, 2, 3]),
    responseTo(query, 3, (query.id! + 1) % 65536),
    dnsPacket.encode({
      type: "response",
      id: query.id,
      flags: 3,
      questions: [{ type: "A", name: "other.test" }],
    }),
    responseTo(query, 0),
  ]);
  try {
    const result = await queryDns(
      { name: "real.test", recordType: "A", address: "127.0.0.1", port: server.port },
      AbortSignal.timeout(1000),
    );
    assertEquals(result.rcode, "NOERROR");
    assertEquals(result.answers, 1);
  } finally {
    await server.close();
  }
});

Deno.test("queryDns() rejects with the signal's reason when nobody answers", async () => {
  const silent = await scriptedServer(() => []);
  try {
    const started = performance.now();
    await rejects(
      () =>
        queryDns(
          { name: "a.test", recordType: "A", address: "127.0.0.1", port: silent.port },
          AbortSignal.timeout(50),
        ),
      { name: "TimeoutError" },
    );
    assert(performance.now() - started < 500, "the wait outlived its signal");
  } finally {
    await silent.close();
  }
});

Deno.test("queryDns() rejects names the wire format cannot carry, sending nothing", async () => {
  let received = 0;
  const server = await scriptedServer(() => {
    received++;
    return [];
  });
  try {
    const cases = [
      [`${"x".repeat(64)}.test`, "label longer than 63 bytes"],
      [`${"x".repeat(60)}.`.repeat(5) + "test", "longer than 253 bytes"],
      ["a..test", "empty label"],
      ["", "empty"],
    ];
    for (const [name, why] of cases) {
      await rejects(
        () =>
          queryDns(
            { name: name!, recordType: "A", address: "127.0.0.1", port: server.port },
            AbortSignal.timeout(1000),
          ),
        { name: "TypeError", message: `Invalid DNS name "${name}": ${why}` },
      );
    }
    assertEquals(received, 0);
  } finally {
    await server.close();
  }
});

Deno.test("queryDns() rejects at once when the signal is already aborted", async () => {
  await rejects(
    () =>
      queryDns(
        { name: "a.test", recordType: "A", address: "127.0.0.1", port: 1 },
        AbortSignal.abort(new Error("stopped")),
      ),
    { message: "stopped" },
  );
});

Deno.test("rcodeName() names assigned codes and numbers the rest", () => {
  assertEquals([0, 2, 3, 5, 10, 11].map(rcodeName), [
    "NOERROR",
    "SERVFAIL",
    "NXDOMAIN",
    "REFUSED",
    "NOTZONE",
    "RCODE11",
  ]);
});

/** Whether this machine can bind UDP on `::1` (containers sometimes cannot). */
async function hasIpv6Loopback(): Promise<boolean> {
  try {
    const responder = await startDnsResponder({ hostname: "::1", records: {} });
    await responder.close();
    return true;
  } catch {
    return false;
  }
}

const ipv6 = await hasIpv6Loopback();

Deno.test({
  name: `queryDns() asks an IPv6 server${ipv6 ? "" : " (skipped: no ::1)"}`,
  ignore: !ipv6,
  async fn() {
    const responder = await startDnsResponder({
      hostname: "::1",
      records: { "a.test": { AAAA: ["2001:db8::1"] } },
    });
    try {
      const result = await queryDns(
        { name: "a.test", recordType: "AAAA", address: "::1", port: responder.port },
        AbortSignal.timeout(1000),
      );
      assertEquals([result.rcode, result.answers], ["NOERROR", 1]);
    } finally {
      await responder.close();
    }
  },
});
