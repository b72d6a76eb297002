import { assertEquals } from "../tests/support/assert.ts";
import { createLogger } from "./log.ts";

Deno.test("createLogger() writes JSON lines at or above its level", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "warn",
    write: (line) => lines.push(line),
    clock: () => new Date(0),
  });
  log.debug("a");
  log.info("b");
  log.warn("c", { n: 1 });
  log.error("d", { big: 2n ** 64n, error: new Error("boom"), inf: Infinity });
  assertEquals(lines.map((line) => JSON.parse(line)), [
    { time: "1970-01-01T00:00:00.000Z", level: "warn", msg: "c", n: 1 },
    {
      time: "1970-01-01T00:00:00.000Z",
      level: "error",
      msg: "d",
      big: "18446744073709551616",
      error: "boom",
      inf: null,
    },
  ]);
});
