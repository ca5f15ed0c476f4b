/** Federation: `GET /federate?match[]=…`, the latest samples as exposition text for another server to scrape. */
export { registerFederate, latestSamples, renderFederation, DEFAULT_LOOKBACK_MS, FEDERATE_CONTENT_TYPE, type FederateDeps } from './federate.js';
