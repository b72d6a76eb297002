/**
 * The `STORE_WRITE` error: one line naming the store and SQLite's reason, and a hint fit for
 * the cause.
 *
 * @module
 */
import { BufferbaneError, ErrorCode } from "../core/errors.ts";

/**
 * Wraps what SQLite threw during a write.
 *
 * @param path The store's path.
 * @param cause What SQLite threw.
 * @returns A `STORE_WRITE` error (or `cause` itself when it already is a BufferbaneError).
 */
export function storeWriteError(path: string, cause: unknown): BufferbaneError {
  if (cause instanceof BufferbaneError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  let hint = "check the disk and the store file";
  if (/full/i.test(reason)) hint = "free some disk space";
  else if (/locked|busy/i.test(reason)) hint = "another program holds the store locked";
  else if (/readonly|read-only/i.test(reason)) hint = "make the store file writable";
  else if (/not open/i.test(reason)) hint = "the store was closed";
  return new BufferbaneError(ErrorCode.StoreWrite, `Cannot write to store "${path}": ${reason}`, {
    cause,
    hint,
  });
}
