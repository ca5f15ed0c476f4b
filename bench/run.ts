/**
 * `npm run bench`: every benchmark of bench/, each in its own process (so one's heap and JIT state do not colour
 * the next), in sequence. `--only NAME[,NAME]` picks some; `--vs-prometheus` also runs the side-by-side scripts
 * of ../shared/bench against the real Prometheus (minutes, and needs `prometheus`/`promtool` installed).
 * Results and the exact commands behind bench/RESULTS.md are printed as they come.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = path.resolve(here, '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const shared = path.resolve(root, '../shared/bench');

interface Bench {
  name: string;
  cmd: string;
  args: string[];
}

const benches: Bench[] = [
  { name: 'codec', cmd: process.execPath, args: [path.join(here, 'codec.js'), '--runs', '3'] },
  { name: 'parse', cmd: process.execPath, args: [path.join(here, 'parse.js')] },
  { name: 'head-memory', cmd: process.execPath, args: ['--expose-gc', path.join(here, 'head-memory.js'), '--series', '100000'] },
  { name: 'index-choice', cmd: process.execPath, args: [path.join(here, 'index-choice.js')] },
  { name: 'query-isolation', cmd: process.execPath, args: [path.join(here, 'query-isolation.js')] },
  { name: 'rules', cmd: process.execPath, args: [path.join(here, 'rules.js'), 'eval'] },
];

const vsPrometheus: Bench[] = [
  {
    name: 'storage-vs-prometheus',
    cmd: path.join(shared, 'storage-vs-prometheus.sh'),
    args: ['--series', '2000', '--hours', '6', '--step', '15', '--', process.execPath, cli],
  },
  {
    name: 'vs-prometheus',
    cmd: path.join(shared, 'vs-prometheus.sh'),
    args: ['--duration', '60', '--interval', '1', '--targets', '10', '--series', '2000', '--', process.execPath, cli],
  },
];

const argv = process.argv.slice(2);
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((argv[onlyArg + 1] ?? '').split(',')) : null;
const list = [...benches, ...(argv.includes('--vs-prometheus') ? vsPrometheus : [])].filter((b) => !only || only.has(b.name));

let failed = 0;
for (const b of list) {
  const script = b.args.find((a) => a.endsWith('.js') || a.endsWith('.sh')) ?? b.cmd;
  if (!existsSync(b.cmd.endsWith('.sh') ? b.cmd : script)) {
    process.stdout.write(`\n## ${b.name}: skipped (${path.relative(root, script)} not found)\n`);
    continue;
  }
  process.stdout.write(`\n## ${b.name}\n$ ${[b.cmd, ...b.args].map((a) => (path.isAbsolute(a) ? path.relative(root, a) || a : a)).join(' ')}\n`);
  const r = spawnSync(b.cmd, b.args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`## ${b.name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
