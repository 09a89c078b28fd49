// The pattern language as TypeScript types. A value typed `Pattern` is assumed to have passed
// `check`/`assertValid`; patterns from outside (JSON, an API) start as `unknown`.

export type ExactValue = string | number | boolean | null;

export interface EqualsIgnoreCase {
  readonly 'equals-ignore-case': string;
}

export type NumericOperator = '<' | '<=' | '=' | '>' | '>=';

/** `['=', n]`, one bound (`['>', 0]`), or a lower and an upper bound (`['>', 0, '<=', 5]`). */
export type NumericCondition = readonly [NumericOperator, number] | readonly [NumericOperator, number, NumericOperator, number];

export type AnythingBut =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

export type Matcher =
  | ExactValue
  | { readonly prefix: string | EqualsIgnoreCase }
  | { readonly suffix: string | EqualsIgnoreCase }
  | EqualsIgnoreCase
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingBut }
  | { readonly numeric: NumericCondition }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/**
 * A pattern object: each field maps to a list of matchers (any may match) or to a nested
 * pattern object; `$or` maps to two or more pattern objects (any may match).
 */
export interface Pattern {
  readonly [field: string]: readonly Matcher[] | Pattern | readonly Pattern[];
}
