import { assertEquals } from "../tests/support/assert.ts";
import { type EchoOutcome, EchoTracker } from "./_icmp_tracker.ts";

const T0 = 1_700_000_000_000_000_000n; // ns
const MS = 1_000_000n;

/** A tracker on a hand-driven monotonic clock; outcomes are collected. */
function setup(timeout = 100, options: { grace?: number; retain?: number } = {}) {
  let clock = 0;
  const outcomes: EchoOutcome[] = [];
  const tracker = new EchoTracker({
    timeout,
    onOutcome: (outcome) => outcomes.push(outcome),
    monotonic: () => clock,
    ...options,
  });
  return {
    tracker,
    outcomes,
    advance: (ms: number) => clock += ms,
    kinds: () => outcomes.map((o) => `${o.kind} ${o.seq}`),
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("EchoTracker matches replies to probes by sequence number, in any order", () => {
  const { tracker, outcomes, kinds } = setup();
  for (const seq of [0, 1, 2]) tracker.launch(seq, 1000 + seq);
  for (const seq of [0, 1, 2]) tracker.sent(seq, T0 + BigInt(seq) * 10n * MS);
  tracker.reply(2, T0 + 20n * MS + 300_000n, 61);
  tracker.reply(0, T0 + 1_500_000n, 64);
  tracker.reply(1, T0 + 10n * MS + 250_000n, undefined);
  tracker.close();
  assertEquals(kinds(), ["reply 2", "reply 0", "reply 1"]);
  assertEquals(outcomes[0], {
    kind: "reply",
    seq: 2,
    sentAt: 1_700_000_000_020,
    rtt: 0.3,
    ttl: 61,
  });
  assertEquals(outcomes[1]?.kind === "reply" ? [outcomes[1].rtt, outcomes[1].ttl] : [], [1.5, 64]);
  assertEquals(outcomes[2]?.kind === "reply" ? outcomes[2].rtt : -1, 0.25);
});

Deno.test("EchoTracker holds a reply that comes before its send stamp", () => {
  const { tracker, outcomes } = setup();
  tracker.launch(5, 1000);
  tracker.reply(5, T0 + 2n * MS, 64);
  assertEquals(outcomes, []);
  tracker.sent(5, T0 + MS);
  tracker.close();
  assertEquals(outcomes, [{ kind: "reply", seq: 5, sentAt: 1_700_000_000_001, rtt: 1, ttl: 64 }]);
});

Deno.test("EchoTracker counts extra replies as duplicates, not as answers", () => {
  const { tracker, kinds, outcomes } = setup();
  tracker.launch(0, 1000);
  tracker.sent(0, T0);
  tracker.launch(1, 1010);
  tracker.sent(1, T0 + 10n * MS);
  tracker.reply(0, T0 + MS, 64);
  tracker.reply(0, T0 + 3n * MS, 64);
  tracker.reply(0, T0 + 4n * MS, 64);
  tracker.reply(1, T0 + 11n * MS, 64);
  tracker.close();
  assertEquals(kinds(), ["reply 0", "duplicate 0", "duplicate 0", "reply 1"]);
  assertEquals(outcomes[1]?.kind === "duplicate" ? outcomes[1].rtt : -1, 3);
});

Deno.test("EchoTracker declares a probe lost after timeout plus grace, and a later reply late", async () => {
  const { tracker, kinds, outcomes, advance } = setup(20, { grace: 10 });
  tracker.launch(7, 1000);
  tracker.sent(7, T0);
  advance(29);
  await wait(40);
  assertEquals(kinds(), [], "not before timeout + grace on the monotonic clock");
  advance(2);
  await wait(40);
  assertEquals(outcomes, [{ kind: "lost", seq: 7, sentAt: 1_700_000_000_000, reason: "timeout" }]);
  tracker.reply(7, T0 + 250n * MS, 64);
  tracker.reply(7, T0 + 260n * MS, 64);
  tracker.close();
  assertEquals(kinds(), ["lost 7", "late 7", "duplicate 7"]);
  assertEquals(outcomes[1]?.kind === "late" ? outcomes[1].rtt : -1, 250);
});

Deno.test("EchoTracker judges a reply on kernel stamps: beyond the timeout it is lost and late", () => {
  const { tracker, kinds, outcomes } = setup(100);
  tracker.launch(1, 1000);
  tracker.sent(1, T0);
  tracker.reply(1, T0 + 150n * MS, 64); // delivered before the timer, but 150 ms after sending
  tracker.launch(2, 1010);
  tracker.sent(2, T0 + 10n * MS);
  tracker.reply(2, T0 + 109n * MS, 64); // 99 ms: in time
  tracker.close();
  assertEquals(kinds(), ["lost 1", "late 1", "reply 2"]);
  assertEquals(outcomes[0]?.kind === "lost" ? outcomes[0].reason : "", "timeout");
});

Deno.test("EchoTracker turns an ICMP error into a loss with its reason, once", () => {
  const { tracker, outcomes, kinds } = setup();
  tracker.launch(3, 1000);
  tracker.sent(3, T0);
  tracker.error(3, "destination unreachable: host unreachable from 10.203.0.2");
  tracker.error(3, "destination unreachable: host unreachable from 10.203.0.2");
  tracker.launch(4, 1010);
  tracker.sent(4, T0);
  tracker.reply(4, T0 + MS, 64);
  tracker.error(4, "time exceeded: TTL exceeded in transit"); // already answered: ignored
  tracker.close();
  assertEquals(kinds(), ["lost 3", "reply 4"]);
  assertEquals(
    outcomes[0]?.kind === "lost" ? outcomes[0].reason : "",
    "destination unreachable: host unreachable from 10.203.0.2",
  );
});

Deno.test("EchoTracker maps slot numbers past 65535 onto the wire and back", () => {
  const { tracker, kinds, advance } = setup(100, { retain: 10_000_000 });
  tracker.launch(65_535, 1000);
  tracker.sent(65_535, T0);
  tracker.launch(65_536, 1010);
  tracker.sent(65_536, T0 + 10n * MS);
  tracker.reply(0, T0 + 11n * MS, 64);
  tracker.reply(65_535, T0 + MS, 64);
  // Slot 131072 reuses wire number 0: the old probe is replaced, its replies are gone.
  advance(1000);
  tracker.launch(131_072, 2000);
  tracker.sent(131_072, T0 + 1000n * MS);
  tracker.reply(0, T0 + 1001n * MS, 64);
  tracker.close();
  assertEquals(kinds(), ["reply 65536", "reply 65535", "reply 131072"]);
});

Deno.test("EchoTracker ignores replies to unknown, unsent and long-forgotten probes", async () => {
  const { tracker, kinds, advance } = setup(10, { grace: 0, retain: 100 });
  tracker.reply(9, T0, 64);
  tracker.launch(1, 1000);
  tracker.unsent(1);
  tracker.reply(1, T0, 64);
  tracker.launch(2, 1000);
  tracker.sent(2, T0);
  advance(11);
  await wait(30);
  advance(200);
  tracker.launch(3, 1000); // pruning happens as probes are launched
  tracker.reply(2, T0 + 211n * MS, 64);
  assertEquals(tracker.unmatched, 3);
  assertEquals(tracker.waiting, 1);
  tracker.close();
  assertEquals(kinds(), ["lost 2"]);
});

Deno.test("EchoTracker reports nothing after close and leaves no timer behind", async () => {
  const { tracker, outcomes } = setup(5, { grace: 0 });
  tracker.launch(0, 1000);
  tracker.close();
  await wait(20);
  tracker.reply(0, T0, 64);
  assertEquals(outcomes, []);
});
