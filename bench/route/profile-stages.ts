// What the router's CPU goes to, by stage of routing a record: the rules that sort profile
// samples (lib/cpu-profile.ts). Earlier rules win: a sample under verifyMessage is the signature
// check, although the routing loop is further down the same stack.
import type { Frame, StageRule } from '../lib/cpu-profile.js';

/** Frames of these source files; matched by the end of the path, so a copy built elsewhere (an experiment) matches too. */
const from =
  (...files: string[]) =>
  (f: Frame) =>
    files.some((file) => f.origin === file || f.origin.endsWith(`/${file}`));

const inside = (dir: string) => (f: Frame) => f.origin.startsWith(dir) || f.origin.includes(`/${dir}`);

export const routerStages: StageRule[] = [
  { stage: 'GC', match: (f) => f.name === '(garbage collector)' },
  { stage: 'signature check (verifyMessage: signingInput + HMAC-SHA256)', match: from('envelope/src/signature.ts', 'envelope/src/keyring.ts') },
  { stage: 'envelope read (fromKafkaMessage + attribute validation)', match: inside('envelope/src/') },
  {
    stage: 'Avro decode (registry client, avsc, toPlain)',
    match: (f) => f.origin === 'avsc' || f.origin === '@kafkajs/confluent-schema-registry' || from('schemas/src/codec.ts')(f) || f.name === 'decodeData',
  },
  { stage: 'pattern matching (@herald/patterns)', match: inside('patterns/src/') },
  { stage: 'event views for patterns (attributesView, fullView)', match: (f) => f.name === 'attributesView' || f.name === 'fullView' },
  { stage: 'forwarded record (headers.ts: copy + 4 headers, sizeOf)', match: from('routing/headers.ts') },
  { stage: 'kafkajs: decoding fetched records', match: (f) => f.origin === 'kafkajs' && /decode/i.test(f.name) },
  { stage: 'kafkajs (consumer loop, fetch requests, encoding produce requests, transactions)', match: (f) => f.origin === 'kafkajs' },
  { stage: 'metrics (prom-client)', match: (f) => f.origin === 'prom-client' || from('src/metrics.ts')(f) },
  { stage: 'routing loop (router.ts, partition-route.ts, table.ts)', match: inside('router/src/routing/') },
];
