import { deepStrictEqual } from "node:assert/strict";
import { combineObservers } from "./observers.ts";
import type { RunObserver, SeriesLabel } from "./run_observer.ts";

const LABEL: SeriesLabel = {
  plugin: "p",
  target: "",
  interface: "",
  server: "",
  metric: "m",
  unit: "",
  primary: true,
};

Deno.test("combineObservers() calls each observer in order, and one that throws stops no other", () => {
  const calls: string[] = [];
  const errors: unknown[] = [];
  const failing: RunObserver = {
    onSample() {
      calls.push("failing");
      throw new Error("display bug");
    },
  };
  const counting: RunObserver = {
    onSample: () => calls.push("counting"),
    onEvent: (event) => calls.push(`event ${event.kind}`),
    onTestResult: (test, result) => calls.push(`test ${test.plugin} ${result.status}`),
  };
  const both = combineObservers([failing, counting], (error) => errors.push(error));
  both.onSample?.(LABEL, { timestamp: 0, metric: "m", value: 1, status: "ok" });
  both.onEvent?.({ timestamp: 0, kind: "alert", severity: "warn", message: "x" });
  both.onTestResult?.({ plugin: "t", target: "", interface: "", server: "" }, {
    status: "ok",
    summary: {},
  });
  both.onStop?.({} as never); // no observer has onStop: nothing happens
  deepStrictEqual(calls, ["failing", "counting", "event alert", "test t ok"]);
  deepStrictEqual(errors.map((e) => (e as Error).message), ["display bug"]);
});
