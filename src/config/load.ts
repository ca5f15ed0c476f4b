import { access, readFile } from 'node:fs/promises';
import { expandFileGlob } from '../discovery/glob.js';
import { parseFileSDGroups } from '../discovery/file.js';
import { parseConfig } from './parse.js';
import { configErrorsOf, ConfigError } from './errors.js';
import type { Config } from './types.js';

/** Reads and parses a config file (see parseConfig). A missing or unreadable file throws ConfigError at 1:1. */
export async function loadConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file: ${(e as Error).message}`, file, 1, 1);
  }
  return parseConfig(text, file);
}

export interface CheckConfigOptions {
  /** Where SUCCESS lines go (default: process.stdout). */
  out?: (text: string) => void;
  /** Where FAILED lines go (default: process.stderr). */
  err?: (text: string) => void;
  /**
   * Checks the rule files the config names (the rules stage provides it); receives the expanded file paths and
   * prints its own lines. Returns non-zero (an exit code or a failure count) if any failed. Without it, rule files
   * are only counted.
   */
  checkRuleFiles?: (files: string[]) => Promise<number>;
  /** Expands rule_files globs (default: the file_sd glob expansion). */
  expandGlob?: (pattern: string) => Promise<string[]>;
}

/**
 * `vigil check config FILE`: prints promtool's lines —
 * `Checking FILE`, `  SUCCESS: N rule files found`, ` SUCCESS: FILE is valid prometheus config file syntax` — or
 * `  FAILED:` followed by every error at file:line:column. Returns the exit code: 0 valid, 1 invalid.
 */
export async function checkConfigCommand(file: string, opts: CheckConfigOptions = {}): Promise<number> {
  const out = opts.out ?? ((s: string) => { process.stdout.write(s); });
  const err = opts.err ?? ((s: string) => { process.stderr.write(s); });
  out(`Checking ${file}\n`);
  let config: Config;
  try {
    config = await loadConfigFile(file);
  } catch (e) {
    const errors = configErrorsOf(e);
    const lines = errors.length > 0 ? errors.map((x) => x.message) : [(e as Error).message];
    err(`  FAILED: ${lines.join('\n    ')}\n\n`);
    return 1;
  }
  const expand = opts.expandGlob ?? expandFileGlob;
  const problems = await checkReferencedFiles(config, expand, out);
  if (problems.length > 0) {
    err(`  FAILED: ${problems.join('\n    ')}\n\n`);
    return 1;
  }
  const ruleFiles: string[] = [];
  for (const pattern of config.ruleFiles) ruleFiles.push(...(await expand(pattern)));
  if (ruleFiles.length > 0) out(`  SUCCESS: ${ruleFiles.length} rule files found\n`);
  out(` SUCCESS: ${file} is valid prometheus config file syntax\n\n`);
  if (opts.checkRuleFiles && ruleFiles.length > 0) {
    const failed = await opts.checkRuleFiles(ruleFiles);
    if (failed > 0) return 1;
  }
  return 0;
}

/**
 * What promtool checks beyond syntax: credential and client-certificate files exist, and every existing file_sd
 * file parses (a pattern matching nothing is only a WARNING line). Returns the failures.
 */
async function checkReferencedFiles(
  config: Config, expand: (pattern: string) => Promise<string[]>, out: (text: string) => void,
): Promise<string[]> {
  const problems: string[] = [];
  const exists = async (file: string, what: string) => {
    try { await access(file); } catch (e) { problems.push(`error checking ${what} ${JSON.stringify(file)}: ${(e as Error).message}`); }
  };
  const clients = [
    ...config.scrapeConfigs.map((sc) => sc.http),
    ...config.remoteWrite.map((rw) => rw.http),
  ];
  for (const http of clients) {
    if (http.authorization?.credentialsFile) await exists(http.authorization.credentialsFile, 'authorization credentials file');
    if (http.basicAuth?.passwordFile) await exists(http.basicAuth.passwordFile, 'basic_auth password file');
    if (http.tlsConfig.certFile) await exists(http.tlsConfig.certFile, 'client cert file');
    if (http.tlsConfig.keyFile) await exists(http.tlsConfig.keyFile, 'client key file');
  }
  for (const sc of config.scrapeConfigs) {
    for (const fsd of sc.fileSdConfigs) {
      for (const pattern of fsd.files) {
        const files = await expand(pattern);
        if (files.length === 0) {
          out(`  WARNING: file ${JSON.stringify(pattern)} for file_sd in scrape job ${JSON.stringify(sc.jobName)} does not exist\n`);
          continue;
        }
        for (const f of files) {
          try {
            parseFileSDGroups(f, await readFile(f, 'utf8'));
          } catch (e) {
            problems.push(`checking SD file ${JSON.stringify(f)}: ${(e as Error).message}`);
          }
        }
      }
    }
  }
  return problems;
}
