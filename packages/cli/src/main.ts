#!/usr/bin/env -S node --import tsx
// herald: the command line of Herald. Wires the real process into run(); Ctrl-C aborts what a
// command follows (it cleans up) and exits 130.
import { readFileSync } from 'node:fs';
import { run } from './cli.js';
import { EXIT_CODES } from './errors.js';

const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  // A second Ctrl-C does not wait for the cleanup.
  process.once('SIGINT', () => process.exit(EXIT_CODES.interrupted));
});
// `herald … | head` closes stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_CODES.ok);
  throw error;
});

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  signal: interrupt.signal,
});
process.exitCode = code;
// Kafka clients and keep-alive sockets may hold the loop open; the command is done.
process.stdout.write('', () => process.exit(code));
