#!/usr/bin/env -S node --import tsx
// Creates an API key: the token goes to the caller once and is never stored; the entry (with
// only the secret's hash) goes into the keys file. stdout carries exactly those two lines, so
// `keygen.ts rides-service > key.txt` captures both; explanations go to stderr.
import { parseArgs } from 'node:util';
import { generateApiKey } from './api-keys.js';
import { AuthError } from './errors.js';

const USAGE = `Usage: node --import tsx packages/auth/src/keygen.ts <keyId> [--source URI] [--admin]

Creates an API key. Prints two lines on stdout:
  1. the token, hk_<keyId>_<secret>: give it to the caller now, it is not shown again;
  2. the JSON entry to add to the keys file (HERALD_API_KEYS_FILE) or HERALD_API_KEYS.

  <keyId>        1 to 64 of a-z 0-9 -; the principal id that event type grants name
  --source URI   absolute URI: the ce_source of events published with this key
  --admin        the key gets every right on every event type
  -h, --help     this text
`;

function fail(message: string): never {
  process.stderr.write(`keygen: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: { source: { type: 'string' }, admin: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
} catch (err) {
  fail((err as Error).message);
}
if (args.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.positionals.length !== 1) fail(`expected one key id, got ${args.positionals.length}`);

try {
  const { token, entry } = generateApiKey(args.positionals[0]!, { source: args.values.source, admin: args.values.admin });
  process.stderr.write(`API key "${entry.id}" created. The token is shown only now; store only the entry.\n`);
  process.stdout.write(`${token}\n${JSON.stringify(entry)}\n`);
} catch (err) {
  if (!(err instanceof AuthError)) throw err;
  fail(err.problems.join('; '));
}
