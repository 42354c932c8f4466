/** Flags shared by `kpromo audit` and `kpromo audit serve`: what to expect and how to read registries. */
import type { TrustExpectations } from '../../audit/read.js';
import { DEFAULT_REQUESTS_PER_HOST } from '../../plan/inventory.js';
import type { FlagReader, FlagSpec } from '../flags.js';
import { NETWORK_FLAGS } from '../network-options.js';

/** Expectations and read budget flags. */
export const AUDIT_READ_FLAGS: FlagSpec[] = [
  {
    name: 'require-signatures',
    kind: 'string',
    arg: '<none|canonical|replicate>',
    default: 'none',
    description: 'report declared digests without a signature: on their first destination (canonical) or on every destination (replicate)',
  },
  { name: 'signature-format', kind: 'string', arg: '<simple|bundle>', default: 'simple', description: 'simple: cosign .sig tags; bundle: sigstore bundle referrers' },
  { name: 'require-attestations', kind: 'bool', description: 'report declared digests without a promotion attestation on their first destination' },
  { name: 'requests-per-host', kind: 'int', default: DEFAULT_REQUESTS_PER_HOST, description: 'registry reads in flight at once per host' },
  ...NETWORK_FLAGS,
];

/** The trust expectations of the flags. */
export function readTrustExpectations(f: FlagReader): TrustExpectations {
  const sig = f.str('require-signatures') ?? 'none';
  const format = f.str('signature-format') ?? 'simple';
  if (!['none', 'canonical', 'replicate'].includes(sig)) f.fail(`invalid --require-signatures "${sig}": use none, canonical or replicate`);
  if (format !== 'simple' && format !== 'bundle') f.fail(`invalid --signature-format "${format}": use simple or bundle`);
  return {
    ...(sig === 'canonical' || sig === 'replicate' ? { signatures: sig } : {}),
    format: format === 'bundle' ? 'bundle' : 'simple',
    attestations: f.bool('require-attestations'),
  };
}
