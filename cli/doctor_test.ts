import { assertEquals, assertOk, assertRejects } from "../tests/support/assert.ts";
import { BufferbaneError } from "../core/errors.ts";
import { defaultDoctorDeps, type DoctorDeps } from "../doctor/deps.ts";
import { doctorCommand } from "./doctor.ts";

/** Captures what the command prints. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const code = await fn();
    return { code, out: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

const noIcmp: DoctorDeps = {
  ...defaultDoctorDeps(),
  icmpPermission: () => new Error("EPERM"),
  pingGroupRange: () => "1 0",
};

Deno.test("doctor exits 1 when a check fails, and prints the verdict with its hint", async () => {
  const { code, out } = await capture(() => doctorCommand({ checks: "icmp" }, noIcmp));
  assertEquals(code, 1);
  const [line, hint] = out.split("\n");
  assertOk(line!.startsWith("FAIL  icmp"), line);
  assertOk(hint!.trim().startsWith("hint: allow ping sockets"), hint);
  assertOk(out.endsWith("0 ok, 0 warn, 1 fail, 0 skipped"), out);
});

Deno.test("doctor --json prints the lines and their counts; warnings exit 0", async () => {
  const deps: DoctorDeps = { ...noIcmp, icmpPermission: () => undefined };
  const { code, out } = await capture(() =>
    doctorCommand({ checks: "icmp,path-mtu", json: true }, deps)
  );
  assertEquals(code, 0);
  const report = JSON.parse(out);
  assertEquals(report.counts, { ok: 1, warn: 0, fail: 0, skip: 1 });
  assertEquals(report.results.map((r: { check: string }) => r.check), ["icmp", "path-mtu"]);
});

Deno.test("doctor rejects an unknown check by name", async () => {
  const error = await assertRejects(
    () => doctorCommand({ checks: "icmp,teleport" }, noIcmp),
    BufferbaneError,
  );
  assertOk(error.message.startsWith('Unknown check "teleport"'), error.message);
});
