import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest, ImageName, RegistryName, Tag } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import { declaredRepos } from './declared.js';
import { driftFindings, type ObservedRepo } from './findings.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;
const edge = (digest: Digest, tag: string | null): Edge => ({
  srcRegistry: 's.io' as RegistryName,
  srcImage: 'app' as ImageName,
  dstRegistry: 'p.io/k8s' as RegistryName,
  dstImage: 'app' as ImageName,
  digest,
  tag: tag as Tag | null,
});
const K = 'p.io/k8s/app';
const declared = declaredRepos([edge(D('a'), 'v1'), edge(D('a'), 'v1.0'), edge(D('b'), 'v2'), edge(D('c'), null)]);
const obs = (o: Partial<ObservedRepo>): Map<string, ObservedRepo> => new Map([[K, { tags: new Map(), digests: new Map(), ...o }]]);
const kinds = (o: Partial<ObservedRepo>): string[] => driftFindings(declared, obs(o)).map((f) => `${f.kind} ${f.tag ?? f.digest}`);
const all = new Map<string, Digest | undefined>([['v1', D('a')], ['v1.0', D('a')], ['v2', D('b')]]);

const cases: [string, Partial<ObservedRepo>, string[]][] = [
  ['clean', { tags: all, digests: new Map([[D('c'), true]]) }, []],
  ['missing tag and tagless digest', { tags: new Map([['v1', D('a')], ['v2', D('b')]]), digests: new Map([[D('c'), false]]) }, [`missing ${D('c')}`, 'missing v1.0']],
  ['tag moved', { tags: new Map([...all, ['v2', D('e')]]) }, ['tag-moved v2']],
  ['tag digest unknown is not a move', { tags: new Map([...all, ['v2', undefined]]) }, []],
  ['unexpected tag on declared digest, unknown digest, attachment ignored', {
    tags: new Map([...all, ['latest', D('a')], ['rogue', D('f')], [`sha256-${'a'.repeat(64)}.sig`, D('e')]]),
  }, ['unexpected-digest rogue', 'unexpected-tag latest']],
  ['unsigned and unattested', { tags: all, signed: new Map([[D('a'), true], [D('b'), false]]), attested: new Map([[D('a'), false]]) }, [`unsigned ${D('b')}`, `unattested ${D('a')}`]],
  ['unreadable', { error: 'p.io/k8s/app unreadable: 500' }, ['unreadable undefined']],
];

for (const [name, o, want] of cases) {
  test(`driftFindings: ${name}`, () => assert.deepEqual(kinds(o), want));
}

test('driftFindings: a repository not read at all is unreadable', () => {
  assert.deepEqual(driftFindings(declared, new Map()).map((f) => f.kind), ['unreadable']);
});

test('driftFindings: a moved tag carries both digests', () => {
  const [f] = driftFindings(declared, obs({ tags: new Map([...all, ['v2', D('e')]]) }));
  assert.deepEqual(f, { kind: 'tag-moved', repo: K, tag: 'v2', digest: D('e'), expected: D('b') });
});
