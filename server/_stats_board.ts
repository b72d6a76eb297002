/**
 * The echo server's counters in shared memory: the worker that serves the sockets writes them
 * (after every datagram, before its answer leaves), and the main thread reads them at any time
 * without a message round trip, so `stats()` stays synchronous and never behind an answer the
 * client already has.
 *
 * @module
 */
import type { EchoStats } from "./echo_handler.ts";
import type { SendStampStats } from "./send_stamp_corrector.ts";

/** Counters of the service around the handler. */
export interface ServiceCounters {
  /** Sends the kernel refused. */
  sendErrors: number;
  /** ICMP errors about replies. */
  icmpErrors: number;
  /** Datagrams the sockets dropped (full receive buffer). */
  queueDrops: number;
}

/** Everything on the board. */
export interface BoardStats extends EchoStats, ServiceCounters {
  /** How far reply send times were from the kernel's send stamps. */
  sendStamps: SendStampStats;
}

const SLOTS = 32;

/**
 * Shared counters (see the module documentation).
 *
 * @example Written on one side, read on the other
 * ```ts
 * import { StatsBoard } from "./_stats_board.ts";
 * import { EchoHandler } from "./echo_handler.ts";
 * const writer = new StatsBoard();
 * const reader = new StatsBoard(writer.buffer);
 * writer.writeEcho(new EchoHandler({ secret: "s" }).stats());
 * writer.writeService({ sendErrors: 2, icmpErrors: 0, queueDrops: 0 });
 * console.log(reader.read().sendErrors, reader.read().sessions.active); // 2 0
 * ```
 */
export class StatsBoard {
  /** The shared memory; pass it to the other thread. */
  readonly buffer: SharedArrayBuffer;
  readonly #a: Float64Array;

  /**
   * @param buffer An existing board's memory, to read it; a new board (counters at 0, no
   * send-stamp figures yet) when not given.
   */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(SLOTS * 8);
    this.#a = new Float64Array(this.buffer);
    if (buffer === undefined) this.#a.fill(NaN, 28, 31);
  }

  /**
   * Copies the handler's counters.
   *
   * @param s The handler's live or copied stats.
   */
  writeEcho(s: Readonly<EchoStats>): void {
    const a = this.#a;
    a[0] = s.datagrams;
    a[1] = s.replies;
    a[2] = s.welcomes;
    a[3] = s.closes;
    const sessions = s.sessions;
    a[4] = sessions.active;
    a[5] = sessions.opened;
    a[6] = sessions.refused;
    a[7] = sessions.closedByClient;
    a[8] = sessions.expired;
    a[9] = sessions.idle;
    const d = s.dropped;
    a[10] = d.malformed;
    a[11] = d.oversized;
    a[12] = d.rateLimited;
    a[13] = d.wrongSecret;
    a[14] = d.staleKnock;
    a[15] = d.replayedKnock;
    a[16] = d.knockOverload;
    a[17] = d.unknownSession;
    a[18] = d.addressMismatch;
    a[19] = d.forged;
    a[20] = d.replayedEcho;
  }

  /**
   * Copies the service counters.
   *
   * @param c The counters.
   */
  writeService(c: Readonly<ServiceCounters>): void {
    const a = this.#a;
    a[21] = c.sendErrors;
    a[22] = c.icmpErrors;
    a[23] = c.queueDrops;
  }

  /**
   * Copies the send-stamp figures.
   *
   * @param s The corrector's stats.
   */
  writeSendStamps(s: Readonly<SendStampStats>): void {
    const a = this.#a;
    a[26] = s.samples;
    a[27] = s.correctionUs;
    a[28] = s.errorMedianUs;
    a[29] = s.errorP99Us;
    a[30] = s.uncorrectedMedianUs;
  }

  /**
   * A copy of everything.
   *
   * @returns The counters as objects.
   */
  read(): BoardStats {
    const a = this.#a;
    return {
      datagrams: a[0]!,
      replies: a[1]!,
      welcomes: a[2]!,
      closes: a[3]!,
      sessions: {
        active: a[4]!,
        opened: a[5]!,
        refused: a[6]!,
        closedByClient: a[7]!,
        expired: a[8]!,
        idle: a[9]!,
      },
      dropped: {
        malformed: a[10]!,
        oversized: a[11]!,
        rateLimited: a[12]!,
        wrongSecret: a[13]!,
        staleKnock: a[14]!,
        replayedKnock: a[15]!,
        knockOverload: a[16]!,
        unknownSession: a[17]!,
        addressMismatch: a[18]!,
        forged: a[19]!,
        replayedEcho: a[20]!,
      },
      sendErrors: a[21]!,
      icmpErrors: a[22]!,
      queueDrops: a[23]!,
      sendStamps: {
        samples: a[26]!,
        correctionUs: a[27]!,
        errorMedianUs: a[28]!,
        errorP99Us: a[29]!,
        uncorrectedMedianUs: a[30]!,
      },
    };
  }
}
