// The dedupe window: which (source, id) pairs this instance wrote recently, and where.
//
// How it is kept: in this process's memory, a Map in insertion order, so expiry and eviction
// take from the front in O(1). An entry is made when a write starts (pending: a repeat that
// arrives meanwhile waits for the first write's outcome instead of writing again), completed
// with the partition and offset when Kafka acknowledges, and dropped if the write fails (a
// retry must be able to write). Entries live `windowMs`; past `maxEntries` the oldest go first.
//
// What it costs: about 270 bytes of heap per remembered event (key string, entry, position, Map
// slot; `npm run bench:dedupe-memory -w @herald/bench` measures it), so 135 MB at the default cap
// of 500,000, which holds the default 5 minutes up to about 1,700 events/s per instance (beyond,
// the cap shortens the window); and a Map lookup per event. What it does not cover: the window is per instance and starts
// empty, so a repeat that reaches another instance, or this one after a restart, is written
// again. Consumers that must never see a repeat dedupe on (source, id) too.

export interface WrittenAt {
  partition: number;
  offset: string;
}

/** One remembered event. Fixed fields, never deleted: an object that loses a property falls
 *  into V8's dictionary mode and takes several times the memory. */
class Entry {
  written: WrittenAt | undefined = undefined;
  constructor(
    readonly expiresAt: number,
    public pending: Promise<WrittenAt | undefined> | undefined,
  ) {}
}

export type Seen = { state: 'new' } | { state: 'written'; at: WrittenAt } | { state: 'pending'; outcome: Promise<WrittenAt | undefined> };

export class DedupeWindow {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: { windowMs: number; maxEntries: number; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private static key(source: string, id: string): string {
    return `${source}\u0000${id}`;
  }

  get size(): number {
    return this.entries.size;
  }

  get enabled(): boolean {
    return this.options.windowMs > 0;
  }

  private expire(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size <= this.options.maxEntries) break;
      if (entry.pending) continue; // an unresolved write stays until it resolves
      this.entries.delete(key);
    }
  }

  seen(source: string, id: string): Seen {
    if (!this.enabled) return { state: 'new' };
    this.expire();
    const entry = this.entries.get(DedupeWindow.key(source, id));
    if (!entry) return { state: 'new' };
    if (entry.written) return { state: 'written', at: entry.written };
    return { state: 'pending', outcome: entry.pending! };
  }

  /** Marks a write as started; `outcome` resolves with where it was written, or undefined if it failed. */
  begin(source: string, id: string, outcome: Promise<WrittenAt | undefined>): void {
    if (!this.enabled) return;
    const key = DedupeWindow.key(source, id);
    const entry = new Entry(this.now() + this.options.windowMs, outcome);
    this.entries.delete(key);
    this.entries.set(key, entry);
    void outcome.then((written) => {
      if (this.entries.get(key) !== entry) return;
      if (written) {
        entry.written = written;
        entry.pending = undefined;
      } else {
        this.entries.delete(key);
      }
    });
    if (this.entries.size > this.options.maxEntries) this.expire();
  }
}
