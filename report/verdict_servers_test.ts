import assert from "node:assert/strict";
import { type ServerPath, serverVerdict } from "./verdict_servers.ts";

/** UDP echo round trips to `server`: 10 000 probes. */
function path(server: string, medianMs: number, jitterMs: number, lossPct: number): ServerPath {
  return {
    server,
    plugin: "udp-echo",
    target: "",
    interface: "",
    metric: "rtt",
    medianMs,
    jitterMs,
    count: 10_000,
    lost: Math.round(100 * lossPct),
  };
}

Deno.test("serverVerdict() names the worse path as a routing problem, not the access link", () => {
  const verdict = serverVerdict([path("vienna", 15, 0.8, 0.2), path("frankfurt", 35, 1.6, 0.6)]);
  assert.equal(verdict.status, "problem");
  assert.deepEqual(verdict.problems, ["frankfurt"]);
  assert.equal(verdict.reference, "vienna");
  assert.equal(
    verdict.sentence,
    "Frankfurt is 20 ms slower than Vienna with 3x the loss (0.6% vs 0.2%): " +
      "a routing problem on the path to Frankfurt, not your access link",
  );
});

Deno.test("serverVerdict() needs 10 ms and 25 % more for a slower path", () => {
  // 12 ms more, but only 20 % more: far-away servers differ like this.
  assert.equal(serverVerdict([path("a", 60, 1, 0.1), path("b", 72, 1, 0.1)]).status, "alike");
  // 25 % more, but only 5 ms.
  assert.equal(serverVerdict([path("a", 20, 1, 0.1), path("b", 25, 1, 0.1)]).status, "alike");
  assert.equal(serverVerdict([path("a", 40, 1, 0.1), path("b", 50, 1, 0.1)]).status, "problem");
});

Deno.test("serverVerdict() counts loss alone, and says the path is as fast", () => {
  const verdict = serverVerdict([path("vienna", 15, 0.8, 0.1), path("frankfurt", 15.2, 0.8, 1.5)]);
  assert.deepEqual(verdict.problems, ["frankfurt"]);
  assert.equal(
    verdict.sentence,
    "Frankfurt is as fast as Vienna with 15x the loss (1.5% vs 0.1%): " +
      "a routing problem on the path to Frankfurt, not your access link",
  );
});

Deno.test("serverVerdict() says servers alike when no path stands out", () => {
  const verdict = serverVerdict([path("vienna", 15, 0.8, 0.1), path("graz", 17, 0.9, 0.1)]);
  assert.equal(verdict.status, "alike");
  assert.match(
    verdict.sentence,
    /^Graz and Vienna perform alike \(.*\): no routing problem towards one of them$/,
  );
});

Deno.test("serverVerdict() gives no verdict with one server or none", () => {
  assert.equal(serverVerdict([path("vienna", 15, 0.8, 0.1)]).status, "single");
  assert.equal(serverVerdict([]).status, "none");
  // Probed differently: nothing to compare.
  const other = { ...path("frankfurt", 35, 1, 1), plugin: "icmp" };
  assert.equal(serverVerdict([path("vienna", 15, 0.8, 0.1), other]).status, "none");
});

Deno.test("serverVerdict() keeps addresses and host names as they are", () => {
  const verdict = serverVerdict([
    path("addr-1", 15, 0.8, 0.1),
    path("fra.example.net", 45, 1, 0.1),
  ]);
  assert.match(verdict.sentence, /^fra\.example\.net is 30 ms slower than addr-1: /);
});
