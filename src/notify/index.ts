/**
 * The notify stage: alert routing, grouping, silences, inhibition, a durable outbox and the webhook,
 * Alertmanager and e-mail receivers. Other stages import only from here.
 */
export { AlertDelivery, type AlertDeliveryOptions } from './delivery.js';
export {
  parseNotifyConfig, DEFAULT_EMAIL_BODY, DEFAULT_EMAIL_SUBJECT,
  type NotifyConfig, type ReceiverConfig, type RouteConfig, type InhibitRuleConfig, type OutboxConfig,
  type WebhookConfig, type AlertmanagerConfig, type EmailConfig,
} from './config.js';
export { parseMatchers, formatMatchers, matchesAll } from './matchers.js';
export { buildWebhookPayload, fingerprint, type NotifyAlert, type WebhookPayload, type WebhookAlert } from './payload.js';
export { Silences, type Silence, type SilenceInput, type SilenceJSON, type SilenceMatcher, type SilenceState } from './silences.js';
export { DeliveryError, type Notifier, type Notification } from './notifiers.js';
export { needsUpdate } from './dispatch.js';
export { handleSilenceRequest, type SilenceHttpResponse } from './http.js';
