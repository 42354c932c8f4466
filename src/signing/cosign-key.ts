/**
 * Cosign's encrypted private key format (`ENCRYPTED SIGSTORE PRIVATE KEY`, formerly
 * `ENCRYPTED COSIGN PRIVATE KEY`): go-tuf "encrypted" JSON, scrypt (N=32768, r=8, p=1) +
 * NaCl secretbox, over a PKCS#8 DER key.
 */
import { createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { InputError } from '../errors.js';

/** PEM labels cosign uses for encrypted keys. */
export const COSIGN_KEY_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;
const SCRYPT = { N: 32768, r: 8, p: 1 } as const;

interface EncryptedKeyJson {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** Whether `pem` holds a cosign encrypted key. */
export function isCosignEncryptedKey(pem: string): boolean {
  return COSIGN_KEY_LABELS.some((l) => pem.includes(`-----BEGIN ${l}-----`));
}

/** Decrypts a cosign encrypted key with `password`; InputError on a wrong password or format. */
export function decryptCosignKey(pem: string, password: string, file = 'signing key'): KeyObject {
  const fail = (message: string): never => {
    throw new InputError([{ file, message }]);
  };
  const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  let enc: EncryptedKeyJson;
  try {
    enc = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as EncryptedKeyJson;
  } catch {
    return fail('not a cosign encrypted key (its body is not JSON)');
  }
  const { kdf, cipher } = enc;
  if (kdf?.name !== 'scrypt' || cipher?.name !== 'nacl/secretbox') {
    return fail(`unsupported key encryption ${kdf?.name}/${cipher?.name} (want scrypt/nacl/secretbox)`);
  }
  const { N, r, p } = kdf.params;
  if (N !== SCRYPT.N || r !== SCRYPT.r || p !== SCRYPT.p) {
    return fail(`unsupported scrypt parameters N=${N} r=${r} p=${p} (cosign uses N=32768 r=8 p=1)`);
  }
  const key = deriveKey(password, Buffer.from(kdf.salt, 'base64'));
  const plain = nacl.secretbox.open(
    Buffer.from(enc.ciphertext, 'base64'),
    Buffer.from(cipher.nonce, 'base64'),
    key,
  );
  if (!plain) return fail('cannot decrypt the signing key: wrong password (COSIGN_PASSWORD)?');
  return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
}

/** Encrypts a private key in cosign's format (used to write test keys and by key generation). */
export function encryptCosignKey(key: KeyObject, password: string): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const ciphertext = nacl.secretbox(der, nonce, deriveKey(password, salt));
  const json: EncryptedKeyJson = {
    kdf: { name: 'scrypt', params: { ...SCRYPT }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  const b64 = Buffer.from(JSON.stringify(json)).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${COSIGN_KEY_LABELS[0]}-----\n${b64.trimEnd()}\n-----END ${COSIGN_KEY_LABELS[0]}-----\n`;
}

function deriveKey(password: string, salt: Buffer): Uint8Array {
  return scryptSync(password, salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
}
