import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors.js';
import { runCli, type CliResult } from '../../test/support/cli.js';
import { addFlags, attachBoolValues, FlagReader, type FlagSpec, KpromoCommand, parseBool, readFlags } from './flags.js';

const SPECS: FlagSpec[] = [
  { name: 'confirm', kind: 'bool', description: 'c' },
  { name: 'sign', kind: 'bool', default: true, description: 's' },
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'm' },
];

/** Parses `argv` with SPECS and one variadic operand, as sigcheck does. */
function parse(...argv: string[]): { confirm: boolean; sign: boolean; manifest?: string; refs: string[]; problems: string[] } {
  const cmd = new KpromoCommand('t').exitOverride().argument('[refs...]');
  addFlags(cmd, SPECS);
  cmd.parse(argv, { from: 'user' });
  const f = readFlags(cmd);
  return { confirm: f.bool('confirm'), sign: f.bool('sign'), manifest: f.str('manifest'), refs: cmd.args, problems: f.problems.map((p) => p.message) };
}

/** Runs the CLI with captured output. */
const run = (...argv: string[]): Promise<CliResult> => runCli(argv);

describe('boolean flags (pflag rules)', () => {
  it('a bare boolean flag never takes the next argument', () => {
    const r = parse('--confirm', 'REF1', 'REF2');
    assert.equal(r.confirm, true);
    assert.deepEqual(r.refs, ['REF1', 'REF2']);
    assert.deepEqual(parse('REF1', '--confirm', 'false').refs, ['REF1', 'false']);
  });

  it('takes --x, --x=true, --x=false and the other strconv.ParseBool spellings', () => {
    assert.equal(parse('--confirm').confirm, true);
    assert.equal(parse('--confirm=true').confirm, true);
    assert.equal(parse('--confirm=false').confirm, false);
    assert.equal(parse('--sign=false').sign, false);
    assert.equal(parse().sign, true);
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseBool(t), true, t);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseBool(f), false, f);
    for (const bad of ['yes', 'no', 'on', 'tRUE', 'y', '']) assert.equal(parseBool(bad), undefined, bad);
  });

  it('refuses other values, naming the flag and the accepted forms', () => {
    assert.deepEqual(parse('--confirm=yes').problems, ['invalid value "yes" for --confirm: use --confirm, --confirm=true or --confirm=false (also 1, 0, t, f)']);
  });

  it('leaves the value of a string flag alone, even when it looks like a boolean flag, and stops at --', () => {
    assert.equal(parse('--manifest', '--confirm').manifest, '--confirm');
    assert.equal(parse('--manifest=m.yaml', '--confirm').manifest, 'm.yaml');
    const cmd = new KpromoCommand('t');
    addFlags(cmd, SPECS);
    assert.deepEqual(attachBoolValues(cmd.options, ['--confirm', '--', '--confirm']), ['--confirm=true', '--', '--confirm']);
  });

  it('every subcommand parses its boolean flags the same way', async () => {
    // sigcheck: REF1 stays a reference, not the value of --confirm
    const s = await run('sigcheck', '--confirm', 'not-a-ref', 'also/bad@x');
    assert.equal(s.code, 2);
    assert.match(s.err, /not-a-ref: not an image reference/);
    assert.match(s.err, /also\/bad@x: invalid digest "x"/);
    const y = await run('sigcheck', '--confirm=yes', 'r.io/a@sha256:' + '1'.repeat(64));
    assert.equal(y.code, 2);
    assert.match(y.err, /invalid value "yes" for --confirm/);
    const c = await run('cip', '--manifest', '/nope.yaml', '--parse-only=maybe');
    assert.equal(c.code, 2);
    assert.match(c.err, /invalid value "maybe" for --parse-only/);
    const v = await run('version', '--json=false');
    assert.equal(v.code, 0);
    assert.match(v.out, /^GitVersion: +v\d/);
  });
});

describe('kpromo version', () => {
  it('prints upstream-style fields, and JSON with --json', async () => {
    const t = await run('version');
    assert.equal(t.code, 0);
    assert.match(t.out, /^GitVersion: +v\d+\.\d+\.\d+\nNodeVersion: +v\d+.*\nPlatform: +\w+\/\w+\n$/);
    const j = await run('version', '--json');
    assert.equal(j.code, 0);
    assert.deepEqual(Object.keys(JSON.parse(j.out)), ['gitVersion', 'nodeVersion', 'platform']);
  });
});

describe('help', () => {
  for (const sub of ['cip', 'sigcheck']) {
    it(`${sub} --help shows real placeholders, the global options and the defaults`, async () => {
      const h = await run(sub, '--help');
      assert.equal(h.code, 0);
      assert.doesNotMatch(h.out, /<value>/);
      assert.match(h.out, /--manifest <file> /);
      assert.match(h.out, /--confirm\[=bool\] .*\(default: false\)/);
      assert.match(h.out, /Global Options:[\s\S]*--log-level <level> .*trace.*\(default: "info"\)/);
      assert.match(h.out, /--log-format <text\|json>/);
      assert.match(h.out, /--max-signature-ops <n> .*\(default: 50\)/);
    });
  }
});

describe('FlagReader', () => {
  it('collects every problem instead of throwing', () => {
    const f = new FlagReader({ a: 'x', n: 'z' }, () => true);
    f.bool('a');
    f.int('n', 0, 1);
    assert.equal(f.problems.length, 2);
    assert.ok(!(f.problems[0] instanceof InputError));
  });
});
