/**
 * `vigil silence add|list|expire`: manages silences on a running daemon over its Alertmanager-compatible silence
 * API (`POST /api/v2/silences`, `GET /api/v2/silences`, `DELETE /api/v2/silence/{id}`).
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { parseDuration } from '../model/duration.js';
import { UsageError } from './errors.js';

const DEFAULT_SERVER = 'http://127.0.0.1:9190';

interface SilenceJSON {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

async function call(server: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = server.replace(/\/$/, '') + path;
  let res: Response;
  try {
    res = await fetch(url, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new Error(`${method} ${url}: ${(e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try { msg = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* plain text */ }
    if (res.status === 400) throw new UsageError(msg.trim());
    throw new Error(`${method} ${url}: ${res.status} ${msg.trim()}`);
  }
  return text ? JSON.parse(text) : null;
}

function formatMatcher(m: SilenceJSON['matchers'][number]): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

export function registerSilence(program: Command): void {
  const cmd = program.command('silence').description('manage silences on a running vigil');
  cmd
    .command('add <matchers...>')
    .description('silence alerts matching all matchers, e.g. vigil silence add \'alertname="HighCPU"\' instance=web-1 -c "deploy"')
    .requiredOption('-c, --comment <text>', 'why the silence exists')
    .option('-a, --author <name>', 'who creates it', userInfo().username)
    .option('-d, --duration <duration>', 'how long it lasts', '1h')
    .option('--start <time>', 'RFC 3339 start time (default now)')
    .option('--server <url>', 'vigil server', DEFAULT_SERVER)
    .action(async (matchers: string[], o: { comment: string; author: string; duration: string; start?: string; server: string }) => {
      let ms: number;
      try { ms = parseDuration(o.duration); } catch (e) { throw new UsageError(`--duration: ${(e as Error).message}`); }
      const startsAt = o.start ? new Date(o.start) : new Date();
      if (Number.isNaN(startsAt.getTime())) throw new UsageError(`--start: not an RFC 3339 time: ${o.start}`);
      const res = (await call(o.server, 'POST', '/api/v2/silences', {
        matchers, startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + ms).toISOString(),
        createdBy: o.author, comment: o.comment,
      })) as { silenceID: string };
      process.stdout.write(res.silenceID + '\n');
    });
  cmd
    .command('list')
    .description('list silences (expired ones with --expired)')
    .option('--expired', 'include expired silences')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--server <url>', 'vigil server', DEFAULT_SERVER)
    .action(async (o: { expired?: boolean; output: string; server: string }) => {
      const all = ((await call(o.server, 'GET', '/api/v2/silences')) as SilenceJSON[]).filter((s) => o.expired || s.status.state !== 'expired');
      if (o.output === 'json') { process.stdout.write(JSON.stringify(all, null, 2) + '\n'); return; }
      if (o.output !== 'table') throw new UsageError(`--output must be table or json, not ${o.output}`);
      const rows = [['ID', 'STATE', 'MATCHERS', 'ENDS AT', 'CREATED BY', 'COMMENT']];
      for (const s of all) rows.push([s.id, s.status.state, s.matchers.map(formatMatcher).join(','), s.endsAt, s.createdBy, s.comment]);
      const widths = rows[0]!.map((_h, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n');
    });
  cmd
    .command('expire <ids...>')
    .description('end silences now')
    .option('--server <url>', 'vigil server', DEFAULT_SERVER)
    .action(async (ids: string[], o: { server: string }) => {
      for (const id of ids) await call(o.server, 'DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
    });
}
