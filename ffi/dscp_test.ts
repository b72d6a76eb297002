import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { checkTos, DSCP_NAMES, DscpError, dscpName, dscpToTos, parseDscp } from "./dscp.ts";

Deno.test("parseDscp() knows the RFC 4594 names, any case, and takes 0..63", () => {
  assertEquals(
    ["DF", "be", "LE", "cs1", "CS5", "CS7", "AF11", "af23", "AF31", "AF43", "VA", "ef", " EF "]
      .map(parseDscp),
    [0, 0, 1, 8, 40, 56, 10, 22, 26, 38, 44, 46, 46],
  );
  assertEquals([0, 46, 63].map(parseDscp), [0, 46, 63]);
  assertEquals(Object.keys(DSCP_NAMES).length, 25); // DF BE LE, CS0-7, AF11-43, VA EF
});

Deno.test("parseDscp() refuses numbers out of range, fractions and unknown names", () => {
  for (const value of [64, -1, 0.5, Number.NaN, "EX", "", "46"]) {
    const error = assertThrows(() => parseDscp(value), DscpError);
    assertEquals([error.code, error.value], ["INVALID_DSCP", value]);
  }
  assertEquals(
    assertThrows(() => parseDscp(64), DscpError).message,
    'Invalid DSCP "64": expected 0 to 63',
  );
  assertEquals(assertThrows(() => parseDscp("XY"), DscpError).message, 'Unknown DSCP name "XY"');
});

Deno.test("dscpName() and dscpToTos() invert the table; checkTos() takes a whole byte", () => {
  for (const [name, value] of Object.entries(DSCP_NAMES)) {
    assertEquals(parseDscp(dscpName(value)!), value, name);
  }
  assertEquals(dscpName(5), undefined);
  assertEquals([dscpToTos(46), dscpToTos(8), dscpToTos(63)], [184, 32, 252]);
  assertThrows(() => dscpToTos(64), DscpError);
  assertEquals(checkTos(255), 255);
  assertThrows(() => checkTos(-1), DscpError);
});
