import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import dgram from "node:dgram";
import type { Buffer } from "node:buffer";
// @ts-types="npm:@types/dns-packet@5.6.5"
import * as dnsPacket from "dns-packet";
import { startDnsResponder } from "./dns_responder.ts";
import type { DnsResponder } from "./dns_responder.ts";

const RECORDS = {
  "probe.bufferbane.test": { A: ["192.0.2.10", "192.0.2.11"], AAAA: ["2001:db8::10"] },
  "text.bufferbane.test.": { TXT: ["hello", "world"] },
};

/** Sends raw bytes to the responder and returns the decoded answer, or `undefined` on silence. */
async function exchange(
  responder: DnsResponder,
  bytes: Uint8Array,
  waitMs = 1000,
): Promise<dnsPacket.DecodedPacket | undefined> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.on("message", (message: Buffer) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(message));
      });
      socket.send(bytes, responder.port, responder.hostname);
    });
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

function query(
  name: string,
  type: dnsPacket.RecordType,
  extra: Partial<dnsPacket.Packet> = {},
): Uint8Array {
  return dnsPacket.encode({
    type: "query",
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: "IN" }],
    ...extra,
  });
}

const rcodeOf = (packet: dnsPacket.DecodedPacket | undefined) => (packet?.flags ?? -1) & 0xf;

Deno.test("startDnsResponder() answers A, AAAA and TXT and echoes id and question", async () => {
  const responder = await startDnsResponder({ records: RECORDS, ttl: 30 });
  try {
    const a = await exchange(responder, query("Probe.Bufferbane.Test", "A"));
    assert(a);
    assertEquals(a.id, 4242);
    assertEquals(a.type, "response");
    assertEquals(a.flag_aa, true);
    assertEquals(a.flag_rd, true);
    assertEquals(rcodeOf(a), 0);
    assertEquals(a.questions, [{ name: "Probe.Bufferbane.Test", type: "A", class: "IN" }]);
    assertEquals(a.answers?.map((answer) => answer.type === "A" && answer.data), [
      "192.0.2.10",
      "192.0.2.11",
    ]);
    const first = a.answers?.[0];
    assertEquals(first?.type === "A" && first.ttl, 30);

    const aaaa = await exchange(responder, query("probe.bufferbane.test", "AAAA"));
    assertEquals(aaaa?.answers?.map((answer) => answer.type === "AAAA" && answer.data), [
      "2001:db8::10",
    ]);

    const txt = await exchange(responder, query("text.bufferbane.test", "TXT"));
    assertEquals(
      txt?.answers?.map((answer) =>
        answer.type === "TXT" && [answer.data].flat().map(String).join("")
      ),
      ["hello", "world"],
    );
    assertEquals(responder.stats(), { queries: 3, nxdomain: 0, malformed: 0 });
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() answers NXDOMAIN to unknown names, NODATA to others", async () => {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    const unknown = await exchange(responder, query("missing.bufferbane.test", "A"));
    assertEquals(rcodeOf(unknown), 3);
    assertEquals(unknown?.answers, []);
    const noData = await exchange(responder, query("text.bufferbane.test", "A"));
    assertEquals(rcodeOf(noData), 0);
    assertEquals(noData?.answers, []);
    assertEquals(responder.stats(), { queries: 2, nxdomain: 1, malformed: 0 });
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() answers every record type to ANY", async () => {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    const any = await exchange(responder, query("probe.bufferbane.test", "ANY" as "A"));
    assertEquals(any?.answers?.map((answer) => answer.type), ["A", "A", "AAAA"]);
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() ignores malformed datagrams and keeps answering", async () => {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    const garbage = [
      new Uint8Array([1, 2, 3]), // shorter than a header
      new Uint8Array(12).fill(0xff), // a header claiming 65535 questions that are not there
      dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", name: "x" }] }),
    ];
    for (const bytes of garbage) {
      assertEquals(await exchange(responder, bytes, 150), undefined);
    }
    assertEquals(responder.stats().malformed, 3);
    const after = await exchange(responder, query("probe.bufferbane.test", "A"));
    assertEquals(after?.answers?.length, 2);
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() answers FORMERR, REFUSED and NOTIMP to odd queries", async () => {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    const twoQuestions = query("probe.bufferbane.test", "A", {
      questions: [{ type: "A", name: "a.test" }, { type: "A", name: "b.test" }],
    });
    assertEquals(rcodeOf(await exchange(responder, twoQuestions)), 1);
    const chaos = query("version.bind", "TXT", {
      questions: [{ type: "TXT", name: "version.bind", class: "CH" }],
    });
    assertEquals(rcodeOf(await exchange(responder, chaos)), 5);
    const status = query("probe.bufferbane.test", "A", { flags: 2 << 11 }); // opcode STATUS
    const notImplemented = await exchange(responder, status);
    assertEquals(rcodeOf(notImplemented), 4);
    assertEquals(notImplemented?.flags && (notImplemented.flags >> 11) & 0xf, 2);
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() truncates answers over 512 bytes", async () => {
  const long = "x".repeat(200);
  const responder = await startDnsResponder({
    records: { "big.bufferbane.test": { TXT: [long, long, long] } },
  });
  try {
    const response = await exchange(responder, query("big.bufferbane.test", "TXT"));
    assertEquals(response?.flag_tc, true);
    assertEquals(response?.answers, []);
  } finally {
    await responder.close();
  }
});

Deno.test("startDnsResponder() serves Deno.resolveDns", async () => {
  const responder = await startDnsResponder({ records: RECORDS });
  try {
    const nameServer = { ipAddr: responder.hostname, port: responder.port };
    assertEquals(
      await Deno.resolveDns("probe.bufferbane.test", "A", { nameServer }),
      ["192.0.2.10", "192.0.2.11"],
    );
    assertEquals(await Deno.resolveDns("text.bufferbane.test", "TXT", { nameServer }), [
      ["hello"],
      ["world"],
    ]);
    await rejects(
      () => Deno.resolveDns("missing.bufferbane.test", "A", { nameServer }),
      Deno.errors.NotFound,
    );
  } finally {
    await responder.close();
  }
});

/** Whether this machine can bind UDP on `::1` (containers sometimes cannot). */
async function hasIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket("udp6");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "::1", () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound
    }
  }
}

const ipv6 = await hasIpv6Loopback();

Deno.test({
  name: `startDnsResponder() listens on IPv6 loopback${ipv6 ? "" : " (skipped: no ::1)"}`,
  ignore: !ipv6,
  async fn() {
    const responder = await startDnsResponder({ hostname: "::1", records: RECORDS });
    try {
      assertEquals(responder.hostname, "::1");
      const addresses = await Deno.resolveDns("probe.bufferbane.test", "AAAA", {
        nameServer: { ipAddr: "::1", port: responder.port },
      });
      assertEquals(addresses, ["2001:db8::10"]);
    } finally {
      await responder.close();
    }
  },
});

Deno.test("startDnsResponder() rejects invalid records and ttl", async () => {
  await rejects(
    () => startDnsResponder({ records: { "a.test": { A: ["2001:db8::1"] } } }),
    { message: 'Invalid A record "2001:db8::1" for "a.test": not an IPv4 address' },
  );
  await rejects(
    () => startDnsResponder({ records: { "a.test": { AAAA: ["192.0.2.1"] } } }),
    { message: 'Invalid AAAA record "192.0.2.1" for "a.test": not an IPv6 address' },
  );
  await rejects(
    () => startDnsResponder({ records: { "a.test": { TXT: ["y".repeat(256)] } } }),
    { code: "SERVER" },
  );
  await rejects(
    () => startDnsResponder({ records: { "A.test": {}, "a.test.": {} } }),
    { message: 'Invalid DNS responder name "a.test.": listed twice' },
  );
  await rejects(() => startDnsResponder({ records: {}, ttl: -1 }), {
    message: 'Invalid DNS responder ttl "-1"',
  });
});

Deno.test("startDnsResponder() reports a port that is taken", async () => {
  const first = await startDnsResponder({ records: {} });
  try {
    await rejects(
      () => startDnsResponder({ records: {}, port: first.port }),
      (error: Error & { code?: string }) => {
        assertEquals(error.code, "SERVER");
        assert(
          error.message.startsWith(`Cannot start DNS responder on "127.0.0.1:${first.port}": `),
        );
        return true;
      },
    );
  } finally {
    await first.close();
  }
});

Deno.test("startDnsResponder() close() frees the port and may be called twice", async () => {
  const responder = await startDnsResponder({ records: {} });
  await Promise.all([responder.close(), responder.close()]);
  const again = await startDnsResponder({ records: {}, port: responder.port });
  await again.close();
});
