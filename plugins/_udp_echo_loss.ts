/**
 * Which way a lost echo request went missing, from the server's count of requests received.
 *
 * Every reply carries the number of distinct requests of the session the server had received
 * when it answered (this one included). Between two consecutive replies (by send order) `p` and
 * `i`, `i - p - 1` requests went out; the server received `count(i) - count(p) - 1` of them, so
 * the others were lost on the way up. A request of that gap that never gets a reply but did
 * reach the server was lost on the way down.
 *
 * Per request this is exact when all the losses of a gap went the same way (the usual case:
 * one lost request between two answered ones). When a gap lost requests both ways, the counts
 * per direction stay exact but which request went which way is not known: the first ones (in
 * send order) to ask are given the upstream losses. A request that overtook an earlier one on
 * the way up makes the server's count of the gap one short (one loss too many upstream); the
 * count catches up with the next reply, but the attribution made meanwhile stands.
 *
 * @module
 */

/** Which way a request was lost. */
export type LossDirection = "up" | "down";

interface Gap {
  /** Upstream losses not yet handed out. */
  up: number;
  /** Requests of the gap that reached the server, not yet handed out as downstream losses. */
  down: number;
}

/**
 * Tells lost requests upstream from downstream, by send index (0 for the session's first
 * request, as `EchoReply.sent - 1` numbers it).
 *
 * @example One request lost on the way up, one on the way down
 * ```ts
 * import { LossDirections } from "./_udp_echo_loss.ts";
 * const directions = new LossDirections();
 * directions.reply(0, 1); // request 0 answered, the server had 1 request
 * directions.reply(2, 2); // request 2 answered, the server had 2: request 1 never got there
 * directions.reply(4, 4); // the server had 4: request 3 got there, its reply did not come back
 * console.log(directions.direction(1), directions.direction(3)); // up down
 * console.log(directions.direction(5)); // undefined (no later reply yet)
 * ```
 */
export class LossDirections {
  #highest = -1;
  #highestCount = 0;
  readonly #gaps = new Map<number, Gap>();
  readonly #unsent = new Set<number>();

  /** Requests remembered in gaps (answered or not), for tests and bounds. */
  get remembered(): number {
    return this.#gaps.size;
  }

  /**
   * Records a reply.
   *
   * @param index The request's send index (`EchoReply.sent - 1`).
   * @param serverReceived The server's count in the reply (`EchoReply.serverReceived`).
   */
  reply(index: number, serverReceived: number): void {
    this.#gaps.delete(index);
    if (index <= this.#highest) return; // a reordered reply: its gap was already counted
    const sent: number[] = [];
    for (let i = this.#highest + 1; i < index; i++) {
      if (!this.#unsent.delete(i)) sent.push(i);
    }
    const received = Math.min(sent.length, Math.max(0, serverReceived - this.#highestCount - 1));
    const gap: Gap = { up: sent.length - received, down: received };
    for (const i of sent) this.#gaps.set(i, gap);
    this.#highest = index;
    this.#highestCount = Math.max(this.#highestCount, serverReceived);
  }

  /**
   * Which way a request without a reply was lost, once a reply to a later request told; each
   * request is answered once (then forgotten).
   *
   * @param index The request's send index.
   * @returns `"up"`, `"down"`, or `undefined` while no later request was answered.
   */
  direction(index: number): LossDirection | undefined {
    const gap = this.#gaps.get(index);
    if (gap === undefined) return undefined;
    this.#gaps.delete(index);
    if (gap.up > 0) {
      gap.up--;
      return "up";
    }
    gap.down--;
    return "down";
  }

  /**
   * Records that a request never left (its send failed): it is no loss either way.
   *
   * @param index The request's send index.
   */
  unsent(index: number): void {
    if (index > this.#highest) this.#unsent.add(index);
  }

  /**
   * Forgets a request (it was answered late, or is no longer of interest).
   *
   * @param index The request's send index.
   */
  forget(index: number): void {
    this.#gaps.delete(index);
  }
}
