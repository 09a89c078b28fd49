import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runService } from './lifecycle.js';
import { createLogger } from './logger.js';

const quiet = () => createLogger({ service: 'test', write: () => undefined });

test('SIGTERM closes the running service once and exits 0', async () => {
  let closed = 0;
  const exits: number[] = [];
  await runService({ logger: quiet(), exit: (c) => exits.push(c), start: async () => ({ close: async () => void closed++ }) });
  process.emit('SIGTERM', 'SIGTERM');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, 1);
  assert.deepEqual(exits, [0]);
});

test('a start failure exits 1 and is logged', async () => {
  const lines: string[] = [];
  const exits: number[] = [];
  await runService({
    logger: createLogger({ service: 't', write: (l) => lines.push(l) }),
    exit: (c) => exits.push(c),
    start: () => Promise.reject(new Error('no kafka')),
  });
  assert.deepEqual(exits, [1]);
  assert.match(lines.join('\n'), /failed to start.*no kafka/);
});

test('a shutdown that overruns its timeout exits 1', async () => {
  const exits: number[] = [];
  await runService({ logger: quiet(), shutdownTimeoutMs: 50, exit: (c) => exits.push(c), start: async () => ({ close: () => new Promise<void>(() => undefined) }) });
  process.emit('SIGINT', 'SIGINT');
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(exits, [1]);
});
