// What the replay's CPU goes to, by stage of replaying a record: the rules that sort profile
// samples (lib/cpu-profile.ts). Earlier rules win: a sample under verifyMessage is the signature
// check, although the job's read loop is further down the same stack.
import type { Frame, StageRule } from '../lib/cpu-profile.js';

/** Frames of these source files; matched by the end of the path, so a copy built elsewhere (an experiment) matches too. */
const from =
  (...files: string[]) =>
  (f: Frame) =>
    files.some((file) => f.origin === file || f.origin.endsWith(`/${file}`));

const inside = (dir: string) => (f: Frame) => f.origin.startsWith(dir) || f.origin.includes(`/${dir}`);

export const replayStages: StageRule[] = [
  { stage: 'GC', match: (f) => f.name === '(garbage collector)' },
  { stage: 'signature check (verifyMessage: signingInput + HMAC-SHA256)', match: from('envelope/src/signature.ts', 'envelope/src/keyring.ts') },
  { stage: 'envelope read (readVerifiedAttributes)', match: inside('envelope/src/') },
  {
    stage: 'Avro decode (registry client, avsc, toPlain)',
    match: (f) => f.origin === 'avsc' || f.origin === '@kafkajs/confluent-schema-registry' || from('schemas/src/codec.ts')(f) || f.name === 'decodeData',
  },
  { stage: 'table rows (postgres-columns.ts: fold, encode, array literals)', match: from('sinks/postgres-columns.ts') },
  { stage: 'pg client (node-postgres: query, protocol)', match: (f) => f.origin === 'pg' || f.origin === 'pg-protocol' || f.origin === 'pg-pool' || f.origin === 'pg-types' },
  { stage: 'table sink (table.ts, postgres.ts)', match: from('sinks/table.ts', 'sinks/postgres.ts') },
  { stage: 'copied record (topic.ts: headers copy + 4 headers)', match: from('sinks/topic.ts') },
  { stage: 'checkpoint record (log.ts: progress JSON)', match: from('jobs/log.ts') },
  { stage: 'kafkajs: decoding fetched records', match: (f) => f.origin === 'kafkajs' && /decode/i.test(f.name) },
  { stage: 'kafkajs (consumer loop, fetch requests, encoding produce requests, transactions)', match: (f) => f.origin === 'kafkajs' },
  { stage: 'metrics (prom-client)', match: (f) => f.origin === 'prom-client' || from('src/metrics.ts')(f) },
  { stage: 'job loop (run.ts, events.ts)', match: inside('replay/src/jobs/') },
];
