/**
 * Typed errors with stable codes. Every error a user can meet carries a code from
 * {@linkcode ErrorCode}, a one-line message naming the thing, and, where useful, a hint
 * saying what to do.
 *
 * @module
 */

/**
 * Every error code bufferbane raises, in one place.
 *
 * @example Checking a code
 * ```ts
 * import { BufferbaneError, ErrorCode } from "./errors.ts";
 * const error = new BufferbaneError(ErrorCode.UnknownPlugin, 'Unknown plugin "x"');
 * console.log(error.code === ErrorCode.UnknownPlugin); // true
 * ```
 */
export const ErrorCode = {
  /** A recipe file does not exist or cannot be read. */
  RecipeNotFound: "RECIPE_NOT_FOUND",
  /** A recipe is not valid TOML. */
  RecipeSyntax: "RECIPE_SYNTAX",
  /** A recipe is valid TOML but a key or value is wrong. */
  RecipeInvalid: "RECIPE_INVALID",
  /** A recipe refers to an environment variable that is not set. */
  RecipeEnv: "RECIPE_ENV",
  /** A duration string like `"1x"` could not be parsed. */
  InvalidDuration: "INVALID_DURATION",
  /** A plugin id is not registered. */
  UnknownPlugin: "UNKNOWN_PLUGIN",
  /** Two plugins were registered under the same name. */
  DuplicatePlugin: "DUPLICATE_PLUGIN",
  /** A custom plugin file could not be loaded or does not export a plugin. */
  PluginLoad: "PLUGIN_LOAD",
  /** Plugin options failed validation. */
  PluginOptions: "PLUGIN_OPTIONS",
  /** A plugin failed while running (recorded as data, not thrown past the driver). */
  PluginFailed: "PLUGIN_FAILED",
  /** The store could not be opened or created. */
  StoreOpen: "STORE_OPEN",
  /** A write to the store failed (disk full, read-only file). */
  StoreWrite: "STORE_WRITE",
  /** The store was written by a newer version of bufferbane. */
  StoreVersion: "STORE_VERSION",
  /** A command-line argument is wrong. */
  InvalidArgument: "INVALID_ARGUMENT",
  /** A time or period given on the command line could not be parsed. */
  InvalidTime: "INVALID_TIME",
  /** A named server is not declared or cannot be started. */
  Server: "SERVER",
  /** A socket system call failed (the error names the errno, e.g. `ENODEV`). */
  Socket: "SOCKET",
  /** The process lacks a permission or capability a socket needs (`EACCES`, `EPERM`). */
  Permission: "PERMISSION",
  /** A network interface named in a recipe or on the command line does not exist. */
  InterfaceNotFound: "INTERFACE_NOT_FOUND",
  /** A DSCP or TOS value is out of range or names no known class (e.g. `"EX"`, `64`). */
  InvalidDscp: "INVALID_DSCP",
  /** The metrics exporter could not start (address in use, not permitted). */
  Exporter: "EXPORTER",
} as const;

/** One of the values of {@linkcode ErrorCode}. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** Options for {@linkcode BufferbaneError}. */
export interface BufferbaneErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** What the user can do about it, shown after the message. */
  hint?: string;
}

/**
 * The error type callers are expected to catch: it has a stable `code` and an optional `hint`.
 *
 * @example Throwing and describing
 * ```ts
 * import { BufferbaneError, ErrorCode } from "./errors.ts";
 * const error = new BufferbaneError(ErrorCode.StoreOpen, 'Cannot open store "/x.db"', {
 *   hint: "check that the folder exists and is writable",
 * });
 * console.log(error.message); // Cannot open store "/x.db"
 * ```
 */
export class BufferbaneError extends Error {
  /** The stable error code. */
  readonly code: ErrorCode;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  /**
   * @param code One of {@linkcode ErrorCode}.
   * @param message One line naming the thing and what is wrong.
   * @param options Cause and hint.
   */
  constructor(code: ErrorCode, message: string, options: BufferbaneErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "BufferbaneError";
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * Turns any thrown value into one readable line: message, then hint when there is one.
 *
 * @param error Anything that was thrown.
 * @returns A single line fit for stderr.
 *
 * @example
 * ```ts
 * import { BufferbaneError, describeError, ErrorCode } from "./errors.ts";
 * const line = describeError(new BufferbaneError(ErrorCode.UnknownPlugin, 'Unknown plugin "x"', { hint: "known: dns" }));
 * console.log(line); // Unknown plugin "x" (known: dns)
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof BufferbaneError) {
    return error.hint ? `${error.message} (${error.hint})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
