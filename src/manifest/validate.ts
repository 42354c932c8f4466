/**
 * Semantic checks of a decoded manifest (upstream schema.Manifest.Validate), applied to plain
 * AND thin manifests (upstream skips the digest and tag checks for thin ones). Returns every
 * problem; never throws. Messages keep upstream's wording first, then say what is allowed.
 */
import type { Problem } from '../errors.js';
import { MANIFEST_DIGEST_RE, TAG_RE } from '../image/ref.js';
import { problemAt, quote, type ImageEntry, type PromoterManifest } from './schema.js';

/** One path component of a repository name (distribution reference grammar). */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** `host[:port]`: a DNS name, IPv4 or bracketed IPv6, with an optional port. */
const HOST = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?';
/** A registry as manifests write it: `host[:port][/path]`. */
export const REGISTRY_NAME_RE = new RegExp(`^${HOST}(?:/${COMPONENT})*$`);
/** An image name relative to its registry: one or more path components. */
export const IMAGE_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/**
 * Longest repository reference, `host[:port][/path]/name` (distribution-spec: clients limit
 * "the concatenation of the registry hostname (and optional port), /, and <name>" to 255;
 * distribution/reference NameTotalLengthMax).
 */
export const MAX_REFERENCE_LENGTH = 255;
/** Longest host name (RFC 1123), and longest label in it (RFC 1035). */
const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Longest tag: distribution-spec `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, as upstream's tag regex. */
export const MAX_TAG_LENGTH = 128;

const ALLOWED_DIGEST = 'a digest must be "sha256:" followed by 64 lowercase hexadecimal characters';
const ALLOWED_TAG =
  'a tag must match ^\\w[\\w.-]{0,127}$: 1 to 128 ASCII letters, digits, "_", "." or "-", not starting with "." or "-"';
const ALLOWED_REPO_PATH = 'path components are lowercase letters and digits separated by ".", "_", "__" or "-"';

/** Every problem of one manifest (registries, images, digests, tags). */
export function validateManifest(m: PromoterManifest): Problem[] {
  const longestRegistry = Math.max(0, ...m.registries.map((r) => r.name.length));
  return [...validateRegistries(m), ...m.images.flatMap((img) => validateImage(img, m, longestRegistry))];
}

/** Why a registry name is too long, or undefined. Checked before the grammar, which is costly on huge strings. */
function registryTooLong(name: string): string | undefined {
  if (name.length > MAX_REFERENCE_LENGTH) return `${name.length} characters; a repository reference (host[:port]/path/name) may have at most ${MAX_REFERENCE_LENGTH}`;
  const host = name.split('/')[0]!.replace(/:[0-9]*$/, '');
  if (host.length > MAX_HOST_LENGTH) return `its host is ${host.length} characters; a host name may have at most ${MAX_HOST_LENGTH}`;
  const label = host.split('.').find((l) => l.length > MAX_LABEL_LENGTH);
  if (label !== undefined) return `its host has a ${label.length}-character label; a DNS label may have at most ${MAX_LABEL_LENGTH}`;
  return undefined;
}

function validateRegistries(m: PromoterManifest): Problem[] {
  const problems: Problem[] = [];
  if (m.registries.length === 0) {
    problems.push({
      file: m.file,
      message: "'registries' field cannot be empty: list the source registry (with src: true) and its destinations",
    });
    return problems;
  }
  const sources = m.registries.filter((r) => r.src);
  if (sources.length > 1) {
    const names = sources.map((r) => `"${r.name}" (line ${r.pos.line ?? '?'})`).join(', ');
    problems.push(
      problemAt(sources[1]!.pos, `cannot have more than 1 source registry: ${names} all have src: true; keep it on exactly one`),
    );
  }
  if (sources.length === 0) {
    problems.push(problemAt(m.registries[0]!.pos, 'source registry must be set: mark exactly one registry with "src: true"'));
  }
  for (const r of m.registries) {
    if (r.name === '') {
      problems.push(problemAt(r.pos, "registries: 'name' field cannot be empty: give host[:port][/path], e.g. gcr.io/k8s-staging-foo"));
    } else if (registryTooLong(r.name)) {
      problems.push(problemAt(r.pos, `registry name ${quote(r.name)} is too long: ${registryTooLong(r.name)}`));
    } else if (!REGISTRY_NAME_RE.test(r.name)) {
      problems.push(
        problemAt(r.pos, `invalid registry name ${quote(r.name)}: expected host[:port][/path] without scheme or trailing "/"; ${ALLOWED_REPO_PATH}`),
      );
    }
  }
  return problems;
}

function validateImage(img: ImageEntry, m: PromoterManifest, longestRegistry: number): Problem[] {
  const problems: Problem[] = [];
  const name = quote(img.name);
  if (img.name === '') {
    problems.push(problemAt(img.pos, "images: 'name' field cannot be empty: give the image name relative to the registry, e.g. sub/app"));
  } else if (longestRegistry + 1 + img.name.length > MAX_REFERENCE_LENGTH) {
    const reg = m.registries.find((r) => r.name.length === longestRegistry)?.name ?? '';
    const total = reg ? reg.length + 1 + img.name.length : img.name.length;
    problems.push(
      problemAt(
        img.pos,
        `image name ${name} is too long: ${reg ? `under registry ${quote(reg)} the reference is` : 'it is'} ${total} characters; a repository reference (host[:port]/path/name) may have at most ${MAX_REFERENCE_LENGTH}`,
      ),
    );
  } else if (!IMAGE_NAME_RE.test(img.name)) {
    problems.push(problemAt(img.pos, `invalid image name ${name}: ${ALLOWED_REPO_PATH}, joined by "/"`));
  }
  if (img.dmap.size === 0) {
    const what = img.name ? ` of image "${img.name}"` : '';
    problems.push(problemAt(img.pos, `images: 'dmap' field cannot be empty${what}: map each digest to its tags ([] for none)`));
  }
  for (const [d, tags] of img.dmap) {
    const pos = img.digestPos.get(d) ?? img.pos;
    if (!MANIFEST_DIGEST_RE.test(d)) {
      problems.push(problemAt(pos, `invalid digest: ${quote(d)} (image ${name}): ${ALLOWED_DIGEST}`));
    }
    for (const t of tags) {
      if (t.length > MAX_TAG_LENGTH) {
        problems.push(problemAt(pos, `invalid tag: ${quote(t)} (image ${name}): ${t.length} characters, at most ${MAX_TAG_LENGTH}; ${ALLOWED_TAG}`));
      } else if (!TAG_RE.test(t)) {
        problems.push(problemAt(pos, `invalid tag: ${quote(t)} (image ${name}): ${ALLOWED_TAG}`));
      }
    }
  }
  return problems;
}
