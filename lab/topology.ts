/**
 * Every name and address of the namespace lab, in one place. Nothing else in `lab/` spells a
 * namespace, an interface or an address.
 *
 * ```text
 *  bb-client                    bb-air (relay)               bb-router                 bb-server
 * +----------------+          +-----------------+          +------------------+      +----------------+
 * | bb-eth         |<-------------------------------------->| bb-eth-r         |      |                |
 * | 10.77.1.2/24   |                 veth                   | 10.77.1.1/24     |      |                |
 * |                |          |                 |          |      (tbf down)  |      |                |
 * | bb-wifi        |<-------->| bb-air-c        |          |                  |      |                |
 * | 10.77.2.2/24   |   veth   |   delay relay   |          | bb-wifi-r        |      |                |
 * | (type wifi)    |          |   (AF_PACKET)   |<-------->| 10.77.2.1/24     |      |                |
 * |                |          |        bb-air-r |   veth   |      (tbf down)  |      |                |
 * |                |          +-----------------+          | bb-srv-r         |<---->| bb-srv         |
 * |                |                                       | 10.77.3.1/24     | veth | 10.77.3.2/24   |
 * |                |                                       |        (tbf up)  |      | dnsmasq :53    |
 * +----------------+                                       +------------------+      +----------------+
 * ```
 *
 * All addresses are in `10.77.0.0/16` and exist only inside the lab's namespaces: the lab
 * creates its veth pairs directly between its namespaces and never touches the default
 * namespace's interfaces or routes.
 *
 * @module
 */

/**
 * The lab's namespaces, interfaces, addresses, DNS names and files.
 *
 * @example The server's address and the client's WiFi-like interface
 * ```ts
 * import { TOPOLOGY } from "./topology.ts";
 * console.log(TOPOLOGY.addresses.server, TOPOLOGY.interfaces.clientWifi); // 10.77.3.2 bb-wifi
 * ```
 */
export const TOPOLOGY = {
  /** Network namespaces, created by `lab up` and deleted by `lab down`. */
  namespaces: {
    /** Where bufferbane runs (`lab exec`): two interfaces toward the router. */
    client: "bb-client",
    /** The delay relay between the client's WiFi-like interface and the router. */
    air: "bb-air",
    /** Forwards between client and server; holds the bottleneck (tbf) and the loss (nft). */
    router: "bb-router",
    /** Runs the services (dnsmasq). */
    server: "bb-server",
  },
  /** Interface names (each at most 15 characters), by role. */
  interfaces: {
    /** The client's Ethernet-like interface. */
    clientEth: "bb-eth",
    /** The client's WiFi-like interface (declare it `wifi` in `[interface_types]`). */
    clientWifi: "bb-wifi",
    /** The relay's end toward the client. */
    airClient: "bb-air-c",
    /** The relay's end toward the router. */
    airRouter: "bb-air-r",
    /** The router's end of the Ethernet-like path. */
    routerEth: "bb-eth-r",
    /** The router's end of the WiFi-like path. */
    routerWifi: "bb-wifi-r",
    /** The router's interface toward the server. */
    routerServer: "bb-srv-r",
    /** The server's interface. */
    server: "bb-srv",
  },
  /** IPv4 addresses (all /24 inside 10.77.0.0/16). */
  addresses: {
    clientEth: "10.77.1.2",
    routerEth: "10.77.1.1",
    clientWifi: "10.77.2.2",
    routerWifi: "10.77.2.1",
    routerServer: "10.77.3.1",
    server: "10.77.3.2",
  },
  /** Prefix length of every lab subnet. */
  prefixLength: 24,
  /** The range every lab address comes from. */
  subnet: "10.77.0.0/16",
  /** The DNS zone the lab's dnsmasq answers for, and its static names. */
  dns: {
    domain: "lab.bufferbane.test",
    names: {
      "server.lab.bufferbane.test": "10.77.3.2",
      "dns.lab.bufferbane.test": "10.77.3.2",
      "router.lab.bufferbane.test": "10.77.3.1",
    },
  },
  /** Files the lab owns outside its namespaces. */
  files: {
    /** State, pid files and logs; removed by `lab down`. */
    stateDir: "/run/bufferbane-lab",
    /** Lock that serializes `withLab` users (an empty file, left in place). */
    lockFile: "/run/bufferbane-lab.lock",
    /** `ip netns exec bb-client` mounts this folder's `resolv.conf` over `/etc/resolv.conf`. */
    clientEtc: "/etc/netns/bb-client",
  },
} as const;

/**
 * The lab's namespaces, in the order they are created.
 *
 * @example
 * ```ts
 * import { LAB_NAMESPACES } from "./topology.ts";
 * console.log(LAB_NAMESPACES.join(" ")); // bb-client bb-air bb-router bb-server
 * ```
 */
export const LAB_NAMESPACES: readonly string[] = Object.values(TOPOLOGY.namespaces);

/** One end of a lab veth pair. */
export interface LinkEnd {
  /** The namespace it lives in. */
  namespace: string;
  /** The interface name. */
  name: string;
  /** Its address without prefix, or `undefined` for the relay's ends (layer 2 only). */
  address: string | undefined;
}

/** A veth pair of the lab. */
export interface LabLink {
  /** What the link is for, for messages. */
  role: string;
  /** The end created first (`ip -n <a> link add ... peer ... netns <b>`). */
  a: LinkEnd;
  /** The peer end. */
  b: LinkEnd;
}

const { namespaces: ns, interfaces: ifs, addresses: ip } = TOPOLOGY;

/**
 * The lab's veth pairs.
 *
 * @example The WiFi-like path is two links with the relay in between
 * ```ts
 * import { LAB_LINKS } from "./topology.ts";
 * console.log(LAB_LINKS.map((link) => `${link.a.name}-${link.b.name}`).join(" "));
 * // bb-eth-bb-eth-r bb-wifi-bb-air-c bb-air-r-bb-wifi-r bb-srv-r-bb-srv
 * ```
 */
export const LAB_LINKS: readonly LabLink[] = [
  {
    role: "Ethernet-like path",
    a: { namespace: ns.client, name: ifs.clientEth, address: ip.clientEth },
    b: { namespace: ns.router, name: ifs.routerEth, address: ip.routerEth },
  },
  {
    role: "WiFi-like path, client to relay",
    a: { namespace: ns.client, name: ifs.clientWifi, address: ip.clientWifi },
    b: { namespace: ns.air, name: ifs.airClient, address: undefined },
  },
  {
    role: "WiFi-like path, relay to router",
    a: { namespace: ns.air, name: ifs.airRouter, address: undefined },
    b: { namespace: ns.router, name: ifs.routerWifi, address: ip.routerWifi },
  },
  {
    role: "server link",
    a: { namespace: ns.router, name: ifs.routerServer, address: ip.routerServer },
    b: { namespace: ns.server, name: ifs.server, address: ip.server },
  },
];

/**
 * Interfaces whose offloads are turned off so that the relay sees (and can send) whole,
 * MTU-sized frames with finished checksums: both ends of both relay links.
 *
 * @example
 * ```ts
 * import { RELAY_LINK_ENDS } from "./topology.ts";
 * console.log(RELAY_LINK_ENDS.map((end) => end.name).join(" ")); // bb-wifi bb-air-c bb-air-r bb-wifi-r
 * ```
 */
export const RELAY_LINK_ENDS: readonly LinkEnd[] = LAB_LINKS.filter((link) =>
  link.a.namespace === ns.air || link.b.namespace === ns.air
).flatMap((link) => [link.a, link.b]);

/**
 * Environment `lab exec` gives the command it runs, so that a recipe can name lab targets
 * without hard-coding them (`${BB_TARGET:-1.1.1.1}`): the server's address as the probe target
 * and the resolver, and a name the lab's DNS answers.
 *
 * @example
 * ```ts
 * import { LAB_ENV } from "./topology.ts";
 * console.log(LAB_ENV.BB_TARGET, LAB_ENV.BB_DNS_NAME); // 10.77.3.2 server.lab.bufferbane.test
 * ```
 */
export const LAB_ENV = {
  BB_LAB: "1",
  BB_TARGET: ip.server,
  BB_RESOLVER: ip.server,
  BB_DNS_NAME: "server.lab.bufferbane.test",
} as const;
