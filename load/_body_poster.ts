/**
 * Posts bodies of a known length over kept-alive `node:http` (`node:https`) connections, one
 * body per request, for the HTTP load engine's uploads. The body is written from the caller's
 * buffer with no copy in JavaScript; `fetch` with a body costs about five times more CPU per
 * byte in Deno 2.9 (bench/throughput_vs_iperf3.ts).
 *
 * @module
 */
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import { Buffer } from "node:buffer";

/** Options of {@linkcode BodyPoster.open}. */
export interface BodyPosterOptions {
  /**
   * Connections kept alive (one per parallel request).
   *
   * @default {4}
   */
  streams?: number;
  /**
   * PEM certificates to trust besides the system's.
   *
   * @default {[]}
   */
  caCerts?: string[];
  /** Cuts every request in flight (each then rejects). */
  signal?: AbortSignal;
}

type RequestFunction = (
  options: Record<string, unknown>,
  callback: (response: IncomingMessage) => void,
) => {
  on(event: "error", listener: (error: Error) => void): void;
  end(body: Uint8Array): void;
  destroy(error?: Error): void;
};

/**
 * Posts bodies to one HTTP(S) origin over kept-alive connections.
 *
 * @example Posting to in-process endpoints on loopback
 * ```ts
 * import { BodyPoster } from "./_body_poster.ts";
 * import { startHttpEndpoints } from "../server/http_endpoints.ts";
 * const server = await startHttpEndpoints({});
 * const poster = await BodyPoster.open(new URL(server.url), { streams: 1 });
 * console.log(await poster.post("/upload", new Uint8Array(1000))); // 200
 * poster.close();
 * await server.close();
 * ```
 */
export class BodyPoster {
  readonly #request: RequestFunction;
  readonly #agent: HttpAgent;
  readonly #origin: { host: string; port: number; ca?: string[] };
  readonly #signal: AbortSignal | undefined;

  private constructor(
    request: RequestFunction,
    agent: HttpAgent,
    origin: { host: string; port: number; ca?: string[] },
    signal: AbortSignal | undefined,
  ) {
    this.#request = request;
    this.#agent = agent;
    this.#origin = origin;
    this.#signal = signal;
  }

  /**
   * Prepares a poster for `base`'s origin (node's HTTP modules load only now, so that merely
   * importing the load engine costs nothing).
   *
   * @param base The origin's URL (`http:` or `https:`).
   * @param options Connections, trusted certificates, signal.
   * @returns The poster.
   * @throws {TypeError} When the URL is neither http nor https.
   */
  static async open(base: URL, options: BodyPosterOptions = {}): Promise<BodyPoster> {
    const secure = base.protocol === "https:";
    if (!secure && base.protocol !== "http:") {
      throw new TypeError(`Invalid URL "${base.href}": expected http or https`);
    }
    const module = secure ? await import("node:https") : await import("node:http");
    const tls = secure ? await import("node:tls") : undefined;
    const agent = new module.Agent({ keepAlive: true, maxSockets: options.streams ?? 4 });
    const caCerts = options.caCerts ?? [];
    const origin = {
      host: base.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(base.port || (secure ? 443 : 80)),
      ...(tls && caCerts.length > 0 ? { ca: [...tls.rootCertificates, ...caCerts] } : {}),
    };
    return new BodyPoster(
      module.request as unknown as RequestFunction,
      agent,
      origin,
      options.signal,
    );
  }

  /**
   * Posts `body` to `path` and waits for the whole answer.
   *
   * @param path Path and query, e.g. `"/upload"`.
   * @param body The bytes; not copied, so keep them unchanged until the promise settles.
   * @returns The answer's status code.
   * @throws {Error} When the connection fails or the signal cuts the request.
   */
  post(path: string, body: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#signal?.aborted) {
        reject(new Error("The request was cut"));
        return;
      }
      const request = this.#request({
        ...this.#origin,
        path,
        method: "POST",
        agent: this.#agent,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(body.byteLength),
        },
      }, (response) => {
        response.on("data", () => {});
        response.on("end", () => {
          this.#signal?.removeEventListener("abort", cut);
          resolve(response.statusCode ?? 0);
        });
        response.on("error", fail);
      });
      const fail = (error: Error) => {
        this.#signal?.removeEventListener("abort", cut);
        reject(error);
      };
      const cut = () => request.destroy(new Error("The request was cut"));
      this.#signal?.addEventListener("abort", cut, { once: true });
      request.on("error", fail);
      request.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    });
  }

  /** Closes every kept-alive connection. */
  close(): void {
    this.#agent.destroy();
  }
}
