// What the publisher's CPU goes to, by stage of a publish: the rules that sort profile samples
// (lib/cpu-profile.ts). Earlier rules win: a sample under signMessage is signing, although
// the HTTP handler is further down the same stack.
import type { Frame, StageRule } from '../lib/cpu-profile.js';

/** Frames of these source files; matched by the end of the path, so a copy built elsewhere (an experiment) matches too. */
const from =
  (...files: string[]) =>
  (f: Frame) =>
    files.some((file) => f.origin === file || f.origin.endsWith(`/${file}`));

/** npm packages that make up express's request and response handling. */
const httpPackages = ['express', 'router', 'body-parser', 'raw-body', 'iconv-lite', 'content-type', 'type-is', 'finalhandler', 'on-finished', 'send', 'depd', 'qs', 'media-typer', 'mime-types'];

export const publisherStages: StageRule[] = [
  { stage: 'GC', match: (f) => f.name === '(garbage collector)' },
  { stage: 'partitioning (partitionFor: murmur2)', match: (f) => f.name === 'partitionFor' },
  { stage: 'signing (signingInput + HMAC-SHA256)', match: from('envelope/src/signature.ts', 'envelope/src/keyring.ts') },
  { stage: 'envelope validation (assertValidEvent)', match: from('envelope/src/event.ts') },
  { stage: 'ce_* headers (rest of toKafkaMessage)', match: from('envelope/src/kafka.ts') },
  { stage: 'Avro (conform + encode)', match: (f) => f.origin === 'avsc' || from('src/encoding.ts')(f) },
  { stage: 'request validation (Ajv)', match: (f) => f.origin === 'ajv' || from('src/validation.ts')(f) },
  { stage: 'dedupe window', match: from('src/dedupe.ts') },
  { stage: 'JSON.parse of request bodies', match: (f) => f.name === 'parse' && f.origin === 'body-parser' },
  { stage: 'kafkajs (encode record batches, produce, responses)', match: from('kafkajs') },
  { stage: 'metrics (prom-client)', match: (f) => f.origin === 'prom-client' || from('src/metrics.ts')(f) },
  { stage: 'authentication (API key)', match: (f) => /(^|\/)auth\/src\//.test(f.origin) },
  { stage: 'publish orchestration (publish.ts, event-writer.ts)', match: from('src/publish.ts', 'src/event-writer.ts') },
  { stage: 'HTTP (node:http, express, body read, JSON response)', match: (f) => httpPackages.includes(f.origin) || f.origin.startsWith('node:_http') || from('src/app.ts')(f) },
];
