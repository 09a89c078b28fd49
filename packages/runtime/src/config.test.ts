import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, describeConfig, loadConfig, setting } from './config.js';
import { loadServiceConfig } from './shared-config.js';

const spec = {
  port: setting.port({ env: 'HERALD_X_PORT', default: 8080, doc: 'listen port' }),
  brokers: setting.list({ env: 'HERALD_X_BROKERS', default: ['localhost:9092'], item: /^[^:]+:\d+$/, itemDoc: 'host:port', doc: 'brokers' }),
  mode: setting.oneOf({ env: 'HERALD_X_MODE', values: ['fast', 'safe'] as const, default: 'safe', doc: 'mode' }),
  secret: setting.string({ env: 'HERALD_X_SECRET', doc: 'a required secret', secret: true }),
  verbose: setting.bool({ env: 'HERALD_X_VERBOSE', default: false, doc: 'verbose' }),
  url: setting.url({ env: 'HERALD_X_URL', default: 'http://localhost:8081', doc: 'registry' }),
  optional: setting.optionalString({ env: 'HERALD_X_OPTIONAL', doc: 'optional' }),
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults apply and values are parsed into their types', () => {
  const config = loadConfig(spec, { env: { HERALD_X_SECRET: 's3', HERALD_X_PORT: '9000', HERALD_X_VERBOSE: 'yes', HERALD_X_URL: 'https://r.example/' }, ownedPrefixes: ['HERALD_'] });
  assert.deepEqual(config, {
    port: 9000,
    brokers: ['localhost:9092'],
    mode: 'safe',
    secret: 's3',
    verbose: true,
    url: 'https://r.example',
    optional: undefined,
  });
});

test('every malformed, missing or unknown variable is reported by name, all at once', () => {
  const problems = problemsOf(() =>
    loadConfig(spec, {
      env: { HERALD_X_PORT: 'eighty', HERALD_X_BROKERS: 'a:1,,b', HERALD_X_MODE: 'turbo', HERALD_X_VERBOSE: 'maybe', HERALD_X_URL: 'ftp://x', HERALD_X_PROT: '1' },
      ownedPrefixes: ['HERALD_'],
    }),
  );
  assert.equal(problems.length, 7, problems.join('\n'));
  const byVar = (name: string) => problems.find((p) => p.startsWith(name + ' ')) ?? '';
  assert.match(byVar('HERALD_X_PORT'), /must be an integer, got 'eighty'/);
  assert.match(byVar('HERALD_X_BROKERS'), /without empty items/);
  assert.match(byVar('HERALD_X_MODE'), /one of fast, safe, got 'turbo'/);
  assert.match(byVar('HERALD_X_SECRET'), /is required/);
  assert.match(byVar('HERALD_X_VERBOSE'), /true or false/);
  assert.match(byVar('HERALD_X_URL'), /http: or https: URL/);
  assert.match(byVar('HERALD_X_PROT'), /not a known setting \(did you mean HERALD_X_PORT\?\)/);
});

test('list items are checked one by one', () => {
  const problems = problemsOf(() => loadConfig(spec, { env: { HERALD_X_SECRET: 's', HERALD_X_BROKERS: 'a:1,nohost' }, ownedPrefixes: ['HERALD_'] }));
  assert.deepEqual(problems, ["HERALD_X_BROKERS has invalid item(s) 'nohost': each must be host:port"]);
});

test('port range is enforced', () => {
  const problems = problemsOf(() => loadConfig(spec, { env: { HERALD_X_SECRET: 's', HERALD_X_PORT: '70000' }, ownedPrefixes: ['HERALD_'] }));
  assert.deepEqual(problems, ['HERALD_X_PORT must be from 0 to 65535, got 70000']);
});

test("a service ignores other services' variables but rejects unknown shared ones", () => {
  const own = { port: setting.port({ env: 'HERALD_SCHEMA_REGISTRY_PORT', default: 8081, doc: 'port' }) };
  const config = loadServiceConfig('schema-registry', own, { HERALD_PUBLISHER_PORT: '1', HERALD_KAFKA_BROKERS: 'k1:9092,k2:9092', PATH: '/bin' });
  assert.equal(config.port, 8081);
  assert.deepEqual(config.kafkaBrokers, ['k1:9092', 'k2:9092']);
  const problems = problemsOf(() => loadServiceConfig('schema-registry', own, { HERALD_KAFKA_BROKER: 'x:1', HERALD_SCHEMA_REGISTRY_PROT: '1' }));
  assert.deepEqual(problems, [
    'HERALD_KAFKA_BROKER is not a known setting (did you mean HERALD_KAFKA_BROKERS?)',
    'HERALD_SCHEMA_REGISTRY_PROT is not a known setting (did you mean HERALD_SCHEMA_REGISTRY_PORT?)',
  ]);
});

test('SASL settings must come together', () => {
  const problems = problemsOf(() => loadServiceConfig('router', {}, { HERALD_KAFKA_SASL_MECHANISM: 'plain', HERALD_KAFKA_SASL_USERNAME: 'u' }));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /go together/);
});

test('a service may only declare settings under its own prefix', () => {
  assert.throws(() => loadServiceConfig('router', { x: setting.port({ env: 'HERALD_PUBLISHER_PORT', default: 1, doc: '' }) }, {}), /must start with HERALD_ROUTER_/);
});

test('describeConfig hides secret defaults and lists required settings', () => {
  const rows = describeConfig(spec);
  assert.deepEqual(rows.find((r) => r.env === 'HERALD_X_SECRET'), { env: 'HERALD_X_SECRET', doc: 'a required secret', expects: 'a string', required: true, default: undefined });
  assert.equal(rows.find((r) => r.env === 'HERALD_X_BROKERS')?.default, 'localhost:9092');
});
