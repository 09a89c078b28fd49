// Reads a V8 CPU profile (node --cpu-prof) of a bundled service and says where the time went:
// frames are mapped through the bundle's source map back to their package or source file,
// and only samples inside given time windows count (the measured phases, not start-up).
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A time window in microseconds of the monotonic clock (process.hrtime), as V8 stamps samples. */
export interface Window {
  name: string;
  fromUs: number;
  toUs: number;
}

export interface Frame {
  /** Function name, or a V8 pseudo-frame like (garbage collector). */
  name: string;
  /** Where it comes from: an npm package, a repo source file, node:…, or native. */
  origin: string;
}

/**
 * A stage of the work, known by a frame on the stack. A sample counts for the first rule (in
 * list order) that matches any frame of its stack, so specific rules go before general ones
 * (signing before the HTTP handler that, far down the stack, called it).
 */
export interface StageRule {
  stage: string;
  match: (frame: Frame) => boolean;
}

export interface ProfileSummary {
  window: string;
  /** Busy time by stage (see StageRule), ms, largest first; `other` when no rule matches the stack. */
  byStage: Array<[string, number]>;
  /** CPU time (not idle) inside the window, in ms. */
  busyMs: number;
  /** Self time by origin (package or file), ms, largest first. */
  selfByOrigin: Array<[string, number]>;
  /** Self time by function, ms, largest first. */
  selfByFrame: Array<[string, number]>;
}

export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/** Maps a bundle's generated positions to original sources. */
class BundleMap {
  private readonly map: SourceMap | undefined;

  constructor(
    private readonly bundleUrl: string,
    sourceMapFile: string | undefined,
    private readonly root: string,
  ) {
    this.map = sourceMapFile ? new SourceMap(JSON.parse(readFileSync(sourceMapFile, 'utf8')) as SourceMapPayload) : undefined;
  }

  origin(frame: CallFrame): string {
    const { url } = frame;
    if (url === '') return 'native';
    if (url.startsWith('node:')) return url;
    if (url !== this.bundleUrl || !this.map) return url;
    const entry = this.map.findEntry(frame.lineNumber, frame.columnNumber);
    if (!('originalSource' in entry)) return 'bundle (unmapped)';
    const source = entry.originalSource.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
    if (pkg?.[1]) return pkg[1];
    return relative(this.root, source.startsWith('/') ? source : new URL(source, this.bundleUrl).pathname);
  }
}

function frameKey(frame: Frame): string {
  return `${frame.name} (${frame.origin})`;
}

/**
 * Summarizes a profile per window. `bundleUrl` is the file URL of the bundle the profile ran
 * (its frames carry that url), `sourceMapFile` its map, `root` what source paths are shown relative to.
 */
export function summarizeProfile(options: {
  profileFile: string;
  bundleUrl: string;
  sourceMapFile?: string;
  root: string;
  windows: Window[];
  stages?: StageRule[];
}): ProfileSummary[] {
  const profile = JSON.parse(readFileSync(options.profileFile, 'utf8')) as CpuProfile;
  const map = new BundleMap(options.bundleUrl, options.sourceMapFile, options.root);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = new Map<number, Frame>();
  for (const n of profile.nodes) {
    const { functionName, url } = n.callFrame;
    const pseudo = functionName.startsWith('(') && url === '';
    frames.set(n.id, { name: functionName || '(anonymous)', origin: pseudo ? 'v8' : map.origin(n.callFrame) });
  }

  const rules = options.stages ?? [];
  // Windows of the same name (rounds of one scenario) add up to one summary.
  const summaries = [...new Set(options.windows.map((w) => w.name))].map((name) => ({
    window: name,
    busyMs: 0,
    byStage: new Map<string, number>(),
    selfByOrigin: new Map<string, number>(),
    selfByFrame: new Map<string, number>(),
  }));
  const add = (m: Map<string, number>, key: string, ms: number) => m.set(key, (m.get(key) ?? 0) + ms);

  // A sample's time is the gap to the next sample (the profiler's interval, about 1 ms).
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  for (let i = 0; i < profile.samples.length; i++) {
    const t = times[i]!;
    const ms = ((times[i + 1] ?? t) - t) / 1000;
    const name = options.windows.find((w) => t >= w.fromUs && t < w.toUs)?.name;
    const summary = summaries.find((s) => s.window === name);
    if (name === undefined || !summary) continue;
    const id = profile.samples[i]!;
    const self = frames.get(id)!;
    if (self.name === '(idle)') continue;
    summary.busyMs += ms;
    add(summary.selfByOrigin, self.origin, ms);
    add(summary.selfByFrame, frameKey(self), ms);
    const stack: Frame[] = [];
    for (let n: number | undefined = id; n !== undefined && byId.has(n); n = parent.get(n)) stack.push(frames.get(n)!);
    add(summary.byStage, rules.find((r) => stack.some(r.match))?.stage ?? 'other', ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return summaries.map((s) => ({ window: s.window, busyMs: s.busyMs, byStage: sorted(s.byStage), selfByOrigin: sorted(s.selfByOrigin), selfByFrame: sorted(s.selfByFrame) }));
}
