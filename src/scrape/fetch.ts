/**
 * Fetching one exposition body: undici with keep-alive (one `Agent` per scrape config, so TLS and connection
 * settings are per job), gzip negotiated and decoded, `scrape_timeout` and `body_size_limit` enforced on the
 * uncompressed bytes as Prometheus does.
 */
import { request, type Dispatcher } from 'undici';
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

/**
 * GETs `url` and returns the (decompressed) body. Throws ScrapeError for non-2xx answers, bodies over `limit`
 * bytes (0 = no limit), and time-outs (`timeoutMs` covers the whole exchange). With `into`, an uncompressed body
 * is assembled in that buffer and returned as a view of it, valid until the next fetch into the same buffer.
 */
export async function fetchBody(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  limit: number,
  into?: BodyBuffer,
): Promise<FetchResult> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await request(url, {
      dispatcher,
      method: 'GET',
      headers: {
        Accept: SCRAPE_ACCEPT_HEADER,
        'Accept-Encoding': 'gzip',
        'User-Agent': 'vigil/0.1',
        'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
        ...headers,
      },
      signal: ac.signal,
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      res.body.resume();
      throw new ScrapeError(`server returned HTTP status ${res.statusCode}`);
    }
    const gz = /gzip/i.test(String(res.headers['content-encoding'] ?? ''));
    const chunks: Buffer[] = [];
    const direct = into !== undefined && !gz;
    let size = 0;
    for await (const c of res.body) {
      const b = c as Buffer;
      if (limit > 0 && !gz && size + b.length > limit) {
        res.body.destroy();
        throw new ScrapeError(`body size limit exceeded (${limit} bytes)`);
      }
      if (direct) into.reserve(size + b.length, size).set(b, size);
      else chunks.push(b);
      size += b.length;
    }
    let body = direct
      ? Buffer.from(into.buf.buffer, into.buf.byteOffset, size)
      : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (gz) {
      try {
        body = await gunzipAsync(body, limit > 0 ? { maxOutputLength: limit } : {});
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw new ScrapeError(`body size limit exceeded (${limit} bytes)`);
        throw new ScrapeError(`gzip: ${(e as Error).message}`);
      }
    }
    const ct = res.headers['content-type'];
    return { body, contentType: Array.isArray(ct) ? ct[0] : ct };
  } catch (e) {
    if (ac.signal.aborted) throw new ScrapeError(`context deadline exceeded (scrape_timeout ${timeoutMs / 1000}s)`);
    if (e instanceof ScrapeError) throw e;
    throw new ScrapeError((e as Error).message || String(e));
  } finally {
    clearTimeout(timer);
  }
}
