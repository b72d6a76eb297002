import { assertEquals } from "../tests/support/assert.ts";
import { expandJobs } from "./jobs.ts";
import { PluginRegistry } from "./registry.ts";
import { createUdpEchoPlugin } from "../plugins/udp_echo.ts";
import type { ServerInfo } from "./contract.ts";

const registry = new PluginRegistry().register(createUdpEchoPlugin());
const entry = (servers: string[]) => ({
  plugin: "udp-echo",
  interval: 100,
  timeout: 1000,
  interfaces: ["eth0", "wlan0"],
  servers,
  options: registry.get("udp-echo").defaults,
});
const vienna: ServerInfo = { name: "vienna", host: "192.0.2.1", port: 9876, secret: "s" };

Deno.test("expandJobs() makes one job per interface x server", () => {
  const notes: string[] = [];
  const jobs = expandJobs(entry(["vienna"]), registry, new Map([["vienna", vienna]]), notes);
  assertEquals(jobs.map((job) => [job.interface, job.serverLabel]), [
    ["eth0", "vienna"],
    ["wlan0", "vienna"],
  ]);
  assertEquals(notes, []);
});

Deno.test("expandJobs() skips servers the runner left out, and the entry when none is left", () => {
  const notes: string[] = [];
  const servers = new Map([["vienna", vienna]]);
  const some = expandJobs(entry(["home", "vienna"]), registry, servers, notes);
  assertEquals(some.map((job) => job.serverLabel), ["vienna", "vienna"]);
  assertEquals(notes, []);
  const none = expandJobs(entry(["home"]), registry, servers, notes);
  assertEquals(none, []);
  assertEquals(notes, ["udp-echo: none of its servers (home) is configured: left out"]);
});
