// The router's subscriptions API on the real broker: creation with its defaults and topics, the
// grants it checks, pattern errors, what may and may not change, deletion keeping the topics,
// and trying a pattern on the newest events of a type (genuine, forged and poison ones).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { Admin } from 'kafkajs';
import { Keyring, toKafkaMessage } from '@herald/envelope';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@herald/catalog';
import { consumeN, deleteTopicAfter, testKafka, uniqueName } from './helpers/kafka.js';
import { declareRideType, principals, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { startTestRouter } from './helpers/router.js';
import { eventOf, poisonOf, produceRaw, publishRides, ride } from './helpers/routing.js';

interface Problem {
  code: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
  eventTypes?: string[];
  fields?: string[];
  path?: string;
  reason?: string;
}
interface Tested {
  partition: number;
  offset: string;
  id?: string;
  subject?: string;
  time?: string;
  matched: boolean;
  path?: string;
  reason?: string;
}
interface TestResult {
  eventType: string;
  examined: number;
  matched: number;
  events: Tested[];
}

async function setup(t: TestContext) {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const router = await startTestRouter(t, { publisher, registryUrl: registry.url });
  const kafka = await testKafka();
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  return { registry, publisher, router, kafka, admin };
}

/** A unique subscription name, for one that is refused: it has no topics to clean up. */
const refusedName = () => uniqueName('api').toLowerCase();

/** A unique subscription name; its default topics are deleted after the test. */
function subscriptionName(t: TestContext): string {
  const name = refusedName();
  deleteTopicAfter(t, `sub.${name}`);
  deleteTopicAfter(t, `sub.${name}.dlq`);
  return name;
}

/** The partitions of each topic, by name. */
async function partitionsOf(admin: Admin, topics: string[]): Promise<Array<[string, number]>> {
  const metadata = await admin.fetchTopicMetadata({ topics });
  return metadata.topics.map((topic): [string, number] => [topic.name, topic.partitions.length]).sort(([a], [b]) => a.localeCompare(b));
}

test('a subscription is created with its defaults and both topics, changed (not its destination), and deleted with its topics kept', async (t) => {
  const { registry, publisher, router, admin } = await setup(t);
  const narrow = await declareRideType(t, publisher, { topic: { partitions: 2 } });
  const wide = await declareRideType(t, publisher, { topic: { partitions: 5 } });
  const name = subscriptionName(t);

  const created = await router.call<Subscription>('reader', 'POST', '/v1/subscriptions', { name, description: 'Rides, for billing.', eventTypes: [narrow.name, wide.name] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.headers.get('location'), `/v1/subscriptions/${name}`);
  const { createdAt, updatedAt, ...rest } = created.body;
  assert.deepEqual(rest, {
    name,
    description: 'Rides, for billing.',
    owner: principals.reader.id,
    eventTypes: [narrow.name, wide.name],
    destination: { topic: `sub.${name}`, deadLetterTopic: `sub.${name}.dlq` },
    ordering: 'partition',
    failure: { retry: { ...DEFAULT_RETRY_POLICY }, then: 'dead-letter' },
    revision: 1,
  });
  assert.equal(createdAt, updatedAt);

  // Both topics exist, as wide as the widest type read, with 7 days of retention.
  assert.deepEqual(await partitionsOf(admin, [`sub.${name}`, `sub.${name}.dlq`]), [
    [`sub.${name}`, 5],
    [`sub.${name}.dlq`, 5],
  ]);
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [`sub.${name}`, `sub.${name}.dlq`].map((topic) => ({ type: 2 /* TOPIC */, name: topic, configNames: ['retention.ms', 'cleanup.policy'] })),
  });
  assert.deepEqual(
    configs.resources.map((resource) => [resource.resourceName, Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue]))]).sort(),
    [
      [`sub.${name}`, { 'retention.ms': '604800000', 'cleanup.policy': 'delete' }],
      [`sub.${name}.dlq`, { 'retention.ms': '604800000', 'cleanup.policy': 'delete' }],
    ],
  );

  assert.deepEqual((await router.call<Subscription>('reader', 'GET', `/v1/subscriptions/${name}`)).body, created.body);
  const again = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Again.', eventTypes: [narrow.name] });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'already_exists');

  // A router with HERALD_ROUTER_DESTINATION_PARTITIONS makes that many, whatever the types read have.
  const fixed = await startTestRouter(t, { publisher, registryUrl: registry.url, env: { HERALD_ROUTER_DESTINATION_PARTITIONS: '3' } });
  const fixedName = subscriptionName(t);
  const fixedCreated = await fixed.call('reader', 'POST', '/v1/subscriptions', { name: fixedName, description: 'Fixed width.', eventTypes: [narrow.name, wide.name] });
  assert.equal(fixedCreated.status, 201, JSON.stringify(fixedCreated.body));
  assert.deepEqual(await partitionsOf(admin, [`sub.${fixedName}`, `sub.${fixedName}.dlq`]), [
    [`sub.${fixedName}`, 3],
    [`sub.${fixedName}.dlq`, 3],
  ]);

  // The destination and the name cannot change; the rest can, and each change bumps the revision.
  const moved = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${name}`, { ...created.body, destination: { ...created.body.destination, topic: `sub.${name}.v2` } });
  assert.equal(moved.status, 409);
  assert.equal(moved.body.code, 'immutable_field');
  assert.deepEqual(moved.body.fields, ['destination.topic']);
  const renamed = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${name}`, { ...created.body, name: `${name}-2` });
  assert.equal(renamed.body.code, 'immutable_field');
  assert.deepEqual(renamed.body.fields, ['name']);
  assert.equal((await router.call<Problem>('outsider', 'PUT', `/v1/subscriptions/${name}`, created.body)).body.code, 'forbidden');

  const changed = await router.call<Subscription>('reader', 'PUT', `/v1/subscriptions/${name}`, {
    ...created.body,
    pattern: { data: { status: ['COMPLETED'] } },
    failure: { retry: { maxAttempts: 5 }, then: 'discard' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.revision, 2);
  assert.equal(changed.body.createdAt, createdAt);
  assert.ok(changed.body.updatedAt >= updatedAt);
  assert.deepEqual(changed.body.pattern, { data: { status: ['COMPLETED'] } });
  assert.deepEqual(changed.body.failure, { retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 5 }, then: 'discard' });
  assert.deepEqual(changed.body.destination, created.body.destination);
  // Sent back at revision 1, the change is refused: someone changed it since.
  const stale = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${name}`, { ...created.body, description: 'Stale.' });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'conflict');
  assert.equal((await router.call<Subscription>('admin', 'GET', `/v1/subscriptions/${name}`)).body.revision, 2);
  // An admin may change it too; a declaration without a destination keeps it.
  const { destination: _destination, revision: _revision, ...withoutDestination } = changed.body;
  const byAdmin = await router.call<Subscription>('admin', 'PUT', `/v1/subscriptions/${name}`, { ...withoutDestination, description: 'Changed by an admin.' });
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
  assert.equal(byAdmin.body.revision, 3);
  assert.equal(byAdmin.body.owner, principals.reader.id);
  assert.equal(byAdmin.body.description, 'Changed by an admin.');
  assert.deepEqual(byAdmin.body.destination, created.body.destination);

  assert.equal((await router.call<Problem>('outsider', 'DELETE', `/v1/subscriptions/${name}`)).body.code, 'forbidden');
  assert.equal((await router.call('reader', 'DELETE', `/v1/subscriptions/${name}`)).status, 204);
  assert.equal((await router.call<Problem>('reader', 'GET', `/v1/subscriptions/${name}`)).body.code, 'not_found');
  assert.equal((await router.call<Problem>('reader', 'DELETE', `/v1/subscriptions/${name}`)).status, 404);
  const left = await admin.listTopics();
  assert.ok(left.includes(`sub.${name}`) && left.includes(`sub.${name}.dlq`), 'the topics stay');
});

test('only a reader of every type subscribes; a subscription is seen by its owner, admins and readers of all its types, and changed or deleted by its owner or an admin', async (t) => {
  const { publisher, router, admin } = await setup(t);
  // The reader principal reads `open`; only the owner (the writer principal) reads `closed`.
  const open = await declareRideType(t, publisher);
  const closed = await declareRideType(t, publisher, { readers: [] });

  const refusal = refusedName();
  const refused = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name: refusal, description: 'Both.', eventTypes: [open.name, closed.name] });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'forbidden');
  assert.deepEqual(refused.body.eventTypes, [closed.name]);
  assert.match(refused.body.detail ?? '', new RegExp(`'${principals.reader.id}' may not read ${closed.name.replaceAll('.', '\\.')}`));
  const topicsLeft = await admin.listTopics();
  assert.ok(!topicsLeft.includes(`sub.${refusal}`) && !topicsLeft.includes(`sub.${refusal}.dlq`), 'no topic was created');
  assert.equal((await router.call<Problem>('admin', 'GET', `/v1/subscriptions/${refusal}`)).status, 404, 'nothing was recorded');

  const unknown = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name: refusal, description: 'Missing.', eventTypes: [open.name, 'test.nothing.here', 'test.nothing.there'] });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.code, 'unknown_event_type');
  assert.deepEqual(unknown.body.eventTypes, ['test.nothing.here', 'test.nothing.there']);
  const theirs = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name: refusal, description: 'Theirs.', owner: 'outsider', eventTypes: [open.name] });
  assert.equal(theirs.status, 403);
  assert.equal(theirs.body.code, 'forbidden');

  // The owner of both types may; the reader sees it only if it reads both.
  const both = subscriptionName(t);
  assert.equal((await router.call('writer', 'POST', '/v1/subscriptions', { name: both, description: 'Both.', eventTypes: [open.name, closed.name] })).status, 201);
  const mine = subscriptionName(t);
  assert.equal((await router.call('reader', 'POST', '/v1/subscriptions', { name: mine, description: 'Open.', eventTypes: [open.name] })).status, 201);
  // An admin reads every type, and may declare a subscription for another owner: the reader owns this one without reading `closed`.
  const given = subscriptionName(t);
  const declared = await router.call<Subscription>('admin', 'POST', '/v1/subscriptions', { name: given, description: 'Given.', owner: principals.reader.id, eventTypes: [open.name, closed.name] });
  assert.equal(declared.status, 201, JSON.stringify(declared.body));
  assert.equal(declared.body.owner, principals.reader.id);

  assert.equal((await router.call<Problem>('reader', 'GET', `/v1/subscriptions/${both}`)).status, 403);
  assert.equal((await router.call<Problem>('reader', 'GET', `/v1/subscriptions/${both}`)).body.code, 'forbidden');
  assert.equal((await router.call('admin', 'GET', `/v1/subscriptions/${both}`)).status, 200);
  assert.equal((await router.call('writer', 'GET', `/v1/subscriptions/${mine}`)).status, 200, 'the owner of the type reads it, so sees it');
  assert.equal((await router.call('reader', 'GET', `/v1/subscriptions/${given}`)).status, 200, 'its owner sees it, whatever it reads');
  assert.equal((await router.call('outsider', 'GET', `/v1/subscriptions/${mine}`)).status, 403);
  assert.equal((await router.call<Problem>('reader', 'GET', `/v1/subscriptions/${refusal}`)).body.code, 'not_found');
  const names = async (as: 'reader' | 'writer' | 'outsider' | 'admin') =>
    (await router.call<{ items: Subscription[] }>(as, 'GET', '/v1/subscriptions')).body.items.map((s) => s.name).filter((n) => n === both || n === mine || n === given);
  assert.deepEqual(await names('reader'), [given, mine].sort(), 'sorted by name');
  assert.deepEqual(await names('writer'), [both, given, mine].sort());
  assert.deepEqual(await names('admin'), [both, given, mine].sort());
  assert.deepEqual(await names('outsider'), []);

  // Adding a type it may not read to its own subscription is refused too, as is a type that does not exist.
  const current = (await router.call<Subscription>('reader', 'GET', `/v1/subscriptions/${mine}`)).body;
  const widened = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${mine}`, { ...current, eventTypes: [open.name, closed.name] });
  assert.equal(widened.status, 403);
  assert.equal(widened.body.code, 'forbidden');
  assert.deepEqual(widened.body.eventTypes, [closed.name]);
  const missing = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${mine}`, { ...current, eventTypes: [open.name, 'test.nothing.here'] });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.code, 'unknown_event_type');
  assert.deepEqual(missing.body.eventTypes, ['test.nothing.here']);
  // The same types, in any order, are not checked again: the reader changes `given` though it does not read `closed`; a changed list is.
  const kept = await router.call<Subscription>('reader', 'PUT', `/v1/subscriptions/${given}`, { ...declared.body, eventTypes: [closed.name, open.name], description: 'Kept.' });
  assert.equal(kept.status, 200, JSON.stringify(kept.body));
  assert.equal(kept.body.description, 'Kept.');
  assert.equal(kept.body.revision, 2);
  const narrowed = await router.call<Problem>('reader', 'PUT', `/v1/subscriptions/${given}`, { ...kept.body, eventTypes: [closed.name] });
  assert.equal(narrowed.status, 403);
  assert.deepEqual(narrowed.body.eventTypes, [closed.name]);
  // Seeing a subscription is not owning it: the writer reads `open` but may neither change nor delete `mine`.
  assert.equal((await router.call<Problem>('writer', 'PUT', `/v1/subscriptions/${mine}`, { ...current, description: 'Not mine.' })).body.code, 'forbidden');
  const notTheirs = await router.call<Problem>('writer', 'DELETE', `/v1/subscriptions/${mine}`);
  assert.equal(notTheirs.status, 403);
  assert.equal(notTheirs.body.code, 'forbidden');

  // An admin deletes any subscription; then it is gone.
  assert.equal((await router.call('admin', 'DELETE', `/v1/subscriptions/${both}`)).status, 204);
  assert.equal((await router.call<Problem>('writer', 'GET', `/v1/subscriptions/${both}`)).status, 404);
  assert.equal((await router.call<Problem>('admin', 'DELETE', `/v1/subscriptions/${both}`)).body.code, 'not_found');
  assert.deepEqual(await names('admin'), [given, mine].sort());
});

test('a bad pattern is 400 invalid_pattern naming where and why; a bad body is 400 invalid_request; a taken topic 409 conflict', async (t) => {
  const { publisher, router, admin } = await setup(t);
  const type = await declareRideType(t, publisher);
  const name = refusedName();
  const badPattern = { data: { seq: [{ numeric: ['>>', 0] }] } };
  const refused = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Bad.', eventTypes: [type.name], pattern: badPattern });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(refused.body.code, 'invalid_pattern');
  assert.equal(refused.body.path, 'data.seq[0].numeric[0]');
  assert.match(refused.body.reason ?? '', /unknown numeric operator ">>"/);
  assert.match(refused.body.detail ?? '', /^pattern data\.seq\[0\]\.numeric\[0\]: unknown numeric operator/);

  const tested = await router.call<Problem>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: badPattern });
  assert.equal(tested.status, 400);
  assert.equal(tested.body.path, 'data.seq[0].numeric[0]');

  const invalid = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Bad.', eventTypes: [type.name], failure: { retry: { jitter: 2 }, then: 'retry' } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.code, 'invalid_request');
  assert.deepEqual(invalid.body.errors, [
    { path: '/failure/retry/jitter', message: 'must be <= 1' },
    { path: '/failure/then', message: 'must be one of "dead-letter", "discard", "block"' },
  ]);
  const elsewhere = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Bad.', eventTypes: [type.name], destination: { topic: type.topic } });
  assert.deepEqual(elsewhere.body.errors?.map((e) => e.path), ['/destination/topic']);
  assert.equal((await router.call<Problem>('reader', 'POST', '/v1/subscriptions', 'name=x', { 'content-type': 'text/plain' })).status, 415);

  // Kafka takes '.' and '_' in topic names for the same: a name colliding with an existing topic's is refused.
  const existing = subscriptionName(t);
  assert.equal((await router.call('reader', 'POST', '/v1/subscriptions', { name: existing, description: 'First.', eventTypes: [type.name] })).status, 201);
  const colliding = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Second.', eventTypes: [type.name], destination: { topic: `sub.${existing}_dlq` } });
  assert.equal(colliding.status, 409);
  assert.equal(colliding.body.code, 'conflict');
  assert.match(colliding.body.detail ?? '', /collides with an existing topic/);
  // And a topic that is another subscription's is refused before Kafka is asked: as the destination, as the
  // dead-letter topic, or as the default of a name (`<existing>.dlq`'s destination is `<existing>`'s dead-letter topic).
  const taken = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Second.', eventTypes: [type.name], destination: { topic: `sub.${existing}` } });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.code, 'conflict');
  assert.match(taken.body.detail ?? '', new RegExp(`is a destination of subscription ${existing}`));
  const takenDlq = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name, description: 'Second.', eventTypes: [type.name], destination: { deadLetterTopic: `sub.${existing}` } });
  assert.equal(takenDlq.status, 409);
  assert.equal(takenDlq.body.code, 'conflict');
  const byName = await router.call<Problem>('reader', 'POST', '/v1/subscriptions', { name: `${existing}.dlq`, description: 'Second.', eventTypes: [type.name] });
  assert.equal(byName.status, 409);
  assert.equal(byName.body.code, 'conflict');
  assert.equal(byName.body.detail, `topic sub.${existing}.dlq is a destination of subscription ${existing}`);
  const left = await admin.listTopics();
  assert.ok(![`sub.${name}`, `sub.${name}.dlq`, `sub.${existing}.dlq.dlq`].some((topic) => left.includes(topic)), 'no topic was created for them');
  assert.equal((await router.call<Problem>(null, 'GET', '/v1/subscriptions')).status, 401);
});

test('trying a pattern on the newest events says which match and, for the others, the field that failed; forged and poison records do not match', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const type = await declareRideType(t, publisher, { topic: { partitions: 3 } });

  const empty = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { type: [type.name] } });
  assert.deepEqual(empty.body, { eventType: type.name, examined: 0, matched: 0, events: [] });

  // One request per event, a moment apart, so that their record timestamps give their order.
  const published = [
    { data: ride('r-1', 1, 'COMPLETED'), subject: 'rides/r-1' },
    { data: ride('r-2', 1, 'ACCEPTED'), subject: 'rides/r-2' },
    { data: ride('r-3', 1, 'COMPLETED') },
    { data: ride('r-4', 1, 'REQUESTED'), subject: 'rides/r-4' },
    { data: ride('r-5', 1, 'COMPLETED'), subject: 'rides/r-5' },
  ];
  const ids: string[] = [];
  for (const event of published) {
    ids.push(...(await publishRides(publisher, type.name, [event])));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  const completed = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { data: { status: ['COMPLETED'] } } });
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  assert.equal(completed.body.eventType, type.name);
  assert.equal(completed.body.examined, 5);
  assert.equal(completed.body.matched, 3);
  assert.deepEqual(
    completed.body.events.map((e) => e.id),
    ids,
    'oldest first',
  );
  assert.deepEqual(
    completed.body.events.map((e) => e.matched),
    [true, false, true, false, true],
  );
  const accepted = completed.body.events[1]!;
  assert.equal(accepted.path, 'data.status');
  assert.match(accepted.reason ?? '', /no value matched \["COMPLETED"\]/);
  assert.equal(accepted.subject, 'rides/r-2');
  assert.match(accepted.offset, /^\d+$/);
  assert.ok(!Number.isNaN(Date.parse(accepted.time ?? '')));

  const bySubject = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { subject: [{ prefix: 'rides/' }] } });
  assert.equal(bySubject.body.matched, 4);
  assert.deepEqual(
    bySubject.body.events.filter((e) => !e.matched).map((e) => [e.id, e.path, e.reason]),
    [[ids[2], 'subject', 'field is missing']],
  );

  // `last` takes the newest of each partition, as evenly as they allow.
  const two = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { type: [type.name] }, last: 2 });
  assert.equal(two.body.examined, 2);
  const holding = new Set(completed.body.events.map((e) => e.partition)).size;
  assert.equal(new Set(two.body.events.map((e) => e.partition)).size, Math.min(2, holding));

  // A record signed with a key the platform does not hold, and a correctly signed one whose data no schema decodes.
  const [template] = await consumeN(t, kafka, type.topic, 1);
  const stranger = new Keyring({ currentKeyId: 'k1', keys: { k1: randomBytes(32).toString('base64') } });
  const forged = toKafkaMessage({ ...eventOf(template!), id: 'forged-1', subject: 'rides/forged' }, stranger);
  await produceRaw(kafka, type.topic, [{ key: forged.key, value: forged.value, headers: forged.headers }, poisonOf(eventOf(template!), publisher.keyring, 'poison-1')]);

  const withData = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { data: { status: ['COMPLETED'] } } });
  assert.equal(withData.body.examined, 7);
  const byId = new Map(withData.body.events.map((e) => [e.id, e]));
  const forgedResult = byId.get('forged-1');
  assert.equal(forgedResult?.matched, false);
  assert.equal(forgedResult?.path, 'signature');
  assert.match(forgedResult?.reason ?? '', /signature does not verify: mismatch/);
  assert.equal(forgedResult?.subject, 'rides/forged', 'what the record claims is shown');
  const poison = byId.get('poison-1');
  assert.equal(poison?.matched, false);
  assert.equal(poison?.path, 'data');
  assert.match(poison?.reason ?? '', /cannot be decoded/);
  // A pattern on the attributes never decodes the data: the poison event matches it.
  const attributesOnly = await router.call<TestResult>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { type: [type.name] } });
  assert.equal(attributesOnly.body.matched, 6);
  assert.equal(attributesOnly.body.events.find((e) => e.id === 'poison-1')?.matched, true);

  // Readers only; existing types only; no more than the configured maximum.
  const outsider = await router.call<Problem>('outsider', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { type: [type.name] } });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.code, 'forbidden');
  assert.equal((await router.call<Problem>('reader', 'POST', '/v1/subscriptions/test', { eventType: 'test.nothing.here', pattern: { type: ['test.nothing.here'] } })).body.code, 'unknown_event_type');
  const tooMany = await router.call<Problem>('reader', 'POST', '/v1/subscriptions/test', { eventType: type.name, pattern: { type: [type.name] }, last: 1001 });
  assert.equal(tooMany.status, 400);
  assert.deepEqual(tooMany.body.errors, [{ path: '/last', message: 'must be <= 1000 (the configured maximum)' }]);
});
