import { assertEquals } from "../tests/support/assert.ts";
import { loadScenario } from "./scenario.ts";
import { shapingCommands, tbfArgs } from "./shaping.ts";

const lines = (name: string) =>
  shapingCommands(loadScenario(name)).map((command) =>
    `${command.mayFail ? "?" : "!"} ${command.args.join(" ")}`
  );

Deno.test("shapingCommands() shapes both directions of the bloated link on the router", () => {
  assertEquals(lines("bloated"), [
    "! qdisc replace dev bb-srv-r root tbf rate 20000000bit burst 4000 latency 300000us",
    "! qdisc replace dev bb-eth-r root tbf rate 20000000bit burst 4000 latency 300000us",
    "! qdisc replace dev bb-wifi-r root tbf rate 20000000bit burst 4000 latency 300000us",
  ]);
});

Deno.test("shapingCommands() gives the asymmetric link a slow bloated upload, a fast short download", () => {
  assertEquals(lines("asymmetric"), [
    "! qdisc replace dev bb-srv-r root tbf rate 5000000bit burst 4000 latency 300000us",
    "! qdisc replace dev bb-eth-r root tbf rate 50000000bit burst 6250 latency 2000us",
    "! qdisc replace dev bb-wifi-r root tbf rate 50000000bit burst 6250 latency 2000us",
  ]);
});

Deno.test("shapingCommands() removes every queue for the clean link", () => {
  assertEquals(lines("clean"), [
    "? qdisc del dev bb-srv-r root",
    "? qdisc del dev bb-eth-r root",
    "? qdisc del dev bb-wifi-r root",
  ]);
});

Deno.test("tbfArgs() writes fractional buffers in microseconds", () => {
  assertEquals(tbfArgs({ rate: 1_000_000, buffer: 2.5, burst_bytes: 1600 }), [
    ...["tbf", "rate", "1000000bit", "burst", "1600", "latency", "2500us"],
  ]);
});
