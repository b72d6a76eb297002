/**
 * The doctor's checks with an injected system, for the failing cases a real machine rarely
 * shows on demand (no ICMP at all, a dead resolver, no default route, a gateway that ignores
 * ping, a downed interface). The real sockets are tested in `tests/doctor_netns_test.ts`.
 */
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { SocketError } from "../ffi/errno.ts";
import type { EchoRequest, IcmpMessage } from "../ffi/icmp_socket.ts";
import type { NetworkInterface } from "../interfaces/types.ts";
import type { Recipe } from "../core/recipe_schema.ts";
import type { DoctorDeps } from "./deps.ts";
import { Pinger, type PingSocket } from "./pinger.ts";
import { runDoctor } from "./run.ts";
import type { CheckName, CheckResult } from "./types.ts";

/** How the fake network answers a ping of `payloadSize` bytes to `address`. */
type Answer = "reply" | "silent" | { sendErrno: number } | { tooBig: number };

function fakeSocket(answer: (address: string, payloadSize: number) => Answer): PingSocket {
  const queue: IcmpMessage[] = [];
  let wake: (() => void) | undefined;
  return {
    family: 4,
    sendEcho(request: EchoRequest) {
      const payloadSize = request.payloadSize ?? 56;
      const what = answer(request.address, payloadSize);
      if (typeof what === "object" && "sendErrno" in what) {
        return Promise.reject(new SocketError(what.sendErrno, { operation: "send" }));
      }
      const sentAt = 1_000_000_000n;
      const base = { id: 1, seq: request.seq, receivedAt: sentAt + 500_000n };
      if (what === "reply") {
        queue.push({
          ...base,
          kind: "reply",
          from: request.address,
          ttl: 64,
          payloadSize,
          receivedAtSource: "kernel",
        });
      } else if (typeof what === "object") {
        queue.push({
          ...base,
          kind: "error",
          from: "192.0.2.254",
          target: request.address,
          icmpType: 3,
          icmpCode: 4,
          reason: "fragmentation needed",
          mtu: what.tooBig,
        });
      }
      wake?.();
      return Promise.resolve({
        id: 1,
        seq: request.seq,
        address: request.address,
        sentAt,
        sentAtSource: "kernel",
      });
    },
    async receive(signal?: AbortSignal) {
      while (queue.length === 0) {
        signal?.throwIfAborted();
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      return queue.shift()!;
    },
    close() {},
  };
}

function iface(name: string, overrides: Partial<NetworkInterface> = {}): NetworkInterface {
  return {
    name,
    index: 2,
    kind: "ethernet",
    detectedKind: "ethernet",
    detail: "",
    driver: "e1000e",
    typeSource: "detected",
    operstate: "up",
    carrier: true,
    up: true,
    mac: "02:00:00:00:00:01",
    mtu: 1500,
    hardwareType: 1,
    addresses: [{ family: "IPv4", address: "192.0.2.2", prefix: 24 }],
    hasRoute: true,
    hasDefaultRoute: true,
    ...overrides,
  };
}

/** A healthy machine; each test breaks one part. */
function healthy(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    icmpPermission: () => undefined,
    pingGroupRange: () => "0 2147483647",
    lookup: () => Promise.resolve([{ address: "192.0.2.10", family: 4 }]),
    queryDns: () => Promise.resolve({ rcode: "NOERROR", answers: 1, truncated: false, elapsed: 2 }),
    defaultGateways: () => [{ family: 4, address: "192.0.2.1", interface: "eth0", metric: 100 }],
    kernelPathMtu: () => 1500,
    interfaces: () => [iface("lo", { kind: "loopback" }), iface("eth0")],
    openPinger: () => new Pinger(fakeSocket(() => "reply")),
    selfTest: () => Promise.resolve([{ check: "self-test", verdict: "ok", message: "fine" }]),
    ...overrides,
  };
}

const recipe = {
  interfaces: ["eth0"],
  servers: [{ name: "far", host: "far.example.test", port: 9876, embedded: false }],
  probes: [{
    plugin: "dns",
    targets: ["example.test"],
    servers: [],
    options: { resolver: "192.0.2.53" },
  }],
} as unknown as Recipe;

async function run(checks: CheckName[], deps: DoctorDeps, withRecipe = true) {
  return await runDoctor({
    checks,
    timeoutMs: 50,
    ...(withRecipe ? { recipe } : {}),
  }, deps);
}

const verdicts = (lines: CheckResult[]) =>
  lines.map((line) => `${line.verdict} ${line.check}${line.subject ? ` ${line.subject}` : ""}`);

Deno.test("doctor on a healthy machine: every line ok", async () => {
  const lines = await run(["icmp", "dns", "gateway", "interface", "self-test"], healthy());
  assertEquals(verdicts(lines), [
    "ok icmp",
    "ok dns system resolver: far.example.test",
    "ok dns resolver 192.0.2.53:53: example.test",
    "ok gateway 192.0.2.1 via eth0",
    "ok interface eth0",
    "ok self-test",
  ]);
});

Deno.test("icmp: raw sockets when ping sockets are not allowed, and a fail with a hint for neither", async () => {
  const rawOnly = await run(
    ["icmp"],
    healthy({ icmpPermission: (kind) => kind === "ping" ? new Error("EACCES") : undefined }),
  );
  assertEquals(rawOnly[0]!.verdict, "ok");
  assertOk(rawOnly[0]!.message.startsWith("raw ICMP sockets"), rawOnly[0]!.message);
  const none = await run(
    ["icmp"],
    healthy({ icmpPermission: () => new Error("EPERM"), pingGroupRange: () => "1 0" }),
  );
  assertEquals(none[0]!.verdict, "fail");
  assertOk(none[0]!.message.includes('"1 0"'), none[0]!.message);
  assertOk(none[0]!.hint!.includes("ping_group_range"), none[0]!.hint);
});

Deno.test("dns: a failing system resolver and a resolver that refuses or says NXDOMAIN", async () => {
  const lines = await run(
    ["dns"],
    healthy({
      lookup: () => Promise.reject(new Error("getaddrinfo EAI_AGAIN far.example.test")),
      queryDns: () =>
        Promise.resolve({ rcode: "REFUSED", answers: 0, truncated: false, elapsed: 1 }),
    }),
  );
  assertEquals(verdicts(lines), [
    "fail dns system resolver: far.example.test",
    "fail dns resolver 192.0.2.53:53: example.test",
  ]);
  assertOk(lines[0]!.hint!.includes("resolv.conf"), lines[0]!.hint);
  const nxdomain = await run(
    ["dns"],
    healthy({
      queryDns: () =>
        Promise.resolve({ rcode: "NXDOMAIN", answers: 0, truncated: false, elapsed: 1 }),
    }),
  );
  assertEquals(nxdomain[1]!.verdict, "warn");
  const silent = await run(
    ["dns"],
    healthy({ queryDns: () => Promise.reject(new Error("Timed out")) }),
  );
  assertEquals(silent[1]!.verdict, "fail");
  // Without a recipe, the system resolver must resolve --dns-name.
  const bare = await runDoctor({ checks: ["dns"], dnsName: "name.test" }, healthy());
  assertEquals(verdicts(bare), ["ok dns system resolver: name.test"]);
});

Deno.test("gateway: none, silent, lossy, unreachable, and no ICMP to ping it with", async () => {
  const none = await run(["gateway"], healthy({ defaultGateways: () => [] }));
  assertEquals(none.map((l) => [l.verdict, l.message]), [["fail", "no default route"]]);

  const silent = await run(
    ["gateway"],
    healthy({ openPinger: () => new Pinger(fakeSocket(() => "silent")) }),
  );
  assertEquals(silent[0]!.verdict, "warn");
  assertOk(silent[0]!.message.startsWith("no answer to 3 pings"), silent[0]!.message);

  let n = 0;
  const lossy = await run(
    ["gateway"],
    healthy({ openPinger: () => new Pinger(fakeSocket(() => n++ === 1 ? "silent" : "reply")) }),
  );
  assertEquals(lossy[0]!.verdict, "warn");
  assertOk(lossy[0]!.message.includes("(2/3)"), lossy[0]!.message);

  const down = await run(
    ["gateway"],
    healthy({ openPinger: () => new Pinger(fakeSocket(() => ({ sendErrno: 101 }))) }),
  );
  assertEquals(down[0]!.verdict, "fail");
  assertOk(down[0]!.message.startsWith("ENETUNREACH"), down[0]!.message);

  const noIcmp = await run(
    ["gateway"],
    healthy({
      openPinger: () => {
        throw new Error("EPERM: cannot open an ICMP socket");
      },
    }),
  );
  assertEquals(noIcmp[0]!.verdict, "warn");
});

Deno.test("path-mtu: a router's MTU, a black hole, a silent server, and no recipe", async () => {
  const router = await run(
    ["path-mtu"],
    healthy({
      openPinger: () =>
        new Pinger(fakeSocket((_, payload) => payload + 28 <= 1492 ? "reply" : { tooBig: 1492 })),
    }),
  );
  assertEquals(router[0]!.verdict, "warn");
  assertEquals((router[0]!.data as { mtu: number }).mtu, 1492);
  assertEquals(router[0]!.subject, "far (far.example.test)");

  const full = await run(
    ["path-mtu"],
    healthy({
      openPinger: () =>
        new Pinger(
          fakeSocket((_, payload) => payload + 28 <= 1500 ? "reply" : { sendErrno: 90 }),
        ),
    }),
  );
  assertEquals(full[0]!.verdict, "ok");
  assertEquals((full[0]!.data as { mtu: number }).mtu, 1500);

  const hole = await run(
    ["path-mtu"],
    healthy({
      openPinger: () =>
        new Pinger(fakeSocket((_, payload) => payload + 28 <= 1400 ? "reply" : "silent")),
    }),
  );
  assertEquals(hole[0]!.verdict, "warn");
  assertEquals((hole[0]!.data as { blackHole: boolean }).blackHole, true);
  assertEquals((hole[0]!.data as { mtu: number }).mtu, 1400);

  const silent = await run(
    ["path-mtu"],
    healthy({ openPinger: () => new Pinger(fakeSocket(() => "silent")) }),
  );
  assertEquals(silent[0]!.verdict, "warn");
  assertOk(silent[0]!.message.startsWith("no answer"), silent[0]!.message);

  const unresolved = await run(
    ["path-mtu"],
    healthy({ lookup: () => Promise.reject(new Error("ENOTFOUND")) }),
  );
  assertEquals(unresolved[0]!.verdict, "fail");

  const bare = await run(["path-mtu"], healthy(), false);
  assertEquals(bare[0]!.verdict, "skip");
});

Deno.test("interface: down, without address, without route, missing, and no default route anywhere", async () => {
  const lines = await run(
    ["interface"],
    healthy({
      interfaces: () => [
        iface("eth0", { up: false, operstate: "down", carrier: false, hasDefaultRoute: false }),
        iface("wlan0", { kind: "wifi", addresses: [], hasDefaultRoute: false }),
        iface("eth1", { hasRoute: false, hasDefaultRoute: false }),
        iface("veth9", { kind: "virtual", up: false, operstate: "down" }),
      ],
    }),
  );
  assertEquals(verdicts(lines), [
    "fail interface eth0", // the recipe names it
    "warn interface wlan0",
    "warn interface eth1",
    "fail interface", // nothing up carries a default route
  ]);
  assertOk(lines[1]!.hint!.includes("DHCP"), lines[1]!.hint);
  const missing = await run(["interface"], healthy({ interfaces: () => [iface("eth1")] }));
  assertEquals(verdicts(missing), ["fail interface eth0", "ok interface eth1"]);
});

Deno.test("a check that throws becomes a failed line and the others still run", async () => {
  const lines = await run(
    ["icmp", "interface", "self-test"],
    healthy({
      interfaces: () => {
        throw new Error("sysfs unreadable");
      },
    }),
  );
  assertEquals(verdicts(lines), ["ok icmp", "fail interface", "ok self-test"]);
  assertOk(lines[1]!.message.includes("sysfs unreadable"), lines[1]!.message);
});

Deno.test("the self-test is told whether ICMP can be used", async () => {
  let asked: boolean | undefined;
  await run(
    ["self-test"],
    healthy({
      icmpPermission: () => new Error("EPERM"),
      selfTest: (options) => {
        asked = options.icmp;
        return Promise.resolve([]);
      },
    }),
  );
  assertEquals(asked, false);
});
