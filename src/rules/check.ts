/**
 * `vigil check rules FILE...`: promtool's output (`Checking FILE`, `  SUCCESS: N rules found` on stdout, or
 * `  FAILED:` and one `file:line:column: message` per problem on stderr, then a blank line).
 */
import { countRules, loadRuleFile, type ExprValidator } from './rulefile.js';

export interface CheckOutput {
  out(line: string): void;
  err(line: string): void;
}

const stdio: CheckOutput = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

/** Checks every file; returns the exit code (0 when all are valid, 1 otherwise). */
export async function checkRulesCommand(files: string[], validate: ExprValidator, io: CheckOutput = stdio): Promise<number> {
  let failed = false;
  for (const file of files) {
    io.out(`Checking ${file}`);
    const { groups, errors } = await loadRuleFile(file, validate);
    if (errors.length) {
      failed = true;
      io.err('  FAILED:');
      for (const e of errors) io.err(e.message);
    } else {
      const n = countRules(groups);
      io.out(`  SUCCESS: ${n} rules found`);
    }
    io.out('');
  }
  return failed ? 1 : 0;
}
