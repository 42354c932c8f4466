/**
 * Seeds test registries directly over HTTP (undici, independent of kpromo's own registry client),
 * so tests of the client never depend on the client to set themselves up. Works against
 * Distribution (no auth, Basic, or Bearer through the token server; TLS with a CA) and the
 * in-process registry. Builders live in seed-build.ts and are re-exported here.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { BlobData, ImageData, ImageSpec, IndexData, ManifestData, Platform } from './seed-build.js';
import { buildImage, buildMultiPlatform } from './seed-build.js';
import { MANIFEST_ACCEPT } from '../../src/registry/types.js';

export * from './seed-build.js';

/** Where to seed: a registry base URL with optional credentials and CA (a Distribution fits). */
export interface SeedTarget {
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  credentials?: { username: string; password: string };
  /** PEM CA to trust (TLS registries). */
  ca?: string;
}

const ACCEPT = MANIFEST_ACCEPT.join(', ');

/** A raw answer: status, lower-case headers and the whole body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A minimal HTTP session with Basic and Bearer (token) auth. */
export class SeedSession {
  private readonly dispatcher: Agent;
  private readonly tokens = new Map<string, string>();
  private bearer: string | undefined;

  constructor(readonly target: SeedTarget) {
    this.dispatcher = new Agent(target.ca ? { connect: { ca: target.ca } } : {});
  }

  /** Sends a request (path relative to the registry or absolute URL), answering auth challenges once. */
  async send(method: Dispatcher.HttpMethod, pathOrUrl: string, opts: { body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<RawResponse> {
    const url = new URL(pathOrUrl, this.target.url);
    let res = await this.raw(method, url, opts, this.authHeader());
    if (res.status === 401 && this.target.credentials) {
      const challenge = res.headers['www-authenticate'] ?? '';
      if (/^bearer /i.test(challenge)) {
        this.bearer = await this.fetchToken(challenge);
      }
      res = await this.raw(method, url, opts, this.authHeader(challenge));
    }
    return res;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private authHeader(challenge = ''): string | undefined {
    const c = this.target.credentials;
    if (this.bearer && !/^basic /i.test(challenge)) return `Bearer ${this.bearer}`;
    if (c) return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    return undefined;
  }

  private async raw(method: Dispatcher.HttpMethod, url: URL, opts: { body?: Uint8Array; headers?: Record<string, string> }, authz: string | undefined): Promise<RawResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (authz) headers.authorization = authz;
    const res = await request(url, { method, headers, body: opts.body, dispatcher: this.dispatcher });
    const body = new Uint8Array(await res.body.arrayBuffer());
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, body };
  }

  /** Gets a token for the challenged scope (asking for pull,push on repositories). */
  private async fetchToken(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const scope = (params.scope ?? '').replace(/^(repository:[^:]+(?::[^:]+)*):pull$/, '$1:pull,push');
    const cached = this.tokens.get(scope);
    if (cached) return cached;
    const realm = new URL(params.realm!);
    if (params.service) realm.searchParams.set('service', params.service);
    if (scope) realm.searchParams.set('scope', scope);
    const c = this.target.credentials!;
    const res = await request(realm, { headers: { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } });
    const body = (await res.body.json()) as { token?: string; access_token?: string };
    if (res.statusCode !== 200) throw new Error(`token server answered ${res.statusCode}`);
    const token = body.token ?? body.access_token!;
    this.tokens.set(scope, token);
    return token;
  }
}

/** Runs `fn` with a fresh session, closing it afterwards. */
export async function withSession<T>(target: SeedTarget, fn: (s: SeedSession) => Promise<T>): Promise<T> {
  const s = new SeedSession(target);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const expect = (res: RawResponse, ok: number[], what: string): void => {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${new TextDecoder().decode(res.body).slice(0, 500)}`);
};

/** Pushes one blob (POST, then PUT ?digest= with octet-stream) unless already present. */
export async function pushBlobWith(s: SeedSession, repo: string, blob: BlobData): Promise<void> {
  const head = await s.send('HEAD', `/v2/${repo}/blobs/${blob.digest}`);
  if (head.status === 200) return;
  const start = await s.send('POST', `/v2/${repo}/blobs/uploads/`);
  expect(start, [202], `POST upload ${repo}`);
  const loc = new URL(start.headers.location!, new URL(`/v2/${repo}/blobs/uploads/`, s.target.url));
  loc.searchParams.set('digest', blob.digest);
  const put = await s.send('PUT', loc.toString(), { body: blob.bytes, headers: { 'content-type': 'application/octet-stream' } });
  expect(put, [201], `PUT blob ${blob.digest} to ${repo}`);
}

/** PUTs a manifest's exact bytes by `reference` (tag or digest). */
export async function pushManifestWith(s: SeedSession, repo: string, m: ManifestData, reference: string = m.digest): Promise<void> {
  const res = await s.send('PUT', `/v2/${repo}/manifests/${reference}`, { body: m.bytes, headers: { 'content-type': m.mediaType } });
  expect(res, [201], `PUT manifest ${reference} to ${repo}`);
}

/** Pushes an image: blobs, then the manifest (by digest, then by tag when given). */
export async function pushImage(target: SeedTarget, repo: string, image: ImageData, tag?: string): Promise<ImageData> {
  await withSession(target, async (s) => {
    for (const b of [image.config, ...image.layers]) await pushBlobWith(s, repo, b);
    await pushManifestWith(s, repo, image, tag ?? image.digest);
  });
  return image;
}

/** Pushes an index: every child image, then the index (by tag when given). */
export async function pushIndex(target: SeedTarget, repo: string, index: IndexData, tag?: string): Promise<IndexData> {
  await withSession(target, async (s) => {
    for (const child of index.manifests) {
      for (const b of [child.config, ...child.layers]) await pushBlobWith(s, repo, b);
      await pushManifestWith(s, repo, child);
    }
    await pushManifestWith(s, repo, index, tag ?? index.digest);
  });
  return index;
}

/** Builds and pushes an image under `tag` (or by digest only when tag is undefined). */
export function seedImage(target: SeedTarget, repo: string, tag: string | undefined, spec: ImageSpec): Promise<ImageData> {
  return pushImage(target, repo, buildImage(spec), tag);
}

/** Builds and pushes a multi-platform OCI index (or Docker list) with a shared base layer. */
export function seedIndex(target: SeedTarget, repo: string, tag: string | undefined, spec: { seed: string; platforms?: Platform[]; format?: 'oci' | 'docker' }): Promise<IndexData> {
  return pushIndex(target, repo, buildMultiPlatform(spec), tag);
}

/** GETs a manifest with the full Accept list (raw answer; status 404 when absent). */
export function fetchManifest(target: SeedTarget, repo: string, reference: string): Promise<RawResponse> {
  return withSession(target, (s) => s.send('GET', `/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT } }));
}

/** GETs a blob (raw answer). */
export function fetchBlob(target: SeedTarget, repo: string, digest: string): Promise<RawResponse> {
  return withSession(target, (s) => s.send('GET', `/v2/${repo}/blobs/${digest}`));
}

/** Lists tags of a repository (first page; Distribution 2.8 returns all). */
export async function fetchTags(target: SeedTarget, repo: string): Promise<string[]> {
  const res = await withSession(target, (s) => s.send('GET', `/v2/${repo}/tags/list`));
  if (res.status === 404) return [];
  expect(res, [200], `GET tags of ${repo}`);
  return ((JSON.parse(new TextDecoder().decode(res.body)) as { tags: string[] | null }).tags ?? []).sort();
}
