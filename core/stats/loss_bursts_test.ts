import { deepStrictEqual } from "node:assert/strict";
import { lossBursts } from "./loss_bursts.ts";

const L = true;
const o = false;

Deno.test("lossBursts() finds maximal runs of lost probes", () => {
  // o L L L o o L o L L: runs 3, 1, 2 -> max 3, mean 6 / 3 = 2
  deepStrictEqual(lossBursts([o, L, L, L, o, o, L, o, L, L]), {
    bursts: 3,
    maxLength: 3,
    meanLength: 2,
    lengths: [3, 1, 2],
  });
});

Deno.test("lossBursts() counts a burst at the very start and end", () => {
  // L o L: runs 1, 1 -> mean 1
  deepStrictEqual(lossBursts([L, o, L]), {
    bursts: 2,
    maxLength: 1,
    meanLength: 1,
    lengths: [1, 1],
  });
});

Deno.test("lossBursts() sees one burst when all are lost", () => {
  deepStrictEqual(lossBursts([L, L, L, L]), {
    bursts: 1,
    maxLength: 4,
    meanLength: 4,
    lengths: [4],
  });
});

Deno.test("lossBursts() reports zeros without loss or without probes", () => {
  const none = { bursts: 0, maxLength: 0, meanLength: 0, lengths: [] };
  deepStrictEqual(lossBursts([]), none);
  deepStrictEqual(lossBursts([o, o, o]), none);
});
