/**
 * Globs of policy selectors: `*` matches any run of characters except `/`, `**` any run at all,
 * `?` one character; everything else is literal. Compiled once per pattern.
 */

/** A compiled list of globs: matches when any matches; an absent list matches everything. */
export type Matcher = (value: string) => boolean;

/** Compiles one glob to an anchored RegExp. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A matcher for `globs` (undefined: everything matches). */
export function globMatcher(globs: readonly string[] | undefined): Matcher {
  if (globs === undefined) return () => true;
  if (globs.includes('**')) return () => true;
  const exact = new Set(globs.filter((g) => !/[*?]/.test(g)));
  const res = globs.filter((g) => /[*?]/.test(g)).map(globRegExp);
  return (v) => exact.has(v) || res.some((r) => r.test(v));
}
