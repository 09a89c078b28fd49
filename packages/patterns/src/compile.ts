// Many patterns compiled into one index, matched against an event in one walk.
//
// Each pattern expands into conjunctions (one per choice of `$or` alternatives), each a tree of
// scopes: a scope is a set of conditions on the fields of one event object (leaf conditions,
// and nested scopes for nested objects). Scopes hang off tries of field paths, and each field's
// leaf conditions are indexed by value (hash maps, character tries, an interval tree). Matching
// walks a trie over the event: each object met at a path is an instance of the scopes there; an
// index lookup per value finds the satisfied conditions, each bumps its scope's counter, a scope
// whose counter reaches its number of conditions is satisfied and bumps its parent scope, and a
// satisfied top scope is a matching pattern. Counters and "seen" marks are stamped with the
// instance they belong to instead of being cleared, so a match allocates little but its result.
//
// Conjunctions with a top-level condition on exact values or prefixes (`type: ["a.b.c"]`) are
// partitioned by it: each partition has its own trie, walked only for events that have its key,
// so an event costs what its partitions hold, not what all patterns hold.
import { check } from './check.js';
import { PatternError } from './errors.js';
import type { AnythingBut, Matcher, NumericCondition, Pattern } from './pattern.js';
import { cidrContains, foldCase, hasFields, isInheritedName, parseCidr, parseIp, parseWildcard, wildcardMatches, type CidrBlock, type Value, type Wildcard } from './values.js';

export interface PatternEntry {
  readonly id: string;
  readonly pattern: Pattern;
}

export interface CompiledPatterns {
  /** How many patterns were compiled. */
  readonly size: number;
  /**
   * The ids of the patterns the event matches, each once, in the order they were compiled;
   * empty when none does. Reads only the fields some pattern names, by property access, and
   * lets whatever a getter throws propagate.
   */
  match(event: object): string[];
}

// ---------------------------------------------------------------------------------------------
// Expansion: a pattern into conjunctions of scopes.

interface Scope {
  readonly leaves: (readonly [string, readonly Matcher[]])[];
  readonly children: Map<string, Scope>;
}

function expand(scope: readonly Pattern[]): Scope[] {
  const at = scope.findIndex((object) => Object.hasOwn(object, '$or'));
  if (at >= 0) {
    const { $or, ...others } = scope[at] as Pattern;
    const rest = [...scope.slice(0, at), others, ...scope.slice(at + 1)];
    return ($or as readonly Pattern[]).flatMap((alternative) => expand([...rest, alternative]));
  }
  const leaves: (readonly [string, readonly Matcher[]])[] = [];
  const nested = new Map<string, Pattern[]>();
  for (const object of scope) {
    for (const name of Object.keys(object)) {
      const value = object[name];
      if (Array.isArray(value)) leaves.push([name, value as readonly Matcher[]]);
      else nested.set(name, [...(nested.get(name) ?? []), value as Pattern]);
    }
  }
  let scopes: Scope[] = [{ leaves, children: new Map() }];
  for (const [name, objects] of nested) {
    const alternatives = expand(objects);
    scopes = scopes.flatMap((partial) => alternatives.map((child) => ({ leaves: partial.leaves, children: new Map([...partial.children, [name, child]]) })));
  }
  return scopes;
}

// ---------------------------------------------------------------------------------------------
// Indexes of leaf conditions.

interface TrieCell {
  next: Map<number, TrieCell> | undefined;
  conditions: number[] | undefined;
  wildcards: WildcardCondition[] | undefined;
}

interface WildcardCondition {
  readonly condition: number;
  readonly wildcard: Wildcard;
}

function newCell(): TrieCell {
  return { next: undefined, conditions: undefined, wildcards: undefined };
}

/** The trie cell for `text`, read forwards (prefixes) or backwards (suffixes). */
function cellFor(root: TrieCell, text: string, backwards: boolean): TrieCell {
  let cell = root;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(backwards ? text.length - 1 - i : i);
    cell.next ??= new Map();
    let next = cell.next.get(code);
    if (next === undefined) {
      next = newCell();
      cell.next.set(code, next);
    }
    cell = next;
  }
  return cell;
}

interface Interval {
  readonly low: number;
  readonly lowIncluded: boolean;
  readonly high: number;
  readonly highIncluded: boolean;
  readonly condition: number;
}

/** A centered interval tree: the intervals containing `center`, sorted both ways, and the rest. */
interface IntervalNode {
  readonly center: number;
  readonly byLow: readonly Interval[];
  readonly byHigh: readonly Interval[];
  readonly left: IntervalNode | undefined;
  readonly right: IntervalNode | undefined;
}

function intervalTree(intervals: readonly Interval[]): IntervalNode | undefined {
  if (intervals.length === 0) return undefined;
  const ends = intervals.flatMap((i) => [i.low, i.high]).filter(Number.isFinite).sort((a, b) => a - b);
  // The median end belongs to an interval that contains it, so every level takes at least one.
  const center = ends[ends.length >> 1] as number;
  const here = intervals.filter((i) => i.low <= center && center <= i.high);
  return {
    center,
    byLow: [...here].sort((a, b) => a.low - b.low),
    byHigh: [...here].sort((a, b) => b.high - a.high),
    left: intervalTree(intervals.filter((i) => i.high < center)),
    right: intervalTree(intervals.filter((i) => i.low > center)),
  };
}

type StringTest = { kind: 'prefix' | 'suffix'; text: string } | { kind: 'ignore-case'; folded: readonly string[] } | { kind: 'wildcard'; wildcards: readonly Wildcard[] };

interface StringException {
  readonly condition: number;
  readonly test: StringTest;
}

interface CidrCondition {
  readonly condition: number;
  readonly block: CidrBlock;
}

/** The leaf conditions on one field path, indexed by what satisfies them. */
class LeafIndex {
  readonly strings = new Map<string, number[]>();
  readonly numbers = new Map<number, number[]>();
  readonly trues: number[] = [];
  readonly falses: number[] = [];
  readonly nulls: number[] = [];
  readonly folded = new Map<string, number[]>();
  readonly prefixes = newCell();
  readonly suffixes = newCell();
  readonly foldedPrefixes = newCell();
  readonly foldedSuffixes = newCell();
  hasPrefixes = false;
  hasSuffixes = false;
  needsFolding = false;
  private readonly intervals: Interval[] = [];
  ranges: IntervalNode | undefined;
  /**
   * anything-but values and lists, one slot each (a condition may have several), holding its
   * condition: satisfied by every value but the ones listed. `excluded` maps a listed value to
   * the slots listing it; `excludedStamp` marks those slots while one value is tested.
   */
  readonly anythingBut: number[] = [];
  readonly excluded = new Map<string | number, number[]>();
  excludedStamp = new Float64Array(0);
  /** anything-but prefix, suffix, equals-ignore-case and wildcard: tested one by one. */
  readonly stringExceptions: StringException[] = [];
  readonly cidrs: CidrCondition[] = [];
  readonly existsTrue: number[] = [];
  readonly existsFalse: number[] = [];

  add(matcher: Matcher, condition: number): void {
    if (typeof matcher === 'string') return push(this.strings, matcher, condition);
    if (typeof matcher === 'number') return push(this.numbers, matcher, condition);
    if (matcher === true) return void this.trues.push(condition);
    if (matcher === false) return void this.falses.push(condition);
    if (matcher === null) return void this.nulls.push(condition);
    if ('prefix' in matcher) {
      const prefix = matcher.prefix;
      if (typeof prefix === 'string') {
        this.hasPrefixes = true;
        return addTo(cellFor(this.prefixes, prefix, false), condition);
      }
      this.needsFolding = true;
      return addTo(cellFor(this.foldedPrefixes, foldCase(prefix['equals-ignore-case']), false), condition);
    }
    if ('suffix' in matcher) {
      const suffix = matcher.suffix;
      if (typeof suffix === 'string') {
        this.hasSuffixes = true;
        return addTo(cellFor(this.suffixes, suffix, true), condition);
      }
      this.needsFolding = true;
      return addTo(cellFor(this.foldedSuffixes, foldCase(suffix['equals-ignore-case']), true), condition);
    }
    if ('equals-ignore-case' in matcher) {
      this.needsFolding = true;
      return push(this.folded, foldCase(matcher['equals-ignore-case']), condition);
    }
    if ('wildcard' in matcher) return this.addWildcard(parseWildcard(matcher.wildcard) as Wildcard, condition);
    if ('anything-but' in matcher) return this.addAnythingBut(matcher['anything-but'], condition);
    if ('numeric' in matcher) return this.addNumeric(matcher.numeric, condition);
    if ('exists' in matcher) return void (matcher.exists ? this.existsTrue : this.existsFalse).push(condition);
    this.cidrs.push({ condition, block: parseCidr(matcher.cidr) as CidrBlock });
  }

  private addWildcard(wildcard: Wildcard, condition: number): void {
    const parts = wildcard.parts;
    const first = parts[0] ?? '';
    const last = parts[parts.length - 1] ?? '';
    if (parts.length === 1) return push(this.strings, first, condition);
    // Filed under its literal prefix (or, failing that, suffix): only strings that reach that
    // cell of the trie are tested against the whole wildcard.
    const cell = first !== '' || last === '' ? cellFor(this.prefixes, first, false) : cellFor(this.suffixes, last, true);
    if (first !== '' || last === '') this.hasPrefixes = true;
    else this.hasSuffixes = true;
    (cell.wildcards ??= []).push({ condition, wildcard });
  }

  private addAnythingBut(argument: AnythingBut, condition: number): void {
    if (typeof argument === 'string' || typeof argument === 'number' || Array.isArray(argument)) {
      const slot = this.anythingBut.push(condition) - 1;
      const values: readonly (string | number)[] = Array.isArray(argument) ? argument : [argument as string | number];
      for (const value of new Set(values)) push(this.excluded, value, slot);
      return;
    }
    const object = argument as Exclude<AnythingBut, string | number | readonly unknown[]>;
    let test: StringTest;
    if ('prefix' in object) test = { kind: 'prefix', text: object.prefix };
    else if ('suffix' in object) test = { kind: 'suffix', text: object.suffix };
    else if ('equals-ignore-case' in object) {
      const list = object['equals-ignore-case'];
      test = { kind: 'ignore-case', folded: (typeof list === 'string' ? [list] : list).map(foldCase) };
    } else {
      const list = object.wildcard;
      test = { kind: 'wildcard', wildcards: (typeof list === 'string' ? [list] : list).map((text) => parseWildcard(text) as Wildcard) };
    }
    this.stringExceptions.push({ condition, test });
  }

  private addNumeric(condition: NumericCondition, id: number): void {
    let low = -Infinity;
    let lowIncluded = true;
    let high = Infinity;
    let highIncluded = true;
    for (let i = 0; i < condition.length; i += 2) {
      const value = condition[i + 1] as number;
      switch (condition[i]) {
        case '=':
          return push(this.numbers, value, id);
        case '>':
        case '>=':
          low = value;
          lowIncluded = condition[i] === '>=';
          break;
        default:
          high = value;
          highIncluded = condition[i] === '<=';
      }
    }
    this.intervals.push({ low, lowIncluded, high, highIncluded, condition: id });
  }

  seal(): void {
    this.ranges = intervalTree(this.intervals);
    this.excludedStamp = new Float64Array(this.anythingBut.length);
  }
}

function push<K>(map: Map<K, number[]>, key: K, condition: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [condition]);
  else list.push(condition);
}

function addTo(cell: TrieCell, condition: number): void {
  (cell.conditions ??= []).push(condition);
}

// ---------------------------------------------------------------------------------------------
// The trie of field paths.

class FieldNode {
  readonly childMap = new Map<string, FieldNode>();
  children: readonly FieldNode[] = [];
  leaf: LeafIndex | undefined;
  /** Whether scopes live here: the field's value is walked into as an object. */
  hasScopes = false;
  /** The scopes here that a missing value (or a non-object) satisfies by itself. */
  readonly missingSatisfied: number[] = [];
  /** Whether a missing value satisfies anything here (exists:false, or missingSatisfied). */
  missingMatters = false;
  readonly inherited: boolean;
  /** For a top-level field: where match keeps its value, read once per event for all partitions. */
  slot = -1;
  /** For a partition root: the event object that last walked it. */
  walkedAt = 0;
  /** For a partition root: top scopes with no condition but the anchor, satisfied by the walk. */
  readonly immediate: number[] = [];

  constructor(
    readonly name: string,
    /** The depth of the scopes living here; the root (the event) is 0. */
    readonly depth: number,
  ) {
    this.inherited = isInheritedName(name);
  }

  child(name: string): FieldNode {
    let node = this.childMap.get(name);
    if (node === undefined) {
      node = new FieldNode(name, this.depth + 1);
      this.childMap.set(name, node);
    }
    return node;
  }

  seal(): void {
    this.children = [...this.childMap.values()];
    for (const child of this.children) child.seal();
    this.leaf?.seal();
    this.missingMatters = this.missingSatisfied.length > 0 || (this.leaf !== undefined && this.leaf.existsFalse.length > 0);
  }
}

// ---------------------------------------------------------------------------------------------

export function compile(entries: Iterable<PatternEntry>): CompiledPatterns {
  return new PatternIndex(entries);
}

/**
 * The conjunctions anchored on one top-level field, in partitions: one per exact value the
 * anchor lists, one per prefix (found by walking a trie of the prefixes with the event's value).
 */
interface AnchorField {
  readonly slot: number;
  readonly exact: Map<Value, FieldNode>;
  readonly prefixes: PrefixCell;
}

interface PrefixCell {
  next: Map<number, PrefixCell> | undefined;
  partition: FieldNode | undefined;
}

/**
 * What a top-level condition is satisfied by, if it can key partitions: only by the exact
 * values and string prefixes it lists (no other operator). A conjunction can only match an
 * event whose field has one of them, so it need only be walked for such events.
 */
function anchorKeys(matchers: readonly Matcher[]): { exact: Value[]; prefixes: string[] } | undefined {
  const exact = new Set<Value>();
  const prefixes = new Set<string>();
  for (const matcher of matchers) {
    if (typeof matcher !== 'object' || matcher === null) exact.add(matcher);
    else if ('prefix' in matcher && typeof matcher.prefix === 'string') prefixes.add(matcher.prefix);
    else return undefined;
  }
  return { exact: [...exact], prefixes: [...prefixes] };
}

function prefixCell(root: PrefixCell, prefix: string): PrefixCell {
  let cell = root;
  for (let i = 0; i < prefix.length; i++) {
    cell.next ??= new Map();
    const code = prefix.charCodeAt(i);
    let next = cell.next.get(code);
    if (next === undefined) {
      next = { next: undefined, partition: undefined };
      cell.next.set(code, next);
    }
    cell = next;
  }
  return cell;
}

function prefixPartitions(cell: PrefixCell): FieldNode[] {
  const below = cell.next === undefined ? [] : [...cell.next.values()].flatMap(prefixPartitions);
  return cell.partition === undefined ? below : [cell.partition, ...below];
}

/** Lexicographic comparison of scores, higher first. */
function isBetter(score: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < score.length; i++) {
    const a = score[i] as number;
    const b = than[i] as number;
    if (a !== b) return a > b;
  }
  return false;
}

class PatternIndex implements CompiledPatterns {
  readonly size: number;
  private readonly ids: string[] = [];
  /**
   * The conjunctions without an anchor. The others are in a partition of `anchors`, each its own
   * trie of fields: a conjunction with `type: ["a", "b"]` in the partitions of "a" and "b" of
   * `type`. An event walks the unanchored trie and the partitions of its anchor values only.
   */
  private readonly unanchored = new FieldNode('', 0);
  private readonly anchors: AnchorField[] = [];
  // Top-level fields, by slot: each read at most once per match, when a walk needs it.
  private readonly topNames: string[] = [];
  private readonly topInherited: boolean[] = [];
  private readonly topValues: unknown[] = [];
  private readonly topStamp: Float64Array;
  private event: object | undefined;

  // Scopes, by number.
  private readonly parentOf: Int32Array;
  private readonly patternOf: Int32Array;
  private readonly depthOf: Int32Array;
  private readonly required: Int32Array;
  private readonly count: Int32Array;
  private readonly countStamp: Float64Array;
  private readonly reportStamp: Float64Array;
  // Leaf conditions, by number.
  private readonly ownerOf: Int32Array;
  private readonly conditionStamp: Float64Array;
  // Patterns, by number.
  private readonly matchedStamp: Float64Array;
  private readonly found: Int32Array;
  private foundCount = 0;

  /** A number never used before for each object instance and each match; never wraps (2^53). */
  private epoch = 0;
  private matchEpoch = 0;
  /** The event object being walked (an element, when the event is an array). */
  private eventEpoch = 0;
  /** The instance being walked at each depth. */
  private readonly epochAt: Float64Array;

  constructor(entries: Iterable<PatternEntry>) {
    const scopeParent: number[] = [];
    const scopePattern: number[] = [];
    const scopeDepth: number[] = [];
    const scopeRequired: number[] = [];
    const conditionOwner: number[] = [];
    const seen = new Set<string>();
    let maxDepth = 0;

    const register = (scope: Scope, node: FieldNode, parent: number, pattern: number): { id: number; missingSatisfied: boolean } => {
      const id = scopeParent.length;
      scopeParent.push(parent);
      scopePattern.push(pattern);
      scopeDepth.push(node.depth);
      scopeRequired.push(scope.leaves.length + scope.children.size);
      node.hasScopes = true;
      maxDepth = Math.max(maxDepth, node.depth + 1);
      let missingSatisfied = true;
      for (const [name, matchers] of scope.leaves) {
        const field = node.child(name);
        field.leaf ??= new LeafIndex();
        const condition = conditionOwner.length;
        conditionOwner.push(id);
        for (const matcher of matchers) field.leaf.add(matcher, condition);
        if (!matchers.some((m) => typeof m === 'object' && m !== null && 'exists' in m && !m.exists)) missingSatisfied = false;
      }
      for (const [name, child] of scope.children) {
        if (!register(child, node.child(name), id, pattern).missingSatisfied) missingSatisfied = false;
      }
      if (scope.leaves.length + scope.children.size === 0) node.immediate.push(id);
      else if (missingSatisfied) node.missingSatisfied.push(id);
      return { id, missingSatisfied };
    };

    const conjunctions: { scope: Scope; pattern: number }[] = [];
    for (const { id, pattern } of entries) {
      const error = check(pattern);
      if (error !== undefined) throw new PatternError(error.code, error.path, error.reason, { patternId: id });
      if (seen.has(id)) throw new PatternError('duplicate_id', '', 'another pattern has the same id', { patternId: id });
      seen.add(id);
      const index = this.ids.length;
      this.ids.push(id);
      for (const scope of expand([pattern])) conjunctions.push({ scope, pattern: index });
    }

    // The anchor of a conjunction, among its top-level conditions that can key partitions: one
    // listing exact values only if there is one, then the field with the most distinct keys over
    // all conjunctions (the finest partitions), then the fewest keys.
    const distinct = new Map<string, { exact: Set<Value>; prefixes: Set<string> }>();
    for (const { scope } of conjunctions) {
      for (const [name, matchers] of scope.leaves) {
        const keys = anchorKeys(matchers);
        if (keys === undefined) continue;
        const sets = distinct.get(name) ?? { exact: new Set(), prefixes: new Set() };
        for (const value of keys.exact) sets.exact.add(value);
        for (const prefix of keys.prefixes) sets.prefixes.add(prefix);
        distinct.set(name, sets);
      }
    }
    const anchorByName = new Map<string, AnchorField>();
    for (const { scope, pattern } of conjunctions) {
      let best: { index: number; name: string; exact: Value[]; prefixes: string[]; score: readonly number[] } | undefined;
      scope.leaves.forEach(([name, matchers], index) => {
        const keys = anchorKeys(matchers);
        if (keys === undefined) return;
        const sets = distinct.get(name);
        const score = [keys.prefixes.length === 0 ? 1 : 0, (sets?.exact.size ?? 0) + (sets?.prefixes.size ?? 0), -(keys.exact.length + keys.prefixes.length)];
        if (best === undefined || isBetter(score, best.score)) best = { index, name, ...keys, score };
      });
      if (best === undefined) {
        register(scope, this.unanchored, -1, pattern);
        continue;
      }
      // A partition is walked only for an event whose anchor field has its key: the anchor
      // condition holds there and is not counted.
      const chosen: { index: number; name: string; exact: Value[]; prefixes: string[] } = best;
      const rest: Scope = { leaves: scope.leaves.filter((_, i) => i !== chosen.index), children: scope.children };
      let anchor = anchorByName.get(chosen.name);
      if (anchor === undefined) {
        anchor = { slot: this.slotOf(chosen.name), exact: new Map(), prefixes: { next: undefined, partition: undefined } };
        anchorByName.set(chosen.name, anchor);
        this.anchors.push(anchor);
      }
      for (const value of chosen.exact) {
        let root = anchor.exact.get(value);
        if (root === undefined) {
          root = new FieldNode('', 0);
          anchor.exact.set(value, root);
        }
        register(rest, root, -1, pattern);
      }
      for (const prefix of chosen.prefixes) {
        const cell = prefixCell(anchor.prefixes, prefix);
        cell.partition ??= new FieldNode('', 0);
        register(rest, cell.partition, -1, pattern);
      }
    }
    const roots = [this.unanchored, ...this.anchors.flatMap((anchor) => [...anchor.exact.values(), ...prefixPartitions(anchor.prefixes)])];
    for (const root of roots) {
      root.seal();
      for (const child of root.children) child.slot = this.slotOf(child.name);
    }
    this.topStamp = new Float64Array(this.topNames.length);
    this.topValues.length = this.topNames.length;

    this.size = this.ids.length;
    this.parentOf = Int32Array.from(scopeParent);
    this.patternOf = Int32Array.from(scopePattern);
    this.depthOf = Int32Array.from(scopeDepth);
    this.required = Int32Array.from(scopeRequired);
    this.count = new Int32Array(scopeParent.length);
    this.countStamp = new Float64Array(scopeParent.length);
    this.reportStamp = new Float64Array(scopeParent.length);
    this.ownerOf = Int32Array.from(conditionOwner);
    this.conditionStamp = new Float64Array(conditionOwner.length);
    this.matchedStamp = new Float64Array(this.size);
    this.found = new Int32Array(this.size);
    this.epochAt = new Float64Array(maxDepth + 1);
  }

  private slotOf(name: string): number {
    let slot = this.topNames.indexOf(name);
    if (slot < 0) {
      slot = this.topNames.push(name) - 1;
      this.topInherited.push(isInheritedName(name));
    }
    return slot;
  }

  match(event: object): string[] {
    this.matchEpoch = ++this.epoch;
    this.foundCount = 0;
    try {
      this.matchValue(event);
    } finally {
      this.event = undefined;
      this.topValues.fill(undefined);
    }
    const count = this.foundCount;
    const found = this.found;
    if (count > 1) found.subarray(0, count).sort();
    const ids = new Array<string>(count);
    for (let i = 0; i < count; i++) ids[i] = this.ids[found[i]!]!;
    return ids;
  }

  // --- the walk ---

  /** The event as an instance of the top scopes; an array is one instance per element. */
  private matchValue(event: unknown): void {
    if (hasFields(event)) {
      this.event = event;
      this.eventEpoch = ++this.epoch;
      if (this.unanchored.hasScopes) this.walkTop(this.unanchored);
      for (const anchor of this.anchors) {
        const value = this.topValue(anchor.slot);
        if (Array.isArray(value)) this.walkPartitions(anchor, value);
        else this.walkPartition(anchor, value);
      }
    } else if (!Array.isArray(event) || !this.matchElements(event)) {
      // No fields: only what a missing value satisfies (never an anchored conjunction).
      this.completeMissing(this.unanchored);
    }
  }

  private matchElements(array: readonly unknown[]): boolean {
    let any = false;
    for (const element of array) {
      if (Array.isArray(element)) {
        if (this.matchElements(element)) any = true;
      } else {
        any = true;
        this.matchValue(element);
      }
    }
    return any;
  }

  /** A top-level field of the event being matched, read on first need. */
  private topValue(slot: number): unknown {
    if (this.topStamp[slot] !== this.eventEpoch) {
      const event = this.event as object;
      const name = this.topNames[slot]!;
      this.topValues[slot] = this.topInherited[slot] && !Object.hasOwn(event, name) ? undefined : (event as Record<string, unknown>)[name];
      this.topStamp[slot] = this.eventEpoch;
    }
    return this.topValues[slot];
  }

  private walkPartitions(anchor: AnchorField, values: readonly unknown[]): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (Array.isArray(value)) this.walkPartitions(anchor, value);
      else this.walkPartition(anchor, value);
    }
  }

  private walkPartition(anchor: AnchorField, value: unknown): void {
    const root = anchor.exact.get(value as Value);
    if (root !== undefined) this.walkOnce(root);
    if (typeof value !== 'string') return;
    let cell: PrefixCell | undefined = anchor.prefixes;
    for (let i = 0; cell !== undefined; i++) {
      if (cell.partition !== undefined) this.walkOnce(cell.partition);
      if (i === value.length || cell.next === undefined) return;
      cell = cell.next.get(value.charCodeAt(i));
    }
  }

  private walkOnce(root: FieldNode): void {
    if (root.walkedAt === this.eventEpoch) return;
    root.walkedAt = this.eventEpoch;
    this.walkTop(root);
  }

  /** The event as the instance of a trie's top scopes, its fields read through the slots. */
  private walkTop(root: FieldNode): void {
    this.epochAt[0] = ++this.epoch;
    const immediate = root.immediate;
    for (let i = 0; i < immediate.length; i++) this.complete(immediate[i]!);
    const children = root.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      this.visitField(child, this.topValue(child.slot));
    }
  }

  private visitScopes(node: FieldNode, value: unknown): void {
    if (Array.isArray(value)) {
      if (!this.visitElements(node, value)) this.completeMissing(node);
    } else if (hasFields(value)) {
      this.visitObject(node, value);
    } else {
      this.completeMissing(node);
    }
  }

  /** Each element of an array (of arrays) is an instance of the scopes; false if none. */
  private visitElements(node: FieldNode, array: readonly unknown[]): boolean {
    let any = false;
    for (let i = 0; i < array.length; i++) {
      const element = array[i];
      if (Array.isArray(element)) {
        if (this.visitElements(node, element)) any = true;
        continue;
      }
      any = true;
      if (hasFields(element)) this.visitObject(node, element);
      else this.completeMissing(node);
    }
    return any;
  }

  private visitObject(node: FieldNode, object: object): void {
    this.epochAt[node.depth] = ++this.epoch;
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      this.visitField(child, child.inherited && !Object.hasOwn(object, child.name) ? undefined : (object as Record<string, unknown>)[child.name]);
    }
  }

  private visitField(node: FieldNode, value: unknown): void {
    if (value === undefined) {
      if (node.missingMatters) {
        if (node.leaf !== undefined) this.satisfyAll(node.leaf.existsFalse);
        this.completeMissing(node);
      }
      return;
    }
    if (node.leaf !== undefined) this.visitLeaf(node.leaf, value);
    if (node.hasScopes) this.visitScopes(node, value);
  }

  private visitLeaf(leaf: LeafIndex, value: unknown): void {
    let values = 0;
    if (Array.isArray(value)) values = this.visitValues(leaf, value);
    else if (this.visitValue(leaf, value)) values = 1;
    this.satisfyAll(values > 0 ? leaf.existsTrue : leaf.existsFalse);
  }

  private visitValues(leaf: LeafIndex, array: readonly unknown[]): number {
    let values = 0;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (Array.isArray(item)) values += this.visitValues(leaf, item);
      else if (this.visitValue(leaf, item)) values++;
    }
    return values;
  }

  /** Satisfies what one value satisfies; false if it is not a value. */
  private visitValue(leaf: LeafIndex, value: unknown): boolean {
    switch (typeof value) {
      case 'string':
        this.visitString(leaf, value);
        return true;
      case 'number':
        this.satisfyList(leaf.numbers.get(value));
        if (leaf.ranges !== undefined) this.visitRanges(leaf.ranges, value);
        if (leaf.anythingBut.length > 0) this.visitAnythingBut(leaf, value);
        return true;
      case 'boolean':
        this.satisfyAll(value ? leaf.trues : leaf.falses);
        if (leaf.anythingBut.length > 0) this.satisfyAll(leaf.anythingBut);
        return true;
      case 'object':
        if (value !== null) return false;
        this.satisfyAll(leaf.nulls);
        if (leaf.anythingBut.length > 0) this.satisfyAll(leaf.anythingBut);
        return true;
      default:
        return false;
    }
  }

  private visitString(leaf: LeafIndex, text: string): void {
    this.satisfyList(leaf.strings.get(text));
    if (leaf.hasPrefixes) this.walkTrie(leaf.prefixes, text, false);
    if (leaf.hasSuffixes) this.walkTrie(leaf.suffixes, text, true);
    if (leaf.needsFolding) {
      const folded = foldCase(text);
      this.satisfyList(leaf.folded.get(folded));
      this.walkTrie(leaf.foldedPrefixes, folded, false);
      this.walkTrie(leaf.foldedSuffixes, folded, true);
    }
    if (leaf.anythingBut.length > 0) this.visitAnythingBut(leaf, text);
    if (leaf.stringExceptions.length > 0) this.visitStringExceptions(leaf.stringExceptions, text);
    if (leaf.cidrs.length > 0) {
      const address = parseIp(text);
      if (address !== undefined) {
        for (const { condition, block } of leaf.cidrs) if (cidrContains(block, address)) this.satisfy(condition);
      }
    }
  }

  /** Satisfies the conditions of every cell on the path of `text`: its prefixes (or suffixes). */
  private walkTrie(root: TrieCell, text: string, backwards: boolean): void {
    let cell = root;
    const length = text.length;
    for (let i = 0; ; i++) {
      if (cell.conditions !== undefined) this.satisfyAll(cell.conditions);
      if (cell.wildcards !== undefined) {
        for (const { condition, wildcard } of cell.wildcards) if (wildcardMatches(wildcard, text)) this.satisfy(condition);
      }
      if (i === length || cell.next === undefined) return;
      const next = cell.next.get(text.charCodeAt(backwards ? length - 1 - i : i));
      if (next === undefined) return;
      cell = next;
    }
  }

  private visitRanges(root: IntervalNode, x: number): void {
    let node: IntervalNode | undefined = root;
    while (node !== undefined) {
      if (x < node.center) {
        // Every interval here reaches up to the center, above x: only the low end can fail.
        for (const interval of node.byLow) {
          if (interval.low > x) break;
          if (interval.low < x || interval.lowIncluded) this.satisfy(interval.condition);
        }
        node = node.left;
      } else if (x > node.center) {
        for (const interval of node.byHigh) {
          if (interval.high < x) break;
          if (interval.high > x || interval.highIncluded) this.satisfy(interval.condition);
        }
        node = node.right;
      } else {
        if (x === node.center) {
          for (const interval of node.byLow) {
            if ((interval.low < x || (interval.low === x && interval.lowIncluded)) && (x < interval.high || (x === interval.high && interval.highIncluded))) {
              this.satisfy(interval.condition);
            }
          }
        }
        return;
      }
    }
  }

  private visitAnythingBut(leaf: LeafIndex, value: Value & (string | number)): void {
    const excluded = leaf.excluded.get(value);
    if (excluded === undefined) return this.satisfyAll(leaf.anythingBut);
    const mark = ++this.epoch;
    const stamps = leaf.excludedStamp;
    for (let i = 0; i < excluded.length; i++) stamps[excluded[i]!] = mark;
    const slots = leaf.anythingBut;
    for (let slot = 0; slot < slots.length; slot++) {
      if (stamps[slot] !== mark) this.satisfy(slots[slot]!);
    }
  }

  private visitStringExceptions(exceptions: readonly StringException[], text: string): void {
    let folded: string | undefined;
    for (const { condition, test } of exceptions) {
      let satisfied: boolean;
      switch (test.kind) {
        case 'prefix':
          satisfied = !text.startsWith(test.text);
          break;
        case 'suffix':
          satisfied = !text.endsWith(test.text);
          break;
        case 'ignore-case':
          folded ??= foldCase(text);
          satisfied = !test.folded.includes(folded);
          break;
        case 'wildcard':
          satisfied = !test.wildcards.some((wildcard) => wildcardMatches(wildcard, text));
          break;
      }
      if (satisfied) this.satisfy(condition);
    }
  }

  // --- counting ---

  private satisfyList(conditions: readonly number[] | undefined): void {
    if (conditions !== undefined) this.satisfyAll(conditions);
  }

  private satisfyAll(conditions: readonly number[]): void {
    for (let i = 0; i < conditions.length; i++) this.satisfy(conditions[i]!);
  }

  /** A leaf condition holds in the current instance of its scope: counted once per instance. */
  private satisfy(condition: number): void {
    const owner = this.ownerOf[condition]!;
    const instance = this.epochAt[this.depthOf[owner]!]!;
    if (this.conditionStamp[condition] === instance) return;
    this.conditionStamp[condition] = instance;
    this.bump(owner);
  }

  private bump(scope: number): void {
    const instance = this.epochAt[this.depthOf[scope]!]!;
    if (this.countStamp[scope] !== instance) {
      this.countStamp[scope] = instance;
      this.count[scope] = 0;
    }
    if (++this.count[scope]! === this.required[scope]!) this.complete(scope);
  }

  /** A scope is satisfied: it counts once for the current instance of its parent scope. */
  private complete(scope: number): void {
    const parent = this.parentOf[scope]!;
    if (parent < 0) {
      const pattern = this.patternOf[scope]!;
      if (this.matchedStamp[pattern] !== this.matchEpoch) {
        this.matchedStamp[pattern] = this.matchEpoch;
        this.found[this.foundCount++] = pattern;
      }
      return;
    }
    const instance = this.epochAt[this.depthOf[parent]!]!;
    if (this.reportStamp[scope] === instance) return;
    this.reportStamp[scope] = instance;
    this.bump(parent);
  }

  /** A missing value, or one without fields, as an instance of the scopes at `node`. */
  private completeMissing(node: FieldNode): void {
    const scopes = node.missingSatisfied;
    for (let i = 0; i < scopes.length; i++) this.complete(scopes[i]!);
  }
}

/** Whether the pattern (or one of its top-level `$or` alternatives) names a top-level field. */
export function referencesField(pattern: Pattern, topLevelField: string): boolean {
  for (const name of Object.keys(pattern)) {
    if (name === topLevelField) return true;
    if (name === '$or' && (pattern[name] as readonly Pattern[]).some((alternative) => referencesField(alternative, topLevelField))) return true;
  }
  return false;
}

