// Runs the integration suite: starts the test broker once (a fresh one unless it is already
// running), runs every test file in src/ against it, and stops the broker it started.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalKafka } from '@herald/local-kafka';

const here = dirname(fileURLToPath(import.meta.url));
const kafka = new LocalKafka('test');
const alreadyRunning = kafka.status().every((node) => node.running);
await kafka.start({ fresh: !alreadyRunning });

const child = spawn(
  process.execPath,
  [resolve(here, '..', 'tools', 'testing', 'run-tests.mjs'), '--concurrency', process.env.HERALD_TEST_CONCURRENCY ?? '4', join(here, 'src')],
  { stdio: 'inherit', env: { ...process.env, HERALD_TEST_KAFKA_BROKERS: kafka.brokers.join(',') } },
);
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    child.kill(signal);
  });
}
const code = await new Promise<number>((done) => child.on('exit', (c, s) => done(c ?? (s ? 1 : 0))));
if (!alreadyRunning) await kafka.stop();
process.exit(interrupted && code === 0 ? 1 : code);
