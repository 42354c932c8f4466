/**
 * Manifest, tag, catalog and referrers endpoints of the in-process registry. Manifests are
 * stored as their exact bytes; a PUT is refused when content it references is missing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDigest } from '../../image/ref.js';
import { admitManifest } from '../store/admit.js';
import { findReferrers, MANIFEST_TYPES } from '../store/refs.js';
import type { RegistryStore, StoredManifest } from '../store/store.js';
import { MAX_MANIFEST_BYTES, MediaTypes } from '../types.js';
import { ApiError, paginate, readBody, sendEmpty, sendJson } from './http.js';


/** What manifest handlers need. */
export interface ManifestContext {
  store: RegistryStore;
  /** Whether the referrers API and the OCI-Subject header are served. */
  referrers: boolean;
}

/** Resolves a tag or digest in `repo` to its digest and content, or throws MANIFEST_UNKNOWN. */
async function resolve(ctx: ManifestContext, repo: string, reference: string): Promise<{ digest: string; m: StoredManifest }> {
  const digest = isDigest(reference) ? reference : await ctx.store.getTag(repo, reference);
  const m = digest ? await ctx.store.getManifest(repo, digest) : undefined;
  if (!digest || !m) throw new ApiError('MANIFEST_UNKNOWN', `manifest unknown: ${repo}:${reference}`, { name: repo, reference });
  return { digest, m };
}

/**
 * Whether an Accept header allows `mediaType`. Loose: no Accept, a wildcard, or an Accept naming
 * no manifest type at all allows everything.
 */
function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.includes(mediaType) || types.includes('*/*') || types.includes('application/*')) return true;
  return !types.some((t) => MANIFEST_TYPES.has(t));
}

/** GET or HEAD /v2/<name>/manifests/<reference>. */
export async function getManifest(ctx: ManifestContext, req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
  const { digest, m } = await resolve(ctx, repo, reference);
  if (!accepts(req.headers.accept, m.mediaType)) {
    throw new ApiError('MANIFEST_UNKNOWN', `manifest is ${m.mediaType}, which the Accept header does not allow`);
  }
  res.writeHead(200, {
    'content-type': m.mediaType,
    'content-length': String(m.bytes.length),
    'docker-content-digest': digest,
    etag: `"${digest}"`,
  });
  res.end(req.method === 'HEAD' ? undefined : m.bytes);
}

/** PUT /v2/<name>/manifests/<reference>. */
export async function putManifest(ctx: ManifestContext, req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
  const bytes = await readBody(req, MAX_MANIFEST_BYTES);
  const { digest, mediaType, refs } = await admitManifest(ctx.store, repo, reference, bytes, req.headers['content-type'] ?? '');
  await ctx.store.putManifest(repo, digest, { mediaType, bytes });
  if (!isDigest(reference)) await ctx.store.setTag(repo, reference, digest);
  const headers: Record<string, string> = { location: `/v2/${repo}/manifests/${digest}`, 'docker-content-digest': digest };
  if (ctx.referrers && refs.subject) headers['oci-subject'] = refs.subject.digest;
  sendEmpty(res, 201, headers);
}

/** DELETE /v2/<name>/manifests/<reference>: by digest removes the manifest and its tags, by tag the tag. */
export async function deleteManifest(ctx: ManifestContext, res: ServerResponse, repo: string, reference: string): Promise<void> {
  const gone = isDigest(reference) ? await ctx.store.deleteManifest(repo, reference) : await ctx.store.deleteTag(repo, reference);
  if (!gone) throw new ApiError('MANIFEST_UNKNOWN', `manifest unknown: ${repo}:${reference}`);
  sendEmpty(res, 202);
}

/** GET /v2/<name>/tags/list with `n`/`last` pagination. */
export async function listTags(ctx: ManifestContext, res: ServerResponse, repo: string, url: URL): Promise<void> {
  const tags = await ctx.store.listTags(repo);
  if (tags === undefined) throw new ApiError('NAME_UNKNOWN', `repository name not known to registry: ${repo}`, { name: repo });
  const { page, link } = paginate(tags, url, `/v2/${repo}/tags/list`);
  sendJson(res, 200, { name: repo, tags: page }, link ? { link } : {});
}

/** GET /v2/_catalog with `n`/`last` pagination. */
export async function catalog(ctx: ManifestContext, res: ServerResponse, url: URL): Promise<void> {
  const { page, link } = paginate(await ctx.store.listRepositories(), url, '/v2/_catalog');
  sendJson(res, 200, { repositories: page }, link ? { link } : {});
}

/** GET /v2/<name>/referrers/<digest>, optionally filtered by `artifactType`. */
export async function referrers(ctx: ManifestContext, res: ServerResponse, repo: string, digest: string, url: URL): Promise<void> {
  if (!ctx.referrers) {
    // Distribution 2.8 has no such route: a plain-text 404 from its router.
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
    return;
  }
  if (!isDigest(digest)) throw new ApiError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}`);
  const artifactType = url.searchParams.get('artifactType') ?? undefined;
  const manifests = await findReferrers(ctx.store, repo, digest, artifactType);
  const headers: Record<string, string> = { 'content-type': MediaTypes.ociIndex };
  if (artifactType !== undefined) headers['oci-filters-applied'] = 'artifactType';
  sendJson(res, 200, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }, headers);
}
