import { assertEquals } from "../tests/support/assert.ts";
import { type ResolvedAddress, TargetAddress } from "./_icmp_address.ts";

/** A lookup answering from a script of results; records what it was asked. */
function scripted(results: (ResolvedAddress | Error)[]) {
  const calls: [string, 4 | 6 | undefined][] = [];
  const lookup = (host: string, family: 4 | 6 | undefined) => {
    calls.push([host, family]);
    const next = results.shift() ?? new Error("script ended");
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { calls, lookup };
}

Deno.test("TargetAddress takes address literals as they are, and checks their family", async () => {
  const { calls, lookup } = scripted([]);
  const v6 = new TargetAddress("::1", { family: "auto", lookup, reResolveAfter: 1 });
  await v6.resolve();
  v6.failed();
  assertEquals([v6.isHostName, v6.current, v6.problem], [
    false,
    { address: "::1", family: 6 },
    undefined,
  ]);
  const wrong = new TargetAddress("127.0.0.1", { family: 6, lookup, reResolveAfter: 1 });
  assertEquals(wrong.current, undefined);
  assertEquals(
    wrong.problem,
    'Target "127.0.0.1" is an IPv4 address but the family option is 6',
  );
  assertEquals(calls, [], "no lookup for a literal");
});

Deno.test("TargetAddress resolves a host name once, with the family asked for", async () => {
  const { calls, lookup } = scripted([{ address: "::1", family: 6 }]);
  const changes: string[] = [];
  const target = new TargetAddress("localhost", {
    family: 6,
    lookup,
    reResolveAfter: 3,
    onChange: (next, previous) => changes.push(`${previous?.address} -> ${next.address}`),
  });
  await Promise.all([target.resolve(), target.resolve()]);
  target.tick();
  target.failed();
  target.failed();
  target.succeeded();
  target.failed();
  target.failed();
  assertEquals(calls, [["localhost", 6]], "one lookup; failures reset by a success");
  assertEquals(target.current, { address: "::1", family: 6 });
  assertEquals(changes, ["undefined -> ::1"]);
});

Deno.test("TargetAddress resolves again after enough failures in a row and reports the move", async () => {
  const { calls, lookup } = scripted([
    { address: "192.0.2.1", family: 4 },
    { address: "192.0.2.1", family: 4 },
    new Error("ESERVFAIL"),
    { address: "192.0.2.2", family: 4 },
  ]);
  const changes: string[] = [];
  const errors: string[] = [];
  const target = new TargetAddress("host.test", {
    family: "auto",
    lookup,
    reResolveAfter: 2,
    onChange: (next, previous) => changes.push(`${previous?.address} -> ${next.address}`),
    onLookupError: (message) => errors.push(message),
  });
  await target.resolve();
  for (let round = 0; round < 3; round++) {
    target.failed();
    target.failed();
    await target.resolve(); // joins the lookup the failures started
  }
  assertEquals(calls.map(([, family]) => family), [undefined, undefined, undefined, undefined]);
  assertEquals(changes, ["undefined -> 192.0.2.1", "192.0.2.1 -> 192.0.2.2"]);
  assertEquals(errors, ['Cannot resolve "host.test": ESERVFAIL']);
  assertEquals(target.current?.address, "192.0.2.2");
});

Deno.test("TargetAddress keeps retrying a name that never resolved, at most once per delay", async () => {
  let clock = 0;
  const { calls, lookup } = scripted([
    new Error("getaddrinfo ENOTFOUND nowhere.test"),
    new Error("getaddrinfo ENOTFOUND nowhere.test"),
    { address: "192.0.2.7", family: 4 },
  ]);
  const target = new TargetAddress("nowhere.test", {
    family: 4,
    lookup,
    reResolveAfter: 3,
    retryDelay: 1000,
    monotonic: () => clock,
  });
  await target.resolve();
  assertEquals(target.problem, 'Cannot resolve "nowhere.test": getaddrinfo ENOTFOUND nowhere.test');
  target.tick();
  clock = 999;
  target.tick();
  assertEquals(calls.length, 1, "not before the retry delay");
  clock = 1000;
  target.tick();
  await target.resolve();
  assertEquals(calls.length, 2);
  clock = 2500;
  target.tick();
  await target.resolve();
  assertEquals([target.current?.address, target.problem], ["192.0.2.7", undefined]);
  target.tick();
  assertEquals(calls.length, 3, "no more lookups once resolved");
});
