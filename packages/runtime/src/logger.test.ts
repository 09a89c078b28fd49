import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.js';

test('log lines are JSON with time, level, service, message, bound and call fields', () => {
  const lines: string[] = [];
  const logger = createLogger({ service: 'svc', level: 'info', write: (l) => lines.push(l) }).child({ requestId: 'r1' });
  logger.debug('hidden');
  logger.info('hello', { n: 1n, ok: true });
  const cause = new Error('root');
  logger.error('failed', { err: Object.assign(new Error('outer', { cause }), { code: 'E_X' }) });
  assert.equal(lines.length, 2);
  const info = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(info.level, 'info');
  assert.equal(info.service, 'svc');
  assert.equal(info.msg, 'hello');
  assert.equal(info.requestId, 'r1');
  assert.equal(info.n, '1');
  assert.ok(!Number.isNaN(Date.parse(info.time as string)));
  const error = JSON.parse(lines[1]!) as { err: { message: string; code: string; stack: string; cause: { message: string } } };
  assert.equal(error.err.message, 'outer');
  assert.equal(error.err.code, 'E_X');
  assert.equal(error.err.cause.message, 'root');
  assert.match(error.err.stack, /outer/);
});
