import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { IPPROTO, MSG, POLL, SOCK } from "./constants.ts";
import { libc } from "./libc.ts";
import { Reactor, sharedReactor } from "./reactor.ts";
import { allocate, encodeSockaddr } from "./structs.ts";
import { bindAddress, localAddress, openSocket } from "./_socket_calls.ts";
import { missing, skippable } from "./_test_env.ts";

const needsFfi = missing(["ffi"]);
const canRoot = missing(["ffi", "root"]);

/** A UDP socket on 127.0.0.1 and a way to send it a datagram. */
function loopbackSocket() {
  const fd = openSocket(4, SOCK.DGRAM, IPPROTO.UDP, { operation: "open a test socket" });
  bindAddress(fd, "127.0.0.1", 0);
  const address = encodeSockaddr({ address: "127.0.0.1", port: localAddress(fd).port });
  const payload = allocate(4);
  return {
    fd,
    poke: () => libc().sendto(fd, payload, 4n, 0, address, address.length),
    drain: () => {
      let count = 0;
      while (Number(libc().recvmsg(fd, drainHeader, MSG.DONTWAIT)) >= 0) count++;
      return count;
    },
    close: () => libc().close(fd),
  };
}

// recvmsg with an all-zero msghdr: no buffers, the datagram is discarded.
const drainHeader = allocate(56);

function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(check, 1);
    };
    check();
  });
}

Deno.test({
  name: skippable("Reactor calls the handler when a descriptor becomes readable", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    const reactor = new Reactor();
    const socket = loopbackSocket();
    const seen: number[] = [];
    let drained = 0;
    const watch = reactor.watch(socket.fd, (revents) => {
      seen.push(revents);
      drained += socket.drain();
    }, POLL.IN);
    await until(() => reactor.polling);
    socket.poke();
    socket.poke();
    await until(() => drained === 2);
    assertOk((seen[0]! & POLL.IN) !== 0);
    watch.close();
    await until(() => !reactor.polling);
    assertEquals(reactor.activeCount, 0);
    socket.close();
  },
});

Deno.test({
  name: skippable(
    "Reactor wakes its pending poll through the eventfd for a new descriptor",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    const reactor = new Reactor();
    const first = loopbackSocket();
    const second = loopbackSocket();
    let secondReady = 0;
    const firstWatch = reactor.watch(first.fd, () => first.drain(), POLL.IN);
    await until(() => reactor.polling);
    const pollsBefore = reactor.stats.polls;
    const secondWatch = reactor.watch(second.fd, () => {
      secondReady++;
      second.drain();
    });
    secondWatch.setEvents(POLL.IN); // the pending poll does not cover it: it must be woken
    assertEquals(reactor.stats.wakes, 1);
    second.poke();
    await until(() => secondReady === 1);
    assertOk(reactor.stats.polls > pollsBefore);
    firstWatch.close();
    secondWatch.close();
    await until(() => !reactor.polling);
    first.close();
    second.close();
  },
});

Deno.test({
  name: skippable("Reactor ends its poll when nothing waits any more", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    const reactor = new Reactor();
    const socket = loopbackSocket();
    const watch = reactor.watch(socket.fd, () => socket.drain(), POLL.IN);
    await until(() => reactor.polling);
    watch.setEvents(0); // no data will come: only the eventfd can end this poll
    await until(() => !reactor.polling, 500);
    assertEquals(reactor.stats.wakes, 1);
    watch.close();
    socket.close();
    // The op sanitizer fails this test if a poll were still pending here.
  },
});

Deno.test({
  name: skippable("Reactor keeps timers running while a socket is saturated", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    const reactor = new Reactor();
    const socket = loopbackSocket();
    let packets = 0;
    const watch = reactor.watch(socket.fd, () => {
      // Refill as fast as it drains: the next poll returns at once, every round.
      packets += socket.drain();
      for (let i = 0; i < 8; i++) socket.poke();
    }, POLL.IN);
    socket.poke();
    const ticks: number[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = () => {
        ticks.push(performance.now());
        if (ticks.length === 20) resolve();
        else setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
    });
    const elapsed = performance.now() - started;
    watch.close();
    await until(() => !reactor.polling);
    socket.close();
    assertOk(packets > 100, `the socket was busy (${packets} packets)`);
    assertOk(elapsed < 1000, `20 chained 1 ms timers took ${elapsed.toFixed(0)} ms`);
  },
});

Deno.test({
  name: skippable("sharedReactor() is one reactor", needsFfi),
  ignore: needsFfi !== undefined,
  fn() {
    assertOk(sharedReactor() === sharedReactor());
  },
});

async function runUntilClosed(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./testdata/exit_after_close.ts", import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A process kept alive by a pending poll would never end: give up after 10 s.
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  let closedAt: number | undefined;
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    output += decoder.decode(chunk);
    if (closedAt === undefined && output.includes("closed")) closedAt = performance.now();
  }
  const status = await child.status;
  const exitedAt = performance.now();
  clearTimeout(killer);
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  return { status, closedAt, exitedAt, output, stderr };
}

Deno.test({
  name: skippable("a script exits on its own within a second of closing its sockets", needsFfi),
  ignore: needsFfi !== undefined,
  async fn() {
    const icmp = canRoot === undefined ? ["--icmp"] : [];
    const result = await runUntilClosed(icmp);
    assertEquals(result.status.code, 0, result.stderr);
    assertOk(result.closedAt !== undefined, `no "closed" line: ${result.output}`);
    const lingering = result.exitedAt - result.closedAt;
    assertOk(lingering < 1000, `exited ${lingering.toFixed(0)} ms after closing`);
  },
});

Deno.test({
  name: skippable(
    "Reactor leaves a held descriptor out of the poll until the hold ends, without waking it",
    needsFfi,
  ),
  ignore: needsFfi !== undefined,
  async fn() {
    const reactor = new Reactor();
    const held = loopbackSocket();
    const other = loopbackSocket();
    let heldReady = 0;
    let otherReady = 0;
    const otherWatch = reactor.watch(other.fd, () => {
      otherReady++;
      other.drain();
    }, POLL.IN);
    const heldWatch = reactor.watch(held.fd, () => {
      heldReady++;
      held.drain();
    });
    await until(() => reactor.polling);
    heldWatch.hold(60_000);
    heldWatch.setEvents(POLL.IN); // wanted, but held: the pending poll is not woken for it
    assertEquals(reactor.stats.wakes, 0);
    held.poke();
    // A later round (for the other socket) still leaves the held one out.
    other.poke();
    await until(() => otherReady === 1);
    other.poke();
    await until(() => otherReady === 2);
    assertEquals(heldReady, 0);
    heldWatch.hold(0); // ends the hold: the poll is woken to add it, and the datagram is seen
    await until(() => heldReady === 1);
    // A short hold ends by itself: its end wakes the poll to add the descriptor back.
    heldWatch.hold(300);
    other.poke(); // a round that leaves the held socket out
    await until(() => otherReady === 3);
    const wakes = reactor.stats.wakes;
    held.poke();
    await until(() => heldReady === 2);
    assertEquals(reactor.stats.wakes, wakes + 1);
    heldWatch.close();
    otherWatch.close();
    await until(() => !reactor.polling);
    held.close();
    other.close();
  },
});
