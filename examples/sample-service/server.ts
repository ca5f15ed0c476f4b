/**
 * A small instrumented service that exposes the four signals vigil's users watch most, so a fresh `npm start`
 * has something real to scrape and alert on:
 *   app_cpu_seconds_total           CPU time this process used (counter)
 *   app_memory_bytes{type}          resident and heap memory (gauges)
 *   app_http_requests_total{code,handler}  requests served (counter), from a built-in synthetic client
 *   app_queue_messages{queue}       messages waiting in in-process queues (gauge)
 *
 *   node dist/examples/sample-service/server.js [--listen 127.0.0.1:9191]
 */
import http from 'node:http';
import client from 'prom-client';

const registry = new client.Registry();

const cpu = new client.Counter({
  name: 'app_cpu_seconds_total',
  help: 'CPU time used by the service, user plus system.',
  registers: [registry],
});
const memory = new client.Gauge({
  name: 'app_memory_bytes',
  help: 'Memory used by the service.',
  labelNames: ['type'],
  registers: [registry],
});
const requests = new client.Counter({
  name: 'app_http_requests_total',
  help: 'HTTP requests served, by status code and handler.',
  labelNames: ['code', 'handler'],
  registers: [registry],
});
const queue = new client.Gauge({
  name: 'app_queue_messages',
  help: 'Messages waiting in each queue.',
  labelNames: ['queue'],
  registers: [registry],
});

const queues: Record<string, number> = { orders: 0, emails: 0 };
let lastCpu = process.cpuUsage();

function sampleProcess(): void {
  const now = process.cpuUsage();
  cpu.inc((now.user - lastCpu.user + now.system - lastCpu.system) / 1e6);
  lastCpu = now;
  const m = process.memoryUsage();
  memory.set({ type: 'rss' }, m.rss);
  memory.set({ type: 'heap' }, m.heapUsed);
  for (const [name, depth] of Object.entries(queues)) queue.set({ queue: name }, depth);
}

/** Synthetic traffic: requests with a small error share, and queues that fill in bursts and drain steadily. */
function simulate(): void {
  const n = 5 + Math.floor(Math.random() * 20);
  for (let i = 0; i < n; i++) {
    const r = Math.random();
    const code = r < 0.02 ? '500' : r < 0.05 ? '404' : '200';
    requests.inc({ code, handler: Math.random() < 0.7 ? '/api/orders' : '/api/users' });
  }
  queues.orders = Math.max(0, queues.orders! + Math.floor(Math.random() * 12) - 5);
  queues.emails = Math.max(0, queues.emails! + (Math.random() < 0.1 ? 40 : 0) - 3);
}

function parseListen(argv: string[]): { host: string; port: number } {
  const i = argv.indexOf('--listen');
  const spec = i >= 0 ? argv[i + 1] ?? '' : '127.0.0.1:9191';
  const at = spec.lastIndexOf(':');
  return { host: spec.slice(0, at) || '127.0.0.1', port: Number(spec.slice(at + 1)) };
}

const { host, port } = parseListen(process.argv);
const server = http.createServer((req, res) => {
  if (req.url === '/metrics') {
    sampleProcess();
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(body);
      },
      (e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
    return;
  }
  res.writeHead(404);
  res.end('not found\n');
});
const timer = setInterval(simulate, 1000);
server.listen(port, host, () => process.stderr.write(`sample service listening on http://${host}:${port}/metrics\n`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    clearInterval(timer);
    server.close(() => process.exit(0));
  });
}
