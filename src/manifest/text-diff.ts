/**
 * A unified diff of two texts (for `manifest grow --dry-run`): common prefix and suffix trimmed,
 * a longest-common-subsequence over the lines in between, hunks with CONTEXT lines around them.
 */

const CONTEXT = 3;
/** Above this many differing lines squared, the middle is shown as one replacement (no LCS table). */
const MAX_LCS_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** `git diff`-style unified diff of `before` → `after`, labelled `file`; "" when equal. */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    let start = Math.max(0, i - CONTEXT);
    let end = i;
    // extend while the next change is within 2×CONTEXT unchanged lines
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let k = end;
      while (k < ops.length && ops[k]!.kind === ' ' && k - end < 2 * CONTEXT) k++;
      if (k < ops.length && ops[k]!.kind !== ' ') end = k;
      else break;
    }
    const stop = Math.min(ops.length, end + CONTEXT);
    const slice = ops.slice(start, stop);
    const aStart = slice[0]!.a;
    const bStart = slice[0]!.b;
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    hunks.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@\n${slice.map((o) => `${o.kind}${o.line}\n`).join('')}`);
    i = stop;
    start = stop;
  }
  return `--- a/${file}\n+++ b/${file}\n${hunks.join('')}`;
}

function splitLines(s: string): string[] {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  ops.push(...middle(am, bm, pre));
  for (let k = 0; k < suf; k++) {
    const ai = a.length - suf + k;
    const bi = b.length - suf + k;
    ops.push({ kind: ' ', line: a[ai]!, a: ai, b: bi });
  }
  return ops;
}

function middle(a: string[], b: string[], offset: number): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_LCS_CELLS) {
    return [...a.map((line, k) => ({ kind: '-' as const, line, a: offset + k, b: offset })), ...b.map((line, k) => ({ kind: '+' as const, line, a: offset + n, b: offset + k }))];
  }
  const len: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i]![j] = a[i] === b[j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', line: a[i]!, a: offset + i++, b: offset + j++ });
    else if (i < n && (j >= m || len[i + 1]![j]! >= len[i]![j + 1]!)) ops.push({ kind: '-', line: a[i]!, a: offset + i++, b: offset + j });
    else ops.push({ kind: '+', line: b[j]!, a: offset + i, b: offset + j++ });
  }
  return ops;
}
