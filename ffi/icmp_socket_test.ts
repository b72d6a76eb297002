import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { checkNetns, withNetns } from "../tests/support/netns.ts";
import { elapsedMs } from "./clock.ts";
import { SocketError } from "./errno.ts";
import { type EchoReply, type EchoSent, type IcmpMessage, IcmpSocket } from "./icmp_socket.ts";
import { sharedReactor } from "./reactor.ts";
import { missing, skippable } from "./_test_env.ts";

const needsRoot = missing(["ffi", "root"]);
const netns = needsRoot === undefined ? await checkNetns() : undefined;
const needsNetns = needsRoot ?? (netns?.available ? undefined : netns?.reason);

async function receiveN(socket: IcmpSocket, count: number): Promise<IcmpMessage[]> {
  const messages: IcmpMessage[] = [];
  while (messages.length < count) messages.push(await socket.receive(AbortSignal.timeout(2000)));
  return messages;
}

/** Sends `count` echoes at once, waits for the replies, checks ids, seqs and kernel RTTs. */
async function pingLoopback(family: 4 | 6, address: string) {
  using socket = IcmpSocket.open({ family });
  assertOk(socket.kind === "ping" || socket.kind === "raw");
  const seqs = [1, 2, 3, 4, 5];
  const sending = seqs.map((seq) => socket.sendEcho({ address, seq, payloadSize: 24 }));
  const replies = (await receiveN(socket, seqs.length)) as EchoReply[];
  const sent = await Promise.all(sending);
  assertEquals(replies.map((reply) => reply.kind), seqs.map(() => "reply"));
  assertEquals(replies.map((reply) => reply.seq).sort(), seqs);
  const rtts: number[] = [];
  for (const reply of replies) {
    const request = sent.find((s) => s.seq === reply.seq) as EchoSent;
    assertEquals(reply.id, socket.id);
    assertEquals(request.id, socket.id);
    assertEquals(reply.from, address);
    assertEquals(reply.payloadSize, 24);
    assertOk(reply.ttl !== undefined && reply.ttl > 0, `ttl ${reply.ttl}`);
    assertEquals(request.sentAtSource, "kernel");
    assertEquals(reply.receivedAtSource, "kernel");
    rtts.push(elapsedMs(request.sentAt, reply.receivedAt));
  }
  // Kernel stamps leave out JavaScript scheduling; softirq delays on a loaded machine can still
  // stretch one round trip, so the median is what must be small.
  const median = rtts.sort((a, b) => a - b)[Math.floor(rtts.length / 2)]!;
  assertOk(rtts.every((rtt) => rtt > 0), `RTTs ${rtts}`);
  assertOk(median < 5, `median loopback RTT from kernel stamps is ${median} ms (${rtts})`);
}

Deno.test({
  name: skippable("IcmpSocket pings 127.0.0.1 with kernel-stamped RTTs", needsRoot),
  ignore: needsRoot !== undefined,
  fn: () => pingLoopback(4, "127.0.0.1"),
});

Deno.test({
  name: skippable("IcmpSocket pings ::1 with kernel-stamped RTTs", needsRoot),
  ignore: needsRoot !== undefined,
  fn: () => pingLoopback(6, "::1"),
});

Deno.test({
  name: skippable("IcmpSocket echoes payloads of any size and rejects bad requests", needsRoot),
  ignore: needsRoot !== undefined,
  async fn() {
    using socket = IcmpSocket.open({ family: 4 });
    for (const payloadSize of [0, 1, 1400, 8000]) {
      await socket.sendEcho({ address: "127.0.0.1", seq: payloadSize, payloadSize });
      const [reply] = await receiveN(socket, 1);
      assertEquals(reply?.kind === "reply" ? [reply.seq, reply.payloadSize] : [], [
        payloadSize,
        payloadSize,
      ]);
    }
    await assertRejects(
      () => socket.sendEcho({ address: "127.0.0.1", seq: 70000 }),
      RangeError,
    );
    await assertRejects(() => socket.sendEcho({ address: "::1", seq: 1 }), RangeError);
  },
});

Deno.test({
  name: skippable("IcmpSocket raw sockets use the identifier they are given", needsRoot),
  ignore: needsRoot !== undefined,
  async fn() {
    using socket = IcmpSocket.open({ family: 6, kind: "raw", id: 4242 });
    assertEquals([socket.kind, socket.id], ["raw", 4242]);
    const sent = await socket.sendEcho({ address: "::1", seq: 3 });
    const [reply] = await receiveN(socket, 1);
    assertEquals([sent.id, reply?.id, reply?.seq], [4242, 4242, 3]);
    let error: unknown;
    try {
      IcmpSocket.open({ id: 65536 });
    } catch (caught) {
      error = caught;
    }
    assertOk(error instanceof RangeError);
  },
});

Deno.test({
  name: skippable("IcmpSocket.receive() honours its signal and close() rejects waiters", needsRoot),
  ignore: needsRoot !== undefined,
  async fn() {
    const socket = IcmpSocket.open({ family: 4 });
    const timedOut = await assertRejects(
      () => socket.receive(AbortSignal.timeout(30)),
      DOMException,
    );
    assertEquals(timedOut.name, "TimeoutError");
    const waiting = socket.receive();
    socket.close();
    const closed = await assertRejects(() => waiting, SocketError);
    assertEquals(closed.errnoName, "EBADF");
    await assertRejects(() => socket.sendEcho({ address: "127.0.0.1", seq: 1 }), SocketError);
    assertOk(socket.closed);
    assertEquals(sharedReactor().activeCount, 0);
  },
});

Deno.test({
  name: skippable(
    "IcmpSocket kind ping fails with EACCES where ping_group_range excludes us",
    needsRoot,
  ),
  ignore: needsRoot !== undefined ||
    Deno.readTextFileSync("/proc/sys/net/ipv4/ping_group_range").trim() !== "1\t0",
  fn() {
    let error: unknown;
    try {
      IcmpSocket.open({ kind: "ping" }).close();
    } catch (caught) {
      error = caught;
    }
    assertOk(error instanceof SocketError);
    assertEquals(error.errnoName, "EACCES");
    assertEquals(error.code, "PERMISSION");
  },
});

Deno.test({
  name: skippable(
    "IcmpSocket uses ping sockets where ping_group_range allows them, errors included",
    needsNetns,
  ),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const pinger = await lab.addNamespace("ping");
      const router = await lab.addNamespace("router");
      await lab.sysctl(pinger, "net.ipv4.ping_group_range", "0 2147483647");
      const veth = await lab.addVeth({ namespace: router, hostNamespace: pinger });
      // The router forwards, and rejects a /26 of the lab: it answers "host unreachable".
      await lab.sysctl(router, "net.ipv4.ip_forward", "1");
      const prefix = veth.peerAddress.split(".").slice(0, 3).join(".");
      await lab.ip("-n", router, "route", "add", "unreachable", `${prefix}.192/26`);
      await lab.ip("-n", pinger, "route", "add", `${prefix}.192/26`, "via", veth.peerAddress);
      const script = new URL("./testdata/ping_socket_probe.ts", import.meta.url).pathname;
      const result = await lab.exec(pinger, Deno.execPath(), [
        "run",
        "-A",
        script,
        `${prefix}.200`,
      ]);
      assertEquals(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      for (const family of ["v4", "v6"]) {
        const probe = report[family];
        assertEquals(probe.kind, "ping", family);
        assertEquals(probe.seqs, [1, 2, 3]);
        assertEquals(probe.ids, [probe.id, probe.id, probe.id]);
        assertEquals(probe.sentIds, [probe.id, probe.id, probe.id]);
        assertEquals(probe.sources, ["kernel", "kernel", "kernel"]);
        assertEquals(probe.ttls, [64, 64, 64], "TTL from IP_RECVTTL / IPV6_RECVHOPLIMIT");
        // Kernel stamps on loopback: microseconds on a quiet machine, but a clean-clone CI run saw
        // 8.8 ms for all three once (loopback delivery waits for softirq time on a busy host), so
        // the bound only rules out nonsense.
        const rtts = [...probe.rtts].sort((a: number, b: number) => a - b);
        assertOk(rtts[0] > 0 && rtts[1] < 50, `${family} RTTs ${rtts} ms (median under 50 ms)`);
      }
      assertEquals(report.error.kind, "error");
      assertEquals(report.error.seq, 77);
      assertEquals(report.error.icmpType, 3);
      assertEquals(report.error.icmpCode, 1);
      assertEquals(report.error.from, veth.peerAddress);
      assertEquals(report.error.target, `${prefix}.200`);
      assertOk(report.error.reason.startsWith("destination unreachable: host unreachable"));
    });
  },
});

Deno.test({
  name: skippable("IcmpSocket raw sockets report ICMP errors quoting their requests", needsNetns),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const router = await lab.addNamespace("router");
      const veth = await lab.addVeth({ namespace: router });
      await lab.sysctl(router, "net.ipv4.ip_forward", "1");
      const prefix = veth.peerAddress.split(".").slice(0, 3).join(".");
      await lab.ip("-n", router, "route", "add", "unreachable", `${prefix}.192/26`);
      await lab.ip("route", "add", `${prefix}.192/26`, "via", veth.peerAddress);
      using socket = IcmpSocket.open({ family: 4, kind: "raw", device: veth.hostName });
      await socket.sendEcho({ address: `${prefix}.201`, seq: 9 });
      const [message] = await receiveN(socket, 1);
      assertOk(
        message?.kind === "error",
        JSON.stringify(message, (_, v) => typeof v === "bigint" ? `${v}` : v),
      );
      assertEquals(message.seq, 9);
      assertEquals(message.id, socket.id);
      assertEquals(message.from, veth.peerAddress);
      assertEquals(message.target, `${prefix}.201`);
      assertEquals(message.reason, "destination unreachable: host unreachable");
    });
  },
});

/** Copies the deno binary where an unprivileged user can run it, or says why it cannot. */
async function unprivilegedDeno(dir: string): Promise<string | undefined> {
  try {
    const path = `${dir}/deno`;
    await Deno.copyFile(Deno.execPath(), path);
    await Deno.chmod(path, 0o755);
    return path;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: skippable("IcmpSocket tells an unprivileged user how to allow ICMP sockets", needsRoot),
  ignore: needsRoot !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "bbt-nobody-" });
    try {
      await Deno.chmod(dir, 0o755);
      const deno = await unprivilegedDeno(dir);
      if (deno === undefined) {
        await t.step({ name: "skipped: cannot copy the deno binary", ignore: true, fn() {} });
        return;
      }
      await Deno.mkdir(`${dir}/cache`, { mode: 0o777 });
      await Deno.chmod(`${dir}/cache`, 0o777);
      const script = new URL("./testdata/icmp_permission_probe.ts", import.meta.url).pathname;
      for (const family of ["4", "6"]) {
        const output = await new Deno.Command("setpriv", {
          args: [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            deno,
            "run",
            "-A",
            "--no-config",
            script,
            family,
          ],
          env: { DENO_DIR: `${dir}/cache`, HOME: dir, NO_COLOR: "1" },
          clearEnv: true,
          cwd: dir,
        }).output();
        const stderr = new TextDecoder().decode(output.stderr);
        assertEquals(output.code, 0, stderr);
        const report = JSON.parse(new TextDecoder().decode(output.stdout));
        assertEquals(report.code, "PERMISSION", JSON.stringify(report));
        assertOk(["EPERM", "EACCES"].includes(report.errnoName));
        assertOk(
          report.message.includes(`cannot open an ICMP${family === "6" ? "v6" : ""} socket`),
        );
        assertOk(report.message.includes("net.ipv4.ping_group_range"), report.message);
        assertOk(report.message.includes("CAP_NET_RAW"), report.message);
        assertOk(report.hint.includes('sysctl -w net.ipv4.ping_group_range="0 2147483647"'));
        assertOk(report.hint.includes("CAP_NET_RAW"));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
