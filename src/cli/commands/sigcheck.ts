/**
 * `kpromo sigcheck [REF…] [--manifest F | --thin-manifest-dir D] [--confirm]`: which promoted
 * digests (and their index children) lack a valid signature on which registry. `--confirm`
 * copies a valid signature from another registry holding the same digest. Exit 1 when some
 * remain unsigned, 2 for bad input. The checking code (HTTP stack, verifiers, manifests) is
 * imported by the action, so other commands do not load it at start-up.
 */
import type { Command } from 'commander';
import { InputError, type Problem } from '../../errors.js';
import { repoOf, splitRegistry, type Digest } from '../../image/ref.js';
import { isDigest } from '../../image/ref.js';
import type { RegistryClient } from '../../registry/types.js';
import type { SigcheckResult, SigcheckTarget } from '../../signing/sigcheck.js';
import { DEFAULT_MAX_SIGNATURE_OPS, DEFAULT_OIDC_ISSUER, DEFAULT_SIGNER_ACCOUNT } from '../cip-options.js';
import { addFlags, type FlagSpec, readFlags } from '../flags.js';
import { createCliLogger } from '../log-setup.js';
import { NETWORK_FLAGS, readNetworkOptions } from '../network-options.js';
import { ExitCode, type CliIO, type SetExit } from '../io.js';

const FLAGS: FlagSpec[] = [
  { name: 'manifest', kind: 'string', arg: '<file>', description: "check every destination of this manifest's images" },
  { name: 'thin-manifest-dir', kind: 'string', arg: '<dir>', description: "check every destination of this thin manifest tree's images" },
  { name: 'confirm', kind: 'bool', description: 'copy a valid signature to the registries that lack one' },
  { name: 'certificate-identity', kind: 'string', arg: '<identity>', default: DEFAULT_SIGNER_ACCOUNT, description: 'expected signer identity' },
  { name: 'certificate-identity-regexp', kind: 'string', arg: '<regexp>', description: 'regexp alternative to --certificate-identity' },
  { name: 'certificate-oidc-issuer', kind: 'string', arg: '<url>', default: DEFAULT_OIDC_ISSUER, description: 'expected OIDC issuer' },
  { name: 'certificate-oidc-issuer-regexp', kind: 'string', arg: '<regexp>', description: 'regexp alternative to --certificate-oidc-issuer' },
  { name: 'verification-key', kind: 'string', arg: '<file>', description: 'verify with this PEM public key instead of certificate identities' },
  { name: 'trusted-root', kind: 'string', arg: '<file>', description: 'sigstore TrustedRoot JSON for keyless verification' },
  { name: 'max-signature-ops', kind: 'int', default: DEFAULT_MAX_SIGNATURE_OPS, description: 'signatures checked or copied at once (same default as cip)' },
  ...NETWORK_FLAGS,
];

/** Registers `kpromo sigcheck`. */
export function register(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program
    .command('sigcheck')
    .description('report promoted digests lacking a valid signature on some registry; --confirm copies the missing ones')
    .argument('[refs...]', 'image references: registry/image@sha256:… or registry/image:tag');
  addFlags(cmd, FLAGS);
  cmd.action(async (refs: string[], _opts: unknown, command: Command) => {
    const f = readFlags(command);
    const globals = command.optsWithGlobals();
    const logger = createCliLogger({ level: String(globals.logLevel ?? 'info'), format: String(globals.logFormat ?? 'text'), write: io.stderr });
    const verification: Record<string, string | undefined> = {};
    for (const [flag, key] of [['certificate-identity', 'identity'], ['certificate-oidc-issuer', 'oidcIssuer']] as const) {
      const re = f.str(`${flag}-regexp`);
      if (re && f.explicit(flag)) f.fail(`--${flag} and --${flag}-regexp are mutually exclusive: give one of them`);
      if (re) verification[`${key}Regexp`] = re;
      else verification[key] = f.str(flag);
    }
    const manifest = f.str('manifest');
    const thin = f.str('thin-manifest-dir');
    const concurrency = f.int('max-signature-ops', 1, 10_000);
    const fix = f.bool('confirm');
    if (refs.length === 0 && !manifest && !thin) f.fail('give image references, --manifest FILE or --thin-manifest-dir DIR');
    const targets = refs.map((r) => parseRef(r, f.problems));
    const network = readNetworkOptions(f);
    if (f.problems.length) throw new InputError(f.problems);
    const [{ buildVerifier }, { createNetworkedClient }, { sigcheck, withIndexChildren }] = await Promise.all([
      import('../trust-config.js'),
      import('../network-client.js'),
      import('../../signing/sigcheck.js'),
    ]);
    const verifier = await buildVerifier(verification, { verificationKey: f.str('verification-key'), trustedRoot: f.str('trusted-root') });
    // the same network policy (per-host budgets, retries) and credentials as a promotion
    const { client, network: net } = createNetworkedClient(network, { logger, env: io.env });
    try {
      const all = [...(await resolveRefs(client, targets)), ...(manifest || thin ? await manifestTargets({ manifest, thinManifestDir: thin }) : [])];
      const expanded = await withIndexChildren(client, all);
      const results = await sigcheck({ client, verifier }, expanded, { fix, concurrency });
      io.stdout(formatResults(results));
      return setExit(results.some((r) => !['signed', 'fixed', 'absent'].includes(r.status)) ? ExitCode.failed : ExitCode.ok);
    } finally {
      await client.close();
      await net.close();
    }
  });
}

interface ParsedRef {
  registry: string;
  image: string;
  reference: string;
}

/** `host[:port]/path/image@sha256:…` or `…:tag` → registry (host), image path and digest/tag. */
function parseRef(ref: string, problems: Problem[]): ParsedRef {
  const at = ref.lastIndexOf('@');
  let name = ref;
  let reference = 'latest';
  if (at > 0) {
    name = ref.slice(0, at);
    reference = ref.slice(at + 1);
    if (!isDigest(reference)) problems.push({ message: `${ref}: invalid digest "${reference}"` });
  } else {
    const colon = ref.lastIndexOf(':');
    if (colon > ref.lastIndexOf('/')) {
      name = ref.slice(0, colon);
      reference = ref.slice(colon + 1);
    }
  }
  const { host, path } = splitRegistry(name);
  if (!path) problems.push({ message: `${ref}: not an image reference (want registry/image@digest or registry/image:tag)` });
  return { registry: host, image: path, reference };
}

async function resolveRefs(client: RegistryClient, refs: ParsedRef[]): Promise<SigcheckTarget[]> {
  const out: SigcheckTarget[] = [];
  for (const r of refs) {
    const repo = repoOf(r.registry, r.image);
    const reference = `${r.registry}/${r.image}`;
    if (isDigest(r.reference)) out.push({ repo, reference, digest: r.reference as Digest });
    else {
      const head = await client.headManifest(repo, r.reference);
      if (!head) throw new InputError([{ message: `${reference}:${r.reference}: no such tag` }]);
      out.push({ repo, reference, digest: head.digest });
    }
  }
  return out;
}

/** Every (destination, image, digest) of the manifests, each once. */
async function manifestTargets(source: { manifest?: string; thinManifestDir?: string }): Promise<SigcheckTarget[]> {
  const { planOffline } = await import('../../plan/offline.js');
  const plan = await planOffline(source);
  const seen = new Map<string, SigcheckTarget>();
  for (const e of plan.edges) {
    const t = { repo: repoOf(e.dstRegistry, e.dstImage), reference: `${e.dstRegistry}/${e.dstImage}`, digest: e.digest };
    seen.set(`${t.reference}@${t.digest}`, t);
  }
  return [...seen.values()];
}

/** One line per finding, problems first, then a count line. */
export function formatResults(results: readonly SigcheckResult[]): string {
  const order = ['invalid', 'missing', 'error', 'fixed', 'absent', 'signed'];
  const lines = [...results]
    .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status))
    .map((r) => `${r.status.padEnd(7)} ${r.reference}@${r.digest}${r.detail ? `  (${r.detail})` : ''}`);
  const counts = order.map((s) => [s, results.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
  return `${lines.join('\n')}\n${counts.map(([s, n]) => `${n} ${s}`).join(', ') || 'nothing to check'}\n`;
}
