/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="esnext" />
/**
 * The browser test's load: parallel downloads (`GET /download`, the body read and dropped)
 * and uploads (`POST /upload`, bodies of a known length one after another, each sized to take
 * about a quarter of a second at the rate the last one went), all naming the test session.
 * Bytes are counted as they move, so the page can show goodput while the load runs.
 *
 * @module
 */

/** Options of {@linkcode startLoad}. */
export interface LoadOptions {
  /** The server's base URL. */
  base: string;
  /** The test session's id. */
  session: string;
  /** Which directions. */
  download: boolean;
  /** Which directions. */
  upload: boolean;
  /**
   * Streams per direction (a browser opens at most six HTTP/1.1 connections per server: three
   * each way fit beside each other).
   *
   * @default {3}
   */
  streams?: number;
}

/** A running load. */
export interface Load {
  /** Bytes received so far. */
  readonly downloaded: number;
  /** Bytes the server has read so far (whole upload bodies). */
  readonly uploaded: number;
  /** The first error a stream met, if any. */
  readonly error: string | undefined;
  /** Stops every stream. */
  stop(): void;
}

const MIN_UPLOAD = 65_536;
const MAX_UPLOAD = 16_777_216;

/**
 * Starts the streams.
 *
 * @param options Server, session, directions.
 * @returns The load.
 *
 * @example
 * ```ts ignore
 * import { startLoad } from "./_load.ts";
 * const load = startLoad({ base: location.origin, session: "x", download: true, upload: false });
 * setTimeout(() => load.stop(), 5000);
 * ```
 */
export function startLoad(options: LoadOptions): Load {
  const stop = new AbortController();
  const streams = options.streams ?? 3;
  let downloaded = 0;
  let uploaded = 0;
  let error: string | undefined;
  const fail = (e: unknown) => {
    if (!stop.signal.aborted) error ??= e instanceof Error ? e.message : String(e);
  };
  const session = encodeURIComponent(options.session);
  const download = async () => {
    while (!stop.signal.aborted) {
      const response = await fetch(`${options.base}/download?session=${session}`, {
        signal: stop.signal,
        cache: "no-store",
      });
      if (!response.ok || !response.body) {
        throw new Error(`The server refused a download (${response.status})`);
      }
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        downloaded += value.byteLength;
      }
    }
  };
  const payload = new Uint8Array(MAX_UPLOAD);
  for (let i = 0; i < payload.length; i += 65_536) {
    crypto.getRandomValues(payload.subarray(i, i + 65_536));
  }
  const upload = async () => {
    let size = MIN_UPLOAD;
    while (!stop.signal.aborted) {
      const started = performance.now();
      const response = await fetch(`${options.base}/upload?session=${session}`, {
        method: "POST",
        body: new Blob([payload.subarray(0, size)]),
        signal: stop.signal,
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`The server refused an upload (${response.status})`);
      uploaded += size;
      const ms = Math.max(1, performance.now() - started);
      const next = size * 250 / ms;
      size = MIN_UPLOAD;
      while (size * 2 <= next && size < MAX_UPLOAD) size *= 2;
    }
  };
  for (let i = 0; i < streams; i++) {
    if (options.download) download().catch(fail);
    if (options.upload) upload().catch(fail);
  }
  return {
    get downloaded() {
      return downloaded;
    },
    get uploaded() {
      return uploaded;
    },
    get error() {
      return error;
    },
    stop() {
      stop.abort();
    },
  };
}
