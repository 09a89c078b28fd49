// The README's configuration tables must stay true: every setting a service reads is listed
// with its real default, and the README lists no setting that does not exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeConfig, sharedConfigSpec } from '@herald/runtime';
import { publisherConfigSpec } from '@herald/publisher';
import { replayConfigSpec } from '@herald/replay';
import { routerConfigSpec } from '@herald/router';
import { registryConfigSpec } from '@herald/schema-registry';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const rows = new Map(
  [...readme.matchAll(/^\| `(HERALD_[A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim().replace(/^`|`$/g, '')]),
);
const settings = [
  ...describeConfig(sharedConfigSpec),
  ...describeConfig(registryConfigSpec),
  ...describeConfig(publisherConfigSpec),
  ...describeConfig(routerConfigSpec),
  ...describeConfig(replayConfigSpec),
];

test('every setting is documented in the README with its default', () => {
  for (const s of settings) {
    assert.ok(rows.has(s.env), `README has no row for ${s.env}`);
    // An empty list (HERALD_REPLAY_HTTP_TARGETS) is no default, as an unset value is.
    assert.equal(rows.get(s.env), s.default === undefined || s.default === '' ? '—' : s.default, `README default of ${s.env}`);
  }
});

test('the README documents no setting that does not exist', () => {
  const known = new Set(settings.map((s) => s.env));
  for (const name of rows.keys()) assert.ok(known.has(name), `README lists ${name}, which no service reads`);
});
