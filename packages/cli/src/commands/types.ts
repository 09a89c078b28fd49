// herald types ls|show|create: the event type catalog of the publisher.
import { HeraldClient, type EventType, type EventTypeDefinition } from '@herald/client';
import { stringOption } from '../args.js';
import { print, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { toJson, table } from '../format.js';
import { readJsonObject } from '../io.js';
import { requireKey } from '../settings.js';

function client(context: CommandContext): HeraldClient {
  return new HeraldClient({ url: context.settings.publisherUrl, apiKey: requireKey(context.settings) });
}

export function eventTypesTable(types: readonly EventType[]): string {
  if (types.length === 0) return 'no event types\n';
  return table(
    ['NAME', 'MODE', 'OWNER', 'PARTITIONS', 'SCHEMA', 'WRITERS', 'READERS'],
    types.map((t) => [t.name, t.mode, t.owner, String(t.topic.partitions), `v${t.schemaVersion} (id ${t.schemaId})`, t.writers.join(',') || '-', t.readers.join(',') || '-']),
  );
}

const show = (type: EventType) => `${toJson(type, 2)}\n`;

export const typesLs: Command = {
  path: ['types', 'ls'],
  args: '',
  summary: 'List the event types',
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const types = await client(context).eventTypes.list();
    print(context, { items: types }, () => eventTypesTable(types));
    return 0;
  },
};

export const typesShow: Command = {
  path: ['types', 'show'],
  args: '<name>',
  summary: 'Show an event type',
  options: {},
  optionHelp: [],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const type = await client(context).eventTypes.get(context.positionals[0]!);
    print(context, type, () => show(type));
    return 0;
  },
};

export const typesCreate: Command = {
  path: ['types', 'create'],
  args: '',
  summary: 'Declare an event type from a JSON file',
  options: { file: { type: 'string', short: 'f' } },
  optionHelp: [['-f, --file FILE', 'the declaration (docs/publisher-api.md): name, description, source, mode, schema, partitionKey, …']],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const file = stringOption(context.values, 'file');
    if (file === undefined) throw new UsageError('--file is required');
    const definition = readJsonObject('file', `@${file}`, context.io.readFile) as unknown as EventTypeDefinition;
    const type = await client(context).eventTypes.create(definition);
    print(context, type, () => `created ${type.name} (topic ${type.topicName}, schema v${type.schemaVersion})\n`);
    return 0;
  },
};
