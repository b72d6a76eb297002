/**
 * Check: does name resolution work? The system resolver (getaddrinfo, so `/etc/hosts` and
 * `/etc/resolv.conf` count) must resolve the recipe's server names and the names its dns probes
 * ask the system for (or `--dns-name` without a recipe); each resolver a recipe's dns probes
 * name (`resolver = "192.0.2.53"`, or a server with a `dns_port`) must answer one of its names.
 *
 * @module
 */
import { ipFamily } from "../ffi/ip_address.ts";
import { type DnsOptions, parseDnsResolver } from "../plugins/dns.ts";
import type { DoctorContext } from "./context.ts";
import type { CheckResult } from "./types.ts";

/** Names to resolve with the system resolver, and explicit resolvers with a name to ask. */
function plan(context: DoctorContext) {
  const names = new Set<string>();
  const resolvers = new Map<string, { address: string; port: number; name: string }>();
  const recipe = context.recipe;
  for (const server of recipe?.servers ?? []) {
    if (!server.embedded && server.host && ipFamily(server.host) === undefined) {
      names.add(server.host);
    }
  }
  for (const probe of recipe?.probes ?? []) {
    if (probe.plugin !== "dns") continue;
    const options = probe.options as Partial<DnsOptions>;
    const name = probe.targets[0];
    if (name === undefined) continue;
    const resolver = parseDnsResolver(options.resolver ?? "system");
    if (resolver === undefined) continue;
    const viaServers = probe.servers.length > 0
      ? probe.servers
      : resolver.kind === "server"
      ? [resolver.name]
      : [];
    for (const serverName of viaServers) {
      const server = recipe!.servers.find((s) => s.name === serverName);
      if (!server || server.embedded || server.dns_port === undefined) continue;
      resolvers.set(`${server.name}`, { address: server.host, port: server.dns_port, name });
    }
    if (viaServers.length > 0) continue;
    if (resolver.kind === "system") names.add(name);
    else if (resolver.kind === "address") {
      resolvers.set(`${resolver.address}:${resolver.port}`, { ...resolver, name });
    }
  }
  if (names.size === 0) names.add(context.dnsName);
  return { names: [...names].slice(0, 5), resolvers };
}

/**
 * Runs the check.
 *
 * @param context The system, the recipe and the waits.
 * @returns One line per name and per resolver.
 *
 * @example A resolver that fails
 * ```ts
 * import { checkDns } from "./check_dns.ts";
 * import { defaultDoctorDeps } from "./deps.ts";
 * const deps = {
 *   ...defaultDoctorDeps(),
 *   lookup: () => Promise.reject(new Error("getaddrinfo EAI_AGAIN example.com")),
 * };
 * const [line] = await checkDns({ deps, recipe: undefined, timeoutMs: 1000, dnsName: "example.com" });
 * console.log(line?.verdict, line?.subject); // fail system resolver: example.com
 * ```
 */
export async function checkDns(context: DoctorContext): Promise<CheckResult[]> {
  const { deps, timeoutMs } = context;
  const { names, resolvers } = plan(context);
  const lines: CheckResult[] = [];
  for (const name of names) {
    const started = performance.now();
    try {
      const found = await withTimeout(deps.lookup(name), timeoutMs * 3, `resolving "${name}"`);
      const ms = performance.now() - started;
      lines.push({
        check: "dns",
        subject: `system resolver: ${name}`,
        verdict: found.length > 0 ? "ok" : "fail",
        message: found.length > 0
          ? `${found.map((f) => f.address).slice(0, 3).join(", ")} in ${ms.toFixed(0)} ms`
          : "no addresses",
        ...(found.length > 0 ? {} : { hint: "the name has no A/AAAA records: check its spelling" }),
        data: { addresses: found.map((f) => f.address), ms },
      });
    } catch (error) {
      lines.push({
        check: "dns",
        subject: `system resolver: ${name}`,
        verdict: "fail",
        message: (error as Error).message,
        hint: "check /etc/resolv.conf (nameserver lines) and that the resolver is reachable; " +
          "a name missing from DNS needs its spelling checked",
      });
    }
  }
  for (const [label, resolver] of resolvers) {
    try {
      const answer = await deps.queryDns({
        name: resolver.name,
        recordType: "A",
        address: resolver.address,
        port: resolver.port,
      }, timeoutMs);
      const verdict = answer.rcode === "NOERROR"
        ? "ok"
        : answer.rcode === "NXDOMAIN"
        ? "warn"
        : "fail";
      lines.push({
        check: "dns",
        subject: `resolver ${label}: ${resolver.name}`,
        verdict,
        message: `${answer.rcode}, ${answer.answers} answer(s) in ${answer.elapsed.toFixed(1)} ms`,
        ...(verdict === "ok" ? {} : {
          hint: verdict === "warn"
            ? "the resolver answers but does not know the name: every probe will be NXDOMAIN"
            : "the resolver refuses or fails: check its address and that it serves you",
        }),
        data: { ...answer },
      });
    } catch (error) {
      lines.push({
        check: "dns",
        subject: `resolver ${label}: ${resolver.name}`,
        verdict: "fail",
        message: `no answer: ${(error as Error).message}`,
        hint: "check the resolver's address and port, and that a firewall lets UDP 53 through",
      });
    }
  }
  return lines;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
