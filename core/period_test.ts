import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { BufferbaneError } from "./errors.ts";
import { parsePeriod, parseTime } from "./period.ts";

const now = () => Date.UTC(2026, 10, 22, 12, 0, 0);

Deno.test("parseTime() reads local, ISO, now and durations ago", () => {
  assertEquals(parseTime("2026-10-18 18:00"), new Date(2026, 9, 18, 18, 0).getTime());
  assertEquals(parseTime("2026-10-18"), new Date(2026, 9, 18).getTime());
  assertEquals(parseTime("2026-10-18T18:00:30.5"), new Date(2026, 9, 18, 18, 0, 30, 500).getTime());
  assertEquals(parseTime("2026-10-18T16:00:00Z"), Date.UTC(2026, 9, 18, 16));
  assertEquals(parseTime("2026-10-18T18:00:00+02:00"), Date.UTC(2026, 9, 18, 16));
  assertEquals(parseTime("now", now), now());
  assertEquals(parseTime("2h", now), now() - 7_200_000);
});

Deno.test("parseTime() rejects impossible dates and junk", () => {
  for (const bad of ["2026-02-30", "yesterday", "18:00", "2026-13-01 10:00"]) {
    const error = assertThrows(() => parseTime(bad), BufferbaneError);
    assertEquals(error.message, `Invalid time "${bad}"`);
  }
});

Deno.test("parsePeriod() resolves --last, --start/--end and rejects empty periods", () => {
  assertEquals(parsePeriod({ last: "24h", now }), { start: now() - 86_400_000, end: now() });
  assertEquals(parsePeriod({ now }), { start: now() - 86_400_000, end: now() });
  assertEquals(
    parsePeriod({ start: "2026-10-18T16:00:00Z", end: "2026-10-18T18:00:00Z", now }),
    { start: Date.UTC(2026, 9, 18, 16), end: Date.UTC(2026, 9, 18, 18) },
  );
  assertThrows(() => parsePeriod({ last: "1h", start: "1h", now }), BufferbaneError);
  assertThrows(
    () => parsePeriod({ start: "2026-10-18T18:00:00Z", end: "2026-10-18T16:00:00Z", now }),
    BufferbaneError,
  );
});
