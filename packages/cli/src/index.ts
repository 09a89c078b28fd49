// @herald/cli: the `herald` command; `run` drives it in-process (tests, other tools).
export { run } from './cli.js';
export { EXIT_CODES, type CliErrorCode } from './errors.js';
export type { Io, Output } from './io.js';
