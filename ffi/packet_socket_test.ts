import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { checkNetns, withNetns } from "../tests/support/netns.ts";
import { realtimeNs } from "./clock.ts";
import { ETH_P, PACKET } from "./constants.ts";
import { SocketError } from "./errno.ts";
import { PacketSocket, type ReceivedFrame } from "./packet_socket.ts";
import { decodeSockaddrLl, encodeSockaddrLl, SOCKADDR_LL_SIZE } from "./structs.ts";
import { parseIpAddress } from "./ip_address.ts";
import { missing, skippable } from "./_test_env.ts";

const needsRoot = missing(["ffi", "root"]);
const netns = needsRoot === undefined ? await checkNetns() : undefined;
const needsNetns = needsRoot ?? (netns?.available ? undefined : netns?.reason);

Deno.test("encodeSockaddrLl() and decodeSockaddrLl() agree on the layout", () => {
  const bytes = encodeSockaddrLl({
    protocol: ETH_P.ARP,
    ifindex: 0x01020304,
    pktType: PACKET.OTHERHOST,
    hardwareType: 1,
    address: new Uint8Array([2, 0, 0, 0, 0, 9]),
  });
  assertEquals(bytes.length, SOCKADDR_LL_SIZE);
  assertEquals([...bytes.subarray(0, 12)], [17, 0, 0x08, 0x06, 4, 3, 2, 1, 1, 0, 3, 6]);
  assertEquals(decodeSockaddrLl(bytes), {
    protocol: ETH_P.ARP,
    ifindex: 0x01020304,
    hardwareType: 1,
    pktType: PACKET.OTHERHOST,
    address: new Uint8Array([2, 0, 0, 0, 0, 9]),
  });
  assertEquals(decodeSockaddrLl(new Uint8Array(20)), undefined, "family 0 is not AF_PACKET");
  assertEquals(decodeSockaddrLl(bytes, 8), undefined, "too short");
});

/** An ARP request "who has `target`? tell `sender`" from `mac`, broadcast. */
function arpRequest(mac: Uint8Array, sender: string, target: string): Uint8Array {
  const frame = new Uint8Array(42);
  frame.fill(0xff, 0, 6);
  frame.set(mac, 6);
  frame.set([0x08, 0x06], 12);
  frame.set([0, 1, 0x08, 0x00, 6, 4, 0, 1], 14); // Ethernet, IPv4, request
  frame.set(mac, 22);
  frame.set(parseIpAddress(sender).bytes, 28);
  frame.set(parseIpAddress(target).bytes, 38);
  return frame;
}

async function receiveWithin(socket: PacketSocket, ms: number): Promise<ReceivedFrame[]> {
  const frames: ReceivedFrame[] = [];
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    for (let frame = socket.receive(); frame; frame = socket.receive()) frames.push(frame);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return frames;
}

Deno.test({
  name: skippable(
    "PacketSocket sends a whole frame out of its interface and reads the answer, not its own frame",
    needsNetns,
  ),
  ignore: needsNetns !== undefined,
  async fn() {
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      const mac = new Uint8Array(
        (await Deno.readTextFile(`/sys/class/net/${veth.hostName}/address`)).trim().split(":")
          .map((part) => parseInt(part, 16)),
      );
      using socket = PacketSocket.open({ device: veth.hostName });
      assertOk(socket.ifindex > 0);
      const before = realtimeNs();
      const request = arpRequest(mac, veth.hostAddress, veth.peerAddress);
      assertOk(socket.send(request));
      const frames = await receiveWithin(socket, 300);
      assertOk(
        frames.every((frame) => frame.data.join() !== request.join()),
        "the socket does not read back the frame it sent",
      );
      const replies = frames.filter((frame) => frame.protocol === ETH_P.ARP);
      assertOk(replies.length >= 1, `no ARP reply among ${frames.length} frames`);
      const reply = replies[0]!;
      assertEquals(reply.pktType, PACKET.HOST);
      assertEquals([...reply.data.subarray(0, 6)], [...mac], "addressed to us");
      assertEquals([reply.data[20], reply.data[21]], [0, 2], "an ARP reply");
      assertEquals(reply.truncated, false);
      const stampMs = Number(reply.receivedAt - before) / 1e6;
      assertOk(stampMs >= 0 && stampMs < 1000, `kernel stamp ${stampMs} ms after sending`);
    });
  },
});

Deno.test({
  name: skippable("PacketSocket refuses an unknown interface and an oversized frame", needsNetns),
  ignore: needsNetns !== undefined,
  async fn() {
    try {
      PacketSocket.open({ device: "bb-nonexistent" });
      throw new Error("expected ENODEV");
    } catch (error) {
      assertOk(error instanceof SocketError, String(error));
      assertEquals(error.message, 'ENODEV: interface "bb-nonexistent" does not exist');
    }
    await withNetns(async (lab) => {
      const peer = await lab.addNamespace("peer");
      const veth = await lab.addVeth({ namespace: peer });
      using socket = PacketSocket.open({ device: veth.hostName, maxFrameSize: 64 });
      try {
        socket.send(new Uint8Array(9000));
        throw new Error("expected EMSGSIZE");
      } catch (error) {
        assertOk(error instanceof SocketError, String(error));
        assertEquals(error.errnoName, "EMSGSIZE");
      }
      socket.close();
      assertOk(socket.closed);
    });
  },
});
