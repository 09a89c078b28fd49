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

// Failure tests (*.cluster.test.ts, *.outage.test.ts) start brokers of their own and kill or stop
// them under load, and the end-to-end test (*.e2e.test.ts) runs the whole platform on its fixed
// ports; they run after the others, one at a time, so that on a 2-core machine their timing
// bounds are not at the mercy of everything else running at once.
const FAILURE_TESTS = '\\.(cluster|outage|e2e)\\.test\\.ts$';
// --force-exit: a test file's process ends when its tests and their cleanup are done, even if
// a client library left a timer behind (seen once: the cluster failure test finished and passed,
// cleaned up, and its process lived on without a socket) rather than hanging the suite.
const phases = [
  ['--concurrency', process.env.HERALD_TEST_CONCURRENCY ?? '4', '--force-exit', '--exclude', FAILURE_TESTS],
  ['--concurrency', '1', '--force-exit', '--include', FAILURE_TESTS],
];
let interrupted = false;
let current: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    current?.kill(signal);
  });
}
let code = 0;
for (const phase of phases) {
  if (interrupted) break;
  const child = spawn(process.execPath, [resolve(here, '..', 'tools', 'testing', 'run-tests.mjs'), ...phase, join(here, 'src')], {
    stdio: 'inherit',
    env: { ...process.env, HERALD_TEST_KAFKA_BROKERS: kafka.brokers.join(',') },
  });
  current = child;
  const phaseCode = await new Promise<number>((done) => child.on('exit', (c, s) => done(c ?? (s ? 1 : 0))));
  code ||= phaseCode;
}
if (!alreadyRunning) await kafka.stop();
process.exit(interrupted && code === 0 ? 1 : code);
