// herald publish <type>: one event from --data, or many from stdin as JSON lines, in batches.
import { HeraldClient, type PublishEvent, type PublishResult } from '@herald/client';
import { integerOption, stringOption } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { lines, readJsonArgument } from '../io.js';
import { requireKey } from '../settings.js';

const ENVELOPE_FIELDS = new Set(['data', 'id', 'time', 'subject', 'partitionKey', 'dataref', 'traceparent', 'sequence']);

/** What one input (a line, or --data) publishes: its data, or with --envelope the event around it. */
export function eventOf(value: unknown, envelope: boolean, where: string): PublishEvent<unknown> {
  if (!envelope) return { data: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('data' in value)) {
    throw new UsageError(`${where}: with --envelope, each event is an object {data, subject?, time?, id?, …}`);
  }
  const unknown = Object.keys(value).filter((field) => !ENVELOPE_FIELDS.has(field));
  if (unknown.length > 0) throw new UsageError(`${where}: unknown event field(s) ${unknown.join(', ')} (known: ${[...ENVELOPE_FIELDS].join(', ')})`);
  return value as PublishEvent<unknown>;
}

/** Events from JSON lines (blank lines skipped), in batches of at most `size`. */
export async function* batchesOf(input: AsyncIterable<string>, size: number, envelope: boolean): AsyncGenerator<PublishEvent<unknown>[]> {
  let batch: PublishEvent<unknown>[] = [];
  let number = 0;
  for await (const line of input) {
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`stdin line ${number} is not JSON: ${(error as Error).message}`);
    }
    batch.push(eventOf(value, envelope, `stdin line ${number}`));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function printResults(context: CommandContext, results: readonly PublishResult[]): void {
  for (const result of results) {
    context.io.stdout.write(
      context.settings.output === 'json' ? `${JSON.stringify(result)}\n` : `${result.id}  partition ${result.partition} offset ${result.offset}${result.duplicate ? '  (duplicate)' : ''}\n`,
    );
  }
}

export const publish: Command = {
  path: ['publish'],
  args: '<type>',
  summary: 'Publish events of a type: --data, or JSON lines on stdin',
  options: {
    data: { type: 'string', short: 'd' },
    envelope: { type: 'boolean' },
    batch: { type: 'string' },
  },
  optionHelp: [
    ["-d, --data JSON|@FILE", "the event's data (one event); without it, stdin is read: one event per line"],
    ['--envelope', 'each input is an event {data, subject?, time?, id?, partitionKey?, …}, not only its data'],
    ['--batch N', 'events per request from stdin (1..500, default 100); each batch is written all or nothing'],
  ],
  positionals: { min: 1, max: 1 },
  details: `Prints each event's id, partition and offset (--output json: one JSON line per event).
Examples:
  herald publish com.acme.rides.ride.requested --data @ride.json
  jq -c '.[]' rides.json | herald publish com.acme.rides.ride.requested
  herald publish com.acme.rides.ride.requested --envelope --data '{"data": {…}, "subject": "rides/r-1"}'`,
  async run(context) {
    const { values, positionals, settings, io } = context;
    const type = positionals[0]!;
    const envelope = values.envelope === true;
    const size = integerOption(values, 'batch', { min: 1, max: 500 }) ?? 100;
    const data = stringOption(values, 'data');
    const client = new HeraldClient({ url: settings.publisherUrl, apiKey: requireKey(settings) });

    if (data !== undefined) {
      const event = eventOf(readJsonArgument('data', data, io.readFile), envelope, '--data');
      printResults(context, [await client.publish(type, event)]);
      return 0;
    }
    if (io.stdin.isTTY) throw new UsageError('no --data and stdin is a terminal: give --data, or pipe JSON lines in');
    let published = 0;
    for await (const batch of batchesOf(lines(io.stdin), size, envelope)) {
      // Printed batch by batch: when a later batch fails, what was published is on stdout.
      printResults(context, await client.publishBatch(type, batch));
      published += batch.length;
    }
    if (published === 0) throw new UsageError('stdin held no events');
    return 0;
  },
};
