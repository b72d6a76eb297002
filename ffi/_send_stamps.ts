/**
 * Matches kernel send stamps from the error queue to the sends that caused them.
 *
 * With `SOF_TIMESTAMPING_OPT_ID` the kernel numbers the sends of a socket 0, 1, 2, ... (a u32
 * that wraps) and puts that number in `ee_data` of each stamp. Sends that fail synchronously
 * (`ENETUNREACH`, `EMSGSIZE`) take no number on this kernel (measured on 6.18), so the n-th
 * tracked send has number n. Should a kernel count a failed send anyway, a stamp numbered
 * beyond the last tracked send realigns the numbering on that send.
 *
 * A send whose stamp does not come within `timeoutMs` (the packet was dropped before the
 * device, or stamps are off) resolves with the user-space clock read taken before the send.
 *
 * @module
 */

/** When a packet left, and which clock says so. */
export interface SendStamp {
  /** `CLOCK_REALTIME` nanoseconds. */
  sentAt: bigint;
  /**
   * `"kernel"`: the kernel's software send stamp (taken as the packet is handed to the
   * device); `"user"`: the clock read right before the `sendto` call (no kernel stamp came).
   */
  sentAtSource: "kernel" | "user";
}

interface Pending {
  key: number;
  userStamp: bigint;
  resolve: (stamp: SendStamp) => void;
  deadline: number;
}

/** Signed distance between two u32 counters: positive when `a` is after `b`. */
function keyDistance(a: number, b: number): number {
  return ((a - b) | 0);
}

/**
 * The FIFO of sends waiting for their kernel stamp.
 *
 * @example The kernel stamp of send number 0
 * ```ts
 * import { SendStampTracker } from "./_send_stamps.ts";
 * const stamps = new SendStampTracker(1000, () => {});
 * const sent = stamps.track(100n); // the user-space clock read before the send
 * stamps.resolve(0, 150n); // ee_data 0 and the SCM_TIMESTAMPING stamp from the error queue
 * console.log(await sent); // { sentAt: 150n, sentAtSource: "kernel" }
 * ```
 */
export class SendStampTracker {
  #nextKey = 0;
  #pending: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #timeoutMs: number;
  readonly #onIdle: () => void;

  /**
   * @param timeoutMs How long to wait for a kernel stamp.
   * @param onIdle Called when the last pending send got its stamp (to stop polling).
   */
  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
  }

  /** Sends still waiting for their stamp. */
  get size(): number {
    return this.#pending.length - this.#head;
  }

  /** Records a successful send; the promise resolves with its stamp. */
  track(userStamp: bigint): Promise<SendStamp> {
    const key = this.#nextKey;
    this.#nextKey = (this.#nextKey + 1) >>> 0;
    return new Promise((resolve) => {
      this.#pending.push({ key, userStamp, resolve, deadline: Date.now() + this.#timeoutMs });
      this.#arm();
    });
  }

  /** Resolves a user-space stamp for a send without kernel stamps (the counter is not used). */
  static userOnly(userStamp: bigint): Promise<SendStamp> {
    return Promise.resolve({ sentAt: userStamp, sentAtSource: "user" });
  }

  /** A kernel stamp arrived for send number `key`. */
  resolve(key: number, sentAt: bigint): void {
    if (this.size === 0) return;
    const newest = this.#pending[this.#pending.length - 1]!;
    if (keyDistance(key, newest.key) > 0) {
      // The kernel counted sends we did not: realign every pending number on this stamp.
      const shift = keyDistance(key, newest.key);
      for (let i = this.#head; i < this.#pending.length; i++) {
        const entry = this.#pending[i]!;
        entry.key = (entry.key + shift) >>> 0;
      }
      this.#nextKey = (key + 1) >>> 0;
    }
    while (this.size > 0) {
      const entry = this.#pending[this.#head]!;
      const distance = keyDistance(key, entry.key);
      if (distance < 0) break; // a stamp for a send already given up on
      this.#shift();
      if (distance === 0) {
        entry.resolve({ sentAt, sentAtSource: "kernel" });
        break;
      }
      entry.resolve({ sentAt: entry.userStamp, sentAtSource: "user" });
    }
    this.#settled();
  }

  /** Resolves every pending send with its user-space stamp (on close). */
  flush(): void {
    while (this.size > 0) {
      const entry = this.#shift();
      entry.resolve({ sentAt: entry.userStamp, sentAtSource: "user" });
    }
    this.#settled();
  }

  #shift(): Pending {
    const entry = this.#pending[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #settled(): void {
    if (this.size > 0) return;
    this.#pending = [];
    this.#head = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#onIdle();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.size === 0) return;
    const head = this.#pending[this.#head]!;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#expire();
    }, Math.max(0, head.deadline - Date.now()));
  }

  #expire(): void {
    const now = Date.now();
    while (this.size > 0 && this.#pending[this.#head]!.deadline <= now) {
      const entry = this.#shift();
      entry.resolve({ sentAt: entry.userStamp, sentAtSource: "user" });
    }
    if (this.size === 0) this.#settled();
    else this.#arm();
  }
}
