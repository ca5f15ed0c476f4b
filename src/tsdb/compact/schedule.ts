/**
 * The daemon's block maintenance: compaction, downsampling and retention (Db.compactBlocks) once at start and then
 * on a cron schedule (croner; default hourly). A run that is still going when the next is due is not doubled
 * (Db.compactBlocks shares one run); failures are logged and retried at the next tick.
 */
import { Cron } from 'croner';
import type { Logger } from '../../log/index.js';
import type { Db } from '../db.js';
import type { CompactorOptions } from './run.js';

export interface CompactionSchedule {
  /** Stops the schedule; a running compaction finishes (Db.close waits for it). */
  stop(): void;
}

/**
 * @example const schedule = scheduleBlockCompaction(db, compactorOptions(storage, { retentionMs }), logger);
 */
export function scheduleBlockCompaction(db: Db, opts: CompactorOptions, logger: Logger, pattern = '0 * * * *'): CompactionSchedule {
  const run = () => {
    let work;
    try {
      work = db.compactBlocks(opts);
    } catch (e) {
      logger.error('block compaction not started', { err: e });
      return;
    }
    work.then(
      (steps) => { if (steps.length > 0) logger.info('block compaction done', { steps: steps.length }); },
      (e: unknown) => logger.error('block compaction failed', { err: e }),
    );
  };
  const job = new Cron(pattern, { protect: true }, run);
  // At start too: a daemon restarted after a long stop has work due.
  const first = setTimeout(run, 0);
  return {
    stop: () => {
      clearTimeout(first);
      job.stop();
    },
  };
}
