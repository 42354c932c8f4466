/** Exact-or-regexp matching of certificate identities and issuers (cosign's flag semantics). */
import { InputError } from '../errors.js';
import type { Matcher } from './types.js';

/** Whether `value` matches: exact equality, or a regexp matching the whole value. */
export function matches(m: Matcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  if ('exact' in m) return m.exact === value;
  return new RegExp(`^(?:${m.regexp})$`).test(value);
}

/** Describes a matcher for messages. */
export function describeMatcher(m: Matcher): string {
  return 'exact' in m ? JSON.stringify(m.exact) : `/${m.regexp}/`;
}

/** Builds a matcher from an exact and a regexp flag (mutually exclusive); InputError otherwise. */
export function matcherFrom(exact: string | undefined, regexp: string | undefined, flag: string): Matcher | undefined {
  if (exact && regexp) {
    throw new InputError([{ message: `--${flag} and --${flag}-regexp are mutually exclusive` }]);
  }
  if (regexp) {
    try {
      new RegExp(regexp);
    } catch (err) {
      throw new InputError([{ message: `--${flag}-regexp: invalid regular expression: ${(err as Error).message}` }]);
    }
    return { regexp };
  }
  return exact ? { exact } : undefined;
}
