import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { InputError } from '../errors.js';
import { decryptCosignKey, encryptCosignKey, isCosignEncryptedKey } from './cosign-key.js';
import { parseSigningKey } from './key-signer.js';

test('cosign encrypted keys round-trip: the decrypted key signs what the public key verifies', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = encryptCosignKey(privateKey, 'hunter2');
  assert.ok(isCosignEncryptedKey(pem));
  const body = JSON.parse(Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64').toString());
  assert.deepEqual(body.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.equal(body.cipher.name, 'nacl/secretbox');
  const key = decryptCosignKey(pem, 'hunter2');
  const sig = sign('sha256', Buffer.from('x'), key);
  assert.ok(verify('sha256', Buffer.from('x'), publicKey, sig));
});

test('a wrong password, a missing password and a non-P-256 key are input errors', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = encryptCosignKey(privateKey, 'right');
  assert.throws(() => decryptCosignKey(pem, 'wrong'), (e: unknown) => e instanceof InputError && /wrong password/.test(e.message));
  assert.throws(() => parseSigningKey(pem, undefined), (e: unknown) => e instanceof InputError && /COSIGN_PASSWORD/.test(e.message));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  assert.throws(() => parseSigningKey(rsa, undefined), (e: unknown) => e instanceof InputError && /P-256/.test(e.message));
  assert.throws(() => parseSigningKey('garbage', undefined), InputError);
  const plain = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  assert.equal(parseSigningKey(plain, undefined).asymmetricKeyDetails?.namedCurve, 'prime256v1');
});
