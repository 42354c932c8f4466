/**
 * SLSA provenance policy (v0.2 and v1), pure over a decoded statement: which builder built the
 * image and from which source repository, checked against --allowed-builders and
 * --allowed-source-repos (empty lists allow any).
 */
import type { Statement } from './statement.js';

/** SLSA provenance predicate types kpromo understands. */
export const SLSA_PREDICATE_TYPES = ['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1'] as const;

/** The policy flags. */
export interface ProvenancePolicy {
  allowedBuilders: readonly string[];
  allowedSourceRepos: readonly string[];
}

/** The facts read from a provenance statement. */
export interface ProvenanceFacts {
  predicateType: string;
  builder?: string;
  sourceRepo?: string;
}

/** A policy decision. */
export type PolicyDecision = { allowed: true; facts: ProvenanceFacts } | { allowed: false; facts: ProvenanceFacts; reason: string };

/** Whether `s` is SLSA provenance. */
export function isSlsaProvenance(s: Statement): boolean {
  return (SLSA_PREDICATE_TYPES as readonly string[]).includes(s.predicateType);
}

type Obj = Record<string, unknown>;
const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads the builder id and source repository from a v0.2 or v1 predicate. */
export function provenanceFacts(s: Statement): ProvenanceFacts {
  const p = s.predicate;
  if (s.predicateType === SLSA_PREDICATE_TYPES[0]) {
    const materials = get(p, 'materials');
    return {
      predicateType: s.predicateType,
      builder: str(get(p, 'builder', 'id')),
      sourceRepo: normaliseRepo(
        str(get(p, 'invocation', 'configSource', 'uri')) ??
          (Array.isArray(materials) ? str(get(materials[0], 'uri')) : undefined),
      ),
    };
  }
  const deps = get(p, 'buildDefinition', 'resolvedDependencies');
  const ext = get(p, 'buildDefinition', 'externalParameters');
  return {
    predicateType: s.predicateType,
    builder: str(get(p, 'runDetails', 'builder', 'id')),
    sourceRepo: normaliseRepo(
      str(get(ext, 'workflow', 'repository')) ??
        str(get(ext, 'source', 'uri')) ??
        str(get(ext, 'source')) ??
        (Array.isArray(deps) ? str(get(deps[0], 'uri')) : undefined),
    ),
  };
}

/** `git+https://github.com/o/r.git@refs/tags/v1` → `https://github.com/o/r`. */
export function normaliseRepo(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  return uri
    .replace(/^git\+/, '')
    // a ref after the path (`@refs/heads/main`, `@<sha>`), never the userinfo before the host
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]+\/[^@]*)@.*$/i, '$1')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}

/** A builder id is allowed when equal to an entry or to an entry plus `@<ref>`. */
function builderAllowed(id: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => id === a || id.startsWith(`${a}@`));
}

/** Decides a statement against the policy. */
export function evaluateProvenance(s: Statement, policy: ProvenancePolicy): PolicyDecision {
  const facts = provenanceFacts(s);
  if (policy.allowedBuilders.length > 0) {
    if (!facts.builder) return { allowed: false, facts, reason: 'provenance names no builder' };
    if (!builderAllowed(facts.builder, policy.allowedBuilders)) {
      return { allowed: false, facts, reason: `builder ${facts.builder} is not in --allowed-builders` };
    }
  }
  if (policy.allowedSourceRepos.length > 0) {
    if (!facts.sourceRepo) return { allowed: false, facts, reason: 'provenance names no source repository' };
    const allowed = policy.allowedSourceRepos.map((r) => normaliseRepo(r));
    if (!allowed.includes(facts.sourceRepo)) {
      return { allowed: false, facts, reason: `source repository ${facts.sourceRepo} is not in --allowed-source-repos` };
    }
  }
  return { allowed: true, facts };
}
