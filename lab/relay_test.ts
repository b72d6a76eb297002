import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { formatDelayArgument, parseDelayArgument, relayArgs } from "./relay.ts";

Deno.test("parseDelayArgument() reads what formatDelayArgument() writes", () => {
  for (const settings of [{ delayMs: 10, jitterMs: 2 }, { delayMs: 0.25, jitterMs: 0 }]) {
    assertEquals(parseDelayArgument(formatDelayArgument(settings)), settings);
  }
  assertThrows(() => parseDelayArgument("10ms"), RangeError);
  assertThrows(() => parseDelayArgument("-1"), RangeError);
});

Deno.test("relayArgs() names both sides, both delays and the pid file", () => {
  assertEquals(
    relayArgs({
      clientSide: "a",
      routerSide: "b",
      up: { delayMs: 1, jitterMs: 0.5 },
      down: { delayMs: 2 },
      pidFile: "/tmp/r.pid",
    }),
    [
      "--client-side",
      "a",
      "--router-side",
      "b",
      "--up",
      "1,0.5",
      "--down",
      "2,0",
      "--pid-file",
      "/tmp/r.pid",
    ],
  );
});
