/**
 * A sliding replay window over packet counters (RFC 4303, section 3.4.3, with the bitmap kept
 * as a ring as in RFC 6479): a counter is accepted once, and only while it is within `size`
 * of the highest counter accepted so far. Check before the costly authentication, and mark
 * only after it succeeded, so forged packets cannot move the window.
 *
 * @module
 */

/**
 * Tracks which packet counters of one sender have been seen.
 *
 * @example A duplicate, then a counter too old for the window
 * ```ts
 * import { ReplayWindow } from "./replay_window.ts";
 * const window = new ReplayWindow(64);
 * window.accept(1);
 * console.log(window.check(1), window.check(2)); // false true
 * window.accept(100);
 * console.log(window.check(30), window.check(40)); // false true
 * ```
 */
export class ReplayWindow {
  /** How many counters below the highest are still tracked. */
  readonly size: number;
  readonly #bits: Uint32Array;
  #highest = 0;

  /**
   * @param size Window size in counters, a multiple of 32.
   * @throws {RangeError} When `size` is not a positive multiple of 32.
   */
  constructor(size = 1024) {
    if (!Number.isInteger(size) || size <= 0 || size % 32 !== 0) {
      throw new RangeError(`Invalid replay window size "${size}": expected a multiple of 32`);
    }
    this.size = size;
    this.#bits = new Uint32Array(size / 32);
  }

  /** The highest counter accepted so far (0 before the first). */
  get highest(): number {
    return this.#highest;
  }

  /**
   * Whether `counter` would be accepted (not seen, not too old). Changes nothing.
   *
   * @param counter A packet counter (1 or more).
   * @returns `true` when it is new and within the window.
   */
  check(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 1) return false;
    if (counter > this.#highest) return true;
    if (this.#highest - counter >= this.size) return false;
    return !this.#isSet(counter);
  }

  /**
   * Checks `counter` and marks it seen when accepted.
   *
   * @param counter A packet counter (1 or more), already authenticated.
   * @returns `true` when it was new and within the window (and is now marked).
   */
  accept(counter: number): boolean {
    if (!this.check(counter)) return false;
    if (counter > this.#highest) {
      const advance = counter - this.#highest;
      if (advance >= this.size) this.#bits.fill(0);
      else for (let c = this.#highest + 1; c < counter; c++) this.#clear(c);
      this.#highest = counter;
    }
    this.#set(counter);
    return true;
  }

  #isSet(counter: number): boolean {
    const bit = counter % this.size;
    return (this.#bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  #set(counter: number): void {
    const bit = counter % this.size;
    this.#bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  #clear(counter: number): void {
    const bit = counter % this.size;
    this.#bits[bit >>> 5]! &= ~(1 << (bit & 31));
  }
}
