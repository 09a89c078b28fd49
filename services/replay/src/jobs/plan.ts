// Fixes a job's ranges when it is created: the partitions it reads and, per partition, the
// offsets it starts at and stops before. Ends are resolved once, so every job ends however much
// is written after it starts.
import type { Admin } from 'kafkajs';
import type { Phase, RangeEnd, RangeStart, Segment } from './model.js';

export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** A topic the job reads, and in which phase. */
export interface PlannedTopic {
  topic: string;
  phase: Phase;
}

interface Watermarks {
  partition: number;
  low: bigint;
  high: bigint;
}

async function watermarks(admin: Admin, topic: string): Promise<Watermarks[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).sort((a, b) => a.partition - b.partition);
}

/** Per partition, the offset of the first record at or after `time`; the end of the partition when there is none. */
async function offsetsAt(admin: Admin, topic: string, time: string, marks: Watermarks[]): Promise<Map<number, bigint>> {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(time));
  const result = new Map<number, bigint>();
  for (const mark of marks) {
    const offset = found.find((f) => f.partition === mark.partition)?.offset;
    const value = offset === undefined || BigInt(offset) < 0n ? mark.high : BigInt(offset);
    result.set(mark.partition, value < mark.low ? mark.low : value > mark.high ? mark.high : value);
  }
  return result;
}

const clamp = (value: bigint, low: bigint, high: bigint) => (value < low ? low : value > high ? high : value);

/**
 * The segments of a job over `topics`: ends first (in the order given, so a latest-state topic's
 * end is fixed before its event topic's), then starts. A tail segment's position stays null
 * until the snapshot is read.
 */
export async function planSegments(admin: Admin, topics: PlannedTopic[], from: RangeStart, to: RangeEnd): Promise<Segment[]> {
  const marks = new Map<string, Watermarks[]>();
  for (const { topic } of topics) marks.set(topic, await watermarks(admin, topic));
  const segments: Segment[] = [];
  for (const { topic, phase } of topics) {
    const topicMarks = marks.get(topic)!;
    const ends = 'timestamp' in to ? await offsetsAt(admin, topic, to.timestamp, topicMarks) : undefined;
    const starts = 'timestamp' in from ? await offsetsAt(admin, topic, from.timestamp, topicMarks) : undefined;
    for (const mark of topicMarks) {
      const end = ends?.get(mark.partition) ?? mark.high;
      let start = starts?.get(mark.partition) ?? mark.low;
      if ('offsets' in from) start = mark.low;
      // A tail's position is where the snapshot leaves off, known once it is read.
      segments.push({ topic, partition: mark.partition, phase, start: String(start), end: String(end), position: phase === 'tail' ? null : String(start), read: 0, matched: 0 });
    }
  }
  if ('offsets' in from) applyOffsets(segments, from.offsets, marks);
  for (const segment of segments) {
    // A start past the end (a window that ends before it begins) reads nothing.
    if (BigInt(segment.start) > BigInt(segment.end)) segment.start = segment.position = segment.end;
  }
  return segments;
}

function applyOffsets(segments: Segment[], offsets: Array<{ topic?: string; partition: number; offset: string }>, marks: Map<string, Watermarks[]>): void {
  const topics = [...new Set(segments.map((s) => s.topic))];
  offsets.forEach((entry, index) => {
    const path = `/from/offsets/${index}`;
    if (entry.topic === undefined && topics.length > 1) throw new PlanError(`${path}/topic`, `is required: the job reads ${topics.join(', ')}`);
    const topic = entry.topic ?? topics[0]!;
    const segment = segments.find((s) => s.topic === topic && s.partition === entry.partition);
    if (!segment) {
      throw new PlanError(path, topics.includes(topic) ? `${topic} has no partition ${entry.partition}` : `the job does not read ${topic} (it reads ${topics.join(', ')})`);
    }
    const mark = marks.get(topic)!.find((m) => m.partition === entry.partition)!;
    const offset = BigInt(entry.offset);
    if (offset < mark.low || offset > mark.high) {
      throw new PlanError(`${path}/offset`, `${topic}[${entry.partition}] holds offsets ${mark.low} to ${mark.high - 1n} (${mark.high}: its end); ${offset} is out of that range`);
    }
    segment.start = segment.position = String(clamp(offset, mark.low, mark.high));
  });
}
