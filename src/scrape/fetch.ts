/**
 * Fetching one exposition body: undici with keep-alive (one `Agent` per scrape config, so TLS and connection
 * settings are per job), gzip negotiated and decoded, `scrape_timeout` and `body_size_limit` enforced on the
 * uncompressed bytes as Prometheus does.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { SCRAPE_ACCEPT_HEADER } from './parse/index.js';

const gunzipAsync = promisify(gunzip);

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

export function createScrapeAgent(tls: TlsOptions | undefined, connections = 4): Agent {
  return new Agent({
    keepAliveTimeout: 60_000,
    connections,
    connect: tls
      ? {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          servername: tls.serverName,
          rejectUnauthorized: !tls.insecureSkipVerify,
        }
      : undefined,
  });
}

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
 * GETs `url` and returns the (decompressed) body. Throws ScrapeError for non-2xx answers, bodies over `limit`
 * bytes (0 = no limit), and time-outs (`timeoutMs` covers the whole exchange).
 */
export async function fetchBody(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  limit: number,
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
    let size = 0;
    for await (const c of res.body) {
      const b = c as Buffer;
      size += b.length;
      if (limit > 0 && !gz && size > limit) {
        res.body.destroy();
        throw new ScrapeError(`body size limit exceeded (${limit} bytes)`);
      }
      chunks.push(b);
    }
    let body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
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
