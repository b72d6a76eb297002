import { assertEquals } from "../tests/support/assert.ts";
import { type MtuProbeOutcome, searchPathMtu } from "./path_mtu.ts";

/** A path: the local link's MTU (EMSGSIZE above it), a router's, and what happens to loss. */
function path(options: {
  local: number;
  router?: number;
  saysSo?: boolean;
  lose?: (size: number, attempt: number) => boolean;
}) {
  const attempts = new Map<number, number>();
  const sizes: number[] = [];
  const probe = (size: number): Promise<MtuProbeOutcome> => {
    sizes.push(size);
    const attempt = attempts.get(size) ?? 0;
    attempts.set(size, attempt + 1);
    if (size > options.local) return Promise.resolve({ kind: "too_big", local: true });
    if (options.router !== undefined && size > options.router) {
      return Promise.resolve(
        options.saysSo === false
          ? { kind: "no_answer" }
          : { kind: "too_big", mtu: options.router, local: false },
      );
    }
    if (options.lose?.(size, attempt)) return Promise.resolve({ kind: "no_answer" });
    return Promise.resolve({ kind: "fits" });
  };
  return { probe, sizes };
}

Deno.test("searchPathMtu() finds the local link's MTU from EMSGSIZE alone", async () => {
  const { probe } = path({ local: 1500 });
  const result = await searchPathMtu(probe, { smallest: 84 });
  assertEquals(result, { reachable: true, mtu: 1500, blackHole: false, reported: [], probes: 17 });
});

Deno.test("searchPathMtu() tries the MTU a router reports next, and settles there", async () => {
  const { probe, sizes } = path({ local: 9000, router: 1400 });
  const result = await searchPathMtu(probe, { smallest: 84, largest: 9000 });
  assertEquals(result.mtu, 1400);
  assertEquals(result.reported, [1400]);
  assertEquals(result.blackHole, false);
  const firstTooBig = sizes.findIndex((size) => size > 1400 && size <= 9000);
  assertEquals(sizes[firstTooBig + 1], 1400); // straight to the reported MTU
});

Deno.test("searchPathMtu() calls sizes that vanish a black hole, and still finds the MTU", async () => {
  const { probe } = path({ local: 1500, router: 1280, saysSo: false });
  const result = await searchPathMtu(probe, { smallest: 84 });
  assertEquals(result.mtu, 1280);
  assertEquals(result.blackHole, true);
});

Deno.test("searchPathMtu() retries a lost probe once before it counts as too big", async () => {
  const { probe } = path({ local: 1500, lose: (size, attempt) => size === 1500 && attempt === 0 });
  const result = await searchPathMtu(probe, { smallest: 84 });
  assertEquals(result.mtu, 1500);
  assertEquals(result.blackHole, false);
});

Deno.test("searchPathMtu() says unreachable when even the smallest probe gets no answer", async () => {
  const { probe } = path({ local: 1500, lose: () => true });
  const result = await searchPathMtu(probe, { smallest: 84 });
  assertEquals(result, {
    reachable: false,
    mtu: undefined,
    blackHole: false,
    reported: [],
    probes: 2,
  });
});
