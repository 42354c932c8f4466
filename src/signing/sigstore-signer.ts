/**
 * Our Signer over @sigstore/sign: a sigstore key holder (local key or Fulcio) plus witnesses
 * (Rekor, TSA). Message signatures become cosign `.sig` material; DSSE signatures become bundles.
 */
import {
  DSSEBundleBuilder,
  MessageSignatureBundleBuilder,
  type Signer as SigstoreSigner,
  type Witness,
} from '@sigstore/sign';
import { bundleToJSON, type Bundle, type SerializedBundle } from '@sigstore/bundle';
import { errorMessage } from '../errors.js';
import { SignatureError } from './errors.js';
import { toPem } from './pem.js';
import type { SignedMessage, Signer, SigningKeyMaterial } from './types.js';

/** Builds our Signer from a sigstore key holder and the witnesses that testify to its signatures. */
export function sigstoreSigner(
  kind: Signer['kind'],
  signer: SigstoreSigner,
  witnesses: Witness[],
  who: Pick<Signer, 'identity' | 'owns'>,
  publicKeyPem?: string,
): Signer {
  const messages = new MessageSignatureBundleBuilder({ signer, witnesses });
  const dsse = new DSSEBundleBuilder({ signer, witnesses });
  return {
    kind,
    identity: () => who.identity(),
    owns: (layer) => who.owns(layer),
    async signMessage(payload) {
      const bundle = await guard(() => messages.create({ data: Buffer.from(payload) }));
      return signedMessageFromBundle(bundle, publicKeyPem);
    },
    async signDsse(payload, payloadType) {
      const bundle = await guard(() => dsse.create({ data: Buffer.from(payload), type: payloadType }));
      return bundleToJSON(bundle);
    },
  };
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new SignatureError('SIGNING_FAILED', `signing failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** Extracts the cosign `.sig` material (signature, key, Rekor and TSA evidence) from a bundle. */
export function signedMessageFromBundle(bundle: Bundle, publicKeyPem = ''): SignedMessage {
  if (bundle.content.$case !== 'messageSignature') {
    throw new SignatureError('SIGNING_FAILED', 'expected a message-signature bundle');
  }
  const vm = bundle.verificationMaterial;
  let key: SigningKeyMaterial;
  switch (vm.content.$case) {
    case 'certificate':
      key = { kind: 'certificate', certificatePem: toPem(vm.content.certificate.rawBytes, 'CERTIFICATE'), chainPem: [] };
      break;
    case 'x509CertificateChain': {
      const [leaf, ...chain] = vm.content.x509CertificateChain.certificates;
      key = {
        kind: 'certificate',
        certificatePem: toPem(leaf!.rawBytes, 'CERTIFICATE'),
        chainPem: chain.map((c) => toPem(c.rawBytes, 'CERTIFICATE')),
      };
      break;
    }
    case 'publicKey':
      key = { kind: 'publicKey', publicKeyPem };
      break;
  }
  const entry = vm.tlogEntries[0];
  return {
    signature: bundle.content.messageSignature.signature,
    key,
    rekor: entry?.inclusionPromise
      ? {
          signedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp.toString('base64'),
          body: entry.canonicalizedBody.toString('base64'),
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logId: entry.logId.keyId.toString('hex'),
        }
      : undefined,
    rfc3161Timestamps: (vm.timestampVerificationData?.rfc3161Timestamps ?? []).map((t) =>
      t.signedTimestamp.toString('base64'),
    ),
    bundle: bundleToJSON(bundle) as SerializedBundle,
  };
}
