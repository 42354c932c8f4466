/**
 * The attributes a policy condition can read, with their CEL types: the single source for the
 * type checker, the evaluator's input and docs/policy.md's reference table.
 */

/** A CEL type of an attribute: a scalar, or a list of strings. */
export type AttrType = 'string' | 'int' | 'bool' | 'list<string>';

/** One attribute: its type, whether reading it needs registry requests, and what it means. */
export interface AttrSpec {
  type: AttrType;
  doc: string;
  /** Needs a registry read of the source image (done once per digest, only when a condition reads it). */
  registry?: true;
}

/** Every attribute, grouped by its top-level variable (`edge.tag`, `request.principal`, …). */
export const ATTRIBUTES = {
  action: {
    '': { type: 'string', doc: '`promote` (copy the edge) or `sign` (sign the promoted image); a top-level variable' },
  },
  edge: {
    srcRegistry: { type: 'string', doc: 'source registry, e.g. `gcr.io/k8s-staging-foo`' },
    srcImage: { type: 'string', doc: 'image name in the source registry, e.g. `foo/bar`' },
    dstRegistry: { type: 'string', doc: 'destination registry (one mirror), e.g. `us.gcr.io/k8s-artifacts-prod/foo`' },
    dstImage: { type: 'string', doc: 'image name at the destination (equal to srcImage)' },
    digest: { type: 'string', doc: '`sha256:…` digest promoted' },
    tag: { type: 'string', doc: 'destination tag; `""` for an edge promoted by digest only' },
    project: { type: 'string', doc: 'the thin manifest\'s project directory (`manifests/<project>/`); `""` for a plain --manifest' },
  },
  image: {
    mediaType: { type: 'string', doc: 'media type of the source manifest (index or image)', registry: true },
    platforms: { type: 'list<string>', doc: '`os/arch[/variant]` of an index\'s children; `[]` for a single image', registry: true },
    children: { type: 'list<string>', doc: 'digests of an index\'s children (they travel with it); `[]` for a single image', registry: true },
    size: { type: 'int', doc: 'size in bytes of the manifest\'s config and layers (children of an index not summed); -1 unknown', registry: true },
  },
  provenance: {
    verified: { type: 'bool', doc: 'a SLSA provenance attestation of the source digest verified in the provenance phase' },
    builderId: { type: 'string', doc: 'its `builder.id` (`""` when none verified)' },
    sourceRepo: { type: 'string', doc: 'the source repository it names (`""` when none)' },
  },
  signature: {
    verified: { type: 'bool', doc: 'a signature of the source digest verified in the validate phase' },
    identity: { type: 'string', doc: 'the signer identity (certificate SAN or key hint; `""` when none)' },
    issuer: { type: 'string', doc: 'the OIDC issuer of a keyless signature (`""` when none or key-signed)' },
  },
  vulnerabilities: {
    known: { type: 'bool', doc: 'a vulnerability report (--vuln-report) covers this digest' },
    critical: { type: 'int', doc: 'count of CRITICAL findings (0 when unknown)' },
    high: { type: 'int', doc: 'count of HIGH findings' },
    medium: { type: 'int', doc: 'count of MEDIUM findings' },
    low: { type: 'int', doc: 'count of LOW findings' },
    unknown: { type: 'int', doc: 'count of findings of unknown or negligible severity' },
  },
  request: {
    principal: { type: 'string', doc: 'who asked: `--principal`, else the author email of the commit that added the digest line (git blame), or with `--principal-from github` the email of the pull request author (see below)' },
    principalSource: { type: 'string', doc: '`flag`, `git-blame`, `github`, or `none`' },
    groups: { type: 'list<string>', doc: 'the principal\'s groups: `--group`, the policy\'s `groups:`, and `owners:approvers` / `owners:reviewers` from the project\'s OWNERS' },
    runnerIssuer: { type: 'string', doc: 'OIDC issuer of the runner\'s identity token (the one used for signing); `""` without one' },
    runnerSubject: { type: 'string', doc: 'its subject (`sub`, or `email` when present)' },
  },
} as const satisfies Record<string, Record<string, AttrSpec>>;

/** A top-level variable. */
export type AttrGroup = keyof typeof ATTRIBUTES;

/** The attribute values one decision reads (the CEL activation, before conversion). */
export interface PolicyInput {
  action: 'promote' | 'sign';
  edge: { srcRegistry: string; srcImage: string; dstRegistry: string; dstImage: string; digest: string; tag: string; project: string };
  image: { mediaType: string; platforms: string[]; children: string[]; size: number };
  provenance: { verified: boolean; builderId: string; sourceRepo: string };
  signature: { verified: boolean; identity: string; issuer: string };
  vulnerabilities: { known: boolean; critical: number; high: number; medium: number; low: number; unknown: number };
  request: { principal: string; principalSource: string; groups: string[]; runnerIssuer: string; runnerSubject: string };
}

/** The spec of `group.field` (or of a top-level scalar such as `action`), or undefined. */
export function attrSpec(group: string, field: string): AttrSpec | undefined {
  const g = (ATTRIBUTES as Record<string, Record<string, AttrSpec>>)[group];
  return g?.[field];
}

/** Whether `name` is a top-level variable. */
export function isAttrGroup(name: string): name is AttrGroup {
  return Object.hasOwn(ATTRIBUTES, name);
}

/** Values for the parts a run does not know: unverified, nothing found, nobody. */
export function emptyInput(): Omit<PolicyInput, 'edge' | 'action'> {
  return {
    image: { mediaType: '', platforms: [], children: [], size: -1 },
    provenance: { verified: false, builderId: '', sourceRepo: '' },
    signature: { verified: false, identity: '', issuer: '' },
    vulnerabilities: { known: false, critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
    request: { principal: '', principalSource: 'none', groups: [], runnerIssuer: '', runnerSubject: '' },
  };
}
