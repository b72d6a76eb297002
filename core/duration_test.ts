import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { formatDuration, isDuration, parseDuration } from "./duration.ts";
import { BufferbaneError } from "./errors.ts";

Deno.test("parseDuration() handles every unit", () => {
  assertEquals(parseDuration("250ms"), 250);
  assertEquals(parseDuration("1s"), 1000);
  assertEquals(parseDuration("5m"), 300_000);
  assertEquals(parseDuration("1h"), 3_600_000);
  assertEquals(parseDuration("7d"), 604_800_000);
  assertEquals(parseDuration("1w"), 604_800_000);
  assertEquals(parseDuration("500us"), 0.5);
  assertEquals(parseDuration("1.5s"), 1500);
});

Deno.test("parseDuration() handles compound durations", () => {
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("1m30s"), 90_000);
});

Deno.test("parseDuration() rejects bad text with the value quoted", () => {
  for (const bad of ["1x", "", "s", "10", "1 s", "-1s", "1s2"]) {
    const error = assertThrows(() => parseDuration(bad), BufferbaneError);
    assertEquals(error.message, `invalid duration "${bad}"`);
    assertEquals(error.code, "INVALID_DURATION");
  }
  assertEquals(isDuration("1x"), false);
  assertEquals(isDuration("2m"), true);
});

Deno.test("formatDuration() inverts whole units", () => {
  assertEquals(formatDuration(0), "0s");
  assertEquals(formatDuration(250), "250ms");
  assertEquals(formatDuration(5_400_000), "1h30m");
  assertEquals(formatDuration(90_500), "1m30.5s");
  assertEquals(parseDuration(formatDuration(93_784_000)), 93_784_000);
});
