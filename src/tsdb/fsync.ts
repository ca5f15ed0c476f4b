import { open } from 'node:fs/promises';

/**
 * fsyncs a file, or a directory so that the entries created or renamed in it survive a power loss: the last step
 * of every write-to-temp-then-rename in the engine (blocks, imports, cold-tier moves).
 */
export async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
