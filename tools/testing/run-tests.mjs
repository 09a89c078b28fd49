#!/usr/bin/env node
// Runs node:test over every *.test.ts below the given folders (Node 20's --test takes no globs).
// Usage: node tools/testing/run-tests.mjs [--concurrency N] [--include RE] [--exclude RE] [--force-exit] <dir> [<dir> ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
let concurrency = 1;
let include;
let exclude;
let forceExit = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--concurrency') concurrency = Number(args[++i]);
  else if (args[i] === '--include') include = new RegExp(args[++i]);
  else if (args[i] === '--exclude') exclude = new RegExp(args[++i]);
  else if (args[i] === '--force-exit') forceExit = true;
  else dirs.push(args[i]);
}
if (dirs.length === 0) dirs.push('src');

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = dirs
  .flatMap((d) => find(resolve(d)))
  .filter((f) => (!include || include.test(f)) && (!exclude || !exclude.test(f)))
  .sort();
if (files.length === 0) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...(forceExit ? ['--test-force-exit'] : []), ...(process.env.HERALD_TEST_REPORTER ? [`--test-reporter=${process.env.HERALD_TEST_REPORTER}`] : []), ...files],
  { stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
