import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integerOption, listOption, numberOption, parseCommandLine, type CommandSpec } from './args.js';
import { UsageError } from './errors.js';

const commands: CommandSpec[] = [
  { path: ['publish'], args: '<type>', summary: 'Publish', options: { data: { type: 'string', short: 'd' } }, optionHelp: [['-d, --data JSON', 'the data']], positionals: { min: 1, max: 1 } },
  { path: ['replay', 'start'], args: '', summary: 'Start', options: { type: { type: 'string', multiple: true }, watch: { type: 'boolean' } }, optionHelp: [], positionals: { min: 0, max: 0 } },
  { path: ['replay', 'status'], args: '<id>', summary: 'Status', options: {}, optionHelp: [], positionals: { min: 1, max: 1 } },
];

function run(argv: string[]) {
  const parsed = parseCommandLine(argv, commands);
  assert.equal(parsed.kind, 'run');
  return parsed;
}

test('a command with its flags and arguments', () => {
  const parsed = run(['publish', 'com.acme.x.y', '--data', '{"a":1}']);
  assert.deepEqual(parsed.command.path, ['publish']);
  assert.deepEqual(parsed.positionals, ['com.acme.x.y']);
  assert.equal(parsed.values.data, '{"a":1}');
});

test('global flags anywhere, before or after the command words', () => {
  const parsed = run(['--key', 'hk_a_b', 'replay', '--output', 'json', 'start', '--type', 'a.b.c', '--type', 'd.e.f', '--watch']);
  assert.deepEqual(parsed.command.path, ['replay', 'start']);
  assert.equal(parsed.values.key, 'hk_a_b');
  assert.equal(parsed.values.output, 'json');
  assert.deepEqual(parsed.values.type, ['a.b.c', 'd.e.f']);
  assert.equal(parsed.values.watch, true);
  assert.deepEqual(parsed.positionals, []);
});

test('a flag value that looks like a command word is a value', () => {
  const parsed = run(['publish', '--data', 'replay', 'x.y.z']);
  assert.equal(parsed.values.data, 'replay');
  assert.deepEqual(parsed.positionals, ['x.y.z']);
});

test('usage errors: unknown flag, another command\'s flag, missing or extra arguments, unknown command', () => {
  const cases: [string[], RegExp][] = [
    [['publish', 'x.y.z', '--bogus'], /Unknown option '--bogus'[\s\S]*herald publish --help/],
    [['publish', 'x.y.z', '--watch'], /Unknown option '--watch'/],
    [['publish'], /expected 1 argument\(s\) \(<type>\), got 0/],
    [['replay', 'status', 'a', 'b'], /expected 1 argument\(s\).*got 2: a b/],
    [['deploy'], /unknown command "deploy"/],
    [['replay'], /"herald replay" needs a command: start, status/],
    [['replay', 'rewind'], /unknown command "replay rewind"/],
    [['publish', 'x.y.z', '--data'], /argument missing/],
    [[], /no command given/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv, commands), (error: unknown) => error instanceof UsageError && message.test(error.message), argv.join(' '));
  }
});

test('--help everywhere: top level, a group, a command (even with bad arguments)', () => {
  for (const argv of [['--help'], ['help'], ['-h']]) {
    const parsed = parseCommandLine(argv, commands);
    assert.equal(parsed.kind, 'help');
    assert.match(parsed.kind === 'help' ? parsed.text : '', /Usage: herald <command>[\s\S]*replay start[\s\S]*Exit codes:[\s\S]*130/);
  }
  const group = parseCommandLine(['replay', '--help'], commands);
  assert.match(group.kind === 'help' ? group.text : '', /Usage: herald replay <command>[\s\S]*replay status <id>/);
  const command = parseCommandLine(['publish', '--help'], commands);
  assert.match(command.kind === 'help' ? command.text : '', /Usage: herald publish <type> \[flags\][\s\S]*-d, --data JSON {2}the data[\s\S]*--publisher-url/);
  assert.equal(parseCommandLine(['publish', '-h', '--bogus'], commands).kind, 'help');
});

test('typed option readers', () => {
  assert.equal(integerOption({ max: '5' }, 'max', { min: 1 }), 5);
  assert.equal(integerOption({}, 'max', { min: 1 }), undefined);
  assert.throws(() => integerOption({ max: '0' }, 'max', { min: 1 }), /--max must be an integer ≥ 1, got "0"/);
  assert.throws(() => integerOption({ batch: '1.5' }, 'batch', { min: 1, max: 500 }), /from 1 to 500/);
  assert.throws(() => integerOption({ batch: '501' }, 'batch', { min: 1, max: 500 }), UsageError);
  assert.equal(numberOption({ rate: '2.5' }, 'rate'), 2.5);
  assert.throws(() => numberOption({ rate: '-1' }, 'rate'), /--rate must be a number > 0/);
  assert.deepEqual(listOption({ type: 'a' }, 'type'), ['a']);
  assert.deepEqual(listOption({}, 'type'), []);
});
