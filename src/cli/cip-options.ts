/**
 * Every flag of `kpromo cip` (upstream cmd/kpromo/cmd/cip and promoter/image/options, same
 * names and defaults) plus ours, and their conversion into typed, validated `CipOptions`.
 *
 * Adding a flag: append a FlagSpec to a block of CIP_FLAGS, add the field to its group in
 * CipOptions, and read it in toCipOptions (`f.bool/str/int/list('name')`).
 */
import type { Command } from 'commander';
import { InputError, errorMessage } from '../errors.js';
import { ALL_REFERRERS, parseReferrerFilter, type ReferrerFilter } from '../referrers/filter.js';
import { PUBLIC_SIGSTORE } from '../signing/public-sigstore.js';
import { addFlags, FlagReader, type FlagSpec } from './flags.js';
import { DEFAULT_REQUESTS_PER_HOST } from '../plan/inventory.js';
import { DEFAULT_WRITES_PER_HOST } from '../promote/copy.js';
import type { ReportDetail } from '../report/report.js';
import { NETWORK_FLAGS, readNetworkOptions, type NetworkSettings } from './network-options.js';
import { POLICY_FLAGS, readPolicyFlags, type PolicyFlags } from './policy-options.js';
import { readRunId, readShard, SHARD_FLAGS, shardBudget, shardShare } from './shard-options.js';
import type { Shard } from '../plan/shard.js';

/** Upstream's default signing and verification identity. */
export const DEFAULT_SIGNER_ACCOUNT = 'krel-trust@k8s-releng-prod.iam.gserviceaccount.com';
/** Upstream's default OIDC issuer for verification. */
export const DEFAULT_OIDC_ISSUER = 'https://accounts.google.com';
/** Upstream's default concurrency of signing and attesting. */
export const DEFAULT_MAX_SIGNATURE_OPS = 50;

/** Upstream flags, in upstream's order. */
const UPSTREAM_FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: 'plain promoter manifest file (takes precedence over --thin-manifest-dir)' },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: 'thin manifest tree: manifests/<p>/promoter-manifest.yaml + images/<p>/images.yaml' },
  { name: 'confirm', kind: 'bool', description: 'really promote; without it the run stops after validation (dry run)' },
  { name: 'parse-only', kind: 'bool', description: 'parse and validate the manifests and compute the edges, offline, then stop' },
  { name: 'use-prow-manifest-diff', kind: 'bool', description: 'only promote digests added in the git diff (JOB_TYPE, PULL_BASE_SHA)' },
  { name: 'manifest-diff-since', kind: 'string', arg: '<window>', description: 'only promote digests added by commits in this git --since window, e.g. "7 days"' },
  { name: 'snapshot', kind: 'string', arg: '<registry>', description: 'print the inventory of this registry (host[/path]) and exit' },
  { name: 'snapshot-tag', kind: 'string', arg: '<tag>', description: 'with --snapshot: keep only images carrying this tag' },
  { name: 'minimal-snapshot', kind: 'bool', description: 'with --snapshot: drop tagless children of image indexes' },
  { name: 'manifest-based-snapshot-of', kind: 'string', arg: '<registry>', description: 'print the inventory the manifests expect in this destination registry, offline' },
  { name: 'output', kind: 'string', arg: '<yaml|csv>', default: 'yaml', description: 'snapshot output format: yaml or csv' },
  { name: 'sign', kind: 'bool', default: true, description: 'sign promoted images and attach promotion attestations' },
  { name: 'signer-account', kind: 'string', arg: '<email>', default: DEFAULT_SIGNER_ACCOUNT, description: 'identity used to sign' },
  { name: 'certificate-identity', kind: 'string', arg: '<identity>', default: DEFAULT_SIGNER_ACCOUNT, description: 'expected signer identity when verifying source signatures' },
  { name: 'certificate-oidc-issuer', kind: 'string', arg: '<url>', default: DEFAULT_OIDC_ISSUER, description: 'expected OIDC issuer when verifying source signatures' },
  { name: 'certificate-identity-regexp', kind: 'string', arg: '<regexp>', description: 'regexp alternative to --certificate-identity' },
  { name: 'certificate-oidc-issuer-regexp', kind: 'string', arg: '<regexp>', description: 'regexp alternative to --certificate-oidc-issuer' },
  { name: 'max-signature-ops', kind: 'int', default: DEFAULT_MAX_SIGNATURE_OPS, description: 'how many images are signed and attested at once' },
  { name: 'vuln-severity-threshold', kind: 'int', arg: '<0..5>', default: -1, description: '1..5: with --vuln-report, deny images with findings at or above this severity; without it, the scan-only mode (GCP Grafeas; not supported)' },
  { name: 'max-image-size', kind: 'int', arg: '<n>', default: 0, hidden: true, description: 'no-op, kept for compatibility' },
];

/** Upstream flags removed in v4.2–v4.5 that are harmless to ignore: accepted with a warning. */
const REMOVED_FLAGS: FlagSpec[] = [
  { name: 'use-service-account', kind: 'bool', hidden: true, description: '', ignored: 'credentials come from the docker config (removed upstream in v4.4.0)' },
  { name: 'key-files', kind: 'string', arg: '<files>', hidden: true, description: '', ignored: 'credentials come from the docker config (removed upstream in v4.4.0)' },
  { name: 'snapshot-service-account', kind: 'string', arg: '<account>', hidden: true, description: '', ignored: 'credentials come from the docker config (removed upstream in v4.4.0)' },
  { name: 'json-log-summary', kind: 'bool', hidden: true, description: '', ignored: 'use --report-file for a JSON summary (removed upstream in v4.4.0)' },
  { name: 'use-legacy-pipeline', kind: 'bool', hidden: true, description: '', ignored: 'there is one pipeline (removed upstream in v4.3.0)' },
  { name: 'max-signature-copies', kind: 'int', hidden: true, description: '', ignored: 'signatures are not replicated per mirror (removed upstream in v4.5.0)' },
  { name: 'generate-promotion-provenance', kind: 'bool', hidden: true, description: '', ignored: 'promotion attestations follow --sign (removed upstream in v4.4.0)' },
];

/** Provenance policy flags (upstream v4.2–4.3; implemented by the trust work). */
const PROVENANCE_FLAGS: FlagSpec[] = [
  { name: 'require-provenance', kind: 'bool', description: 'refuse images without verified SLSA provenance' },
  { name: 'allowed-builders', kind: 'list', arg: '<id,…>', description: 'builder IDs accepted in provenance (repeatable, comma-separated)' },
  { name: 'allowed-source-repos', kind: 'list', arg: '<repo,…>', description: 'source repositories accepted in provenance (repeatable, comma-separated)' },
];

/** kpromo's own flags. */
const KPROMO_FLAGS: FlagSpec[] = [
  { name: 'report-file', kind: 'string', arg: '<file>', description: 'write a JSON report of the run (plan, outcomes) to this file' },
  {
    name: 'report-detail',
    kind: 'string',
    arg: '<changes|all>',
    default: 'changes',
    description: 'edges listed in the report: changes (written, failed, refused, lost; counts for the rest) or all',
  },
  {
    name: 'verify-existing',
    kind: 'bool',
    description: 'HEAD every tag already present at a destination, not only those the run must decide (one request per tag and mirror)',
  },
  {
    name: 'max-requests-per-host',
    kind: 'int',
    arg: '<n>',
    default: DEFAULT_REQUESTS_PER_HOST,
    description: 'plan reads and verification HEADs in flight at once per registry host (the adaptive cap of --registry-max-in-flight still applies)',
  },
  {
    name: 'max-writes-per-host',
    kind: 'int',
    arg: '<n>',
    default: DEFAULT_WRITES_PER_HOST,
    description: 'manifest writes in flight at once per destination host, each host on its own (the adaptive cap of --registry-max-in-flight still applies)',
  },
];

// ---- trust (signing identities, signature format and placement, verification) ----
/** Signing and verification flags of kpromo (beyond upstream's --sign and certificate flags). */
const TRUST_FLAGS: FlagSpec[] = [
  { name: 'identity-token', kind: 'string', arg: '<file>', description: 'keyless signing: file holding the OIDC identity token (default: $SIGSTORE_ID_TOKEN)' },
  { name: 'identity-token-command', kind: 'string', arg: '<command>', description: 'keyless signing: command whose stdout is the OIDC identity token (split on spaces)' },
  { name: 'fulcio-url', kind: 'string', arg: '<url>', default: PUBLIC_SIGSTORE.fulcioUrl, description: 'keyless signing: Fulcio certificate authority' },
  { name: 'rekor-url', kind: 'string', arg: '<url>', default: PUBLIC_SIGSTORE.rekorUrl, description: 'keyless signing: Rekor transparency log' },
  { name: 'tsa-url', kind: 'string', arg: '<url>', default: PUBLIC_SIGSTORE.tsaUrl, description: 'keyless signing: RFC 3161 timestamp authority ("" to skip)' },
  { name: 'signing-key', kind: 'string', arg: '<file>', description: 'key-based signing: PEM PKCS#8 ECDSA P-256 key or cosign encrypted key ($COSIGN_PASSWORD)' },
  { name: 'signature-format', kind: 'string', arg: '<simple|bundle>', default: 'simple', description: 'simple: cosign .sig images; bundle: sigstore bundles attached as OCI referrers' },
  { name: 'signature-placement', kind: 'string', arg: '<canonical|replicate>', default: 'canonical', description: 'canonical: first destination only; replicate: copy signatures to every destination' },
  { name: 'copy-referrers', kind: 'list', arg: '<all|none|type,…>', default: 'all', description: 'attachments (OCI referrers, cosign .att/.sbom tags) carried with each promoted image: all, none, or these artifact/media types (sig, att, sbom for cosign tags)' },
  { name: 'verification-key', kind: 'string', arg: '<file>', description: 'verify source signatures with this PEM public key instead of certificate identities' },
  { name: 'require-signatures', kind: 'bool', description: 'refuse unsigned source images' },
  { name: 'trusted-root', kind: 'string', arg: '<file>', description: 'sigstore TrustedRoot JSON for keyless verification (offline)' },
];

/** All flags of `kpromo cip`. Other blocks (network, trust) are appended here. */
export const CIP_FLAGS: readonly FlagSpec[] = [...UPSTREAM_FLAGS, ...PROVENANCE_FLAGS, ...KPROMO_FLAGS, ...TRUST_FLAGS, ...POLICY_FLAGS, ...NETWORK_FLAGS, ...SHARD_FLAGS, ...REMOVED_FLAGS];

/** What `kpromo cip` does, chosen as upstream: snapshot, else scan, else promotion. */
export type CipMode = 'promotion' | 'snapshot' | 'scan';

/** Typed options of `kpromo cip`, grouped by concern. */
export interface CipOptions {
  mode: CipMode;
  manifests: { manifest?: string; thinManifestDir?: string; useProwManifestDiff: boolean; manifestDiffSince?: string };
  run: {
    confirm: boolean;
    parseOnly: boolean;
    reportFile?: string;
    reportDetail?: ReportDetail;
    verifyExisting?: boolean;
    requestsPerHost?: number;
    writesPerHost?: number;
    /** This process promotes only this shard of the run (`--shard`, `--shard-count`). */
    shard?: Shard;
    /** Which run a shard belongs to (`--run-id`), written into its report. */
    runId?: string;
  };
  snapshot: { registry?: string; tag?: string; minimal: boolean; manifestBasedOf?: string; output: 'yaml' | 'csv' };
  signing: { sign: boolean; signerAccount: string; maxSignatureOps: number };
  /** Expected signer of source signatures/attestations: exact values or regexps, never both. */
  verification: { identity?: string; identityRegexp?: string; oidcIssuer?: string; oidcIssuerRegexp?: string };
  provenance: { require: boolean; allowedBuilders: string[]; allowedSourceRepos: string[] };
  scan: { vulnSeverityThreshold: number };
  /** Rate limits, adaptive concurrency and retries per registry host (network flags). */
  network: NetworkSettings;
  /** Signing identity, signature format/placement and verification material (trust flags). */
  trust: TrustFlags;
  /** The promotion policy, the principal and vulnerability reports (policy flags). */
  policy: PolicyFlags;
  /** Warnings about the flags (ignored flags, precedence), for the CLI to log. */
  warnings: string[];
}

/** Adds every cip flag to `cmd`. */
export function addCipFlags(cmd: Command): void {
  addFlags(cmd, CIP_FLAGS);
}

/** Converts commander's values into CipOptions; throws InputError listing every problem. `env` gives $JOB_COMPLETION_INDEX. */
export function toCipOptions(raw: Record<string, unknown>, explicit: (flag: string) => boolean, env: NodeJS.ProcessEnv = {}): CipOptions {
  const f = new FlagReader(raw, explicit);
  f.warnIgnored(CIP_FLAGS);
  // upstream lowercases --output and checks it only in snapshot mode
  const output = (f.str('output') ?? 'yaml').toLowerCase();
  const o: CipOptions = {
    mode: 'promotion',
    manifests: {
      manifest: f.str('manifest'),
      thinManifestDir: f.str('thin-manifest-dir'),
      useProwManifestDiff: f.bool('use-prow-manifest-diff'),
      manifestDiffSince: f.str('manifest-diff-since'),
    },
    run: {
      confirm: f.bool('confirm'),
      parseOnly: f.bool('parse-only'),
      reportFile: f.str('report-file'),
      reportDetail: f.str('report-detail') === 'all' ? 'all' : 'changes',
      verifyExisting: f.bool('verify-existing'),
      requestsPerHost: f.int('max-requests-per-host', 1, 1_024),
      writesPerHost: f.int('max-writes-per-host', 1, 1_024),
    },
    snapshot: {
      registry: f.str('snapshot'),
      tag: f.str('snapshot-tag'),
      minimal: f.bool('minimal-snapshot'),
      manifestBasedOf: f.str('manifest-based-snapshot-of'),
      output: output === 'csv' ? 'csv' : 'yaml',
    },
    signing: { sign: f.bool('sign'), signerAccount: f.str('signer-account') ?? DEFAULT_SIGNER_ACCOUNT, maxSignatureOps: f.int('max-signature-ops', 1, 10_000) },
    verification: exclusive(f, 'certificate-identity', 'identity', 'certificate-oidc-issuer', 'oidcIssuer'),
    provenance: { require: f.bool('require-provenance'), allowedBuilders: f.list('allowed-builders'), allowedSourceRepos: f.list('allowed-source-repos') },
    scan: { vulnSeverityThreshold: f.int('vuln-severity-threshold', -(2 ** 31), 5) },
    network: readNetworkOptions(f),
    trust: readTrustFlags(f),
    policy: readPolicyFlags(f, env),
    warnings: f.warnings,
  };
  const shard = readShard(f, env);
  if (shard) o.run.shard = shard;
  const runId = shard ? readRunId(f, env) : undefined;
  if (runId) o.run.runId = runId;
  ({ network: o.network, requestsPerHost: o.run.requestsPerHost } = shardBudget(o.network, o.run.requestsPerHost, o.run.shard));
  o.run.writesPerHost = shardShare(o.run.writesPerHost, o.run.shard);
  f.int('max-image-size', 0, Number.MAX_SAFE_INTEGER); // hidden no-op upstream: only type-checked
  const detail = f.str('report-detail') ?? 'changes';
  if (detail !== 'changes' && detail !== 'all') f.fail(`invalid --report-detail "${detail}": use changes or all`);
  o.mode = o.snapshot.registry || o.snapshot.manifestBasedOf ? 'snapshot' : o.scan.vulnSeverityThreshold >= 0 && !o.policy.vulnReport ? 'scan' : 'promotion';
  if (o.mode === 'snapshot' && output !== 'yaml' && output !== 'csv') {
    f.fail(`invalid snapshot output format: "${f.str('output')}" (use yaml or csv)`);
  }
  checkInputs(f, o);
  if (f.problems.length) throw new InputError(f.problems);
  return o;
}

/** The exact/regexp certificate pairs: a regexp replaces the default exact value; both given is an error. */
function exclusive(f: FlagReader, identity: string, idKey: 'identity', issuer: string, issKey: 'oidcIssuer'): CipOptions['verification'] {
  const v: CipOptions['verification'] = {};
  for (const [flag, key] of [[identity, idKey], [issuer, issKey]] as const) {
    const re = f.str(`${flag}-regexp`);
    if (re !== undefined && f.explicit(flag)) f.fail(`--${flag} and --${flag}-regexp are mutually exclusive: give one of them`);
    if (re !== undefined) {
      try {
        new RegExp(re);
      } catch (err) {
        f.fail(`invalid --${flag}-regexp "${re}": ${(err as Error).message}`);
      }
      v[`${key}Regexp`] = re;
    } else {
      v[key] = f.str(flag);
    }
  }
  return v;
}

/** Which manifests a mode needs, and flags that only make sense with others. */
function checkInputs(f: FlagReader, o: CipOptions): void {
  const m = o.manifests;
  const needsManifests = o.mode !== 'snapshot' || o.snapshot.manifestBasedOf !== undefined;
  if (needsManifests && !m.manifest && !m.thinManifestDir) {
    f.fail('at least a manifest file or thin manifest directory have to be specified: give --manifest FILE or --thin-manifest-dir DIR');
  }
  if (m.manifest && m.thinManifestDir) f.warnings.push('--thin-manifest-dir is ignored because --manifest is set (as upstream)');
  if (o.mode !== 'snapshot') {
    for (const flag of ['snapshot-tag', 'minimal-snapshot', 'output']) {
      if (f.explicit(flag)) f.warnings.push(`--${flag} is ignored: it only applies with --snapshot or --manifest-based-snapshot-of`);
    }
  }
  if (o.mode === 'promotion' && o.run.parseOnly && f.explicit('confirm')) {
    f.warnings.push('--confirm is ignored with --parse-only: a parse-only run stops after planning and writes nothing');
  }
}

/** The trust flags, typed. */
export interface TrustFlags {
  identityTokenFile?: string;
  identityTokenCommand?: string[];
  fulcioUrl: string;
  rekorUrl: string;
  /** '' disables timestamping. */
  tsaUrl: string;
  signingKey?: string;
  signatureFormat: 'simple' | 'bundle';
  signaturePlacement: 'canonical' | 'replicate';
  verificationKey?: string;
  requireSignatures: boolean;
  trustedRoot?: string;
  /** --copy-referrers (default: all). */
  copyReferrers?: ReferrerFilter;
}

function readTrustFlags(f: FlagReader): TrustFlags {
  const format = f.str('signature-format') ?? 'simple';
  const placement = f.str('signature-placement') ?? 'canonical';
  if (format !== 'simple' && format !== 'bundle') f.fail(`invalid --signature-format "${format}": use simple or bundle`);
  if (placement !== 'canonical' && placement !== 'replicate') f.fail(`invalid --signature-placement "${placement}": use canonical or replicate`);
  const verificationKey = f.str('verification-key');
  for (const c of ['certificate-identity-regexp', 'certificate-oidc-issuer-regexp']) {
    if (verificationKey && f.str(c)) f.fail(`--verification-key and --${c} are mutually exclusive`);
  }
  const command = f.str('identity-token-command');
  let copyReferrers: ReferrerFilter = ALL_REFERRERS;
  try {
    copyReferrers = parseReferrerFilter(f.list('copy-referrers'));
  } catch (err) {
    f.fail(errorMessage(err));
  }
  return {
    copyReferrers,
    identityTokenFile: f.str('identity-token'),
    identityTokenCommand: command ? command.split(/\s+/).filter(Boolean) : undefined,
    fulcioUrl: f.str('fulcio-url') ?? PUBLIC_SIGSTORE.fulcioUrl,
    rekorUrl: f.str('rekor-url') ?? PUBLIC_SIGSTORE.rekorUrl,
    tsaUrl: f.explicit('tsa-url') ? (f.str('tsa-url') ?? '') : PUBLIC_SIGSTORE.tsaUrl,
    signingKey: f.str('signing-key'),
    signatureFormat: format === 'bundle' ? 'bundle' : 'simple',
    signaturePlacement: placement === 'replicate' ? 'replicate' : 'canonical',
    verificationKey,
    requireSignatures: f.bool('require-signatures'),
    trustedRoot: f.str('trusted-root'),
  };
}
