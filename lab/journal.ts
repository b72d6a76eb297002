/**
 * What one `lab up` call created, so that a failure half-way can undo exactly that, newest
 * first.
 *
 * @module
 */

/**
 * A list of undo steps, run newest first by {@linkcode Journal.rollback}.
 *
 * @example Undo in reverse order
 * ```ts
 * import { Journal } from "./journal.ts";
 * const journal = new Journal();
 * const done: string[] = [];
 * journal.add("namespace a", () => void done.push("a"));
 * journal.add("namespace b", () => void done.push("b"));
 * console.log(await journal.rollback(), done); // [] [ "b", "a" ]
 * ```
 */
export class Journal {
  #steps: { what: string; undo: () => unknown }[] = [];

  /** How many steps are recorded. */
  get length(): number {
    return this.#steps.length;
  }

  /**
   * Records how to undo something just created.
   *
   * @param what What was created, for messages.
   * @param undo Removes it; may be async; should not throw when it is already gone.
   */
  add(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  /**
   * Runs every undo step, newest first, and forgets them. A failing step does not stop the
   * others.
   *
   * @returns One line per step that failed: `<what>: <message>`.
   */
  async rollback(): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.what}: ${(error as Error).message}`);
      }
    }
    return failures;
  }
}
