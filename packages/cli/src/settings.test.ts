import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './errors.js';
import { defaultConfigPath, requireKey, resolveSettings } from './settings.js';

const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const files = (contents: Record<string, unknown>) => (path: string) => {
  if (!(path in contents)) return noFile(path);
  const content = contents[path];
  return typeof content === 'string' ? content : JSON.stringify(content);
};

test('defaults when nothing is set (and the default config file is missing)', () => {
  const settings = resolveSettings({ flags: {}, env: {}, readFile: noFile, home: '/home/x' });
  assert.deepEqual(settings, {
    key: undefined,
    publisherUrl: 'http://localhost:8080',
    routerUrl: 'http://localhost:8082',
    replayUrl: 'http://localhost:8083',
    registryUrl: 'http://localhost:8081',
    kafkaBrokers: ['localhost:9092'],
    signingKeys: undefined,
    output: 'pretty',
  });
});

test('precedence: flags > environment > config file > defaults', () => {
  const home = '/home/x';
  const readFile = files({
    [defaultConfigPath(home)]: { key: 'from-file', 'publisher-url': 'http://file:1', 'router-url': 'http://file:2', 'replay-url': 'http://file:3', kafka: ['a:1', 'b:2'], 'signing-keys': { k1: 'c2VjcmV0' } },
  });
  const settings = resolveSettings({
    flags: { key: 'from-flag' },
    env: { HERALD_KEY: 'from-env', HERALD_PUBLISHER_URL: 'http://env:1', HERALD_ROUTER_URL: '' },
    readFile,
    home,
  });
  assert.equal(settings.key, 'from-flag');
  assert.equal(settings.publisherUrl, 'http://env:1');
  // An empty variable counts as unset.
  assert.equal(settings.routerUrl, 'http://file:2');
  assert.equal(settings.replayUrl, 'http://file:3');
  assert.equal(settings.registryUrl, 'http://localhost:8081');
  assert.deepEqual(settings.kafkaBrokers, ['a:1', 'b:2']);
  assert.equal(settings.signingKeys, '{"k1":"c2VjcmV0"}');
});

test('the config file: --config over HERALD_CONFIG over the default path', () => {
  const readFile = files({ '/a.json': { key: 'a' }, '/b.json': { key: 'b' }, [defaultConfigPath('/h')]: { key: 'default' } });
  assert.equal(resolveSettings({ flags: { config: '/a.json' }, env: { HERALD_CONFIG: '/b.json' }, readFile, home: '/h' }).key, 'a');
  assert.equal(resolveSettings({ flags: {}, env: { HERALD_CONFIG: '/b.json' }, readFile, home: '/h' }).key, 'b');
  assert.equal(resolveSettings({ flags: {}, env: {}, readFile, home: '/h' }).key, 'default');
});

test('config and setting errors are usage errors', () => {
  const cases: [Parameters<typeof resolveSettings>[0], RegExp][] = [
    [{ flags: { config: '/missing.json' }, env: {}, readFile: noFile }, /cannot read the config file \/missing.json/],
    [{ flags: {}, env: { HERALD_CONFIG: '/missing.json' }, readFile: noFile }, /cannot read the config file/],
    [{ flags: { config: '/c' }, env: {}, readFile: files({ '/c': '{nope' }) }, /is not JSON/],
    [{ flags: { config: '/c' }, env: {}, readFile: files({ '/c': [] }) }, /must hold a JSON object/],
    [{ flags: { config: '/c' }, env: {}, readFile: files({ '/c': { publisherUrl: 'x' } }) }, /unknown setting "publisherUrl"/],
    [{ flags: { config: '/c' }, env: {}, readFile: files({ '/c': { key: 42 } }) }, /"key" must be a string/],
    [{ flags: { output: 'yaml' }, env: {}, readFile: noFile }, /--output must be one of pretty, json/],
    [{ flags: { 'replay-url': 'localhost:8083' }, env: {}, readFile: noFile }, /--replay-url must be an http\(s\) URL/],
    [{ flags: { kafka: ' , ' }, env: {}, readFile: noFile }, /--kafka must name at least one broker/],
  ];
  for (const [sources, message] of cases) assert.throws(() => resolveSettings(sources), (e: unknown) => e instanceof UsageError && message.test(e.message), String(message));
});

test('requireKey names every place a key can come from', () => {
  const settings = resolveSettings({ flags: {}, env: {}, readFile: noFile });
  assert.throws(() => requireKey(settings), /give --key, set HERALD_KEY, or put "key" in the config file/);
  assert.equal(requireKey({ ...settings, key: 'hk_a_b' }), 'hk_a_b');
});
