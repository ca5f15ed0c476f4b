#!/usr/bin/env node
/**
 * The `vigil` command line. Exit codes (CONTRACT.md): 0 success, 1 runtime error, 2 usage or config error.
 * Each command lives in its own module and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';
import { BadDataError } from '../model/errors.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (or for help and unknown commands, all of them):
 * `vigil run` then loads neither the importer, the compactor CLI nor the query client, and it can size the heap
 * (daemon/heap.ts) before the daemon's own modules load.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run.js')).registerRun,
  import: async () => (await import('./import.js')).registerImport,
  check: async () => (await import('./check.js')).registerCheck,
  query: async () => (await import('./query.js')).registerQuery,
  tsdb: async () => (await import('./tsdb.js')).registerTsdb,
  silence: async () => (await import('./silence.js')).registerSilence,
};

/**
 * The command line with the command named by `argv[2]` registered, or every command when `argv[2]` names none
 * (`--help`, `--version`, a typo: commander then lists or rejects them as usual).
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('vigil')
    .description('Prometheus-compatible monitoring and alerting daemon')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  const name = argv[2];
  const names = name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((n) => COMMANDS[n]!()))) register(program);
  return program;
}

export const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
