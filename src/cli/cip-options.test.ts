import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InputError } from '../errors.js';
import { addCipFlags, DEFAULT_OIDC_ISSUER, DEFAULT_SIGNER_ACCOUNT, toCipOptions, type CipOptions } from './cip-options.js';
import { KpromoCommand, setOnCommandLine } from './flags.js';
import { TextLogger, parseLogLevel } from './logger.js';

/** Parses `argv` the way `kpromo cip` does. */
function parse(...argv: string[]): CipOptions {
  return parseIn({}, ...argv);
}

/** Parses `argv` with `env` as the process environment. */
function parseIn(env: NodeJS.ProcessEnv, ...argv: string[]): CipOptions {
  const cmd = new KpromoCommand('cip').exitOverride();
  addCipFlags(cmd);
  cmd.parse(argv, { from: 'user' });
  return toCipOptions(cmd.opts(), setOnCommandLine(cmd), env);
}

describe('toCipOptions', () => {
  it('has upstream defaults', () => {
    const o = parse('--manifest', 'm.yaml');
    assert.equal(o.mode, 'promotion');
    assert.deepEqual(o.run, { confirm: false, parseOnly: false, reportFile: undefined, reportDetail: 'changes', verifyExisting: false, requestsPerHost: 16, writesPerHost: 16 });
    assert.deepEqual(o.signing, { sign: true, signerAccount: DEFAULT_SIGNER_ACCOUNT, maxSignatureOps: 50 });
    assert.deepEqual(o.verification, { identity: DEFAULT_SIGNER_ACCOUNT, oidcIssuer: DEFAULT_OIDC_ISSUER });
    assert.equal(o.snapshot.output, 'yaml');
    assert.equal(o.scan.vulnSeverityThreshold, -1);
    assert.deepEqual(o.warnings, []);
  });

  it('selects the mode as upstream: snapshot, else scan, else promotion', () => {
    assert.equal(parse('--snapshot', 'r.io/x').mode, 'snapshot');
    assert.equal(parse('--manifest', 'm', '--manifest-based-snapshot-of', 'r.io/x').mode, 'snapshot');
    assert.equal(parse('--manifest', 'm', '--vuln-severity-threshold', '0').mode, 'scan');
    assert.equal(parse('--manifest', 'm', '--snapshot', 'r.io/x', '--vuln-severity-threshold', '3').mode, 'snapshot');
    assert.equal(parse('--thin-manifest-dir', 'd', '--vuln-severity-threshold', '-1').mode, 'promotion');
  });

  it('--principal-from github: the repository from the flag, $GITHUB_REPOSITORY or Prow; a token, a policy and no --principal', () => {
    const gh = ['--manifest', 'm', '--policy', 'p.yaml', '--principal-from', 'github'];
    const token = { GITHUB_TOKEN: 't' };
    assert.deepEqual(parseIn({ ...token, GITHUB_REPOSITORY: 'kubernetes/k8s.io' }, ...gh).policy.github, { owner: 'kubernetes', repo: 'k8s.io', apiUrl: 'https://api.github.com' });
    assert.deepEqual(parseIn({ ...token, REPO_OWNER: 'o', REPO_NAME: 'r' }, ...gh, '--github-api-url', 'https://ghe/api/v3').policy.github, { owner: 'o', repo: 'r', apiUrl: 'https://ghe/api/v3' });
    assert.equal(parseIn({ ...token, GITHUB_REPOSITORY: 'a/b' }, ...gh, '--github-repo', 'c/d').policy.github?.owner, 'c');
    assert.equal(parse('--manifest', 'm', '--policy', 'p.yaml').policy.github, undefined);
    const refused = (env: NodeJS.ProcessEnv, argv: string[], re: RegExp) =>
      assert.throws(() => parseIn(env, ...argv), (e: unknown) => e instanceof InputError && re.test(e.message), re.source);
    refused({ GITHUB_REPOSITORY: 'a/b' }, gh, /GITHUB_TOKEN is not set/);
    refused(token, gh, /needs the manifests' repository/);
    refused(token, [...gh, '--github-repo', 'nope'], /--github-repo nope: give owner\/name/);
    refused(token, ['--manifest', 'm', '--principal-from', 'github', '--github-repo', 'a/b'], /give --policy/);
    refused(token, [...gh, '--github-repo', 'a/b', '--principal', 'x@example.com'], /give one/);
    refused(token, ['--manifest', 'm', '--policy', 'p', '--principal-from', 'gitlab'], /invalid --principal-from "gitlab"/);
    refused(token, ['--manifest', 'm', '--github-repo', 'a/b'], /--github-repo is for --principal-from github/);
  });

  it('a regexp replaces the default exact identity and issuer', () => {
    const o = parse('--manifest', 'm', '--certificate-identity-regexp', '^krel@', '--certificate-oidc-issuer-regexp', 'google');
    assert.deepEqual(o.verification, { identityRegexp: '^krel@', oidcIssuerRegexp: 'google' });
  });

  it('reads booleans with values, repeatable comma lists, and numbers', () => {
    const o = parse('--manifest', 'm', '--sign=false', '--confirm', '--parse-only=true', '--allowed-builders', 'a,b', '--allowed-builders', 'c', '--max-signature-ops', '7');
    assert.equal(o.signing.sign, false);
    assert.equal(o.run.confirm, true);
    assert.equal(o.run.parseOnly, true);
    assert.deepEqual(o.provenance.allowedBuilders, ['a', 'b', 'c']);
    assert.equal(o.signing.maxSignatureOps, 7);
  });

  it('reads --copy-referrers: all by default, none, or types; a mix with all/none is refused', () => {
    assert.deepEqual(parse('--manifest', 'm').trust.copyReferrers, { kind: 'all' });
    assert.deepEqual(parse('--manifest', 'm', '--copy-referrers', 'none').trust.copyReferrers, { kind: 'none' });
    assert.deepEqual(parse('--manifest', 'm', '--copy-referrers', 'sbom,application/spdx+json').trust.copyReferrers, { kind: 'types', types: new Set(['sbom', 'application/spdx+json']) });
    assert.throws(() => parse('--manifest', 'm', '--copy-referrers', 'none,sig'), (e: unknown) => e instanceof InputError && /copy-referrers/.test(e.message));
  });

  it('rejects a bad regexp and a zero concurrency together', () => {
    assert.throws(
      () => parse('--manifest', 'm', '--certificate-identity-regexp', '(', '--max-signature-ops', '0'),
      (e: unknown) => e instanceof InputError && e.problems.length === 2,
    );
  });

  it('reads --output in any case, and checks it only in snapshot mode, as upstream', () => {
    assert.equal(parse('--snapshot', 'r.io/x', '--output', 'CSV').snapshot.output, 'csv');
    assert.equal(parse('--snapshot', 'r.io/x', '--output=Yaml').snapshot.output, 'yaml');
    assert.throws(() => parse('--snapshot', 'r.io/x', '--output', 'json'), (e: unknown) => e instanceof InputError && /invalid snapshot output format: "json"/.test(e.problems[0]!.message));
    const o = parse('--manifest', 'm', '--output', 'json');
    assert.deepEqual(o.warnings, ['--output is ignored: it only applies with --snapshot or --manifest-based-snapshot-of']);
  });

  it('warns about each ignored flag combination by name', () => {
    assert.deepEqual(parse('--manifest', 'm', '--snapshot-tag', 'v1').warnings, ['--snapshot-tag is ignored: it only applies with --snapshot or --manifest-based-snapshot-of']);
    assert.deepEqual(parse('--manifest', 'm', '--minimal-snapshot').warnings, ['--minimal-snapshot is ignored: it only applies with --snapshot or --manifest-based-snapshot-of']);
    assert.deepEqual(parse('--manifest', 'm', '--parse-only', '--confirm').warnings, ['--confirm is ignored with --parse-only: a parse-only run stops after planning and writes nothing']);
    assert.deepEqual(parse('--snapshot', 'r.io/x', '--snapshot-tag', 'v1', '--output', 'csv').warnings, []);
  });

  it('warns when --thin-manifest-dir is shadowed by --manifest', () => {
    assert.match(parse('--manifest', 'm', '--thin-manifest-dir', 'd').warnings[0]!, /--thin-manifest-dir is ignored/);
  });
});

describe('cli logger', () => {
  it('filters by level and renders fields', () => {
    let out = '';
    const log = new TextLogger((s) => (out += s), 'warn').child({ phase: 'plan' });
    log.info('hidden');
    log.warn('careful', { file: 'a b.yaml', n: 2 });
    assert.equal(out, 'warn  careful phase=plan file="a b.yaml" n=2\n');
  });

  it('maps upstream logrus level names', () => {
    assert.equal(parseLogLevel('warning'), 'warn');
    assert.equal(parseLogLevel('DEBUG'), 'debug');
    assert.throws(() => parseLogLevel('loud'), InputError);
  });
});
