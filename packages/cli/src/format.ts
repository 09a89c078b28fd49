// How results read: one JSON value per line for scripts (--output json), aligned text for people.

/** JSON for output: Buffers (Avro bytes) as base64, bigints as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    function (this: unknown, key: string, v: unknown) {
      const original = (this as Record<string, unknown>)[key];
      if (Buffer.isBuffer(original)) return original.toString('base64');
      if (typeof v === 'bigint') return v.toString();
      return v;
    },
    indent,
  );
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** An event as `tail` shows it: the CloudEvent with its decoded data, and whether it verified. */
export interface TailedEvent {
  event: Record<string, unknown>;
  verified: boolean;
  /** Why it is not verified, or why its data could not be decoded. */
  error?: string;
  topic: string;
  partition: number;
  offset: string;
}

export function tailedEventJson(tailed: TailedEvent): string {
  return toJson({ ...tailed.event, verified: tailed.verified, ...(tailed.error === undefined ? {} : { error: tailed.error }) });
}

const SHOWN_ATTRIBUTES = ['source', 'subject', 'time', 'recordedtime', 'partitionkey', 'authid', 'dataref', 'traceparent', 'sequence'] as const;

/** One readable block per event. */
export function tailedEventPretty(tailed: TailedEvent): string {
  const { event } = tailed;
  const mark = tailed.verified ? 'verified' : 'NOT VERIFIED';
  const head = `── ${String(event.type ?? '?')}  ${String(event.id ?? '?')}  [${mark}]  ${tailed.topic}/${tailed.partition}@${tailed.offset}`;
  const rows = SHOWN_ATTRIBUTES.filter((name) => event[name] !== undefined).map((name) => `   ${name.padEnd(13)} ${String(event[name])}`);
  if (tailed.error !== undefined) rows.push(`   ${'error'.padEnd(13)} ${tailed.error}`);
  if (event.data !== undefined) {
    const data = toJson(event.data, 2)
      .split('\n')
      .map((line, i) => (i === 0 ? line : `                 ${line}`))
      .join('\n');
    rows.push(`   ${'data'.padEnd(13)} ${data}`);
  }
  return `${head}\n${rows.join('\n')}\n`;
}
