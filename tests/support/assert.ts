/**
 * Small assertion helpers over `node:assert/strict` (JSR's @std/assert is not reachable here).
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Deep equality.
 *
 * @example
 * ```ts
 * import { assertEquals } from "./assert.ts";
 * assertEquals({ a: 1 }, { a: 1 });
 * ```
 */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (message === undefined) assert.deepStrictEqual(actual, expected);
  else assert.deepStrictEqual(actual, expected, message);
}

/**
 * Truthiness.
 *
 * @example
 * ```ts
 * import { assertOk } from "./assert.ts";
 * assertOk(1 < 2);
 * ```
 */
export function assertOk(value: unknown, message?: string): asserts value {
  if (message === undefined) assert.ok(value);
  else assert.ok(value, message);
}

/**
 * Asserts that `fn` throws an instance of `type` and returns the error.
 *
 * @example
 * ```ts
 * import { assertThrows } from "./assert.ts";
 * const error = assertThrows(() => { throw new RangeError("x"); }, RangeError);
 * console.log(error.message); // x
 * ```
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name} to be thrown` });
}

/**
 * Asserts that `fn` rejects with an instance of `type` and returns the error.
 *
 * @example
 * ```ts
 * import { assertRejects } from "./assert.ts";
 * await assertRejects(() => Promise.reject(new TypeError("t")), TypeError);
 * ```
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${type.name} to be rejected` });
}
