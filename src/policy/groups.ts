/**
 * The groups of a principal: the groups given for the request (`--group`), those of the
 * policy's `groups:` that list it, and `owners:approvers` / `owners:reviewers` when the project's
 * OWNERS files name it (by email, or by the code-host handle the policy's `handles:` or a
 * `…@users.noreply.github.com` address gives).
 */
import type { OwnersOf } from './owners.js';
import type { Policy } from './policy.js';

/** The group a project's OWNERS approvers form, for the edges of that project. */
export const OWNERS_APPROVERS = 'owners:approvers';
/** The group a project's OWNERS reviewers (and approvers) form. */
export const OWNERS_REVIEWERS = 'owners:reviewers';

/** The code-host handle of `email`, when known. */
export function handleOf(policy: Pick<Policy, 'handles'>, email: string): string | undefined {
  const e = email.toLowerCase();
  const mapped = policy.handles.get(e);
  if (mapped) return mapped;
  const m = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(e);
  return m?.[1];
}

/** Every group of `principal` for an edge whose project has `owners` (undefined: no OWNERS). */
export function groupsOf(policy: Pick<Policy, 'groups' | 'handles'>, principal: string, given: readonly string[], owners?: OwnersOf): string[] {
  const out = new Set(given);
  const p = principal.toLowerCase();
  if (p) {
    for (const [name, members] of policy.groups) if (members.has(p)) out.add(name);
    if (owners) {
      const ids = [p, handleOf(policy, p)].filter((x): x is string => Boolean(x));
      if (ids.some((id) => owners.approvers.has(id))) out.add(OWNERS_APPROVERS).add(OWNERS_REVIEWERS);
      if (ids.some((id) => owners.reviewers.has(id))) out.add(OWNERS_REVIEWERS);
    }
  }
  return [...out];
}
