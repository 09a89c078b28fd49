import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceApi } from './api.js';
import { run } from './cli.js';
import type { Command, CommandContext } from './command.js';
import { watchJob } from './commands/replay.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { resolveSettings } from './settings.js';

function fakeIo(options: { tty?: boolean; signal?: AbortSignal } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text), isTTY: options.tty ?? false, columns: 100 },
    stdin: (async function* () {})(),
    env: {},
    readFile: () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
    signal: options.signal ?? new AbortController().signal,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function command(run: Command['run']): Command {
  return { path: ['do'], args: '', summary: 'Do it', options: {}, optionHelp: [], positionals: { min: 0, max: 0 }, run };
}

test('exit codes through run(): ok, help, usage, failure, interrupted', async () => {
  const ok = fakeIo();
  assert.equal(await run(['do', '--output', 'json'], ok.io, [command(async (c) => (c.io.stdout.write(c.settings.output), 0))]), 0);
  assert.equal(ok.stdout(), 'json');

  const help = fakeIo();
  assert.equal(await run(['do', '--help'], help.io, [command(async () => 9)]), 0);
  assert.match(help.stdout(), /^Usage: herald do \[flags\]/);

  const usage = fakeIo();
  assert.equal(await run(['do', '--nope'], usage.io, [command(async () => 0)]), 2);
  assert.match(usage.stderr(), /^herald: Unknown option '--nope'/);
  assert.equal(usage.stdout(), '');

  const failed = fakeIo();
  assert.equal(await run(['do'], failed.io, [command(async () => Promise.reject(new CliError('job_failed', 'replay j failed')))]), 4);
  assert.equal(failed.stderr(), 'herald: replay j failed\n');

  const controller = new AbortController();
  const interrupted = fakeIo({ signal: controller.signal });
  const code = await run(['do'], interrupted.io, [
    command(async () => {
      controller.abort();
      throw new Error('aborted');
    }),
  ]);
  assert.equal(code, 130);
  assert.equal(interrupted.stderr(), 'herald: interrupted\n');

  // Stopping cleanly on Ctrl-C is still an interruption.
  const stopped = new AbortController();
  const clean = fakeIo({ signal: stopped.signal });
  assert.equal(await run(['do'], clean.io, [command(async () => (stopped.abort(), 0))]), 130);
});

function sse(...events: [string, unknown][]): string {
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

/** A fetch that answers the events stream with `body`, and anything else with `job`. */
function fakeReplay(body: string, job?: unknown): typeof fetch {
  return async (input) => {
    if (String(input).endsWith('/events')) {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          // Split mid-event, as the network does.
          const bytes = new TextEncoder().encode(body);
          controller.enqueue(bytes.slice(0, 17));
          controller.enqueue(bytes.slice(17));
          controller.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    return new Response(JSON.stringify(job), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

function watchContext(io: Io): CommandContext {
  return { values: {}, positionals: [], settings: resolveSettings({ flags: {}, env: {}, readFile: io.readFile }), io };
}

const progress = (state: string, percent: number | null) => ({ id: 'j1', state, phase: 'history', percent, rate: 100, etaSeconds: 1, counts: { read: 5, matched: 5, written: 5 } });

test('--watch: a line per update without a terminal, exit 0 when the job completes', async () => {
  const { io, stdout, stderr } = fakeIo();
  const api = new ServiceApi({ url: 'http://replay', key: 'k', fetch: fakeReplay(sse(['progress', progress('running', 50)], ['progress', progress('completed', 100)], ['end', { state: 'completed' }])) });
  assert.equal(await watchJob(watchContext(io), api, 'j1'), 0);
  assert.deepEqual(stderr().trim().split('\n'), ['replay j1: 50.0%  100/s  ETA 0:01  running history  read 5 written 5', 'replay j1: 100.0%  100/s  ETA 0:01  completed history  read 5 written 5']);
  assert.equal(stdout(), 'replay j1 completed: read 5, matched 5, written 5, rejected 0\n');
});

test('--watch on a terminal: the bar redrawn in place', async () => {
  const { io, stderr } = fakeIo({ tty: true });
  const api = new ServiceApi({ url: 'http://replay', key: 'k', fetch: fakeReplay(sse(['progress', progress('running', 50)], ['progress', progress('completed', 100)], ['end', { state: 'completed' }])) });
  assert.equal(await watchJob(watchContext(io), api, 'j1'), 0);
  const frames = stderr().split('\r\x1b[2K').filter((f) => f !== '');
  assert.equal(frames.length, 2);
  const [, filled, empty] = /^\[(#*)(-*)\] +50\.0% {2}100\/s/.exec(frames[0]!)!;
  assert.ok(Math.abs(filled!.length - empty!.length) <= 1, 'half full');
  assert.ok(frames[0]!.length <= 99, 'fits the 100 columns');
  assert.match(frames[1]!, /^\[#+\] +100\.0%.*\n$/);
});

test('--watch: a failed or cancelled job exits 4 with its error', async () => {
  const { io } = fakeIo();
  const failed = { ...progress('failed', 10), error: { code: 'http_target_rejected', message: '400' } };
  const api = new ServiceApi({ url: 'http://replay', key: 'k', fetch: fakeReplay(sse(['progress', failed], ['end', { state: 'failed' }])) });
  await assert.rejects(watchJob(watchContext(io), api, 'j1'), (e: unknown) => e instanceof CliError && e.code === 'job_failed' && /failed: .* — http_target_rejected: 400/.test(e.message));
});

test('--watch: a stream that closes early is followed up with the job', async () => {
  const { io, stdout } = fakeIo();
  const api = new ServiceApi({ url: 'http://replay', key: 'k', fetch: fakeReplay(sse(['progress', progress('running', 50)]), progress('cancelled', 60)) });
  await assert.rejects(watchJob(watchContext(io), api, 'j1'), (e: unknown) => e instanceof CliError && e.code === 'job_failed');
  assert.match(stdout(), /replay j1 cancelled/);
});
