/**
 * The one place where errors become HTTP answers, in Prometheus's envelope:
 * `{"status":"error","errorType":"bad_data","error":"…"}` with 400 / 422 / 503 / 500.
 */
import { BadDataError, ExecutionError, TimeoutError } from '../model/errors.js';
import { json, type Response } from './router.js';

export type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

const STATUS: Record<ErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 499,
  internal: 500,
  unavailable: 503,
  not_found: 404,
};

export function classify(e: unknown): ErrorType {
  if (e instanceof BadDataError) return 'bad_data';
  if (e instanceof ExecutionError) return 'execution';
  if (e instanceof TimeoutError) return 'timeout';
  return 'internal';
}

export function apiError(type: ErrorType, message: string): Response {
  return json(STATUS[type], { status: 'error', errorType: type, error: message });
}

export function errorResponse(e: unknown): Response {
  return apiError(classify(e), e instanceof Error ? e.message : String(e));
}

export function success(data: unknown, warnings?: string[]): Response {
  return json(200, warnings && warnings.length ? { status: 'success', data, warnings } : { status: 'success', data });
}
