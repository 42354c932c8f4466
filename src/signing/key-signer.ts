/**
 * Key-based signing (`--signing-key FILE`): a PEM PKCS#8 ECDSA P-256 key or a cosign encrypted
 * key (password from COSIGN_PASSWORD). Signatures carry the public key; no Fulcio, no Rekor.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Signer as SigstoreSigner } from '@sigstore/sign';
import { InputError, errorMessage } from '../errors.js';
import { decryptCosignKey, isCosignEncryptedKey } from './cosign-key.js';
import { keyIdentity } from './pem.js';
import { sigstoreSigner } from './sigstore-signer.js';
import { CosignAnnotations } from './sig-image.js';
import type { Signer, SimpleSigningLayer } from './types.js';

/** Parses a signing key PEM (plain PKCS#8/SEC1 or cosign-encrypted); InputError when unusable. */
export function parseSigningKey(pem: string, password: string | undefined, file = 'signing key'): KeyObject {
  let key: KeyObject;
  if (isCosignEncryptedKey(pem)) {
    if (password === undefined) {
      throw new InputError([{ file, message: 'the signing key is encrypted: set COSIGN_PASSWORD' }]);
    }
    key = decryptCosignKey(pem, password, file);
  } else {
    try {
      key = createPrivateKey(pem);
    } catch (err) {
      throw new InputError([{ file, message: `not a PEM private key: ${errorMessage(err)}` }]);
    }
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InputError([{ file, message: 'the signing key must be an ECDSA P-256 key' }]);
  }
  return key;
}

/** Reads and parses `--signing-key FILE`, taking the password from `env.COSIGN_PASSWORD`. */
export async function loadSigningKey(file: string, env: NodeJS.ProcessEnv = process.env): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([{ file, message: `cannot read the signing key: ${errorMessage(err)}` }]);
  }
  return parseSigningKey(pem, env.COSIGN_PASSWORD, file);
}

/** A Signer over a local private key. */
export function createKeySigner(privateKey: KeyObject): Signer {
  const publicKeyPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  const hint = keyIdentity(privateKey);
  const holder: SigstoreSigner = {
    sign: async (data) => ({
      signature: cryptoSign('sha256', data, privateKey),
      key: { $case: 'publicKey', publicKey: publicKeyPem, hint },
    }),
  };
  const who = {
    identity: async () => hint,
    // A key signature carries no key: it is ours when our public key verifies it.
    owns: async (layer: SimpleSigningLayer) => {
      const b64 = layer.annotations[CosignAnnotations.signature];
      return !!b64 && cryptoVerify('sha256', layer.payload, createPublicKey(privateKey), Buffer.from(b64, 'base64'));
    },
  };
  return sigstoreSigner('key', holder, [], who, publicKeyPem);
}
