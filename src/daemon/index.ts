/**
 * The daemon's wiring, in one place: config → discovery → scrape → engine; engine → API, rules → notifications.
 * Start-up order makes `/-/healthy` answer at once and `/-/ready` only once the WAL is replayed; shutdown stops
 * scraping first, then commits and closes the engine.
 */
import os from 'node:os';
import client from 'prom-client';
import type { Logger } from '../log/index.js';
import { systemClock } from '../model/clock.js';
import { configToYaml } from '../config/index.js';
import type { Config } from '../config/types.js';
import { Db } from '../tsdb/db.js';
import { createHttpServer, type HttpServer } from '../api/server.js';
import { registerApiV1 } from '../api/v1.js';
import { registerUi } from '../ui/index.js';
import { apiError } from '../api/errors.js';
import { text } from '../api/router.js';
import { createQueryRunner, type QueryRunnerOptions } from '../query/index.js';
import { ScrapeManager } from '../scrape/manager.js';
import { TargetDiscovery } from './targets.js';
import { tsdbStatusJson } from './status.js';
import { loadDaemonConfig, type DaemonConfig } from './config.js';
import { Alerting } from './alerting.js';
import { workersOnline } from './heap.js';
import { scheduleBlockCompaction, type CompactionSchedule } from '../tsdb/compact/schedule.js';
import { compactorOptions } from '../tsdb/compact/options.js';
import { frameCache } from '../tsdb/block/frame-cache.js';
// Deep imports on purpose: the remote index also exports the wire codecs, which load protobufjs and snappy.
import { AppenderTap } from '../remote/tap.js';
import { registerRemote } from '../remote/routes.js';
import type { RemoteWriter } from '../remote/writer.js';
import { registerFederate } from '../federate/index.js';

export interface DaemonOptions {
  configFile: string;
  dataDir: string;
  host: string;
  port: number;
  /** Retention of every resolution the `storage:` section does not set; 0 = keep everything. */
  retentionMs: number;
  /** Delete the oldest blocks while all blocks together exceed this many bytes; undefined = no size limit. */
  retentionBytes?: number;
  logger: Logger;
  /** Query workers, limits and results cache (`--query.*` flags). Default: see createQueryRunner. */
  query?: QueryRunnerOptions;
}

const HEAD_COMPACTION_INTERVAL_MS = 60_000;

export class Daemon {
  private ready = false;
  private stopping: Promise<void> | null = null;
  private markStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));
  private compactTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private readonly reloadGauge: client.Gauge;
  private readonly reloadTime: client.Gauge;
  private discovery!: TargetDiscovery;
  private scrape!: ScrapeManager;
  private tap!: AppenderTap;
  private remoteWriter: RemoteWriter | null = null;
  private queries: ReturnType<typeof createQueryRunner> | null = null;
  private alerting!: Alerting;
  private blockCompaction: CompactionSchedule | null = null;
  private config: Config;
  address = '';

  private constructor(
    private readonly opts: DaemonOptions,
    private daemonConfig: DaemonConfig,
    private readonly externalURL: string,
    private readonly http: HttpServer,
    private readonly db: Db,
  ) {
    this.config = daemonConfig.base;
    this.reloadGauge = gauge('vigil_config_last_reload_successful', 'Whether the last configuration reload attempt was successful.');
    this.reloadTime = gauge('vigil_config_last_reload_success_timestamp_seconds', 'Timestamp of the last successful configuration reload.');
  }

  /**
   * Loads the config (a bad one is a ConfigError: exit 2), starts serving health, opens the engine (replaying the
   * WAL), then starts discovery and scraping.
   */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const { logger } = opts;
    const host = opts.host === '0.0.0.0' || opts.host === '::' ? os.hostname() : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const externalURL = `http://${host}:${opts.port}`;
    const config = await loadDaemonConfig(opts.configFile, externalURL);
    // prom-client samples event-loop delay with a libuv timer; its default 10 ms wakes the idle loop 100 times a
    // second (a measurable share of an ingesting daemon's CPU). 100 ms still catches every stall that delays scrapes.
    client.collectDefaultMetrics({ eventLoopMonitoringPrecision: 100 });
    // This thread reads blocks only to compact them, in one pass: a few frames of cache serve it (queries over
    // blocks run in the workers, each with its own full-size cache).
    frameCache.setBudget(1024 * 1024);
    const http = createHttpServer(logger);
    let daemon: Daemon | null = null;
    http.router.add(['GET', 'HEAD'], '/-/healthy', () => text(200, 'vigil is Healthy.\n'));
    http.router.add(['GET', 'HEAD'], '/-/ready', () =>
      daemon?.ready ? text(200, 'vigil is Ready.\n') : text(503, 'Service Unavailable\n'),
    );
    const addr = await http.listen(opts.host, opts.port);
    logger.info('listening', { address: `${addr.address}:${addr.port}` });

    let db: Db | null = null;
    try {
      // Retention is the block compactor's (per resolution, and by size), scheduled in applyConfig.
      // The cold tier's dir is fixed for the Db's life: a reload that changes it takes effect at the next start.
      db = await Db.open(opts.dataDir, { logger: logger.child({ component: 'tsdb' }), coldDir: config.storage.cold?.dir });
      daemon = new Daemon(opts, config, externalURL, http, db);
      daemon.address = `${addr.address}:${addr.port}`;
      await daemon.wire();
    } catch (e) {
      // A locked data dir or a bad rule file: release what started so the process can exit with the error.
      await (daemon ? daemon.stop() : Promise.all([http.close(), db?.close()]));
      throw e;
    }
    daemon.ready = true;
    logger.info('ready');
    return daemon;
  }

  private async wire(): Promise<void> {
    const { logger } = this.opts;
    // Every ingest path appends through the tap so remote write out sees each committed batch.
    const head = this.db.head;
    this.tap = new AppenderTap(() => this.db.appender(), logger.child({ component: 'remote' }), (ref) => {
      const slot = head.slotOf(ref);
      return slot < 0 ? undefined : head.labelsOf(slot);
    });
    this.scrape = new ScrapeManager({ appender: this.tap.appender, clock: systemClock, logger: logger.child({ component: 'scrape' }) });
    this.discovery = new TargetDiscovery(this.scrape, logger.child({ component: 'discovery' }));
    const queryOpts = this.opts.query ?? {};
    const queryLog = logger.child({ component: 'query' });
    this.queries = lazyQueryRunner(() =>
      createQueryRunner(this.db, {
        ...queryOpts,
        pool: {
          ...queryOpts.pool,
          onWarmed: (runs, ms, error) => {
            if (error !== undefined) queryLog.warn('query worker warm-up failed', { runs, err: error });
            else queryLog.debug('query worker warmed up', { runs, ms: Math.round(ms) });
            queryOpts.pool?.onWarmed?.(runs, ms, error);
          },
        },
      }),
    );
    this.alerting = new Alerting({
      dataDir: this.opts.dataDir,
      appender: this.tap.appender,
      queries: this.queries,
      externalURL: this.externalURL,
      logger,
    });
    await this.applyConfig(this.daemonConfig);

    const r = this.http.router;
    r.add(['POST', 'PUT'], '/-/reload', async () => {
      try {
        await this.reload();
        return text(200, 'config reloaded\n');
      } catch (e) {
        return apiError('bad_data', (e as Error).message);
      }
    });
    r.add(['GET'], '/metrics', async () => ({
      status: 200,
      headers: { 'Content-Type': client.register.contentType },
      body: await client.register.metrics(),
    }));
    registerApiV1(r, {
      storage: this.db,
      queries: this.queries,
      targets: (state) => this.scrape.targetsJson(state),
      metadata: (metric, limit) => this.scrape.metadataJson(metric, limit),
      configYaml: () => configToYaml(this.config),
      tsdbStatus: () => tsdbStatusJson(this.db.stats()),
    });
    const externalLabels = () => this.config.global.externalLabels;
    registerRemote(r, { storage: this.db, appender: this.tap.appender, externalLabels, logger });
    registerFederate(r, {
      storage: this.db, externalLabels, logger: logger.child({ component: 'federate' }),
      metricType: (name) => this.scrape.metadataJson(name, 1)[name]?.[0]?.type,
    });

    this.alerting.register(r);
    registerUi(r);

    this.compactTimer = setInterval(() => {
      this.db.compactHead().then(
        (done) => {
          for (const c of done) if (c.block) logger.info('head compacted', { block: c.block.id, minTime: c.minTime, maxTime: c.maxTime, writeMs: c.writeMs });
        },
        (e: unknown) => logger.error('head compaction failed', { err: e }),
      );
    }, HEAD_COMPACTION_INTERVAL_MS);
    this.compactTimer.unref();
  }

  /** Applies a validated config; rule files are loaded first, so a bad one changes nothing. */
  private async applyConfig(dc: DaemonConfig): Promise<void> {
    const config = dc.base;
    await this.alerting.apply(config, dc.notify);
    // The writer (and the tap's per-sample copy for it) exists only once some config has a `remote_write`; it is
    // started before the scrapes so it sees their first samples.
    const newWriter = !this.remoteWriter && config.remoteWrite.length > 0;
    if (newWriter) await this.startRemoteWriter(config);
    await this.scrape.applyConfig(config);
    await this.discovery.apply(config);
    if (!newWriter) await this.remoteWriter?.applyConfig(config.remoteWrite, config.global.externalLabels);
    this.config = config;
    this.daemonConfig = dc;
    this.blockCompaction?.stop();
    const retention = { retentionMs: this.opts.retentionMs || undefined, retentionBytes: this.opts.retentionBytes };
    this.blockCompaction = scheduleBlockCompaction(this.db, compactorOptions(dc.storage, retention), this.opts.logger.child({ component: 'compactor' }));
  }

  private async startRemoteWriter(config: Config): Promise<void> {
    const { RemoteWriter } = await import('../remote/writer.js');
    this.remoteWriter = new RemoteWriter(config.remoteWrite, {
      tap: this.tap, externalLabels: config.global.externalLabels, logger: this.opts.logger.child({ component: 'remote' }),
    });
    this.remoteWriter.start();
  }

  /**
   * Re-reads the config file. A bad file throws (file:line:column) and leaves the running config untouched;
   * reloads are serialized.
   */
  reload(): Promise<void> {
    const next = this.reloading.then(async () => {
      try {
        await this.applyConfig(await loadDaemonConfig(this.opts.configFile, this.externalURL));
      } catch (e) {
        this.reloadGauge.set(0);
        this.opts.logger.error('config reload failed; keeping the running config', { err: e });
        throw e;
      }
      this.reloadGauge.set(1);
      this.reloadTime.set(Date.now() / 1000);
      this.opts.logger.info('config reloaded', { file: this.opts.configFile });
    });
    this.reloading = next.catch(() => {});
    return next;
  }

  /** Stops scraping, then syncs and closes the engine and the HTTP server. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { logger } = this.opts;
      logger.info('shutting down');
      this.ready = false;
      if (this.compactTimer) clearInterval(this.compactTimer);
      this.blockCompaction?.stop();
      await this.discovery?.stop();
      await this.scrape?.stop();
      await this.alerting?.stop();
      await this.remoteWriter?.stop();
      await this.http.close();
      await this.queries?.close();
      await this.db.close();
      logger.info('stopped');
    })().finally(() => this.markStopped());
    return this.stopping;
  }

  /** Handles SIGHUP (reload) and SIGTERM/SIGINT (stop) until stopped. */
  async untilStopped(handleSignals: boolean): Promise<void> {
    if (handleSignals) {
      process.on('SIGHUP', () => void this.reload().catch(() => {}));
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void this.stop());
    }
    await this.stopped;
  }
}

type ClosableQueryRunner = ReturnType<typeof createQueryRunner>;

/**
 * Starts the query workers with the first query instead of at start-up: each idle worker thread holds about 15 MiB
 * (its own V8 isolate and modules), which a daemon that only scrapes should not pay. The first query waits for the
 * workers to come online (tens of ms) before it runs, so that V8's heap flags, which a worker start resets, are
 * back in force before the query allocates on this thread (daemon/heap.ts); `close()` before any query starts
 * nothing.
 */
function lazyQueryRunner(make: () => ClosableQueryRunner): ClosableQueryRunner {
  let runner: ClosableQueryRunner | null = null;
  let ready: Promise<ClosableQueryRunner> | null = null;
  let closed = false;
  const get = (): Promise<ClosableQueryRunner> => {
    if (closed) return Promise.reject(new Error('query runner is closed'));
    if (ready === null) {
      const r = (runner = make());
      ready = workersOnline().then(() => r);
    }
    return ready;
  };
  return {
    instant: async (expr, t, o) => (await get()).instant(expr, t, o),
    range: async (expr, start, end, step, o) => (await get()).range(expr, start, end, step, o),
    close: () => {
      closed = true;
      return runner?.close() ?? Promise.resolve();
    },
  };
}

function gauge(name: string, help: string): client.Gauge {
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Gauge;
  const g = new client.Gauge({ name, help });
  g.set(1);
  return g;
}
