import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digest, imageName, registryName, tag } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';
import type { Decision, Plan } from '../plan/classify.js';
import { collectOutcomes, dryRunFailure, notAttemptedOutcomes, runFailure, type EdgeOutcome, type OutcomeKind } from './outcome.js';
import { edgeKey } from '../plan/edge.js';

const e = (t: string): Edge => ({
  srcRegistry: registryName('s/x'),
  srcImage: imageName('a'),
  dstRegistry: registryName('d/x'),
  dstImage: imageName('a'),
  digest: digest('sha256:' + '1'.repeat(64)),
  tag: tag(t),
});
const of = (...kinds: OutcomeKind[]): EdgeOutcome[] => kinds.map((k, i) => ({ edge: e(`t${i}`), outcome: k }));

test('runFailure: which runs fail', () => {
  const cases: { name: string; o: EdgeOutcome[]; expected: number; want: string | undefined }[] = [
    { name: 'all promoted', o: of('promoted', 'already-present'), expected: 1, want: undefined },
    { name: 'rerun: nothing to do', o: of('already-present'), expected: 0, want: undefined },
    { name: 'a lost edge beside promoted ones only warns', o: of('promoted', 'lost'), expected: 1, want: undefined },
    { name: 'everything to do is lost (#1731)', o: of('lost', 'lost', 'already-present'), expected: 0, want: 'promoted nothing: all 2 edges to promote are missing from the source registry' },
    { name: 'failed and refused', o: of('promoted', 'failed', 'refused-tag-move'), expected: 2, want: '1 edge failed, 1 tag move refused' },
    { name: 'expected work, none promoted', o: of('already-present'), expected: 3, want: 'promoted nothing although 3 edges were to be promoted' },
  ];
  for (const c of cases) assert.equal(runFailure(c.o, c.expected), c.want, c.name);
});

test('collectOutcomes: a copied edge that fails verification is failed', () => {
  const edge = e('v1');
  const out = collectOutcomes(
    { edges: [{ edge, decision: { kind: 'promote', tagOnly: false } }] },
    new Map([[edgeKey(edge), { ok: true }]]),
    new Map([[edgeKey(edge), 'verification: v1 is missing after the copy']]),
  );
  assert.deepEqual(out, [{ edge, outcome: 'failed', error: 'verification: v1 is missing after the copy' }]);
});

test('dryRunFailure: a dry run fails exactly when its --confirm run would', () => {
  const d = (kind: string, i: number) => ({ edge: e(`t${i}`), decision: (kind === 'promote' ? { kind, tagOnly: false } : kind === 'tag-move' ? { kind, current: digest('sha256:' + '2'.repeat(64)) } : kind === 'unreadable' ? { kind, error: 'down' } : kind === 'refused' ? { kind, reason: 'bad signature' } : { kind }) as Decision });
  const plan = (...kinds: string[]): Plan => ({ edges: kinds.map(d) });
  const cases: { name: string; p: Plan; want: string | undefined }[] = [
    { name: 'clean', p: plan('promote', 'present'), want: undefined },
    { name: 'nothing to do', p: plan('present'), want: undefined },
    { name: 'lost beside work only warns', p: plan('promote', 'lost'), want: undefined },
    { name: 'tag move', p: plan('promote', 'tag-move'), want: 'a --confirm run would fail: 1 tag move refused' },
    { name: 'unreadable', p: plan('unreadable', 'unreadable'), want: 'a --confirm run would fail: 2 edges need a repository that could not be read' },
    { name: 'refused by validation', p: plan('promote', 'refused'), want: 'a --confirm run would fail: 1 edge refused by signature or provenance checks' },
    { name: 'all lost', p: plan('lost', 'present'), want: 'a --confirm run would fail: promoted nothing: all 1 edges to promote are missing from the source registry' },
  ];
  for (const c of cases) assert.equal(dryRunFailure(c.p), c.want, c.name);
});

test('notAttemptedOutcomes: interrupted before the copy, edges to promote (or whose read was cut short) are not attempted', () => {
  const [a, b, c, d] = [e('a'), e('b'), e('c'), e('d')];
  const out = notAttemptedOutcomes({
    edges: [
      { edge: a, decision: { kind: 'promote', tagOnly: false } },
      { edge: b, decision: { kind: 'unreadable', error: 'destination d/x/a: aborted' } },
      { edge: c, decision: { kind: 'present' } },
      { edge: d, decision: { kind: 'lost' } },
    ],
  });
  assert.deepEqual(out.map((o) => o.outcome), ['not-attempted', 'not-attempted', 'already-present', 'lost']);
  assert.equal(runFailure(out, 1), '2 edges not attempted');
});
