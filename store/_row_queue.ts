/**
 * A first-in first-out queue that drops from the front in O(1) amortized time, for the
 * batch writer's bounded buffers.
 *
 * @module
 */

/** A FIFO of rows. */
export class RowQueue<T> {
  #items: T[] = [];
  #head = 0;

  /** @returns How many rows are queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** @param item Appended at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /**
   * Drops rows from the front.
   *
   * @param count How many to drop at most.
   * @returns How many were dropped.
   */
  dropOldest(count: number): number {
    const dropped = Math.max(0, Math.min(count, this.length));
    this.#head += dropped;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return dropped;
  }

  /** @returns The queued rows, oldest first (a copy). */
  toArray(): T[] {
    return this.#head === 0 ? this.#items.slice() : this.#items.slice(this.#head);
  }

  /** Empties the queue. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
