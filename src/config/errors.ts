import { BadDataError, PositionedError } from '../model/errors.js';

/** One problem in a config file, at `file:line:column` (1-based), as `promtool check config` would report it. */
export class ConfigError extends PositionedError {
  constructor(detail: string, file: string | undefined, line: number, column: number) {
    super(detail, file, line, column);
    this.name = 'ConfigError';
  }
}

/** Several ConfigErrors found in one pass; the message lists them one per line, in file order. */
export class ConfigErrorList extends BadDataError {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrorList';
  }
}

/** The errors inside a thrown ConfigError or ConfigErrorList (empty for anything else). */
export function configErrorsOf(e: unknown): readonly ConfigError[] {
  if (e instanceof ConfigErrorList) return e.errors;
  if (e instanceof ConfigError) return [e];
  return [];
}
