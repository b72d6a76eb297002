import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { sealHello } from "../protocol/throughput_codec.ts";
import { deriveThroughputKeys } from "../protocol/throughput_keys.ts";
import { GRANT_SIZE } from "../protocol/throughput_wire.ts";
import { resolveThroughputConfig, throughputConfigShape } from "./throughput_config.ts";
import { startThroughputServices } from "./throughput_services.ts";

const root = z.strictObject({ ...throughputConfigShape });
const keys = {
  clientToServer: new Uint8Array(32).fill(1),
  serverToClient: new Uint8Array(32).fill(2),
};

Deno.test("startThroughputServices() starts both sections with one limiter, and logs at debug", async () => {
  const config = resolveThroughputConfig(root.parse(parseToml(`
[throughput]
listen = "127.0.0.1:0"
[throughput.limits]
max_streams_per_address = 1
[http]
listen = "127.0.0.1:0"
`)));
  const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    lines.push({ message, fields });
  const services = await startThroughputServices({
    config,
    authorize: (id) => id === 3n ? keys : undefined,
    logger: { level: "debug", debug: log, info: log, warn: log, error: log },
  });
  assertOk(services?.throughput && services.http);
  try {
    const described = services.describe();
    assertOk(String(described.http).startsWith("http://127.0.0.1:"));
    // A TCP stream holds the client's only place: an HTTP download from it is refused.
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: services.throughput.addresses[0]!.port,
    });
    const hello = sealHello(deriveThroughputKeys(keys, 3n).hello, 3n, {
      direction: 1,
      index: 0,
      count: 1,
      duration: 2_000,
    });
    await conn.write(hello.message);
    const grant = new Uint8Array(GRANT_SIZE);
    assertOk((await conn.read(grant)) !== null);
    const refused = await fetch(`${services.http.url}/download?bytes=10`);
    assertEquals(refused.status, 429);
    await refused.body?.cancel();
    conn.close();
    assertOk(lines.some((line) => line.message === "throughput granted"));
    assertEquals(services.stats().http?.limited.address_streams, 1);
  } finally {
    await services.close();
  }
});

Deno.test("startThroughputServices() starts nothing without the sections", async () => {
  const services = await startThroughputServices({
    config: resolveThroughputConfig(root.parse({})),
    authorize: () => keys,
  });
  assertEquals(services, undefined);
});
