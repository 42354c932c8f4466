/**
 * Branded domain types for image references, and the few pure helpers around them.
 * A brand makes it a type error to pass a tag where a digest is expected.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A registry as written in a manifest: `host[:port][/path]`, e.g. `us.gcr.io/k8s-artifacts-prod`. */
export type RegistryName = Brand<string, 'RegistryName'>;
/** An image name relative to its registry, e.g. `sub/app`. */
export type ImageName = Brand<string, 'ImageName'>;
/** A content digest, `algorithm:hex`, e.g. `sha256:…`. */
export type Digest = Brand<string, 'Digest'>;
/** An image tag, e.g. `v1.2.3`. */
export type Tag = Brand<string, 'Tag'>;

/** Upstream's manifest digest rule (promoter/image/schema): sha256 only, lowercase hex. */
export const MANIFEST_DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
/** Upstream's tag rule: `^\w[\w.-]{0,127}$` (ASCII word characters, at most 128 characters). */
export const TAG_RE = /^\w[\w.-]{0,127}$/;
/** Digests the registry client accepts (OCI image-spec registered algorithms). */
export const DIGEST_RE = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** Marks a string as a registry name (no validation; see manifest/validate). */
export const registryName = (s: string): RegistryName => s as RegistryName;
/** Marks a string as an image name. */
export const imageName = (s: string): ImageName => s as ImageName;
/** Marks a string as a digest. */
export const digest = (s: string): Digest => s as Digest;
/** Marks a string as a tag. */
export const tag = (s: string): Tag => s as Tag;

/** Whether `s` is a digest the registry client can verify (sha256 or sha512). */
export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** A registry name split into the host (with port) and the path prefix inside that host. */
export interface RegistryLocation {
  host: string;
  /** Path prefix without leading or trailing slash; '' when the registry is a bare host. */
  path: string;
}

/** Splits `host[:port][/path]` into host and path. */
export function splitRegistry(name: RegistryName | string): RegistryLocation {
  const trimmed = name.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { host: trimmed, path: '' };
  return { host: trimmed.slice(0, slash), path: trimmed.slice(slash + 1) };
}

/** A repository on a registry host: what the distribution API addresses. */
export interface RepoRef {
  /** `host[:port]` */
  host: string;
  /** Repository path on that host, e.g. `k8s-artifacts-prod/images/pause`. */
  repository: string;
}

/** The repository that holds `image` under `registry` (registry path + image name). */
export function repoOf(registry: RegistryName | string, image: ImageName | string): RepoRef {
  const { host, path } = splitRegistry(registry);
  return { host, repository: path ? `${path}/${image}` : String(image) };
}

/** A stable string key for a repository: `host/repository`. */
export function repoKey(r: RepoRef): string {
  return `${r.host}/${r.repository}`;
}

/** Fully qualified image name by digest: `registry/name@digest` (upstream's FQIN). */
export function fqin(registry: RegistryName | string, name: ImageName | string, d: Digest | string): string {
  return `${registry}/${name}@${d}`;
}

/** Image reference by tag: `registry/name:tag` (upstream's PQIN). */
export function pqin(registry: RegistryName | string, name: ImageName | string, t: Tag | string): string {
  return `${registry}/${name}:${t}`;
}
