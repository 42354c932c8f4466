import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateProvenance, normaliseRepo, provenanceFacts } from './slsa-policy.js';
import type { Statement } from './statement.js';

const v02 = (builder: string, repo: string): Statement => ({
  _type: 'https://in-toto.io/Statement/v0.1',
  subject: [],
  predicateType: 'https://slsa.dev/provenance/v0.2',
  predicate: { builder: { id: builder }, invocation: { configSource: { uri: repo } } },
});
const v1 = (builder: string, repo: string): Statement => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {
    buildDefinition: { externalParameters: { workflow: { repository: repo } }, resolvedDependencies: [] },
    runDetails: { builder: { id: builder } },
  },
});

test('facts of v0.2 and v1 provenance', () => {
  assert.deepEqual(provenanceFacts(v02('https://cloudbuild.googleapis.com/GoogleHostedWorker', 'git+https://github.com/k/k.git@refs/heads/main')), {
    predicateType: 'https://slsa.dev/provenance/v0.2',
    builder: 'https://cloudbuild.googleapis.com/GoogleHostedWorker',
    sourceRepo: 'https://github.com/k/k',
  });
  assert.equal(provenanceFacts(v1('b', 'https://github.com/o/r')).builder, 'b');
  assert.equal(provenanceFacts(v1('b', 'https://github.com/o/r')).sourceRepo, 'https://github.com/o/r');
});

test('policy table: allowed builders and source repos', () => {
  const GH = 'https://github.com/actions/runner/github-hosted';
  const cases: { name: string; st: Statement; builders: string[]; repos: string[]; allowed: boolean; reason?: RegExp }[] = [
    { name: 'empty policy allows anything', st: v1('x', 'y'), builders: [], repos: [], allowed: true },
    { name: 'builder allowed (v1)', st: v1(GH, 'https://github.com/o/r'), builders: [GH], repos: [], allowed: true },
    { name: 'builder with @ref allowed', st: v1(`${GH}@v1`, 'https://github.com/o/r'), builders: [GH], repos: [], allowed: true },
    { name: 'builder prefix is not enough', st: v1(`${GH}-evil`, 'r'), builders: [GH], repos: [], allowed: false, reason: /not in --allowed-builders/ },
    { name: 'builder refused (v0.2)', st: v02('evil', 'r'), builders: [GH], repos: [], allowed: false, reason: /builder evil/ },
    { name: 'repo allowed after normalising', st: v02(GH, 'git+https://github.com/o/r.git@refs/tags/v1'), builders: [], repos: ['https://github.com/o/r'], allowed: true },
    { name: 'repo refused', st: v1(GH, 'https://github.com/evil/r'), builders: [], repos: ['https://github.com/o/r'], allowed: false, reason: /source repository/ },
    { name: 'missing builder refused when builders are pinned', st: { ...v1('', 'r') }, builders: [GH], repos: [], allowed: false, reason: /no builder/ },
  ];
  for (const c of cases) {
    const d = evaluateProvenance(c.st, { allowedBuilders: c.builders, allowedSourceRepos: c.repos });
    assert.equal(d.allowed, c.allowed, c.name);
    if (!d.allowed && c.reason) assert.match(d.reason, c.reason, c.name);
  }
});

test('normaliseRepo', () => {
  assert.equal(normaliseRepo('git+https://github.com/a/b.git@sha'), 'https://github.com/a/b');
  assert.equal(normaliseRepo('https://github.com/a/b/'), 'https://github.com/a/b');
  assert.equal(normaliseRepo(undefined), undefined);
});
