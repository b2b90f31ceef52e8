import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Command, Option } from 'commander';
import { limitArg, rateArg, readSwitch } from './cli-options.ts';

const ENV = 'VPP_RPC_TEST_SWITCH';
const parse = (argv: string[] = []): boolean => {
  const cmd = new Command()
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .addOption(new Option('--on').env(ENV).default(false))
    .parse(argv, { from: 'user' });
  return readSwitch(cmd, 'on');
};

describe('option parsers', () => {
  afterEach(() => delete process.env[ENV]);

  it('reads a switch from its variable by its text', () => {
    for (const [text, on] of [
      ['true', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
      ['', false],
    ] as const) {
      process.env[ENV] = text;
      assert.equal(parse(), on, text);
    }
    process.env[ENV] = 'maybe';
    assert.throws(() => parse(), /VPP_RPC_TEST_SWITCH: expected true or false/);
  });

  it('a flag on the command line wins', () => {
    process.env[ENV] = 'false';
    assert.equal(parse(['--on']), true);
    delete process.env[ENV];
    assert.equal(parse(), false);
  });

  it('limits: 0 or off is none; rates may be fractions', () => {
    assert.equal(limitArg('off'), 0);
    assert.equal(limitArg('12'), 12);
    assert.throws(() => limitArg('-1'));
    assert.throws(() => limitArg('1.5'));
    assert.equal(rateArg('0.5'), 0.5);
    assert.throws(() => rateArg('fast'));
  });
});
