/**
 * Blob writes: cross-repository mount (falling back to the upload session a 202 opens), and
 * uploads: monolithic (one PUT ?digest=) for bytes in memory, chunked (PATCH with Content-Range,
 * then PUT) when asked, and for a stream one PATCH hashed on the way, then the closing PUT only
 * once the bytes sent proved to be the digest's, so a corrupt source is never committed even by
 * a registry that does not check digests (a failed upload's session is cancelled with DELETE).
 * Each answer's `Location`, relative or absolute, is where the next request goes.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Digest, RepoRef } from '../../image/ref.js';
import { headerValue, type HttpResponse } from '../../net/transport.js';
import { discard } from '../digest.js';
import { RegistryError } from '../errors.js';
import type { CallOptions, MountResult, Side, UploadSession } from '../types.js';
import { repoScope } from './auth.js';
import type { Call, Session } from './session.js';
import { repoPath, resolveLocation } from './urls.js';

interface Where {
  op: string;
  reference: string;
  side: Side;
}

const OCTET = 'application/octet-stream';

/** POST …/blobs/uploads/?mount=<digest>&from=<repo>: 201 mounted, 202 an upload session to use instead. */
export async function mountBlob(session: Session, repo: RepoRef, digest: Digest, from: string, opts: CallOptions): Promise<MountResult> {
  const where: Where = { op: 'mount blob', reference: `${repo.host}/${repo.repository}@${digest} from ${from}`, side: opts.side ?? 'destination' };
  const url = uploadsUrl(session, repo);
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', from);
  const res = await session.send(call(repo, where, 'POST', url, 'blob-mount', opts, {
    scopes: [repoScope(repo.repository, 'pull,push'), repoScope(from, 'pull')],
  }));
  discard(res.body);
  if (res.status === 201) return { mounted: true };
  if (res.status === 202) return { mounted: false, session: { repo, location: location(res, url, where).href } };
  throw new RegistryError(`unexpected status ${res.status}`, { ...where, status: res.status });
}

/** Uploads a blob monolithically, or in `chunkSize` pieces, in `opts.session` or a new session. */
export async function uploadBlob(
  session: Session,
  repo: RepoRef,
  blob: { digest: Digest; size: number },
  body: Uint8Array | Readable,
  opts: CallOptions & { session?: UploadSession; chunkSize?: number },
): Promise<void> {
  const where: Where = { op: 'upload blob', reference: `${repo.host}/${repo.repository}@${blob.digest}`, side: opts.side ?? 'destination' };
  if (body instanceof Uint8Array && body.length !== blob.size) {
    throw new RegistryError(`blob has ${body.length} bytes, descriptor says ${blob.size}`, { ...where, retryable: false });
  }
  if (opts.session && (opts.session.repo.host !== repo.host || opts.session.repo.repository !== repo.repository)) {
    throw new RegistryError('upload session belongs to another repository', { ...where, retryable: false });
  }
  let at = opts.session ? new URL(opts.session.location) : await startUpload(session, repo, where, opts);
  if (opts.chunkSize && opts.chunkSize > 0) {
    at = await sendChunks(session, repo, where, at, body, blob.size, opts.chunkSize, opts);
    await finish(session, repo, where, at, blob.digest, new Uint8Array(0), opts);
  } else if (body instanceof Uint8Array) {
    await finish(session, repo, where, at, blob.digest, body, opts, blob.size);
  } else {
    const sent = await sendVerified(session, repo, where, at, body, blob, opts).catch(async (err: unknown) => {
      await cancelUpload(session, repo, where, at, opts);
      throw err;
    });
    if (sent.refused) {
      await cancelUpload(session, repo, where, sent.at, opts);
      throw sent.refused;
    }
    await finish(session, repo, where, sent.at, blob.digest, new Uint8Array(0), opts);
  }
}

/**
 * PATCHes a streamed body in one request while hashing it; returns where the session goes on,
 * and why the bytes are refused when the stream did not end with exactly the descriptor's size
 * and digest. Throws when the PATCH itself fails (with the source's own error when the source
 * failed, e.g. its digest check). Nothing is committed either way.
 */
async function sendVerified(
  session: Session, repo: RepoRef, where: Where, at: URL, body: Readable, blob: { digest: Digest; size: number }, opts: CallOptions,
): Promise<{ at: URL; refused?: RegistryError }> {
  const algorithm = blob.digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  const hash = createHash(algorithm);
  let seen = 0;
  const hashed = new PassThrough();
  const ended = new Promise<void>((resolve, reject) => {
    body.once('end', resolve);
    body.once('error', reject);
    body.once('close', () => (body.readableEnded ? resolve() : reject(new RegistryError('blob stream closed before its end', { ...where, retryable: true }))));
  });
  ended.catch(() => {});
  body.on('data', (c: Buffer) => {
    seen += c.length;
    hash.update(c);
  });
  body.on('error', (err) => hashed.destroy(err));
  body.pipe(hashed);
  const headers: Record<string, string> = { 'content-type': OCTET };
  if (blob.size >= 0) {
    headers['content-length'] = String(blob.size);
    if (blob.size > 0) headers['content-range'] = `0-${blob.size - 1}`;
  }
  const res = await session.send(call(repo, where, 'PATCH', at, 'upload-patch', opts, { body: hashed, headers }));
  discard(res.body);
  if (res.status !== 202) throw new RegistryError(`upload answered ${res.status}, expected 202`, { ...where, status: res.status });
  const next = location(res, at, where);
  const failed = await ended.then(() => undefined, (err: unknown) => err);
  if (failed !== undefined) {
    return { at: next, refused: failed instanceof RegistryError ? failed : new RegistryError('blob stream failed; upload cancelled', { ...where, retryable: true, cause: failed }) };
  }
  const actual = `${algorithm}:${hash.digest('hex')}`;
  if (blob.size >= 0 && seen !== blob.size) {
    return { at: next, refused: new RegistryError(`blob has ${seen} bytes, descriptor says ${blob.size}; upload cancelled`, { ...where, retryable: true }) };
  }
  if (actual !== blob.digest) {
    return { at: next, refused: new RegistryError(`blob content does not match digest ${blob.digest} (got ${actual}); upload cancelled`, { ...where, retryable: true }) };
  }
  return { at: next };
}

/** DELETEs an upload session (best effort: a registry purges abandoned sessions itself). */
async function cancelUpload(session: Session, repo: RepoRef, where: Where, at: URL, opts: CallOptions): Promise<void> {
  try {
    const res = await session.send({ ...call(repo, { ...where, op: 'cancel upload' }, 'DELETE', at, 'other', opts, {}), ok: [404] });
    discard(res.body);
  } catch {
    // the upload already failed; its session expires on the registry
  }
}

/** DELETEs an upload session the caller will not use (best effort). */
export function abandonUpload(session: Session, upload: UploadSession, opts: CallOptions): Promise<void> {
  const repo = upload.repo;
  const where: Where = { op: 'cancel upload', reference: `${repo.host}/${repo.repository}`, side: opts.side ?? 'destination' };
  return cancelUpload(session, repo, where, new URL(upload.location), opts);
}

/** POST …/blobs/uploads/: a new upload session. */
export async function openUpload(session: Session, repo: RepoRef, opts: CallOptions): Promise<UploadSession> {
  const where: Where = { op: 'start upload', reference: `${repo.host}/${repo.repository}`, side: opts.side ?? 'destination' };
  return { repo, location: (await startUpload(session, repo, where, opts)).href };
}

async function startUpload(session: Session, repo: RepoRef, where: Where, opts: CallOptions): Promise<URL> {
  const url = uploadsUrl(session, repo);
  const res = await session.send(call(repo, where, 'POST', url, 'upload-start', opts, {}));
  discard(res.body);
  if (res.status !== 202) throw new RegistryError(`upload start answered ${res.status}, expected 202`, { ...where, status: res.status });
  return location(res, url, where);
}

/** PATCHes the body in pieces of `chunkSize`; returns where the final PUT goes. */
async function sendChunks(
  session: Session, repo: RepoRef, where: Where, start: URL, body: Uint8Array | Readable, size: number, chunkSize: number, opts: CallOptions,
): Promise<URL> {
  let at = start;
  let offset = 0;
  for await (const chunk of chunks(body, chunkSize)) {
    if (offset + chunk.length > size) throw new RegistryError(`blob is longer than its descriptor size ${size}`, { ...where, retryable: false });
    const res = await session.send(call(repo, where, 'PATCH', at, 'upload-patch', opts, {
      body: chunk,
      headers: { 'content-type': OCTET, 'content-length': String(chunk.length), 'content-range': `${offset}-${offset + chunk.length - 1}` },
    }));
    discard(res.body);
    if (res.status !== 202) throw new RegistryError(`chunk answered ${res.status}, expected 202`, { ...where, status: res.status });
    at = location(res, at, where);
    offset += chunk.length;
  }
  if (offset !== size) throw new RegistryError(`blob has ${offset} bytes, descriptor says ${size}`, { ...where, retryable: false });
  return at;
}

/** The closing PUT …?digest=, with the whole body (monolithic) or none (after chunks). */
async function finish(
  session: Session, repo: RepoRef, where: Where, at: URL, digest: Digest, body: Uint8Array | Readable, opts: CallOptions, size?: number,
): Promise<void> {
  const url = new URL(at);
  url.searchParams.set('digest', digest);
  const length = body instanceof Uint8Array ? body.length : size;
  const res = await session.send(call(repo, where, 'PUT', url, 'upload-put', opts, {
    body,
    // Distribution reads a body without this content type as a form and fails with DIGEST_INVALID
    headers: { 'content-type': OCTET, ...(length !== undefined ? { 'content-length': String(length) } : {}) },
  }));
  discard(res.body);
  if (res.status !== 201) throw new RegistryError(`upload answered ${res.status}, expected 201`, { ...where, status: res.status });
  const stored = headerValue(res, 'docker-content-digest');
  if (stored && stored !== digest) throw new RegistryError(`registry stored ${stored}`, { ...where, status: res.status, retryable: false });
}

/** Splits a body into pieces of at most `size` bytes (a stream is buffered one piece at a time). */
async function* chunks(body: Uint8Array | Readable, size: number): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
    return;
  }
  let pending: Buffer[] = [];
  let held = 0;
  for await (const piece of body) {
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    while (held + buf.length >= size) {
      const take = size - held;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending, size);
      pending = [];
      held = 0;
      buf = buf.subarray(take);
    }
    if (buf.length) {
      pending.push(buf);
      held += buf.length;
    }
  }
  if (held) yield Buffer.concat(pending, held);
}

function uploadsUrl(session: Session, repo: RepoRef): URL {
  return new URL(`${repoPath(repo.repository)}/blobs/uploads/`, session.base(repo.host));
}

function location(res: HttpResponse, requestUrl: URL, where: Where): URL {
  const loc = headerValue(res, 'location');
  if (!loc) throw new RegistryError('upload answer has no Location', { ...where, status: res.status });
  return resolveLocation(requestUrl, loc);
}

function call(
  repo: RepoRef, where: Where, method: Call['method'], url: URL, kind: Call['kind'], opts: CallOptions,
  extra: Partial<Pick<Call, 'body' | 'headers' | 'scopes'>>,
): Call {
  return {
    ...where, host: repo.host, method, url, kind, ok: [], signal: opts.signal,
    scopes: extra.scopes ?? [repoScope(repo.repository, 'pull,push')],
    headers: extra.headers ?? { 'content-length': '0' },
    body: extra.body,
  };
}
