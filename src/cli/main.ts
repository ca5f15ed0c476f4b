#!/usr/bin/env node
/**
 * The `vigil` command line. Exit codes (CONTRACT.md): 0 success, 1 runtime error, 2 usage or config error.
 * Each command lives in its own module and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { registerRun } from './run.js';
import { registerImport } from './import.js';
import { registerCheck } from './check.js';
import { registerQuery } from './query.js';
import { registerTsdb } from './tsdb.js';
import { registerSilence } from './silence.js';
import { UsageError } from './errors.js';
import { BadDataError } from '../model/errors.js';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Prometheus-compatible monitoring and alerting daemon')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  registerRun(program);
  registerImport(program);
  registerCheck(program);
  registerQuery(program);
  registerTsdb(program);
  registerSilence(program);
  return program;
}

export const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0 through here; everything else commander raises is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || e instanceof BadDataError) {
      // Bad flags, a bad config or rule file: the user's input, not a runtime failure.
      process.stderr.write(`vigil: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`vigil: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`vigil: BUG: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
