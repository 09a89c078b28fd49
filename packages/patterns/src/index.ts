export { assertValid, check, fieldPath, patternLimits } from './check.js';
export { compile, referencesField, type CompiledPatterns, type PatternEntry } from './compile.js';
export { PatternError, patternErrorCodes, type PatternErrorCode } from './errors.js';
export { evaluate, explain, type Explanation } from './evaluate.js';
export type { AnythingBut, EqualsIgnoreCase, ExactValue, Matcher, NumericCondition, NumericOperator, Pattern } from './pattern.js';
