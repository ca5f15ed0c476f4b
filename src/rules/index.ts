/**
 * The rules stage: rule files, templates, rule groups evaluated on a schedule, durable alert state and the
 * `/api/v1/rules` / `/api/v1/alerts` bodies. Other stages import only from here.
 */
export { parseRuleFile, loadRuleFile, countRules, type ExprValidator, type RuleSpec, type RuleGroupSpec, type RuleFileResult } from './rulefile.js';
export { checkRulesCommand, type CheckOutput } from './check.js';
export {
  compileTemplate, executeTemplate, expandAlertTemplate, TemplateError, TEMPLATE_FUNCS,
  humanize, humanize1024, humanizeDuration, humanizeTimestamp,
  type QueryFunc, type TemplateContext, type TemplateSample, type AlertTemplateData,
} from './template.js';
export type { ParsedTemplate } from './template-parse.js';
export { AlertingRule, RecordingRule, RESOLVED_RETENTION_MS, type Alert, type AlertState, type OutgoingAlert, type Rule, type RuleEnv, type RuleHealth } from './alert.js';
export { RuleGroup, evalSlot, type RuleGroupDeps, type GroupHealth } from './group.js';
export { RuleSet, type RuleSetOptions } from './rule-set.js';
export { AlertStateStore } from './state-store.js';
export { rulesResponse, alertsResponse, rfc3339, formatValueE, type ApiAlert, type RulesQuery } from './api.js';
export { engineQueryFunc } from './query.js';
