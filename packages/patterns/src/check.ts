// Validation: a pattern is checked completely before it is evaluated or compiled, so matching
// never meets a malformed matcher. The first problem found is reported with its JSON path.
import { PatternError } from './errors.js';
import type { Pattern } from './pattern.js';
import { parseCidr, parseWildcard } from './values.js';

/** What one pattern may contain; the README explains each. */
export const patternLimits = {
  /** Objects nested in one another, the pattern itself and $or alternatives included. */
  maxDepth: 10,
  /** Alternatives in one `$or`. */
  maxOrAlternatives: 10,
  /** Conjunctions the pattern expands to: the product of the `$or` choices. */
  maxCombinations: 100,
  /** Matchers in the pattern, each value listed in an anything-but counting as one. */
  maxMatchers: 300,
  /** Matchers summed over all the conjunctions (what compiling indexes). */
  maxExpandedMatchers: 1000,
  /** UTF-16 code units in a field name or a string in a matcher. */
  maxStringLength: 1024,
} as const;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `data.amount`, `data["a.b"]`: the JSON path of a field below `path`. */
export function fieldPath(path: string, name: string): string {
  if (!IDENTIFIER.test(name)) return `${path}[${JSON.stringify(name)}]`;
  return path === '' ? name : `${path}.${name}`;
}

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'] as const;
const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

interface Size {
  /** Conjunctions this part expands to. */
  combinations: number;
  /** Matchers summed over those conjunctions. */
  matchers: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

class Checker {
  private matchers = 0;

  object(value: unknown, path: string, depth: number): Size {
    if (!isObject(value)) throw new Invalid(path, `a pattern must be an object of fields, not ${describe(value)}`);
    if (depth > patternLimits.maxDepth) throw new Invalid(path, `nested deeper than ${patternLimits.maxDepth} objects`);
    const names = Object.keys(value);
    if (names.length === 0) throw new Invalid(path, 'an object of fields must not be empty');
    let size: Size = { combinations: 1, matchers: 0 };
    for (const name of names) {
      const at = fieldPath(path, name);
      if (name.length > patternLimits.maxStringLength) throw new Invalid(at, `field name longer than ${patternLimits.maxStringLength} characters`);
      const part = name === '$or' ? this.or(value[name], at, depth) : this.field(value[name], at, depth);
      size = { combinations: size.combinations * part.combinations, matchers: size.matchers * part.combinations + part.matchers * size.combinations };
      if (size.combinations > patternLimits.maxCombinations) {
        throw new Invalid(at, `the pattern expands to more than ${patternLimits.maxCombinations} combinations of $or alternatives`);
      }
      if (size.matchers > patternLimits.maxExpandedMatchers) {
        throw new Invalid(at, `the pattern expands to more than ${patternLimits.maxExpandedMatchers} matchers over its $or combinations`);
      }
    }
    return size;
  }

  private or(value: unknown, path: string, depth: number): Size {
    if (!Array.isArray(value) || value.length < 2) throw new Invalid(path, '$or must be an array of at least 2 pattern objects');
    if (value.length > patternLimits.maxOrAlternatives) throw new Invalid(path, `$or has more than ${patternLimits.maxOrAlternatives} alternatives`);
    const size: Size = { combinations: 0, matchers: 0 };
    value.forEach((alternative: unknown, i) => {
      const part = this.object(alternative, `${path}[${i}]`, depth + 1);
      size.combinations += part.combinations;
      size.matchers += part.matchers;
    });
    return size;
  }

  private field(value: unknown, path: string, depth: number): Size {
    if (Array.isArray(value)) {
      if (value.length === 0) throw new Invalid(path, 'a list of matchers must not be empty');
      value.forEach((matcher: unknown, i) => this.matcher(matcher, `${path}[${i}]`));
      return { combinations: 1, matchers: value.length };
    }
    if (isObject(value)) return this.object(value, path, depth + 1);
    throw new Invalid(path, `must be a list of matchers (an array) or an object of fields, not ${describe(value)}`);
  }

  private count(path: string): void {
    if (++this.matchers > patternLimits.maxMatchers) throw new Invalid(path, `more than ${patternLimits.maxMatchers} matchers in one pattern`);
  }

  private string(value: unknown, path: string, what: string): string {
    if (typeof value !== 'string') throw new Invalid(path, `${what} must be a string, not ${describe(value)}`);
    if (value.length > patternLimits.maxStringLength) throw new Invalid(path, `string longer than ${patternLimits.maxStringLength} characters`);
    return value;
  }

  private number(value: unknown, path: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Invalid(path, `must be a finite number, not ${describe(value)}`);
  }

  private matcher(value: unknown, path: string): void {
    this.count(path);
    if (typeof value === 'string') return void this.string(value, path, 'a value');
    if (typeof value === 'number') return this.number(value, path);
    if (typeof value === 'boolean' || value === null) return;
    if (Array.isArray(value)) throw new Invalid(path, 'a matcher cannot be an array (lists of values do not nest)');
    if (!isObject(value)) throw new Invalid(path, `a matcher must be a JSON value or an operator object, not ${describe(value)}`);
    const keys = Object.keys(value);
    if (keys.length !== 1) {
      throw new Invalid(path, `an operator object must have exactly one key, one of ${OPERATORS.join(', ')}; it has ${keys.length}`);
    }
    const operator = keys[0] ?? '';
    const argument = value[operator];
    const at = fieldPath(path, operator);
    switch (operator) {
      case 'prefix':
      case 'suffix':
        return this.affix(argument, at, operator);
      case 'equals-ignore-case':
        return void this.string(argument, at, 'equals-ignore-case');
      case 'wildcard':
        return this.wildcard(argument, at);
      case 'anything-but':
        return this.anythingBut(argument, at);
      case 'numeric':
        return this.numeric(argument, at);
      case 'exists':
        if (typeof argument !== 'boolean') throw new Invalid(at, `exists must be true or false, not ${describe(argument)}`);
        return;
      case 'cidr': {
        const text = this.string(argument, at, 'cidr');
        if (parseCidr(text) === undefined) {
          throw new Invalid(at, `not a CIDR block (an IPv4 or IPv6 address, "/" and a prefix length): ${JSON.stringify(text)}`);
        }
        return;
      }
      default:
        throw new Invalid(at, `unknown operator ${JSON.stringify(operator)}; operators are ${OPERATORS.join(', ')}`);
    }
  }

  private affix(argument: unknown, path: string, operator: 'prefix' | 'suffix'): void {
    if (typeof argument === 'string') return void this.string(argument, path, operator);
    if (isObject(argument) && Object.keys(argument).length === 1 && 'equals-ignore-case' in argument) {
      return void this.string(argument['equals-ignore-case'], fieldPath(path, 'equals-ignore-case'), `${operator} equals-ignore-case`);
    }
    throw new Invalid(path, `${operator} must be a string or {"equals-ignore-case": string}`);
  }

  private wildcard(argument: unknown, path: string): void {
    const parsed = parseWildcard(this.string(argument, path, 'wildcard'));
    if (typeof parsed === 'string') throw new Invalid(path, parsed);
  }

  private anythingBut(argument: unknown, path: string): void {
    if (typeof argument === 'string') return void this.string(argument, path, 'anything-but');
    if (typeof argument === 'number') return this.number(argument, path);
    if (Array.isArray(argument)) {
      if (argument.length === 0) throw new Invalid(path, 'an anything-but list must not be empty');
      const strings = typeof argument[0] === 'string';
      argument.forEach((item: unknown, i) => {
        const at = `${path}[${i}]`;
        if (i > 0) this.count(at);
        if (strings ? typeof item !== 'string' : typeof item !== 'number') {
          throw new Invalid(at, 'an anything-but list must hold only strings or only numbers');
        }
        if (strings) this.string(item, at, 'anything-but');
        else this.number(item, at);
      });
      return;
    }
    if (isObject(argument)) {
      const keys = Object.keys(argument);
      const operator = keys[0] ?? '';
      const at = fieldPath(path, operator);
      if (keys.length === 1 && (operator === 'prefix' || operator === 'suffix')) {
        if (this.string(argument[operator], at, `anything-but ${operator}`) === '') {
          throw new Invalid(at, `anything-but ${operator} must not be empty (every string has the empty ${operator})`);
        }
        return;
      }
      if (keys.length === 1 && (operator === 'equals-ignore-case' || operator === 'wildcard')) {
        const list = argument[operator];
        const items: unknown[] = Array.isArray(list) ? list : [list];
        if (items.length === 0) throw new Invalid(at, `an anything-but ${operator} list must not be empty`);
        items.forEach((item, i) => {
          const itemPath = Array.isArray(list) ? `${at}[${i}]` : at;
          if (i > 0) this.count(itemPath);
          if (operator === 'wildcard') this.wildcard(item, itemPath);
          else this.string(item, itemPath, `anything-but ${operator}`);
        });
        return;
      }
      throw new Invalid(path, 'anything-but takes a string, a number, a list of either, or one of {prefix}, {suffix}, {equals-ignore-case}, {wildcard}');
    }
    throw new Invalid(path, `anything-but takes strings or numbers, not ${describe(argument)}`);
  }

  private numeric(argument: unknown, path: string): void {
    if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
      throw new Invalid(path, 'numeric takes [operator, number] or [lower operator, number, upper operator, number]');
    }
    const bounds: { operator: string; value: number }[] = [];
    for (let i = 0; i < argument.length; i += 2) {
      const operator: unknown = argument[i];
      if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
        throw new Invalid(`${path}[${i}]`, `unknown numeric operator ${JSON.stringify(operator) ?? String(operator)}; operators are <, <=, =, >, >=`);
      }
      const value: unknown = argument[i + 1];
      this.number(value, `${path}[${i + 1}]`);
      bounds.push({ operator, value: value as number });
    }
    const [first, second] = bounds;
    if (first === undefined || second === undefined) return;
    if (first.operator === '=' || second.operator === '=') throw new Invalid(path, '"=" cannot be combined with another bound');
    const lower = [first, second].filter((b) => b.operator.startsWith('>'));
    const upper = [first, second].filter((b) => b.operator.startsWith('<'));
    const [low] = lower;
    const [high] = upper;
    if (low === undefined || high === undefined) {
      throw new Invalid(path, 'a range needs one lower bound (> or >=) and one upper bound (< or <=)');
    }
    if (low.value > high.value || (low.value === high.value && (low.operator === '>' || high.operator === '<'))) {
      throw new Invalid(path, `empty range: no number is ${low.operator} ${low.value} and ${high.operator} ${high.value}`);
    }
  }
}

/** The first problem in a pattern, or undefined for a valid one. */
export function check(pattern: unknown): PatternError | undefined {
  try {
    new Checker().object(pattern, '', 1);
    return undefined;
  } catch (error) {
    if (error instanceof Invalid) return new PatternError('invalid_pattern', error.path, error.reason);
    throw error;
  }
}

/** Throws the first problem in a pattern as a PatternError (`invalid_pattern`). */
export function assertValid(pattern: unknown): asserts pattern is Pattern {
  const error = check(pattern);
  if (error !== undefined) throw error;
}
