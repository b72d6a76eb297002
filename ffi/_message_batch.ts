/**
 * A vector of `struct mmsghdr` for `recvmmsg`: one system call fills up to `slots` datagrams,
 * each with its source address and control messages (the kernel receive stamp), or
 * reads up to `slots` entries of the error queue (kernel send stamps, ICMP errors).
 *
 * Every buffer is allocated once and reused: reading a datagram allocates nothing but the
 * views and stamps the caller asks for. The memory stays put (`allocate`), and the batch holds
 * a reference to every buffer its pointers point at.
 *
 * Layout (x86_64): `mmsghdr` is 64 bytes, a `msghdr` (56) then `msg_len` (u32) and padding;
 * each slot has its own iovec, payload, 28-byte address and control area.
 *
 * @module
 */
import { IP, IPPROTO, IPV6, MSG, SCM, SOL } from "./constants.ts";
import { libc } from "./libc.ts";
import { allocate, type DecodedSocketAddress, decodeSockaddr } from "./structs.ts";

const MMSGHDR_SIZE = 64;
const MSGHDR_LEN = 56;
const NAME_STRIDE = 32;
const NAME_SIZE = 28;
const CMSGHDR_SIZE = 16;
/**
 * `MSG_WAITFORONE` (`recvmmsg`): block for the first datagram only, then take what is queued.
 *
 * @example Its value on Linux
 * ```ts
 * import { MSG_WAITFORONE } from "./_message_batch.ts";
 * console.log(MSG_WAITFORONE); // 65536
 * ```
 */
export const MSG_WAITFORONE = 0x10000;

/** Sizes of a {@linkcode MessageBatch}. */
export interface MessageBatchOptions {
  /**
   * Datagrams one call can return.
   *
   * @default {64}
   */
  slots?: number;
  /**
   * Payload bytes per datagram (longer ones are cut and flagged `MSG_TRUNC`).
   *
   * @default {2048}
   */
  dataSize?: number;
  /**
   * Control-message bytes per datagram.
   *
   * @default {128}
   */
  controlSize?: number;
}

/** What the control messages of a received datagram said (filled in place, reused). */
export interface ReceiveControl {
  /** `SCM_TIMESTAMPNS` seconds, or -1 when the kernel gave no stamp. */
  stampSeconds: number;
  /** `SCM_TIMESTAMPNS` nanoseconds. */
  stampNanoseconds: number;
}

/** What an error-queue entry said (filled in place, reused). */
export interface ErrorQueueEntry {
  /** `ee_origin` (`SO_EE_ORIGIN`), or -1 when the entry had no extended error. */
  origin: number;
  /** `ee_errno`. */
  errno: number;
  /** `ee_type`. */
  type: number;
  /** `ee_code`. */
  code: number;
  /** `ee_data`: the `OPT_ID` send number for send stamps. */
  data: number;
  /** `SCM_TIMESTAMPING` software stamp seconds, or -1 when absent. */
  stampSeconds: number;
  /** Its nanoseconds. */
  stampNanoseconds: number;
}

function addressOf(buffer: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}

/**
 * A reusable `recvmmsg` vector.
 *
 * @example Draining a non-blocking socket's queue in one call
 * ```ts ignore
 * import { MSG } from "./constants.ts";
 * import { MessageBatch } from "./_message_batch.ts";
 * const batch = new MessageBatch({ slots: 32, dataSize: 1500 });
 * const count = batch.receive(fd, MSG.DONTWAIT);
 * for (let i = 0; i < count; i++) console.log(batch.data(i).length, batch.source(i));
 * ```
 */
export class MessageBatch {
  /** Datagrams one call can return. */
  readonly slots: number;
  /** Payload bytes per slot. */
  readonly dataSize: number;
  /** The `mmsghdr` array passed to `recvmmsg`. */
  readonly vector: Uint8Array;
  readonly #vectorView: DataView;
  readonly #data: Uint8Array;
  readonly #names: Uint8Array;
  readonly #nameViews: Uint8Array[];
  readonly #dataViews: Uint8Array[];
  readonly #control: Uint8Array;
  readonly #controlView: DataView;
  readonly #controlSize: number;
  readonly #iovecs: Uint8Array;
  #used = 0;

  /** @param options Slots and sizes. */
  constructor(options: MessageBatchOptions = {}) {
    const slots = options.slots ?? 64;
    const dataSize = options.dataSize ?? 2048;
    const controlSize = (options.controlSize ?? 128) + 7 & ~7;
    this.slots = slots;
    this.dataSize = dataSize;
    this.#controlSize = controlSize;
    this.vector = allocate(slots * MMSGHDR_SIZE);
    this.#vectorView = new DataView(this.vector.buffer);
    this.#data = allocate(slots * dataSize);
    this.#names = allocate(slots * NAME_STRIDE);
    this.#control = allocate(slots * controlSize);
    this.#controlView = new DataView(this.#control.buffer);
    this.#iovecs = allocate(slots * 16);
    const iovecView = new DataView(this.#iovecs.buffer);
    const data = addressOf(this.#data);
    const names = addressOf(this.#names);
    const control = addressOf(this.#control);
    const iovecs = addressOf(this.#iovecs);
    this.#nameViews = [];
    this.#dataViews = [];
    for (let i = 0; i < slots; i++) {
      iovecView.setBigUint64(i * 16, data + BigInt(i * dataSize), true);
      iovecView.setBigUint64(i * 16 + 8, BigInt(dataSize), true);
      const at = i * MMSGHDR_SIZE;
      this.#vectorView.setBigUint64(at, names + BigInt(i * NAME_STRIDE), true);
      this.#vectorView.setBigUint64(at + 16, iovecs + BigInt(i * 16), true);
      this.#vectorView.setBigUint64(at + 24, 1n, true);
      this.#vectorView.setBigUint64(at + 32, control + BigInt(i * controlSize), true);
      this.#nameViews.push(this.#names.subarray(i * NAME_STRIDE, i * NAME_STRIDE + NAME_SIZE));
      this.#dataViews.push(this.#data.subarray(i * dataSize, (i + 1) * dataSize));
    }
    this.#reset(slots);
  }

  /** Resets what the kernel overwrote in the first `count` slots, for the next call. */
  #reset(count: number): void {
    const view = this.#vectorView;
    for (let i = 0; i < count; i++) {
      const at = i * MMSGHDR_SIZE;
      view.setUint32(at + 8, NAME_SIZE, true);
      view.setUint32(at + 40, this.#controlSize, true);
      view.setUint32(at + 44, 0, true);
      view.setInt32(at + 48, 0, true);
      view.setUint32(at + MSGHDR_LEN, 0, true);
    }
  }

  /**
   * One `recvmmsg` call; what the previous call filled is gone (its views now see new data).
   * On a blocking socket without `MSG_DONTWAIT` it blocks the calling thread: do that only in
   * a worker that does nothing else.
   *
   * @param fd The socket.
   * @param flags E.g. `MSG.DONTWAIT`, `MSG_WAITFORONE`, `MSG.ERRQUEUE`.
   * @returns Datagrams received (slots 0 to n - 1), or -1 with `errno` set (`lastErrno()`).
   */
  receive(fd: number, flags: number): number {
    this.#reset(this.#used);
    const count = libc().recvmmsg(fd, this.vector, this.slots, flags, null);
    this.#used = count > 0 ? count : 0;
    return count;
  }

  /** Bytes the datagram in slot `i` had (`msg_len`; more than `dataSize` when cut). */
  length(i: number): number {
    return this.#vectorView.getUint32(i * MMSGHDR_SIZE + MSGHDR_LEN, true);
  }

  /** `msg_flags` of slot `i` (`MSG.TRUNC`, `MSG.CTRUNC`, `MSG.ERRQUEUE`). */
  flags(i: number): number {
    return this.#vectorView.getInt32(i * MMSGHDR_SIZE + 48, true);
  }

  /** Whether the datagram in slot `i` was longer than the slot. */
  truncated(i: number): boolean {
    return (this.flags(i) & MSG.TRUNC) !== 0;
  }

  /**
   * The payload in slot `i`: a view into the batch, valid until the next call.
   *
   * @param i The slot.
   * @returns The bytes received (at most `dataSize`).
   */
  data(i: number): Uint8Array {
    return this.#dataViews[i]!.subarray(0, Math.min(this.length(i), this.dataSize));
  }

  /**
   * The source address bytes in slot `i` (a `sockaddr_in` or `sockaddr_in6`): a view into the
   * batch, valid until the next call.
   */
  name(i: number): Uint8Array {
    return this.#nameViews[i]!;
  }

  /** How many address bytes the kernel wrote in slot `i`. */
  nameLength(i: number): number {
    return this.#vectorView.getUint32(i * MMSGHDR_SIZE + 8, true);
  }

  /**
   * The source address of slot `i`, decoded (allocates: prefer comparing {@linkcode name}).
   *
   * @param i The slot.
   * @returns The address, or `undefined` when the kernel gave none.
   */
  source(i: number): DecodedSocketAddress | undefined {
    return decodeSockaddr(this.#nameViews[i]!, this.nameLength(i));
  }

  /**
   * Reads the kernel receive stamp of slot `i` into `into`.
   *
   * @param i The slot.
   * @param into Overwritten with what the control messages said.
   */
  receiveControl(i: number, into: ReceiveControl): void {
    into.stampSeconds = -1;
    into.stampNanoseconds = 0;
    const view = this.#controlView;
    const start = i * this.#controlSize;
    const end = start +
      Math.min(this.#vectorView.getUint32(i * MMSGHDR_SIZE + 40, true), this.#controlSize);
    let at = start;
    while (at + CMSGHDR_SIZE <= end) {
      const length = view.getUint32(at, true);
      if (length < CMSGHDR_SIZE || at + length > end) break;
      if (
        view.getInt32(at + 8, true) === SOL.SOCKET &&
        view.getInt32(at + 12, true) === SCM.TIMESTAMPNS && length >= CMSGHDR_SIZE + 16
      ) {
        into.stampSeconds = view.getUint32(at + 16, true) +
          view.getInt32(at + 20, true) * 4294967296;
        into.stampNanoseconds = view.getUint32(at + 24, true);
        return;
      }
      at += (length + 7) & ~7;
    }
  }

  /**
   * Reads an error-queue entry of slot `i` (after a `MSG.ERRQUEUE` call) into `into`.
   *
   * @param i The slot.
   * @param into Overwritten with the extended error and the send stamp.
   */
  errorEntry(i: number, into: ErrorQueueEntry): void {
    into.origin = -1;
    into.errno = 0;
    into.type = 0;
    into.code = 0;
    into.data = 0;
    into.stampSeconds = -1;
    into.stampNanoseconds = 0;
    const view = this.#controlView;
    const start = i * this.#controlSize;
    const end = start +
      Math.min(this.#vectorView.getUint32(i * MMSGHDR_SIZE + 40, true), this.#controlSize);
    let at = start;
    while (at + CMSGHDR_SIZE <= end) {
      const length = view.getUint32(at, true);
      if (length < CMSGHDR_SIZE || at + length > end) break;
      const level = view.getInt32(at + 8, true);
      const type = view.getInt32(at + 12, true);
      if (level === SOL.SOCKET && type === SCM.TIMESTAMPING && length >= CMSGHDR_SIZE + 16) {
        into.stampSeconds = view.getUint32(at + 16, true) +
          view.getInt32(at + 20, true) * 4294967296;
        into.stampNanoseconds = view.getUint32(at + 24, true);
      } else if (
        ((level === IPPROTO.IP && type === IP.RECVERR) ||
          (level === IPPROTO.IPV6 && type === IPV6.RECVERR)) &&
        length >= CMSGHDR_SIZE + 16
      ) {
        into.errno = view.getUint32(at + 16, true);
        into.origin = view.getUint8(at + 20);
        into.type = view.getUint8(at + 21);
        into.code = view.getUint8(at + 22);
        into.data = view.getUint32(at + 28, true);
      }
      at += (length + 7) & ~7;
    }
  }
}
