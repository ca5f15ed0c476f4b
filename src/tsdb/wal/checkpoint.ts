/**
 * Checkpoints: a directory `checkpoint.NNNNNNNN` of segment files holding what the head still needs from WAL
 * segments <= N. It is built under `checkpoint.NNNNNNNN.tmp` and renamed into place only when complete and
 * fsynced, so a directory with the final name is always whole.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { encodeUnit, framedSize } from './frame.js';
import { SegmentFile, segmentName, syncDir } from './segment.js';

const CHECKPOINT_RE = /^checkpoint\.(\d{8})$/;
const CHECKPOINT_TMP_RE = /^checkpoint\.\d+\.tmp$/;

/** Directory name of checkpoint `index`. */
export function checkpointName(index: number): string {
  return `checkpoint.${segmentName(index)}`;
}

/** Complete checkpoints in `dir` (ascending) and leftover temporary directories of interrupted ones. */
export function listCheckpoints(dir: string): { complete: number[]; temporary: string[] } {
  const complete: number[] = [];
  const temporary: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = CHECKPOINT_RE.exec(name);
    if (m) complete.push(Number(m[1]));
    else if (CHECKPOINT_TMP_RE.test(name)) temporary.push(name);
  }
  complete.sort((a, b) => a - b);
  return { complete, temporary };
}

/** Steps of `Wal.checkpoint`, reported to `WalOptions.onCheckpointStep` before each one runs (fault injection). */
export type CheckpointStep =
  | 'write-temp'
  | 'rename'
  | 'delete-segments'
  | 'delete-old-checkpoints';

/** Units are flushed to the file once this many bytes are pending (one writeSync per ~1 MiB of checkpoint). */
const FLUSH_BYTES = 1024 * 1024;

/**
 * Writes `records` (one unit each) into segment files under `tmpDir`, starting a new file once `segmentBytes` is
 * reached, and fsyncs the files and the directory. Returns the number of records written.
 */
export function writeCheckpointFiles(tmpDir: string, records: Iterable<Uint8Array>, segmentBytes: number): number {
  fs.mkdirSync(tmpDir);
  let seg = SegmentFile.open(tmpDir, 0);
  let buf = new Uint8Array(FLUSH_BYTES * 2);
  let pending = 0;
  let count = 0;
  const one: Uint8Array[] = [new Uint8Array(0)];
  try {
    for (const rec of records) {
      const n = framedSize(rec.length);
      if (seg.size + pending > 0 && seg.size + pending + n > segmentBytes) {
        seg.append(buf, pending);
        pending = 0;
        seg.sync();
        seg.close();
        seg = SegmentFile.open(tmpDir, seg.index + 1);
      }
      if (pending + n > buf.length) {
        let cap = buf.length * 2;
        while (cap < pending + n) cap *= 2;
        const b = new Uint8Array(cap);
        b.set(buf.subarray(0, pending));
        buf = b;
      }
      one[0] = rec;
      pending = encodeUnit(one, buf, pending);
      count++;
      if (pending >= FLUSH_BYTES) {
        seg.append(buf, pending);
        pending = 0;
      }
    }
    if (pending > 0) seg.append(buf, pending);
    seg.sync();
  } finally {
    seg.close();
  }
  syncDir(tmpDir);
  return count;
}

/** Removes a checkpoint directory (complete or temporary) and everything in it. */
export function removeCheckpointDir(dir: string, name: string): void {
  fs.rmSync(join(dir, name), { recursive: true, force: true });
}
