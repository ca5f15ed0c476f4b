/**
 * Fetching one exposition body with undici: keep-alive connections from one `Agent` per scrape config (so TLS and
 * connection settings are per job), gzip negotiated and decoded, `scrape_timeout` and `body_size_limit` enforced on
 * the uncompressed bytes as Prometheus does.
 *
 * A scrape at a 1 s interval is small next to the machinery of a general request (a Readable body stream, an
 * AbortSignal, a promise per read): measured, that machinery cost as much CPU as parsing 2 000 series. So each scrape
 * loop owns one `ScrapeFetcher`, which drives undici's low-level `dispatch` API as its own handler and copies each
 * received chunk straight into the loop's reused body buffer.
 */
import type { Dispatcher } from 'undici';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { SCRAPE_ACCEPT_HEADER } from './parse/index.js';

const gunzipAsync = promisify(gunzip);

export class ScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeError';
  }
}

export interface FetchResult {
  body: Buffer;
  contentType: string | undefined;
}

/**
 * A body buffer one scrape loop reuses from scrape to scrape: it grows by doubling to the largest body seen and is
 * kept, so a scrape does not allocate (and later free) a body-sized buffer.
 */
export class BodyBuffer {
  buf = new Uint8Array(0);

  /** Room for `size` bytes, keeping the first `keep`. */
  reserve(size: number, keep: number): Uint8Array {
    if (size > this.buf.length) {
      let c = Math.max(16384, this.buf.length * 2);
      while (c < size) c *= 2;
      const b = new Uint8Array(c);
      b.set(this.buf.subarray(0, keep));
      this.buf = b;
    }
    return this.buf;
  }
}

/** The headers of a scrape request (Prometheus's, then the job's credentials). */
export function scrapeRequestHeaders(headers: Readonly<Record<string, string>>, timeoutMs: number): Record<string, string> {
  return {
    Accept: SCRAPE_ACCEPT_HEADER,
    'Accept-Encoding': 'gzip',
    'User-Agent': 'vigil/0.1',
    'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
    ...headers,
  };
}

/**
 * GETs one target's URL, one fetch at a time (a scrape loop never overlaps its scrapes). `fetch` resolves with the
 * (decompressed) body, a view of `into` for an uncompressed body, valid until the next fetch into the same buffer.
 * It rejects with ScrapeError for non-2xx answers, bodies over `limit` bytes (0 = no limit), time-outs (`timeoutMs`
 * covers the whole exchange) and connection or protocol errors.
 */
export class ScrapeFetcher implements Dispatcher.DispatchHandler {
  private readonly request: Dispatcher.DispatchOptions;
  private into = new BodyBuffer();
  private limit = 0;
  private timeoutMs = 0;
  private size = 0;
  private status = 0;
  private gzip = false;
  private contentType: string | undefined;
  /** Compressed chunks of a gzipped body (decoded in one go at the end; such bodies are rare and small). */
  private readonly gzChunks: Buffer[] = [];
  private controller: Dispatcher.DispatchController | null = null;
  /** Why the running fetch was cut short by us (time-out, size limit), once it was. */
  private abortReason: ScrapeError | null = null;
  private timer: NodeJS.Timeout | null = null;
  private resolve: ((r: FetchResult) => void) | null = null;
  private reject: ((e: Error) => void) | null = null;

  /**
   * @param dispatcher the job's undici Agent (its connections, TLS and keep-alive settings).
   * @param url the target's scrape URL.
   * @param headers request headers (`scrapeRequestHeaders`).
   */
  constructor(private readonly dispatcher: Dispatcher, url: string, headers: Readonly<Record<string, string>>) {
    const u = new URL(url);
    this.request = { origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers: { ...headers } };
  }

  fetch(timeoutMs: number, limit: number, into: BodyBuffer): Promise<FetchResult> {
    if (this.resolve !== null) return Promise.reject(new Error('BUG: ScrapeFetcher.fetch while a fetch is running'));
    this.into = into;
    this.limit = limit;
    this.timeoutMs = timeoutMs;
    this.size = 0;
    this.status = 0;
    this.gzip = false;
    this.contentType = undefined;
    this.gzChunks.length = 0;
    this.controller = null;
    this.abortReason = null;
    return new Promise<FetchResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.timer = setTimeout(this.onTimeout, timeoutMs);
      try {
        this.dispatcher.dispatch(this.request, this);
      } catch (e) {
        this.settle(e as Error, null);
      }
    });
  }

  // ---- undici's handler interface ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason !== null) controller.abort(this.abortReason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    const ce = headers['content-encoding'];
    this.gzip = ce !== undefined && /gzip/i.test(String(ce));
    const ct = headers['content-type'];
    this.contentType = Array.isArray(ct) ? ct[0] : ct;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.status < 200 || this.status >= 300) return; // drained, so the connection stays usable
    if (this.gzip) {
      this.gzChunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    if (this.limit > 0 && this.size + chunk.length > this.limit) {
      this.abort(controller, new ScrapeError(`body size limit exceeded (${this.limit} bytes)`));
      return;
    }
    this.into.reserve(this.size + chunk.length, this.size).set(chunk, this.size);
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    if (this.status < 200 || this.status >= 300) {
      this.settle(new ScrapeError(`server returned HTTP status ${this.status}`), null);
    } else if (this.gzip) {
      const z = this.gzChunks.length === 1 ? this.gzChunks[0]! : Buffer.concat(this.gzChunks, this.size);
      this.gzChunks.length = 0;
      gunzipAsync(z, this.limit > 0 ? { maxOutputLength: this.limit } : {}).then(
        (body) => this.settle(null, body),
        (e: NodeJS.ErrnoException) => this.settle(new ScrapeError(e.code === 'ERR_BUFFER_TOO_LARGE'
          ? `body size limit exceeded (${this.limit} bytes)` : `gzip: ${e.message}`), null),
      );
    } else {
      this.settle(null, Buffer.from(this.into.buf.buffer, this.into.buf.byteOffset, this.size));
    }
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.settle(this.abortReason ?? err, null);
  }

  // ---- internals ----

  private readonly onTimeout = (): void => {
    this.timer = null;
    const e = new ScrapeError(`context deadline exceeded (scrape_timeout ${this.timeoutMs / 1000}s)`);
    if (this.controller !== null) this.abort(this.controller, e);
    else this.abortReason = e; // aborted as soon as undici hands over the request
  };

  private abort(controller: Dispatcher.DispatchController, reason: ScrapeError): void {
    this.abortReason = reason;
    controller.abort(reason);
  }

  private settle(err: Error | null, body: Buffer | null): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const { resolve, reject } = this;
    this.resolve = this.reject = null;
    if (resolve === null || reject === null) return;
    if (err !== null) reject(err instanceof ScrapeError ? err : new ScrapeError(err.message || String(err)));
    else resolve({ body: body!, contentType: this.contentType });
  }
}
