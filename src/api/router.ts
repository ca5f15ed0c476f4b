/**
 * A minimal HTTP router over node:http: exact paths and `:param` segments, GET/POST, form and query parameters
 * merged as Prometheus does (`r.FormValue`), JSON responses. No framework: the API surface is small and fixed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Request {
  method: string;
  path: string;
  /** Query-string and (for POST application/x-www-form-urlencoded) body parameters; repeated keys keep all values. */
  params: URLSearchParams;
  pathParams: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Raw body bytes (POST), read before the handler runs; empty for GET. */
  body: Buffer;
  raw: IncomingMessage;
}

export interface Response {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

export type Handler = (req: Request) => Promise<Response> | Response;

interface Route {
  methods: readonly string[];
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(methods: readonly string[], pattern: string, handler: Handler): this {
    this.routes.push({ methods, segments: pattern.split('/'), handler });
    return this;
  }

  /** Finds the route; `undefined` if no path matches, `null` if the path matches but not the method. */
  match(method: string, path: string): { handler: Handler; pathParams: Record<string, string> } | null | undefined {
    const parts = path.split('/');
    let pathMatched = false;
    for (const r of this.routes) {
      const pathParams = matchSegments(r.segments, parts);
      if (!pathParams) continue;
      pathMatched = true;
      if (r.methods.includes(method)) return { handler: r.handler, pathParams };
    }
    return pathMatched ? null : undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) {
      try {
        out[p.slice(1)] = decodeURIComponent(parts[i]!);
      } catch {
        return null;
      }
    } else if (p !== parts[i]) return null;
  }
  return out;
}

const MAX_BODY = 64 * 1024 * 1024;

/**
 * The request's body, at most `limit` bytes (over it: an Error, and the rest is not read). Listens for the stream's
 * events directly: a query's form body arrives in one chunk, and an async iterator over the stream cost several
 * promise turns per request on the query path's fixed cost (H29).
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer): void => {
      size += b.length;
      if (size > limit) {
        done();
        req.destroy();
        reject(new Error(`request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(b);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    const onClose = (): void => {
      // Closed before the end: the client went away mid-body.
      if (!req.complete) onError(new Error('request closed before its body was complete'));
    };
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Turns a node request into a `Request`, reading the body and merging form parameters. */
export async function toRequest(raw: IncomingMessage): Promise<Request> {
  const url = new URL(raw.url ?? '/', 'http://localhost');
  const body = raw.method === 'POST' || raw.method === 'PUT' ? await readBody(raw) : Buffer.alloc(0);
  const params = new URLSearchParams(url.search);
  const ct = raw.headers['content-type'] ?? '';
  if (body.length && ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
  }
  return { method: raw.method ?? 'GET', path: url.pathname, params, pathParams: {}, headers: raw.headers, body, raw };
}

export function send(res: ServerResponse, r: Response): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  res.writeHead(r.status, headers);
  res.end(r.body);
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Response {
  return { status, headers: { 'Content-Type': contentType }, body };
}
