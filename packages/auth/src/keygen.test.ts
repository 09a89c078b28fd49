import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Authenticator } from './authenticator.js';
import { parseApiKeys } from './api-keys.js';

const KEYGEN = fileURLToPath(new URL('./keygen.ts', import.meta.url));

async function keygen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', KEYGEN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('keygen prints a token and an entry that authenticate together', async () => {
  const source = 'https://rides.acme.example/dispatch';
  const { code, stdout, stderr } = await keygen('rides-service', '--source', source, '--admin');
  assert.equal(code, 0, stderr);
  const lines = stdout.split('\n');
  assert.equal(lines.length, 3, 'two lines and the final newline');
  const [token, entryJson] = lines as [string, string];
  assert.match(token, /^hk_rides-service_[A-Za-z0-9_-]{43}$/);
  const entries = parseApiKeys(`[${entryJson}]`);
  assert.ok(!entryJson.includes(token.slice('hk_rides-service_'.length)), 'the entry holds no secret');
  const principal = await new Authenticator({ apiKeys: entries }).authenticate({ authorization: `Bearer ${token}` });
  assert.deepEqual(principal, { id: 'rides-service', kind: 'api_key', authtype: 'api_key', admin: true, source });
});

test('keygen --help prints the usage and exits 0', async () => {
  const { code, stdout } = await keygen('--help');
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: .*keygen\.ts <keyId> \[--source URI\] \[--admin\]/);
});

test('keygen exits 2 on a bad key id, a bad source, a missing id or an unknown option', async () => {
  for (const [args, message] of [
    [['Rides Service'], /key id must be 1 to 64 of a-z 0-9 -/],
    [['rides-service', '--source', 'rides'], /source must be an absolute URI/],
    [[], /expected one key id, got 0/],
    [['rides-service', '--sauce', 'x'], /Unknown option '--sauce'/],
  ] as const) {
    const { code, stdout, stderr } = await keygen(...args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stdout, '', 'no token is printed');
    assert.match(stderr, message);
  }
});
