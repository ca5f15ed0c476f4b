/**
 * Rules and alert delivery as the daemon runs them: the rule groups of `rule_files` (evaluated through the query
 * runner, so heavy rules stay off the ingest loop), their alert state in `<data>/rules.db`, delivery through the
 * notify stage's outbox in `<data>/notify.db`, and the HTTP routes for rules, alerts and silences.
 */
import path from 'node:path';
import type { Config } from '../config/types.js';
import type { Logger } from '../log/index.js';
import { labelsToObject } from '../model/labels.js';
import { systemClock } from '../model/clock.js';
import type { InstantSample } from '../model/sample.js';
import { parseExpr } from '../promql/index.js';
import { expandFileGlob } from '../discovery/index.js';
// Rules and notify are imported module by module, and their SQLite stores, nodemailer and delivery only when a
// config has rule files or notifiers: a scrape-only daemon does not carry them (≈ 10 MiB RSS each).
import { RuleSet, type RuleSetOptions } from '../rules/rule-set.js';
import { alertsResponse, rulesResponse } from '../rules/api.js';
import type { AlertStateStore } from '../rules/state-store.js';
import type { RuleGroup } from '../rules/group.js';
import type { NotifyConfig } from '../notify/config.js';
import type { AlertDelivery } from '../notify/delivery.js';
import type { handleSilenceRequest } from '../notify/http.js';
import type { Appender } from '../tsdb/types.js';
import type { QueryRunner } from '../api/query-runner.js';
import type { Router } from '../api/router.js';
import { json } from '../api/router.js';

export interface AlertingDeps {
  dataDir: string;
  appender: () => Appender;
  queries: QueryRunner;
  externalURL: string;
  logger: Logger;
}

export class Alerting {
  /** Opened (with `<data>/rules.db`) by the first config that has rule files; kept from then on. */
  private store: AlertStateStore | null = null;
  private rules: RuleSet | null = null;
  private delivery: AlertDelivery | null = null;
  private silenceRequest: typeof handleSilenceRequest | null = null;
  private started = false;
  /** Updated in place on reload: the rule groups hold this object. */
  private readonly externalLabels: Record<string, string> = {};

  constructor(private readonly deps: AlertingDeps) {}

  private async openRules(): Promise<{ rules: RuleSet; store: AlertStateStore }> {
    const { AlertStateStore } = await import('../rules/state-store.js');
    const { deps } = this;
    const store = new AlertStateStore(path.join(deps.dataDir, 'rules.db'));
    const opts: RuleSetOptions = {
      query: (expr, t) => instantVector(deps.queries, expr, t),
      validate: (e) => void parseExpr(e),
      appender: deps.appender,
      clock: systemClock,
      store,
      logger: deps.logger.child({ component: 'rules' }),
      externalLabels: this.externalLabels,
      externalURL: deps.externalURL,
      // As Prometheus's notifier does, alerts leave with the external labels (an alert's own labels win).
      sendAlerts: (alerts) =>
        this.delivery?.put(alerts.map((a) => ({ ...a, labels: { ...this.externalLabels, ...a.labels } }))),
    };
    return { rules: new RuleSet(opts), store };
  }

  private groups(): readonly RuleGroup[] {
    return this.rules?.list() ?? [];
  }

  /**
   * Loads the rule files and delivery settings of `config`. Throws (leaving everything as it was) if a rule file
   * is invalid; the notify config was validated with the rest of the config already.
   */
  async apply(config: Config, notify: NotifyConfig | null): Promise<void> {
    const files: string[] = [];
    for (const pattern of config.ruleFiles) files.push(...(await expandFileGlob(pattern)));
    if (this.rules) {
      await this.rules.load(files, config.global.evaluationIntervalMs);
    } else if (files.length > 0) {
      const opened = await this.openRules();
      try {
        await opened.rules.load(files, config.global.evaluationIntervalMs);
      } catch (e) {
        opened.store.close();
        throw e;
      }
      this.rules = opened.rules;
      this.store = opened.store;
    }
    for (const k of Object.keys(this.externalLabels)) delete this.externalLabels[k];
    Object.assign(this.externalLabels, labelsToObject(config.global.externalLabels));
    if (notify && this.delivery) this.delivery.reload(notify);
    else if (notify) {
      const { AlertDelivery, handleSilenceRequest } = await import('../notify/index.js');
      this.silenceRequest = handleSilenceRequest;
      this.delivery = AlertDelivery.open({ dataDir: this.deps.dataDir, config: notify, logger: this.deps.logger.child({ component: 'notify' }) });
    } else if (this.delivery) {
      await this.delivery.close();
      this.delivery = null;
    }
    if (this.rules && !this.started) {
      this.rules.start();
      this.started = true;
    }
  }

  register(r: Router): void {
    r.add(['GET'], '/api/v1/rules', (req) =>
      json(200, rulesResponse(this.groups(), {
        type: req.params.get('type') ?? undefined,
        ruleName: req.params.getAll('rule_name[]'),
        ruleGroup: req.params.getAll('rule_group[]'),
        file: req.params.getAll('file[]'),
        excludeAlerts: req.params.get('exclude_alerts') === 'true',
      })),
    );
    r.add(['GET'], '/api/v1/alerts', () => json(200, alertsResponse(this.groups())));
    const silences = (req: { method: string; path: string; body: Buffer }) => {
      if (!this.delivery || !this.silenceRequest) return json(503, { error: 'no notifiers configured: silences need alert delivery' });
      let body: unknown;
      if (req.body.length) {
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          return json(400, { error: 'body is not valid JSON' });
        }
      }
      const res = this.silenceRequest(this.delivery, req.method, req.path, body);
      return res ? json(res.status, res.body) : json(404, { error: 'not found' });
    };
    r.add(['GET', 'POST'], '/api/v2/silences', silences);
    r.add(['GET', 'DELETE'], '/api/v2/silence/:id', silences);
  }

  async stop(): Promise<void> {
    await this.rules?.stop();
    this.store?.close();
    await this.delivery?.close();
  }
}

/** Rule queries want an instant vector; a scalar result is a one-sample vector without labels, as in Prometheus. */
async function instantVector(queries: QueryRunner, expr: string, t: number): Promise<InstantSample[]> {
  const { value } = await queries.instant(expr, t);
  switch (value.type) {
    case 'vector':
      return value.samples;
    case 'scalar':
      return [{ labels: [], t: value.t, v: value.v }];
    default:
      throw new Error(`rule query must return a vector or scalar, got ${value.type}`);
  }
}
