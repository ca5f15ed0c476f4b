import type { Command } from 'commander';
import { checkConfigCommand } from '../config/index.js';
import { checkRulesCommand } from '../rules/check.js';
import { parseExpr } from '../promql/index.js';

/** `vigil check config FILE` and `vigil check rules FILE...`: promtool-style validation, exit 0 or 1. */
export function registerCheck(program: Command): void {
  const check = program.command('check').description('validate configuration and rule files');
  check
    .command('config <file>')
    .description('check a scrape config (Prometheus format)')
    .action(async (file: string) => {
      process.exitCode = await checkConfigCommand(file, { checkRuleFiles: (files) => checkRulesCommand(files, validateExpr) });
    });
  check
    .command('rules <files...>')
    .description('check rule files (Prometheus format)')
    .action(async (files: string[]) => {
      process.exitCode = await checkRulesCommand(files, validateExpr);
    });
}

function validateExpr(expr: string): void {
  parseExpr(expr);
}
