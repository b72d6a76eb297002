import { deepStrictEqual } from "node:assert/strict";
import { outages, type OutageSample } from "./outages.ts";

/** Probes one second apart from t = 0; "L" is lost, "o" received. */
function probes(pattern: string): OutageSample[] {
  return [...pattern].map((mark, index) => ({ ts: index * 1000, lost: mark === "L" }));
}

Deno.test("outages() needs three lost probes in a row by default", () => {
  // o L L o L L L L o: run at 1..2 is too short (2 lost); run at 4..7 ends at the next ok, 8000
  deepStrictEqual(outages(probes("oLLoLLLLo")), [
    { start: 4000, end: 8000, durationMs: 4000, lostCount: 4, ongoing: false },
  ]);
});

Deno.test("outages() honours minLost", () => {
  deepStrictEqual(outages(probes("oLLoLo"), { minLost: 2 }), [
    { start: 1000, end: 3000, durationMs: 2000, lostCount: 2, ongoing: false },
  ]);
  deepStrictEqual(outages(probes("oLLLo"), { minLost: 4 }), []);
});

Deno.test("outages() honours minDuration together with minLost", () => {
  // Probes at 0, 1000, 1100, 1200, 5000, 6000: lost at 1000, 1100, 1200, then received at 5000.
  // First run: 3 lost, start 1000, end 5000 -> 4000 ms.
  const samples = [
    { ts: 0, lost: false },
    { ts: 1000, lost: true },
    { ts: 1100, lost: true },
    { ts: 1200, lost: true },
    { ts: 5000, lost: false },
    { ts: 6000, lost: true },
    { ts: 6500, lost: false },
  ];
  const first = { start: 1000, end: 5000, durationMs: 4000, lostCount: 3, ongoing: false };
  deepStrictEqual(outages(samples, { minDuration: 4000 }), [first]);
  deepStrictEqual(outages(samples, { minDuration: 4001 }), []);
  // By duration alone: the single lost probe at 6000 lasts 6500 - 6000 = 500 ms.
  deepStrictEqual(outages(samples, { minLost: 1, minDuration: 500 }), [
    first,
    { start: 6000, end: 6500, durationMs: 500, lostCount: 1, ongoing: false },
  ]);
});

Deno.test("outages() ends a trailing run at its last lost probe", () => {
  // o o L L L: start 2000, no later ok, so end = last lost = 4000
  deepStrictEqual(outages(probes("ooLLL")), [
    { start: 2000, end: 4000, durationMs: 2000, lostCount: 3, ongoing: true },
  ]);
});

Deno.test("outages() sees one outage when all are lost", () => {
  deepStrictEqual(outages(probes("LLLL")), [
    { start: 0, end: 3000, durationMs: 3000, lostCount: 4, ongoing: true },
  ]);
});

Deno.test("outages() sorts probes by time first", () => {
  const shuffled = probes("oLLLo").reverse();
  deepStrictEqual(outages(shuffled), [
    { start: 1000, end: 4000, durationMs: 3000, lostCount: 3, ongoing: false },
  ]);
});

Deno.test("outages() finds nothing in no probes or no loss", () => {
  deepStrictEqual(outages([]), []);
  deepStrictEqual(outages(probes("ooo")), []);
});
