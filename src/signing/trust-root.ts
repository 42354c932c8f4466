/** Loading a sigstore TrustedRoot (`--trusted-root FILE`) into @sigstore/verify trust material. */
import { readFile } from 'node:fs/promises';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { InputError, errorMessage } from '../errors.js';

/** Parses a TrustedRoot JSON document. */
export function parseTrustedRoot(json: unknown): TrustedRoot {
  return TrustedRoot.fromJSON(json);
}

/** Reads `--trusted-root FILE`; InputError when unreadable or malformed. */
export async function loadTrustedRoot(file: string): Promise<TrustedRoot> {
  try {
    return parseTrustedRoot(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new InputError([{ file, message: `not a sigstore TrustedRoot JSON: ${errorMessage(err)}` }]);
  }
}

/** An empty root: key-based verification needs no CA, log or TSA. */
export function emptyTrustedRoot(): TrustedRoot {
  return TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}

/** Trust material for a root (keyless) or for one public key (every key hint maps to it). */
export function trustMaterialFor(root: TrustedRoot, publicKeyPem?: string): TrustMaterial {
  if (publicKeyPem === undefined) return toTrustMaterial(root);
  const key: KeyObject = createPublicKey(publicKeyPem);
  return toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
}
