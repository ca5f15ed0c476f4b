/**
 * Rule-evaluation self-metrics (the `prometheus_rule_*` family, renamed vigil_*), in prom-client's default
 * registry, created once per process. `rule_group` is `file;name`, as Prometheus labels it.
 */
import client from 'prom-client';

function get<T>(name: string, make: () => T): T {
  return (client.register.getSingleMetric(name) as T | undefined) ?? make();
}

export interface RuleMetrics {
  evaluations: client.Counter<'rule_group'>;
  failures: client.Counter<'rule_group'>;
  missed: client.Counter<'rule_group'>;
  lastDuration: client.Gauge<'rule_group'>;
  lastEvaluation: client.Gauge<'rule_group'>;
}

export function ruleMetrics(): RuleMetrics {
  const labelNames = ['rule_group'] as const;
  return {
    evaluations: get('vigil_rule_evaluations_total', () => new client.Counter({ name: 'vigil_rule_evaluations_total', help: 'Rule evaluations, by group.', labelNames })),
    failures: get('vigil_rule_evaluation_failures_total', () => new client.Counter({ name: 'vigil_rule_evaluation_failures_total', help: 'Rule evaluations that failed, by group.', labelNames })),
    missed: get('vigil_rule_group_iterations_missed_total', () => new client.Counter({ name: 'vigil_rule_group_iterations_missed_total', help: 'Group evaluations skipped because the previous one ran too long.', labelNames })),
    lastDuration: get('vigil_rule_group_last_duration_seconds', () => new client.Gauge({ name: 'vigil_rule_group_last_duration_seconds', help: 'Duration of the last evaluation of the group.', labelNames })),
    lastEvaluation: get('vigil_rule_group_last_evaluation_timestamp_seconds', () => new client.Gauge({ name: 'vigil_rule_group_last_evaluation_timestamp_seconds', help: 'Time of the last evaluation of the group.', labelNames })),
  };
}
