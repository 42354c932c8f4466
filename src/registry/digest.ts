/**
 * Content digests: hashing bytes, and a pass-through stream that verifies a blob while it is
 * read, so nothing is written from unverified bytes (ggcr verify.ReadCloser is the model).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { isDigest, type Digest } from '../image/ref.js';

/** Digest algorithms the client verifies (OCI image-spec registered algorithms). */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** Splits a digest into algorithm and hex; throws on anything but sha256/sha512. */
export function parseDigest(d: string): { algorithm: DigestAlgorithm; hex: string } {
  if (!isDigest(d)) throw new Error(`unsupported or malformed digest ${JSON.stringify(d.slice(0, 140))}`);
  const [algorithm, hex] = d.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex };
}

/** The tag-schema fallback tag holding the referrers of `d`: `<alg>-<hex>`. */
export function referrersTag(d: Digest): string {
  const { algorithm, hex } = parseDigest(d);
  // OCI distribution-spec: `<alg>-<ref>`, with ref truncated to 64 characters
  return `${algorithm}-${hex.slice(0, 64)}`;
}

/** The digest of `bytes` with `algorithm` (sha256 by default). */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

/** Why a stream failed verification; the client turns it into a retryable RegistryError. */
export class DigestMismatchError extends Error {
  override readonly name = 'DigestMismatchError';
  constructor(
    message: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message);
  }
}

/**
 * A stream that passes bytes through while hashing and counting them, and errors instead of
 * ending when the total differs from `size` (when known) or the hash from `expected`.
 * It also errors as soon as more than `size` bytes arrive, without passing them on.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private seen = 0;
  constructor(
    private readonly expected: Digest,
    private readonly size?: number,
    /** Turns a verification failure into the caller's error type. */
    private readonly mapError: (err: Error) => Error = (e) => e,
  ) {
    super();
    this.algorithm = parseDigest(expected).algorithm;
    this.hash = createHash(this.algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.size !== undefined && this.seen > this.size) {
      cb(this.mapError(new DigestMismatchError(`blob is longer than its descriptor size ${this.size}`, `${this.size}`, `>${this.size}`)));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.size !== undefined && this.seen !== this.size) {
      cb(this.mapError(new DigestMismatchError(`blob has ${this.seen} bytes, descriptor says ${this.size}`, `${this.size}`, `${this.seen}`)));
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      cb(this.mapError(new DigestMismatchError(`blob content does not match digest ${this.expected} (got ${actual})`, this.expected, actual)));
      return;
    }
    cb();
  }
}

/**
 * Pipes `source` through a VerifyingStream; source errors (a truncated body) propagate through
 * `mapError` too, and destroying the result destroys the source.
 */
export function verifyStream(source: Readable, expected: Digest, size?: number, mapError: (err: Error) => Error = (e) => e): Readable {
  const v = new VerifyingStream(expected, size, mapError);
  source.on('error', (err) => v.destroy(mapError(err)));
  v.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(v);
  return v;
}

/** Thrown by readCapped when the stream holds more than the cap. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
}

/** Reads a stream fully, refusing (and destroying it) once more than `cap` bytes arrived. */
export async function readCapped(source: Readable, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > cap) {
      discard(source);
      throw new TooLargeError(`response is larger than ${cap} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Reads at most `cap` bytes of a stream as text and discards the rest (error bodies). */
export async function readPrefix(source: Readable, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buf.subarray(0, Math.max(0, cap - total)));
      total += buf.length;
      if (total >= cap) break;
    }
  } catch {
    // an error body that fails mid-way still says what it said so far
  } finally {
    discard(source);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Lets go of a response body that is not needed: undici bodies are dumped (which keeps the
 * connection for reuse when the rest is small), other streams destroyed; errors are ignored.
 */
export function discard(body: Readable): void {
  body.on('error', () => {});
  const dump = (body as { dump?: (o?: { limit?: number }) => Promise<void> }).dump;
  if (typeof dump === 'function' && !body.destroyed) {
    dump.call(body, { limit: 64 * 1024 }).catch(() => {});
    return;
  }
  body.destroy();
}
