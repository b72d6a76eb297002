import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { BufferbaneError } from "../core/errors.ts";
import { formatIpAddress, ipFamily, parseIpAddress } from "./ip_address.ts";

Deno.test("parseIpAddress() reads IPv4 dotted quads", () => {
  assertEquals(parseIpAddress("10.203.7.2"), { family: 4, bytes: new Uint8Array([10, 203, 7, 2]) });
});

Deno.test("parseIpAddress() and formatIpAddress() round-trip IPv6 in canonical form", () => {
  const cases: [string, string][] = [
    ["::1", "::1"],
    ["::", "::"],
    ["1::", "1::"],
    ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::1.2.3.4", "::102:304"],
  ];
  for (const [text, canonical] of cases) {
    assertEquals(formatIpAddress(parseIpAddress(text).bytes), canonical, text);
  }
  const loopback = parseIpAddress("::1").bytes;
  assertEquals(loopback.length, 16);
  assertEquals(loopback[15], 1);
});

Deno.test("parseIpAddress() keeps the IPv6 zone", () => {
  const parsed = parseIpAddress("fe80::1%eth0");
  assertEquals(parsed.zone, "eth0");
  assertEquals(formatIpAddress(parsed.bytes), "fe80::1");
});

Deno.test("parseIpAddress() rejects what is not an address literal with the text quoted", () => {
  const bad = [
    "",
    "1.2.3",
    "256.1.1.1",
    "01.1.1.1",
    "1.2.3.4.5",
    ":::",
    "1::2::3",
    "12345::",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "::g",
    "fe80::1%",
    "example.com",
  ];
  for (const text of bad) {
    const error = assertThrows(() => parseIpAddress(text), BufferbaneError);
    assertEquals(error.message, `Invalid IP address "${text}"`);
    assertEquals(error.code, "INVALID_ARGUMENT");
  }
});

Deno.test("ipFamily() tells literals apart from names", () => {
  assertEquals(ipFamily("127.0.0.1"), 4);
  assertEquals(ipFamily("::1"), 6);
  assertEquals(ipFamily("localhost"), undefined);
});

Deno.test("formatIpAddress() rejects lengths other than 4 and 16", () => {
  assertThrows(() => formatIpAddress(new Uint8Array(5)), RangeError);
});
