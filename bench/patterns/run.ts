// bench/patterns: the compiled pattern index next to evaluating each pattern on its own, in the
// same run, over the same events: 1, 100, 1,000 and 10,000 subscription-like patterns. Prints
// events per second for both and their ratio; asserts nothing.
//
//   npm run bench:patterns -w @herald/bench [-- --seconds 1]
import { parseArgs } from 'node:util';
import { compile, evaluate, type Matcher, type Pattern } from '@herald/patterns';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '1,100,1000,10000' },
  },
});
const seconds = Number(args.seconds);
const sizes = args.sizes.split(',').map(Number);

// A small seeded generator, so every run measures the same patterns and events.
let state = 0x9e3779b9;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (p: number): boolean => random() < p;

const domains = ['rides', 'payments', 'users', 'drivers', 'billing', 'support', 'fleet', 'maps', 'promo', 'ratings'];
const entities = ['ride', 'payment', 'user', 'driver', 'invoice', 'ticket', 'vehicle', 'route', 'coupon', 'review'];
const verbs = ['requested', 'accepted', 'cancelled', 'completed', 'updated', 'created', 'deleted', 'failed', 'refunded', 'expired'];
const types = domains.flatMap((d, i) => verbs.map((v) => `com.acme.${d}.${entities[i]}.${v}`)); // 100 types
const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-east'];
const statuses = ['new', 'active', 'pending', 'done', 'failed', 'blocked', 'archived'];
const currencies = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'INR'];
const tiers = ['free', 'silver', 'gold', 'platinum'];
const hosts = ['acme.com', 'example.org', 'mail.test', 'corp.acme.com'];

function subscription(typed: boolean): Pattern {
  const pattern: Record<string, Pattern[string]> = {};
  if (typed) pattern.type = chance(0.8) ? [pick(types)] : [pick(types), pick(types), pick(types)];
  else pattern.type = [{ prefix: `com.acme.${pick(domains)}.` }];
  if (chance(0.4)) pattern.subject = [{ prefix: `${pick(domains)}/${pick(regions)}/` }];
  if (chance(0.1)) pattern.source = [{ 'anything-but': 'https://legacy.acme.com' }];
  const data: Record<string, Matcher[]> = {};
  if (chance(0.5)) {
    const low = Math.floor(random() * 500);
    data.amount = [chance(0.5) ? { numeric: ['>=', low, '<', low + 50 + Math.floor(random() * 500)] } : { numeric: ['>', low] }];
  }
  if (chance(0.4)) data.status = [pick(statuses)];
  if (chance(0.3)) data.currency = [{ 'equals-ignore-case': pick(currencies).toLowerCase() }];
  if (chance(0.2)) data.tier = [pick(tiers), pick(tiers)];
  if (chance(0.1)) data.region = [{ 'anything-but': [pick(regions), pick(regions)] }];
  if (chance(0.1)) data.email = [{ suffix: `@${pick(hosts)}` }];
  if (Object.keys(data).length > 0) pattern.data = data;
  return pattern;
}

function event(): object {
  const domain = pick(domains);
  return {
    specversion: '1.0',
    id: `evt-${Math.floor(random() * 1e9)}`,
    source: chance(0.9) ? 'https://api.acme.com' : 'https://legacy.acme.com',
    type: pick(types),
    subject: `${domain}/${pick(regions)}/${Math.floor(random() * 1e6)}`,
    time: '2025-11-26T10:00:00.000Z',
    data: {
      id: `r-${Math.floor(random() * 1e6)}`,
      amount: Math.round(random() * 100_000) / 100,
      status: pick(statuses),
      currency: pick(currencies),
      tier: pick(tiers),
      region: pick(regions),
      email: `user${Math.floor(random() * 1000)}@${pick(hosts)}`,
      items: [{ sku: 'a', qty: 1 }],
    },
  };
}

const events = Array.from({ length: 2000 }, event);

/** Runs `each` over the events, round after round, for about `budget` seconds; events per second. */
function rate(each: (e: object) => number, budget: number): { perSecond: number; sink: number } {
  let done = 0;
  let sink = 0;
  const start = performance.now();
  const deadline = start + budget * 1000;
  for (;;) {
    for (let i = 0; i < 50; i++) sink += each(events[done++ % events.length] as object);
    if (performance.now() >= deadline) break;
  }
  return { perSecond: (done / (performance.now() - start)) * 1000, sink };
}

const format = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

function scenario(title: string, allPatterns: readonly Pattern[]): void {
  process.stdout.write(`\n${title}\npatterns   compile ms   compiled events/s   separate events/s    ratio   matches/event   agree\n`);
  for (const size of sizes) {
    const patterns = allPatterns.slice(0, size);
    const entries = patterns.map((pattern, i) => ({ id: `sub-${i}`, pattern }));
    const compileStart = performance.now();
    const compiled = compile(entries);
    const compileMs = performance.now() - compileStart;

    let disagreements = 0;
    for (const e of events.slice(0, 200)) {
      const expected = patterns.flatMap((p, i) => (evaluate(p, e) ? [`sub-${i}`] : []));
      if (compiled.match(e).join() !== expected.join()) disagreements++;
    }

    const separately = (e: object): number => {
      let n = 0;
      for (let i = 0; i < patterns.length; i++) if (evaluate(patterns[i] as Pattern, e)) n++;
      return n;
    };
    const together = (e: object): number => compiled.match(e).length;
    rate(together, Math.min(0.3, seconds)); // warm up
    rate(separately, Math.min(0.3, seconds));
    const fast = rate(together, seconds);
    const slow = rate(separately, seconds);
    const matchesPerEvent = events.reduce((sum, e) => sum + compiled.match(e).length, 0) / events.length;
    process.stdout.write(
      `${String(size).padStart(8)}   ${compileMs.toFixed(1).padStart(10)}   ${format(fast.perSecond).padStart(17)}   ${format(slow.perSecond).padStart(17)}   ${`${(fast.perSecond / slow.perSecond).toFixed(1)}x`.padStart(6)}   ${matchesPerEvent.toFixed(2).padStart(13)}   ${disagreements === 0 ? 'yes' : `NO (${disagreements})`}\n`,
    );
  }
}

scenario('Subscriptions with an exact `type` (partitioned by type: each event walks one partition)', Array.from({ length: Math.max(...sizes) }, () => subscription(true)));
scenario('Subscriptions with a `type` prefix instead (partitioned by prefix: each event walks the partitions of the prefixes it starts with)', Array.from({ length: Math.max(...sizes) }, () => subscription(false)));
