/**
 * SO_BINDTODEVICE through real interfaces: a peer namespace joined to the default one by two
 * veth pairs (addresses in 10.203.0.0/16, only inside the lab). Probes never leave the lab.
 */
import { assertEquals, assertOk, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { checkNetns, type NetnsLab, type VethPair, withNetns } from "../tests/support/netns.ts";
import { SocketError } from "./errno.ts";
import { IcmpSocket } from "./icmp_socket.ts";
import { TcpSocket } from "./tcp_socket.ts";
import { UdpSocket } from "./udp_socket.ts";
import { missing, skippable } from "./_test_env.ts";

const needsRoot = missing(["ffi", "root"]);
const netns = needsRoot === undefined ? await checkNetns() : undefined;
const skip = needsRoot ?? (netns?.available ? undefined : netns?.reason);

async function pingAll(socket: IcmpSocket, address: string, count: number): Promise<number> {
  for (let seq = 0; seq < count; seq++) await socket.sendEcho({ address, seq });
  let replies = 0;
  while (replies < count) {
    const message = await socket.receive(AbortSignal.timeout(3000));
    if (message.kind === "reply") replies++;
  }
  return replies;
}

async function twoVeths(lab: NetnsLab): Promise<[VethPair, VethPair]> {
  const peer = await lab.addNamespace("peer");
  return [await lab.addVeth({ namespace: peer }), await lab.addVeth({ namespace: peer })];
}

Deno.test({
  name: skippable("bound ICMP and UDP sockets send through their interface only", skip),
  ignore: skip !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const vethPairs = await twoVeths(lab);
      for (const [index, veth] of vethPairs.entries()) {
        const other = vethPairs[1 - index]!;
        const before = await lab.txPackets(veth.hostName);
        const otherBefore = await lab.txPackets(other.hostName);
        using icmp = IcmpSocket.open({ family: 4, device: veth.hostName });
        assertEquals(icmp.device, veth.hostName);
        assertEquals(await pingAll(icmp, veth.peerAddress, 20), 20);
        using udp = UdpSocket.open({ device: veth.hostName });
        for (let i = 0; i < 20; i++) {
          await udp.sendTo(new Uint8Array([i]), { address: veth.peerAddress, port: 9 });
        }
        const sent = (await lab.txPackets(veth.hostName)) - before;
        const otherSent = (await lab.txPackets(other.hostName)) - otherBefore;
        assertOk(sent >= 40, `${veth.hostName} sent ${sent} packets`);
        assertOk(otherSent < 10, `${other.hostName} sent ${otherSent} packets meanwhile`);
      }
    });
  },
});

Deno.test({
  name: skippable(
    "binding to an interface that does not exist fails with ENODEV and its name",
    skip,
  ),
  ignore: skip !== undefined,
  fn() {
    for (
      const open of [
        () => IcmpSocket.open({ family: 4, device: "bbt-nonexistent" }),
        () => IcmpSocket.open({ family: 6, device: "bbt-nonexistent" }),
        () => UdpSocket.open({ device: "bbt-nonexistent" }),
      ]
    ) {
      const error = assertThrows(open, SocketError);
      assertEquals(error.message, 'ENODEV: interface "bbt-nonexistent" does not exist');
      assertEquals(error.errnoName, "ENODEV");
    }
    return assertRejects(
      () => TcpSocket.connect({ address: "127.0.0.1", port: 9, device: "bbt-nonexistent" }),
      SocketError,
    ).then((error) => assertEquals(error.errnoName, "ENODEV"));
  },
});

Deno.test({
  name: skippable("sending through an interface that is down fails with ENETUNREACH", skip),
  ignore: skip !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      using icmp = IcmpSocket.open({ family: 4, device: veth.hostName });
      using udp = UdpSocket.open({ device: veth.hostName });
      assertEquals(await pingAll(icmp, veth.peerAddress, 1), 1);
      await lab.setLink(veth.hostName, "down");
      const icmpError = await assertRejects(
        () => icmp.sendEcho({ address: veth.peerAddress, seq: 1 }),
        SocketError,
      );
      assertEquals(icmpError.errnoName, "ENETUNREACH");
      assertEquals(
        icmpError.message,
        `ENETUNREACH: cannot send an echo request to "${veth.peerAddress}" through interface "${veth.hostName}": network is unreachable`,
      );
      const udpError = await assertRejects(
        () => udp.sendTo(new Uint8Array(1), { address: veth.peerAddress, port: 9 }),
        SocketError,
      );
      assertEquals(udpError.errnoName, "ENETUNREACH");
      const tcpError = await assertRejects(
        () => TcpSocket.connect({ address: veth.peerAddress, port: 9, device: veth.hostName }),
        SocketError,
      );
      assertEquals(tcpError.errnoName, "ENETUNREACH");
      await lab.setLink(veth.hostName, "up");
      assertEquals(await pingAll(icmp, veth.peerAddress, 1), 1, "works again once up");
    });
  },
});

Deno.test({
  name: skippable(
    "a deleted interface gives ENODEV until the socket is re-bound to the new one",
    skip,
  ),
  ignore: skip !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      using icmp = IcmpSocket.open({ family: 4, device: veth.hostName });
      using udp = UdpSocket.open({ device: veth.hostName });
      assertEquals(await pingAll(icmp, veth.peerAddress, 1), 1);
      await lab.deleteLink(veth.hostName);
      const gone = await assertRejects(
        () => icmp.sendEcho({ address: veth.peerAddress, seq: 1 }),
        SocketError,
      );
      assertEquals(gone.message, `ENODEV: interface "${veth.hostName}" does not exist`);
      // Same names, same addresses: the sockets still point at the old interface index.
      await lab.addVeth({
        namespace: peer,
        hostName: veth.hostName,
        peerName: veth.peerName,
        addresses: [veth.hostAddress, veth.peerAddress],
      });
      const stale = await assertRejects(
        () => icmp.sendEcho({ address: veth.peerAddress, seq: 2 }),
        SocketError,
      );
      assertEquals(stale.errnoName, "ENODEV");
      await assertRejects(
        () => udp.sendTo(new Uint8Array(1), { address: veth.peerAddress, port: 9 }),
        SocketError,
      );
      icmp.rebind();
      udp.rebind();
      assertEquals(await pingAll(icmp, veth.peerAddress, 3), 3);
      const before = await lab.txPackets(veth.hostName);
      await udp.sendTo(new Uint8Array(1), { address: veth.peerAddress, port: 9 });
      assertOk((await lab.txPackets(veth.hostName)) > before);
    });
  },
});

Deno.test({
  name: skippable(
    "a TCP connection bound to an interface carries data to the peer namespace",
    skip,
  ),
  ignore: skip !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const [first, second] = await twoVeths(lab);
      const script = new URL("./testdata/tcp_count_server.ts", import.meta.url).pathname;
      const server = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          first.namespace,
          Deno.execPath(),
          "run",
          "-A",
          script,
          second.peerAddress,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      try {
        const reader = server.stdout.getReader();
        const { value } = await reader.read();
        const port = Number(new TextDecoder().decode(value).trim());
        assertOk(port > 0);
        const before = await lab.txPackets(second.hostName);
        using socket = await TcpSocket.connect({
          address: second.peerAddress,
          port,
          device: second.hostName,
        });
        assertEquals(socket.device, second.hostName);
        await socket.writeAll(new Uint8Array(256 * 1024));
        socket.closeWrite();
        const buffer = new Uint8Array(64);
        const length = await socket.read(buffer);
        assertEquals(new TextDecoder().decode(buffer.subarray(0, length ?? 0)), String(256 * 1024));
        assertOk((await lab.txPackets(second.hostName)) - before > 5);
        reader.releaseLock();
        await server.stdout.cancel();
      } finally {
        try {
          server.kill("SIGKILL");
        } catch { /* already exited */ }
        await server.status;
      }
    });
  },
});
