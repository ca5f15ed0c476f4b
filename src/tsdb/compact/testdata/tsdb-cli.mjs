// Child process for compact.kill.test.ts: `vigil tsdb …` exactly as the CLI registers it (src/cli/tsdb.ts, compiled),
// without loading the daemon's other commands, so the test depends only on the modules the command uses.
// Usage: node tsdb-cli.mjs compact --data-dir DIR … | node tsdb-cli.mjs stats --data-dir DIR
import { Command } from 'commander';
import { registerTsdb } from '../../../../dist/src/cli/tsdb.js';

const program = new Command('vigil').exitOverride();
registerTsdb(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`vigil: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
