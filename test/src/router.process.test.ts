// The router as it is deployed (the built bundle, configured by environment only), killed and
// frozen mid-stream: each subscription topic still ends with every event exactly once, in per-key
// order, as a read_committed subscriber sees it.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { deleteTopicAfter, kafkaBrokers, testKafka, uniqueName } from './helpers/kafka.js';
import { startServiceProcess, type ServiceProcess } from './helpers/process.js';
import { apiClient, declareRideType, startTestPublisher, type TestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { assertExactlyOnce, assertPerKeyOrder, publishRides, readSettled, ride } from './helpers/routing.js';

interface Platform {
  publisher: TestPublisher;
  env: Record<string, string>;
}

async function platform(t: TestContext): Promise<Platform> {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const subscriptionsTopic = uniqueName('_herald.subscriptions');
  const quarantineTopic = uniqueName('_herald.quarantine');
  deleteTopicAfter(t, subscriptionsTopic);
  deleteTopicAfter(t, quarantineTopic);
  const env = {
    HERALD_KAFKA_BROKERS: (await kafkaBrokers()).join(','),
    HERALD_REGISTRY_URL: registry.url,
    HERALD_EVENT_TYPES_TOPIC: publisher.eventTypesTopic,
    HERALD_SUBSCRIPTIONS_TOPIC: subscriptionsTopic,
    HERALD_ROUTER_GROUP_ID: uniqueName('herald-router'),
    HERALD_ROUTER_QUARANTINE_TOPIC: quarantineTopic,
    HERALD_ROUTER_PORT: '0',
    HERALD_ROUTER_HOST: '127.0.0.1',
    HERALD_ROUTER_TOPIC_REPLICATION_FACTOR: '1',
    HERALD_ROUTER_SESSION_TIMEOUT_MS: '6000',
    // Small fetches: many transactions per second, so a kill lands inside one.
    HERALD_ROUTER_MAX_BYTES_PER_PARTITION: '16384',
    HERALD_LOG_LEVEL: 'info',
    ...publisher.secrets.env,
  };
  return { publisher, env };
}

async function startRouterProcess(t: TestContext, env: Record<string, string>): Promise<{ proc: ServiceProcess; url: string }> {
  const proc = startServiceProcess(t, 'router', env);
  const url = String((await proc.waitForLog((l) => l.msg === 'router listening')).url);
  return { proc, url };
}

/** Publishes `total` events over `keys` keys, in batches, calling `during(i)` between batches. */
async function publishStream(publisher: TestPublisher, type: string, total: number, keys: number, during: (published: number) => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < total; i += 40) {
    const batch = Array.from({ length: Math.min(40, total - i) }, (_, j) => ({ data: ride(`r-${(i + j) % keys}`, i + j, (i + j) % 2 ? 'COMPLETED' : 'REQUESTED') }));
    ids.push(...(await publishRides(publisher, type, batch, 40)));
    await during(ids.length);
  }
  return ids;
}

async function deliveredSoFar(t: TestContext, topic: string): Promise<number> {
  const admin = (await testKafka()).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
  void t;
}

test('bad settings stop the router at once with exit code 2, naming the variable', async (t) => {
  const proc = startServiceProcess(t, 'router', { HERALD_ROUTER_PARTITIONS_CONCURRENCY: 'many', HERALD_SIGNING_KEYS: '{}' });
  const { code } = await proc.exited;
  assert.equal(code, 2, proc.stderr());
  assert.match(proc.stderr(), /HERALD_ROUTER_PARTITIONS_CONCURRENCY must be an integer/);
});

test('a router killed with SIGKILL mid-stream and restarted leaves every destination with each event exactly once, in per-key order', async (t) => {
  const { publisher, env } = await platform(t);
  const type = await declareRideType(t, publisher);
  const first = await startRouterProcess(t, env);
  const api = apiClient(first.url, publisher.secrets.tokens);
  const subs: Array<{ name: string; topic: string }> = [];
  for (const [name, pattern] of [
    [uniqueName('all').toLowerCase(), undefined],
    [uniqueName('completed').toLowerCase(), { data: { status: ['COMPLETED'] } }],
  ] as const) {
    const res = await api<{ destination: { topic: string; deadLetterTopic: string } }>('reader', 'POST', '/v1/subscriptions', { name, description: 'Routed through a killed router.', eventTypes: [type.name], ...(pattern ? { pattern } : {}) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    deleteTopicAfter(t, res.body.destination.topic);
    deleteTopicAfter(t, res.body.destination.deadLetterTopic);
    subs.push({ name, topic: res.body.destination.topic });
  }

  let killed = false;
  const ids = await publishStream(publisher, type.name, 4000, 24, async () => {
    if (killed) return;
    if ((await deliveredSoFar(t, subs[0]!.topic)) < 600) return;
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    killed = true;
    await startRouterProcess(t, env);
  });
  assert.ok(killed, 'the router was killed while events flowed');

  const all = await readSettled(t, await testKafka(), subs[0]!.topic, { atLeast: ids.length, timeoutMs: 90_000 });
  assertExactlyOnce(all, ids, 'all');
  assertPerKeyOrder(all, ids, 'all');
  const completedIds = ids.filter((_, i) => i % 2 === 1);
  const completed = await readSettled(t, await testKafka(), subs[1]!.topic, { atLeast: completedIds.length, timeoutMs: 60_000 });
  assertExactlyOnce(completed, completedIds, 'completed');
  assertPerKeyOrder(completed, ids, 'completed');
});

test('a router frozen mid-transaction loses its partitions to another and is fenced when it wakes: no event is routed twice', async (t) => {
  const { publisher, env } = await platform(t);
  const type = await declareRideType(t, publisher);
  const a = await startRouterProcess(t, env);
  const api = apiClient(a.url, publisher.secrets.tokens);
  const name = uniqueName('all').toLowerCase();
  const res = await api<{ destination: { topic: string; deadLetterTopic: string } }>('reader', 'POST', '/v1/subscriptions', { name, description: 'Routed through a killed router.', eventTypes: [type.name] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  deleteTopicAfter(t, res.body.destination.topic);
  deleteTopicAfter(t, res.body.destination.deadLetterTopic);
  const b = await startRouterProcess(t, env);

  let frozen = false;
  const ids = await publishStream(publisher, type.name, 3000, 24, async (published) => {
    if (frozen || published < 600) return;
    frozen = true;
    // SIGSTOP: the instance stops between any two instructions, a transaction possibly open.
    // The group hands its partitions to the other after the session timeout (6 s); then it wakes.
    a.proc.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 10_000));
    a.proc.child.kill('SIGCONT');
  });
  const all = await readSettled(t, await testKafka(), res.body.destination.topic, { atLeast: ids.length, timeoutMs: 90_000 });
  assertExactlyOnce(all, ids, 'all');
  assertPerKeyOrder(all, ids, 'all');
  const fenced = a.proc.stdout().split('\n').filter((l) => l.includes('routing fenced')).length;
  t.diagnostic(`the frozen instance was fenced ${fenced} time(s); the other logged ${b.proc.stdout().split('\n').filter((l) => l.includes('routing fenced')).length}`);
});
