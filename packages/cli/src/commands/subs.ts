// herald subs ls|show|create|test: subscriptions on the router.
import { integerOption, stringOption } from '../args.js';
import { ServiceApi } from '../api.js';
import { print, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { table, toJson } from '../format.js';
import { readJsonObject } from '../io.js';
import { requireKey } from '../settings.js';

export interface Subscription {
  name: string;
  owner: string;
  eventTypes: string[];
  pattern?: Record<string, unknown>;
  destination: { topic: string; deadLetterTopic: string };
  failure?: { then?: string };
  revision: number;
}

interface PatternTest {
  eventType: string;
  examined: number;
  matched: number;
  events: { partition: number; offset: string; id?: string; subject?: string; time?: string; matched: boolean; path?: string; reason?: string }[];
}

export function routerApi(context: CommandContext): ServiceApi {
  return new ServiceApi({ url: context.settings.routerUrl, key: requireKey(context.settings) });
}

const path = (name: string) => `/v1/subscriptions/${encodeURIComponent(name)}`;

export function subscriptionsTable(items: readonly Subscription[]): string {
  if (items.length === 0) return 'no subscriptions\n';
  return table(
    ['NAME', 'OWNER', 'EVENT TYPES', 'DESTINATION', 'THEN', 'PATTERN'],
    items.map((s) => [s.name, s.owner, s.eventTypes.join(','), s.destination.topic, s.failure?.then ?? 'dead-letter', s.pattern ? JSON.stringify(s.pattern) : '-']),
  );
}

export function patternTestText(result: PatternTest): string {
  const rows = result.events.map((e) => [`${e.partition}@${e.offset}`, e.id ?? '-', e.matched ? 'yes' : 'no', e.matched ? '' : `${e.path || '(event)'}: ${e.reason ?? ''}`]);
  return `${result.eventType}: ${result.matched} of ${result.examined} events match\n${table(['POSITION', 'ID', 'MATCH', 'WHY NOT'], rows)}`;
}

export const subsLs: Command = {
  path: ['subs', 'ls'],
  args: '',
  summary: 'List the subscriptions you own or may read',
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { items } = await routerApi(context).request<{ items: Subscription[] }>('GET', '/v1/subscriptions');
    print(context, { items }, () => subscriptionsTable(items));
    return 0;
  },
};

export const subsShow: Command = {
  path: ['subs', 'show'],
  args: '<name>',
  summary: 'Show a subscription',
  options: {},
  optionHelp: [],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const subscription = await routerApi(context).request<Subscription>('GET', path(context.positionals[0]!));
    print(context, subscription, () => `${toJson(subscription, 2)}\n`);
    return 0;
  },
};

export const subsCreate: Command = {
  path: ['subs', 'create'],
  args: '',
  summary: 'Declare a subscription from a JSON file',
  options: { file: { type: 'string', short: 'f' } },
  optionHelp: [['-f, --file FILE', 'the declaration (docs/router-api.md): name, description, eventTypes, pattern?, failure?, …']],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const file = stringOption(context.values, 'file');
    if (file === undefined) throw new UsageError('--file is required');
    const declaration = readJsonObject('file', `@${file}`, context.io.readFile);
    const subscription = await routerApi(context).request<Subscription>('POST', '/v1/subscriptions', declaration);
    print(context, subscription, () => `created ${subscription.name} (topic ${subscription.destination.topic})\n`);
    return 0;
  },
};

export const subsTest: Command = {
  path: ['subs', 'test'],
  args: '',
  summary: 'Try a pattern on the newest events of a type',
  options: { type: { type: 'string', short: 't' }, pattern: { type: 'string', short: 'p' }, last: { type: 'string' } },
  optionHelp: [
    ['-t, --type TYPE', 'the event type'],
    ['-p, --pattern JSON|@FILE', 'the event pattern, e.g. \'{"data": {"status": ["COMPLETED"]}}\''],
    ['--last N', 'events to read (default 100)'],
  ],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { values } = context;
    const eventType = stringOption(values, 'type');
    const pattern = stringOption(values, 'pattern');
    if (eventType === undefined || pattern === undefined) throw new UsageError('--type and --pattern are required');
    const last = integerOption(values, 'last', { min: 1 });
    const body = { eventType, pattern: readJsonObject('pattern', pattern, context.io.readFile), ...(last === undefined ? {} : { last }) };
    const result = await routerApi(context).request<PatternTest>('POST', '/v1/subscriptions/test', body);
    print(context, result, () => patternTestText(result));
    return 0;
  },
};
