/**
 * Starting real programs (Prometheus, node exporter, Alertmanager, vigil itself) for tests: on a free loopback
 * port, waiting until an HTTP path answers, stopped by PID when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Started {
  proc: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Spawns `cmd` and resolves once `readyUrl` answers 200 (rejects after `timeoutMs` with the program's output). */
export async function startProgram(cmd: string, args: string[], readyUrl: string, timeoutMs = 20_000, env?: NodeJS.ProcessEnv): Promise<Started> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const started: Started = {
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${cmd} exited with ${proc.exitCode}:\n${out}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) return started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await started.stop('SIGKILL');
  throw new Error(`${cmd} not ready at ${readyUrl} within ${timeoutMs} ms:\n${out}`);
}
