// herald groups rewind: move a subscriber's consumer group on its subscription's topic.
import { stringOption } from '../args.js';
import { ServiceApi } from '../api.js';
import { print, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { table } from '../format.js';
import { requireKey } from '../settings.js';

interface Rewind {
  group: string;
  topic: string;
  subscription: string;
  dryRun: boolean;
  partitions: { partition: number; from: string | null; to: string }[];
}

/** The body of POST /v1/consumer-groups/{group}/rewind from the flags. */
export function rewindRequest(values: CommandContext['values']): Record<string, unknown> {
  const subscription = stringOption(values, 'subscription');
  if (subscription === undefined) throw new UsageError('--subscription is required');
  const time = stringOption(values, 'to-time');
  const targets = [time !== undefined, values.earliest === true, values.latest === true].filter(Boolean).length;
  if (targets !== 1) throw new UsageError('give exactly one of --to-time, --earliest, --latest');
  if (time !== undefined && (Number.isNaN(Date.parse(time)) || !/^\d{4}-\d{2}-\d{2}/.test(time))) {
    throw new UsageError(`--to-time must be an RFC 3339 timestamp (2026-11-26T08:00:00Z), got ${JSON.stringify(time)}`);
  }
  const to = time !== undefined ? { timestamp: time } : values.earliest === true ? { earliest: true } : { latest: true };
  return { subscription, to, ...(values['dry-run'] === true ? { dryRun: true } : {}) };
}

export function rewindText(result: Rewind): string {
  const head = `${result.dryRun ? 'would rewind (dry run)' : 'rewound'} group ${result.group} on ${result.topic}\n`;
  return head + table(['PARTITION', 'FROM', 'TO'], result.partitions.map((p) => [String(p.partition), p.from ?? '-', p.to]));
}

export const groupsRewind: Command = {
  path: ['groups', 'rewind'],
  args: '<group>',
  summary: "Rewind a subscriber's consumer group (stop its consumers first)",
  options: {
    subscription: { type: 'string', short: 's' },
    'to-time': { type: 'string' },
    earliest: { type: 'boolean' },
    latest: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  optionHelp: [
    ['-s, --subscription NAME', 'the subscription whose destination topic the group reads'],
    ['--to-time TIME', 'per partition, the first record at or after TIME (RFC 3339)'],
    ['--earliest | --latest', 'the start or the end of each partition'],
    ['--dry-run', 'show the offsets it would set; change nothing'],
  ],
  positionals: { min: 1, max: 1 },
  details: 'A group with running members is refused (group_active, exit 1).',
  async run(context) {
    const body = rewindRequest(context.values);
    const api = new ServiceApi({ url: context.settings.replayUrl, key: requireKey(context.settings) });
    const result = await api.request<Rewind>('POST', `/v1/consumer-groups/${encodeURIComponent(context.positionals[0]!)}/rewind`, body);
    print(context, result, () => rewindText(result));
    return 0;
  },
};
