/**
 * Remote storage protocols: the remote-write 1.0 receiver and remote read (`registerRemote`), remote write out
 * (`RemoteWriter`, fed by an `AppenderTap` on the ingest path), and the wire codecs they share.
 */
export { registerRemote, type RemoteDeps } from './routes.js';
export { RemoteWriter, type RemoteWriterOptions } from './writer.js';
export { RemoteQueue, queueName, REMOTE_WRITE_USER_AGENT, REMOTE_WRITE_VERSION, type RemoteQueueOptions } from './queue.js';
export { AppenderTap, type CommitObserver, type CommittedBatch } from './tap.js';
export { normalizeWireLabels, withExternalLabels, InvalidLabelsError } from './labels.js';
export { DEFAULT_READ_SAMPLE_LIMIT } from './read.js';
export {
  decodeWriteRequest, encodeWriteRequest, decodeReadRequest, encodeReadRequest, decodeReadResponse, encodeReadResponse,
  WireDecodeError, ResponseType, type WireSeries, type WireMatcher, type WireQuery, type WireReadRequest,
} from './proto.js';
