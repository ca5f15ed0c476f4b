/**
 * A WAL file that cannot be read back: a bad frame (CRC, length, type, fragment order) or a unit cut short, found
 * where it cannot be repaired by truncation (an older segment or a checkpoint), or a gap in segment numbering.
 */
export class WalCorruptionError extends Error {
  constructor(
    /** File (segment or checkpoint segment) that holds the damage. */
    readonly file: string,
    /** Segment index, or -1 when the damage is not inside one segment (e.g. a numbering gap). */
    readonly segment: number,
    /** Byte offset of the first bad frame in that file. */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`WAL corruption in ${file} (segment ${segment}) at offset ${offset}: ${reason}`);
    this.name = 'WalCorruptionError';
  }
}
