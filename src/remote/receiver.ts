/**
 * `POST /api/v1/write`: the remote-write 1.0 receiver. One request is one Appender batch: all of it is committed
 * or none of it.
 *
 * Behaviour follows Prometheus 2.42's write handler: the first sample the engine refuses (out of order, duplicate
 * timestamp with another value, older than the head accepts) rolls the whole request back and answers 400, so the
 * sender drops it instead of retrying forever. vigil additionally checks label sets (Prometheus 2.42 stored them
 * unchecked) and answers 400 naming the offending label before anything is appended.
 */
import type { Logger } from '../log/index.js';
import { formatLabels, type Labels } from '../model/labels.js';
import { AppendStatus, type Appender } from '../tsdb/types.js';
import type { Request, Response } from '../api/router.js';
import { InvalidLabelsError, normalizeWireLabels } from './labels.js';
import { receiverMetrics } from './metrics.js';
import { decodeWriteRequest, WireDecodeError, type WireSeries } from './proto.js';

export interface WriteReceiverDeps {
  appender: () => Appender;
  logger: Logger;
}

const REJECT_REASON: Record<number, { reason: string; message: string }> = {
  [AppendStatus.OutOfOrder]: { reason: 'out_of_order', message: 'out of order sample' },
  [AppendStatus.DuplicateTimestamp]: { reason: 'duplicate_timestamp', message: 'duplicate sample for timestamp' },
  [AppendStatus.OutOfBounds]: { reason: 'out_of_bounds', message: 'out of bounds' },
};

function plain(status: number, body: string): Response {
  receiverMetrics().requests.inc({ code: String(status) });
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: body.endsWith('\n') ? body : body + '\n' };
}

/**
 * Content negotiation of remote-write 1.0: a sender that names a content type or encoding must name protobuf and
 * snappy (415 otherwise); senders that name neither are accepted, as Prometheus's 1.0 receiver accepts them.
 */
function checkHeaders(req: Request): Response | null {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== '' && ct !== 'application/x-protobuf') {
    return plain(415, `unsupported Content-Type ${JSON.stringify(ct)}: remote write 1.0 expects application/x-protobuf`);
  }
  const enc = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (enc !== '' && enc !== 'snappy') {
    return plain(415, `unsupported Content-Encoding ${JSON.stringify(enc)}: remote write 1.0 expects snappy`);
  }
  return null;
}

/** Builds the handler for `POST /api/v1/write`. */
export function writeHandler(deps: WriteReceiverDeps): (req: Request) => Response {
  const metrics = receiverMetrics();
  return (req) => {
    const bad = checkHeaders(req);
    if (bad) return bad;
    let series: WireSeries[];
    try {
      series = decodeWriteRequest(req.body);
    } catch (e) {
      if (!(e instanceof WireDecodeError)) throw e;
      deps.logger.warn('cannot decode remote write request', { err: e, remote: req.raw.socket.remoteAddress });
      return plain(400, e.message);
    }
    const labelSets: Labels[] = new Array<Labels>(series.length);
    let total = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      try {
        labelSets[i] = normalizeWireLabels(s.labels);
      } catch (e) {
        if (!(e instanceof InvalidLabelsError)) throw e;
        metrics.rejectedSamples.inc({ reason: 'invalid_labels' }, s.timestamps.length);
        return plain(400, e.message);
      }
      total += s.timestamps.length;
    }

    const app = deps.appender();
    let committed = false;
    try {
      for (let i = 0; i < series.length; i++) {
        const { timestamps, values } = series[i]!;
        if (timestamps.length === 0) continue;
        const ref = app.ref(labelSets[i]!);
        for (let j = 0; j < timestamps.length; j++) {
          const st = app.append(ref, timestamps[j]!, values[j]!);
          if (st === AppendStatus.OK) continue;
          if (st === -1) throw new Error(`BUG: series ref ${ref} unknown right after ref() for ${formatLabels(labelSets[i]!)}`);
          const why = REJECT_REASON[st]!;
          metrics.rejectedSamples.inc({ reason: why.reason });
          deps.logger.warn('sample from remote write refused; request rolled back', {
            reason: why.reason, series: formatLabels(labelSets[i]!), timestamp: timestamps[j], samples: total,
          });
          return plain(400, `${why.message} for series ${formatLabels(labelSets[i]!)} at timestamp ${timestamps[j]}`);
        }
      }
      app.commit();
      committed = true;
    } finally {
      if (!committed) app.rollback();
    }
    metrics.receivedSamples.inc(total);
    return { ...plain(204, ''), body: '' };
  };
}
