/** Shell-style globs for the filters of `manifest grow` and `pr`: `*` (any run of characters), `?` (one), everything else literal. */

/** A RegExp matching the whole string against `glob`. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, 's');
}

/** Whether `glob` has a wildcard (otherwise it names exactly one value). */
export function hasWildcard(glob: string): boolean {
  return /[*?]/.test(glob);
}

/** Whether `value` matches any of `globs`; an empty list matches everything. */
export function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.length === 0 || globs.some((g) => globToRegExp(g).test(value));
}
