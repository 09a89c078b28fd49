// The local platform (`npm start`, through start.mjs): everything on one machine. Provisions and
// starts Kafka (single node, localhost:9092) and a PostgreSQL for the replay service's table
// target, starts every service on the defaults of ARCHITECTURE.md, declares the example event types, prints where everything is and the keys to
// use, and on Ctrl-C stops it all.
// Service logs go to .herald/logs/<service>.log; warnings and errors are echoed here.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAdminKey, generateApiKey, type ApiKeyEntry } from '@herald/auth';
import { LocalKafka, heraldHome } from '@herald/local-kafka';
import { LocalPostgres } from '@herald/local-postgres';
import { loadEventTypeDeclarations } from '@herald/schemas';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ServiceSpec {
  name: string;
  entry: string;
  url: string;
}

const registryUrl = process.env.HERALD_REGISTRY_URL ?? 'http://localhost:8081';
const publisherUrl = 'http://localhost:8080';
const routerUrl = 'http://localhost:8082';
const replayUrl = 'http://localhost:8083';
/** Started in this order; each must be ready before the next starts. */
const services: ServiceSpec[] = [
  { name: 'schema-registry', entry: 'services/schema-registry/src/main.ts', url: registryUrl },
  { name: 'publisher', entry: 'services/publisher/src/main.ts', url: publisherUrl },
  { name: 'router', entry: 'services/router/src/main.ts', url: routerUrl },
  { name: 'replay', entry: 'services/replay/src/main.ts', url: replayUrl },
];

interface DevSecrets {
  adminKey: string;
  signingKeys: Record<string, string>;
  /** API keys of the example domain's producers: token (shown to the developer) and entry (hash). */
  apiKeys: Record<string, { token: string; entry: ApiKeyEntry }>;
}

/**
 * Local secrets, made once and kept in .herald/ so that a restart keeps the same keys (events
 * signed yesterday still verify). HERALD_ADMIN_KEY, when set, is the admin key instead.
 */
function devSecrets(): DevSecrets {
  const file = join(heraldHome(), 'dev-secrets.json');
  if (!existsSync(file)) {
    const secrets: DevSecrets = {
      adminKey: generateAdminKey(),
      signingKeys: { 'dev-1': randomBytes(32).toString('base64') },
      apiKeys: {
        'rides-service': generateApiKey('rides-service', { source: 'https://rides.acme.example/dispatch' }),
        'payments-service': generateApiKey('payments-service', { source: 'https://payments.acme.example' }),
        billing: generateApiKey('billing'),
      },
    };
    mkdirSync(heraldHome(), { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  const secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  // A reader of the example types, to create subscriptions with (added to secrets made before the router).
  if (!secrets.apiKeys.billing) {
    secrets.apiKeys.billing = generateApiKey('billing');
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return { ...secrets, adminKey: process.env.HERALD_ADMIN_KEY ?? secrets.adminKey };
}

/** Declares the example event types through the publisher's API (an existing one is left as it is). */
async function declareExampleTypes(adminKey: string): Promise<string[]> {
  const declared: string[] = [];
  for (const declaration of loadEventTypeDeclarations()) {
    const res = await fetch(`${publisherUrl}/v1/event-types`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'acme-platform', ...declaration }),
    });
    if (res.status !== 201 && res.status !== 409) throw new Error(`declaring ${declaration.name}: ${res.status} ${await res.text()}`);
    declared.push(declaration.name);
  }
  return declared;
}

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
const postgres = new LocalPostgres('dev');
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
    await postgres.stop();
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

  const pg = await postgres.start();
  say(`PostgreSQL ${pg.reused ? 'was already running' : 'started'} at ${postgres.url}`);

  const logDir = join(heraldHome(), 'logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = devSecrets();
  const env = {
    ...process.env,
    HERALD_KAFKA_BROKERS: process.env.HERALD_KAFKA_BROKERS ?? kafka.brokers.join(','),
    HERALD_REGISTRY_URL: registryUrl,
    HERALD_SIGNING_KEYS: process.env.HERALD_SIGNING_KEYS ?? JSON.stringify(secrets.signingKeys),
    HERALD_ADMIN_KEY: secrets.adminKey,
    HERALD_API_KEYS: process.env.HERALD_API_KEYS ?? JSON.stringify(Object.values(secrets.apiKeys).map((k) => k.entry)),
    HERALD_REPLAY_POSTGRES_URL: process.env.HERALD_REPLAY_POSTGRES_URL ?? postgres.url,
    // Replays may post to local endpoints only.
    HERALD_REPLAY_HTTP_TARGETS: process.env.HERALD_REPLAY_HTTP_TARGETS ?? 'http://localhost:,http://127.0.0.1:',
  };
  for (const spec of services) {
    const service = startService(spec, env, logDir);
    running.push(service);
    void service.exited.then((code) => {
      if (!stopping) {
        say(`${spec.name} exited unexpectedly (code ${code}); see .herald/logs/${spec.name}.log`);
        void stopAll(1);
      }
    });
    await waitReady(service);
  }

  const types = await declareExampleTypes(secrets.adminKey);
  say(`example event types: ${types.join(', ')}`);

  say('Herald is running:');
  say(`  Kafka bootstrap   ${kafka.brokers.join(',')}`);
  say(`  PostgreSQL        ${postgres.url}   (the replay service's table target)`);
  for (const s of running) say(`  ${s.spec.name.padEnd(17)} ${s.spec.url}   (health ${s.spec.url}/readyz, metrics ${s.spec.url}/metrics)`);
  say(`  logs              ${logDir}`);
  say(`  admin key         ${secrets.adminKey}`);
  for (const [id, key] of Object.entries(secrets.apiKeys)) say(`  ${`${id} key`.padEnd(17)} ${key.token}`);
  say(`  (keys and the signing key are kept in ${join(heraldHome(), 'dev-secrets.json')})`);
  say('Press Ctrl-C to stop everything. `npm run wipe` deletes all local data.');
}

main().catch((err: unknown) => {
  say(`failed to start: ${(err as Error).message}`);
  void stopAll(1);
});
