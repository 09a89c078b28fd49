// herald tail <subscription|type>: follows the topic with a throwaway consumer group
// (read_committed), verifies each record's signature and decodes its Avro data.
import { randomBytes } from 'node:crypto';
import { DecodeError, EventDecoder, HeraldApiError, Keyring, SchemaCodec } from '@herald/client';
import { fromKafkaMessage, type KafkaRecord } from '@herald/envelope';
import { Kafka, logLevel } from 'kafkajs';
import { integerOption } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { tailedEventJson, tailedEventPretty, type TailedEvent } from '../format.js';
import type { Subscription } from './subs.js';
import { routerApi } from './subs.js';

/** The verification keyring of HERALD_SIGNING_KEYS: any key id may have signed, so any is "current". */
export function verificationKeyring(signingKeys: string | undefined): Keyring {
  if (signingKeys === undefined || signingKeys === '') {
    throw new UsageError('tail verifies events: give --signing-keys, HERALD_SIGNING_KEYS or "signing-keys" in the config file ({"<key id>": "<base64 secret>"})');
  }
  let keys: unknown;
  try {
    keys = JSON.parse(signingKeys);
  } catch (error) {
    throw new UsageError(`--signing-keys is not JSON: ${(error as Error).message}`);
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new UsageError('--signing-keys must be a JSON object {"<key id>": "<base64 secret>"} with at least one key');
  }
  try {
    return new Keyring({ currentKeyId: Object.keys(keys)[0]!, keys: keys as Record<string, string> });
  } catch (error) {
    const problems = (error as { problems?: { attribute: string; reason: string }[] }).problems ?? [];
    throw new UsageError(`--signing-keys: ${problems.map((p) => `${p.attribute}: ${p.reason}`).join('; ') || (error as Error).message}`);
  }
}

const TOPIC_PREFIXES = /^(events|sub|replay|state)\./;

/**
 * The topic behind a name: a subscription's destination topic; else a topic named outright
 * (`events.…`, `sub.…`, `replay.…`, `state.…`); else the event type's `events.<name>`.
 */
export async function topicOf(context: CommandContext, name: string): Promise<string> {
  try {
    const subscription = await routerApi(context).request<Subscription>('GET', `/v1/subscriptions/${encodeURIComponent(name)}`);
    return subscription.destination.topic;
  } catch (error) {
    if (!(error instanceof HeraldApiError && error.status === 404)) throw error;
  }
  return TOPIC_PREFIXES.test(name) ? name : `events.${name}`;
}

/** A record as tail shows it. Only a bad signature keeps the data undecoded: forged input never reaches the registry. */
export async function tailedEvent(decoder: EventDecoder, record: KafkaRecord, where: { topic: string; partition: number; offset: string }): Promise<TailedEvent> {
  try {
    const decoded = await decoder.decode(record);
    return { event: { ...decoded.attributes, data: decoded.data }, verified: true, ...where };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    if (error.retriable) throw new CliError('unreachable', `cannot decode: ${error.message}`, { cause: error });
    let attributes: Record<string, unknown> = {};
    try {
      const { data: _encoded, ...rest } = fromKafkaMessage(record).event;
      attributes = rest;
    } catch {
      // Not even a CloudEvent: the error says why.
    }
    return { event: attributes, verified: error.code !== 'bad_signature', error: `${error.code}: ${error.message}`, ...where };
  }
}

export const tail: Command = {
  path: ['tail'],
  args: '<subscription|type|topic>',
  summary: "Follow a subscription's or an event type's events: verified, decoded",
  options: {
    'from-beginning': { type: 'boolean' },
    max: { type: 'string', short: 'n' },
    'timeout-ms': { type: 'string' },
  },
  optionHelp: [
    ['--from-beginning', 'read the retained history first (default: only events from now on)'],
    ['-n, --max N', 'stop after N events'],
    ['--timeout-ms MS', 'stop after MS milliseconds (exit 0 with what was read)'],
  ],
  positionals: { min: 1, max: 1 },
  details: `The name is looked up as a subscription (its destination topic); else a topic named outright
(events.…, sub.…, replay.…, state.…); else an event type (events.<type>). Reads read_committed with a
throwaway consumer group, deleted afterwards. Needs --kafka, --registry-url and --signing-keys.
--output json: one CloudEvent per line with the decoded data, "verified", and "error" when a record
does not verify or its data does not decode.`,
  async run(context) {
    const { values, positionals, settings, io } = context;
    const max = integerOption(values, 'max', { min: 1 });
    const timeoutMs = integerOption(values, 'timeout-ms', { min: 1 });
    const decoder = new EventDecoder({ keyring: verificationKeyring(settings.signingKeys), registry: new SchemaCodec({ registry: settings.registryUrl }) });
    const topic = await topicOf(context, positionals[0]!);

    const kafka = new Kafka({
      clientId: 'herald-cli',
      brokers: settings.kafkaBrokers,
      logLevel: io.env.HERALD_CLI_KAFKA_LOG ? logLevel.INFO : logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    const groupId = `herald-cli-tail-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) throw new CliError('api', `no topic ${topic}: ${positionals[0]} is no subscription, event type or topic`);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: values['from-beginning'] === true });
      let count = 0;
      let failed = false;
      await new Promise<void>((resolve, reject) => {
        const stop = () => resolve();
        const timer = timeoutMs === undefined ? undefined : setTimeout(stop, timeoutMs);
        if (io.signal.aborted) stop();
        io.signal.addEventListener('abort', stop, { once: true });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) reject(payload.error);
        });
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ message, partition }) => {
              if (failed || (max !== undefined && count >= max)) return;
              let tailed: TailedEvent;
              try {
                tailed = await tailedEvent(decoder, message, { topic, partition, offset: message.offset });
              } catch (error) {
                // Not kafkajs's to retry: the registry is down, or a bug. Stop and say so.
                failed = true;
                reject(error);
                return;
              }
              io.stdout.write(settings.output === 'json' ? `${tailedEventJson(tailed)}\n` : tailedEventPretty(tailed));
              count++;
              if (max !== undefined && count >= max) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      if (max !== undefined && count < max && !io.signal.aborted) io.stderr.write(`tail: stopped after ${timeoutMs} ms with ${count} of ${max} events\n`);
      return 0;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      // A throwaway group: leave nothing behind in the cluster.
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  },
};
