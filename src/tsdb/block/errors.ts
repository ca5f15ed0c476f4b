/** A block file that is missing, truncated, corrupt or of an unknown version. The message names the file. */
export class BlockFormatError extends Error {
  constructor(readonly file: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${detail}`, options);
    this.name = 'BlockFormatError';
  }
}
