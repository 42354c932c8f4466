import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unifiedDiff } from './text-diff.js';

const lines = (n: number): string => Array.from({ length: n }, (_, i) => `l${i + 1}\n`).join('');

describe('unifiedDiff', () => {
  it('equal texts give nothing', () => {
    assert.equal(unifiedDiff('f', 'a\n', 'a\n'), '');
  });

  it('an insertion with three lines of context', () => {
    const before = lines(10);
    const after = before.replace('l5\n', 'l5\nnew\n');
    assert.equal(unifiedDiff('f', before, after), '--- a/f\n+++ b/f\n@@ -3,6 +3,7 @@\n l3\n l4\n l5\n+new\n l6\n l7\n l8\n');
  });

  it('a changed line and a distant insertion make two hunks; near ones merge', () => {
    const before = lines(20);
    const after = before.replace('l2\n', 'L2\n').replace('l18\n', 'l18\nx\n');
    assert.equal(
      unifiedDiff('f', before, after),
      '--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n l1\n-l2\n+L2\n l3\n l4\n l5\n@@ -16,5 +16,6 @@\n l16\n l17\n l18\n+x\n l19\n l20\n',
    );
    const near = before.replace('l2\n', 'L2\n').replace('l6\n', 'L6\n');
    assert.equal(unifiedDiff('f', before, near).match(/^@@/gm)?.length, 1);
  });

  it('an insertion into an empty file', () => {
    assert.equal(unifiedDiff('f', '', 'a\n'), '--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+a\n');
  });
});
