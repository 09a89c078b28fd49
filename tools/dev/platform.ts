// The local platform (`npm start`, through start.mjs): everything on one machine. Provisions and starts Kafka (single
// node, localhost:9092), starts every service that exists on the defaults of ARCHITECTURE.md,
// registers the example schemas, prints where everything is, and on Ctrl-C stops it all.
// Service logs go to .herald/logs/<service>.log; warnings and errors are echoed here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalKafka, heraldHome } from '@herald/local-kafka';
import { SchemaCodec, loadSchemaFiles, registerSchemaFiles } from '@herald/schemas';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ServiceSpec {
  name: string;
  entry: string;
  url: string;
}

const registryUrl = process.env.HERALD_SCHEMA_REGISTRY_URL ?? 'http://localhost:8081';
const services: ServiceSpec[] = [{ name: 'schema-registry', entry: 'services/schema-registry/src/main.ts', url: registryUrl }];

interface Running {
  spec: ServiceSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const say = (message: string) => process.stdout.write(`[herald] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startService(spec: ServiceSpec, env: NodeJS.ProcessEnv, logDir: string): Running {
  const log = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
  // Own process group: Ctrl-C reaches only this script, which stops the services in order.
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const echo = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (/"level":"(warn|error)"/.test(line) || (line.trim() && !line.startsWith('{'))) process.stdout.write(`[${spec.name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', echo);
  child.stderr?.on('data', echo);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { spec, child, exited };
}

async function waitReady(service: Running, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.spec.name} exited with code ${service.child.exitCode}; see .herald/logs/${service.spec.name}.log`);
    try {
      if ((await fetch(`${service.spec.url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${service.spec.name} was not ready at ${service.spec.url}/readyz within ${timeoutMs} ms`);
}

const kafka = new LocalKafka('single');
const running: Running[] = [];
let stopping: Promise<void> | undefined;

/** Stops the services (SIGTERM, then SIGKILL after 30 s), then Kafka, then exits. */
function stopAll(code: number): Promise<void> {
  stopping ??= (async () => {
    say('stopping…');
    for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    await Promise.race([Promise.all(running.map((s) => s.exited)), sleep(30_000)]);
    for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await kafka.stop();
    say('stopped');
    process.exit(code);
  })();
  return stopping;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const { reused } = await kafka.start();
  say(`Kafka ${reused ? 'was already running' : 'started'} at ${kafka.brokers.join(',')}`);

  const logDir = join(heraldHome(), 'logs');
  mkdirSync(logDir, { recursive: true });
  const env = { ...process.env, HERALD_KAFKA_BROKERS: process.env.HERALD_KAFKA_BROKERS ?? kafka.brokers.join(',') };
  for (const spec of services) running.push(startService(spec, env, logDir));
  for (const service of running) {
    void service.exited.then((code) => {
      if (!stopping) {
        say(`${service.spec.name} exited unexpectedly (code ${code}); see .herald/logs/${service.spec.name}.log`);
        void stopAll(1);
      }
    });
  }
  await Promise.all(running.map((s) => waitReady(s)));

  const files = loadSchemaFiles();
  const ids = await registerSchemaFiles(new SchemaCodec({ registry: registryUrl }), files);
  say(`registered ${ids.size} example schemas: ${[...ids].map(([subject, id]) => `${subject} (id ${id})`).join(', ')}`);

  say('Herald is running:');
  say(`  Kafka bootstrap   ${kafka.brokers.join(',')}`);
  for (const s of running) say(`  ${s.spec.name.padEnd(17)} ${s.spec.url}   (health ${s.spec.url}/readyz, metrics ${s.spec.url}/metrics)`);
  say(`  logs              ${logDir}`);
  say('Press Ctrl-C to stop everything. `npm run wipe` deletes all local data.');
}

main().catch((err: unknown) => {
  say(`failed to start: ${(err as Error).message}`);
  void stopAll(1);
});
