// Heap per remembered (source, id) in the publisher's dedupe window: fills a window with
// 300,000 written events (UUIDv7 ids, positions as the writer reports them) and compares the
// heap after full GCs. Run: npm run bench:dedupe-memory -w @herald/bench
import { uuidv7 } from '@herald/envelope';
import { DedupeWindow } from '@herald/publisher';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (the npm script does)');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const entries = 300_000;
const before = heap();
const window = new DedupeWindow({ windowMs: 3_600_000, maxEntries: entries });
for (let i = 0; i < entries; i++) {
  window.begin('https://rides.acme.example/dispatch', uuidv7(), Promise.resolve({ partition: i % 6, offset: String(1_000_000 + i) }));
}
await new Promise((resolve) => setTimeout(resolve, 500));
const perEntry = (heap() - before) / window.size;
console.log(`dedupe window: ${window.size} entries, ${Math.round(perEntry)} bytes of heap each`);
