/**
 * `npm start`: the daemon with config/scrape.yaml and data in ./data, plus the sample service from examples/
 * that the default config scrapes. Signals reach both; the sample service stops when the daemon does.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const node = process.execPath;

const sample = spawn(node, [path.join(root, 'dist/examples/sample-service/server.js'), '--listen', '127.0.0.1:9191'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const daemon = spawn(
  node,
  [path.join(root, 'dist/src/cli/main.js'), 'run', '--config', path.join(root, 'config/scrape.yaml'), '--data-dir', path.join(root, 'data')],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    daemon.kill(sig);
    if (sig !== 'SIGHUP') sample.kill('SIGTERM');
  });
}
daemon.on('exit', (code, signal) => {
  sample.kill('SIGTERM');
  process.exitCode = code ?? (signal ? 1 : 0);
});
