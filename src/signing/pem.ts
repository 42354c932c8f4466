/** PEM <-> DER helpers and key identities. */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** Wraps DER bytes in a PEM block with `label`. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Every PEM block of `text` with `label`, as DER. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** `key:<sha256 hex of the SPKI DER>`: the identity of a key signer, stable across formats. */
export function keyIdentity(key: KeyObject | string): string {
  const pub = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  return `key:${createHash('sha256').update(der).digest('hex')}`;
}
