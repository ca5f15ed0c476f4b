/**
 * The one HTTP client setup: an undici `Agent` (keep-alive pool, TLS from `tls_config`) and the Authorization
 * header from `basic_auth` / `authorization`, for everything that calls out with Prometheus's HTTP client settings
 * (scrapes, remote write). Credential and certificate files are read when the agent is built, i.e. at (re)load.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { HTTPClientConfig } from '../config/types.js';

/** A keep-alive pool with `http`'s TLS settings (none given: system CAs, verification on). */
export function httpAgent(http: HTTPClientConfig | undefined, connections = 4): Agent {
  const tls = http?.tlsConfig;
  const custom = tls && (tls.caFile || tls.certFile || tls.keyFile || tls.serverName || tls.insecureSkipVerify);
  return new Agent({
    keepAliveTimeout: 60_000,
    connections,
    connect: custom
      ? {
          ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
          cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
          key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
          servername: tls.serverName,
          rejectUnauthorized: !tls.insecureSkipVerify,
        }
      : undefined,
  });
}

/** The Authorization header `http` asks for (Basic or `<type> <credentials>`), or none. */
export function authHeaders(http: HTTPClientConfig): Record<string, string> {
  const { basicAuth, authorization } = http;
  if (basicAuth) {
    const password = basicAuth.passwordFile ? readFileSync(basicAuth.passwordFile, 'utf8').trim() : basicAuth.password ?? '';
    return { Authorization: 'Basic ' + Buffer.from(`${basicAuth.username}:${password}`).toString('base64') };
  }
  if (authorization) {
    const cred = authorization.credentialsFile
      ? readFileSync(authorization.credentialsFile, 'utf8').trim()
      : authorization.credentials ?? '';
    return { Authorization: `${authorization.type} ${cred}` };
  }
  return {};
}
