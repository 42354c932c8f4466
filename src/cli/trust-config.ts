/**
 * Builds the trust phases' configuration from the cip flags, at setup: reads the signing key,
 * the verification key and the trusted root, and picks the signing identity.
 *
 * `--sign` defaults to true, as upstream. With no --signing-key, signing is keyless and needs an
 * identity token (--identity-token, $SIGSTORE_ID_TOKEN or --identity-token-command): a real run
 * (--confirm) without any token source fails here with exit 2 and tells about --sign=false; a
 * dry run never signs, so it only needs the token once it is real.
 *
 * The sigstore-backed signers and verifiers are imported on first use: loading @sigstore/* costs
 * a few hundred ms of start-up that a run without keys, certificates or signing does not need.
 */
import { readFile } from 'node:fs/promises';
import { InputError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { CipOptions } from './cip-options.js';
import { checkIdentityToken, jwtClaims, resolveTokenProvider, type IdentityTokenProvider } from '../signing/identity-token.js';
import { DEFAULT_SIGNER_ACCOUNT } from './cip-options.js';
import { matcherFrom } from '../signing/matcher.js';
import { SignatureError } from '../signing/errors.js';
import type { Signer, Verifier } from '../signing/types.js';
import { VERSION } from '../version.js';
import type { TrustConfig } from '../pipeline/phases/trust.js';

/** Builds the TrustConfig of a promotion run; InputError for unusable trust flags. */
export async function buildTrustConfig(
  opts: Pick<CipOptions, 'signing' | 'verification' | 'provenance' | 'trust' | 'run'>,
  env: NodeJS.ProcessEnv = process.env,
  logger?: Logger,
): Promise<TrustConfig> {
  const t = opts.trust;
  const p = opts.provenance;
  const v = opts.verification;
  const checks = Boolean(
    t.verificationKey || t.trustedRoot || v.identityRegexp || v.oidcIssuerRegexp || t.requireSignatures || p.require || p.allowedBuilders.length || p.allowedSourceRepos.length,
  );
  return {
    verifier: await buildVerifier(opts.verification, opts.trust),
    checks,
    requireSignatures: t.requireSignatures,
    provenance: { ...opts.provenance },
    signer: opts.signing.sign ? await buildSigner(opts, env, logger) : undefined,
    format: t.signatureFormat,
    placement: t.signaturePlacement,
    maxOps: opts.signing.maxSignatureOps,
    version: VERSION,
    referrers: t.copyReferrers,
  };
}

/** The verifier the flags ask for: a verification key, else certificate identity/issuer against --trusted-root. */
export async function buildVerifier(
  v: CipOptions['verification'],
  t: Pick<CipOptions['trust'], 'verificationKey' | 'trustedRoot'>,
): Promise<Verifier> {
  if (t.verificationKey) {
    const file = t.verificationKey;
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError([{ file, message: `cannot read the verification key: ${errorMessage(err)}` }]);
    }
    const { createVerifier } = await import('../signing/verifier.js');
    try {
      return createVerifier({ kind: 'publicKey', publicKeyPem: pem });
    } catch (err) {
      throw new InputError([{ file, message: `not a PEM public key: ${errorMessage(err)}` }]);
    }
  }
  const identity = matcherFrom(v.identity, v.identityRegexp, 'certificate-identity') ?? { regexp: '.*' };
  const issuer = matcherFrom(v.oidcIssuer, v.oidcIssuerRegexp, 'certificate-oidc-issuer') ?? { regexp: '.*' };
  if (!t.trustedRoot) return unverifiable('keyless signatures need --trusted-root FILE (no public sigstore trust root is bundled)');
  const [{ createVerifier }, { loadTrustedRoot }] = await Promise.all([
    import('../signing/verifier.js'),
    import('../signing/trust-root.js'),
  ]);
  return createVerifier({ kind: 'certificate', identity, issuer }, await loadTrustedRoot(t.trustedRoot));
}

/** A verifier for when no trust material exists: any signature it meets is refused, with why. */
function unverifiable(why: string): Verifier {
  const fail = async (): Promise<never> => {
    throw new SignatureError('SIGNER_UNTRUSTED', `cannot verify: ${why}`);
  };
  return { verifySimpleSigning: fail, verifyBundle: fail };
}

async function buildSigner(
  opts: Pick<CipOptions, 'trust' | 'run' | 'signing'>,
  env: NodeJS.ProcessEnv,
  logger?: Logger,
): Promise<Signer | undefined> {
  const t = opts.trust;
  if (t.signingKey) {
    const { createKeySigner, loadSigningKey } = await import('../signing/key-signer.js');
    return createKeySigner(await loadSigningKey(t.signingKey, env));
  }
  const tokens = resolveTokenProvider({ identityTokenFile: t.identityTokenFile, identityTokenCommand: t.identityTokenCommand }, env);
  if (!tokens) {
    if (!opts.run.confirm) {
      logger?.warn('no signing identity: a run with --confirm would need --identity-token, $SIGSTORE_ID_TOKEN, --signing-key or --sign=false');
      return undefined;
    }
    throw new InputError([
      {
        message:
          'signing needs an identity token: none given. Pass --identity-token FILE or set SIGSTORE_ID_TOKEN (keyless), ' +
          '--signing-key FILE (key-based), or --sign=false to promote without signing',
      },
    ]);
  }
  const checked = forAccount(tokens, opts.signing.signerAccount);
  if (opts.run.confirm) {
    // Read the token once now: a missing, malformed, expired or wrong-audience token or a wrong
    // identity is bad input (exit 2), found before any registry is contacted.
    try {
      await checked.getToken();
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError([{ message: errorMessage(err) }]);
    }
  }
  const { createKeylessSigner } = await import('../signing/keyless-signer.js');
  return createKeylessSigner({ fulcioUrl: t.fulcioUrl, rekorUrl: t.rekorUrl, tsaUrl: t.tsaUrl, tokens: checked });
}

/**
 * --signer-account keeps upstream's meaning (the identity that signs): upstream mints the token
 * for it; here the token comes from outside, so a token whose email is another identity is
 * refused. Left at upstream's default (a GCP service account), the flag is not enforced.
 */
function forAccount(tokens: IdentityTokenProvider, account: string): IdentityTokenProvider {
  return {
    source: tokens.source,
    async getToken() {
      const token = await tokens.getToken();
      checkIdentityToken(token, tokens.source);
      const c = jwtClaims(token);
      const who = typeof c.email === 'string' ? c.email : undefined;
      if (who !== undefined && account !== DEFAULT_SIGNER_ACCOUNT && who !== account) {
        throw new SignatureError('SIGNING_FAILED', `the identity token (${tokens.source}) is for ${who}, but --signer-account is ${account}`);
      }
      return token;
    },
  };
}
