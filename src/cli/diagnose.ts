/**
 * One problem, one line: the failed and unreadable edges of a run grouped by cause, each
 * registry-wide cause (unreachable, unauthorized, forbidden, TLS) printed once with the host,
 * what was tried, what to do, and how many edges it affected. The per-edge detail is in the
 * report and at --log-level debug.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { FailureGroup } from '../plan/failure-causes.js';
import { plural, splitFailures } from '../plan/format.js';
import type { PromotionState } from '../pipeline/state.js';

/** The credentials files kpromo reads, in order: docker's config.json, then $REGISTRY_AUTH_FILE. */
export function credentialFiles(env: NodeJS.ProcessEnv, home: string = homedir()): string[] {
  const docker = join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json');
  return env.REGISTRY_AUTH_FILE ? [docker, env.REGISTRY_AUTH_FILE] : [docker];
}

/** What to do about a cause. */
export function advice(g: FailureGroup, env: NodeJS.ProcessEnv, home?: string): string {
  const host = g.host ?? 'the registry';
  const files = credentialFiles(env, home).join(' and ');
  switch (g.kind) {
    case 'unreachable':
      return 'check the registry address in the manifest and that the registry is up';
    case 'unauthorized':
      return `credentials are read from ${files}: add some with "docker login ${host}", or point $DOCKER_CONFIG, $REGISTRY_AUTH_FILE or --registry-auth-file at a file that has them`;
    case 'forbidden':
      return `the credentials for ${host} (read from ${files}) are not allowed this: check their permissions`;
    case 'credentials':
      return 'fix the file, or point $DOCKER_CONFIG or $REGISTRY_AUTH_FILE elsewhere';
    case 'paused':
      return 'the next run tries it again (or raise --registry-max-retry-after to wait that long)';
    case 'tls':
      return `trust its certificate authority with --ca-file FILE, or allow plain HTTP with --insecure-registry ${host}`;
    default:
      return '';
  }
}

const KIND_WORD: Record<FailureGroup['kind'], string> = {
  unreachable: 'unreachable',
  unauthorized: 'refused the credentials',
  forbidden: 'forbade the request',
  tls: 'TLS failed',
  paused: 'paused for this run',
  credentials: 'not tried',
  other: 'failed',
};

/** `127.0.0.1:5000 unreachable: connection refused (tried GET http://…/v2/); check … — 6 edges affected` */
export function diagnosisLine(g: FailureGroup, env: NodeJS.ProcessEnv, home?: string): string {
  const what = advice(g, env, home);
  return (
    `${g.host ?? 'registry'} ${KIND_WORD[g.kind]}: ${g.reason}${g.tried ? ` (tried ${g.tried})` : ''}` +
    `${what ? `; ${what}` : ''} — ${plural(g.count, 'edge')} affected`
  );
}

/** The registry-wide causes of a promotion's failed (or, before promote, unreadable) edges. */
export function failureGroups(state: Pick<PromotionState, 'plan' | 'outcomes'>): FailureGroup[] {
  const items = state.outcomes
    ? state.outcomes.flatMap((o) => (o.outcome === 'failed' && o.error ? [{ edge: o.edge, message: o.error }] : []))
    : (state.plan?.edges ?? []).flatMap(({ edge, decision }) => (decision.kind === 'unreadable' ? [{ edge, message: decision.error }] : []));
  return splitFailures(items).groups;
}

/** Logs one error line per registry-wide cause. */
export function logFailureCauses(state: Pick<PromotionState, 'plan' | 'outcomes'>, logger: Logger, env: NodeJS.ProcessEnv): void {
  for (const g of failureGroups(state)) {
    logger.error(diagnosisLine(g, env), { host: g.host, cause: g.kind, edges: g.count });
  }
}
