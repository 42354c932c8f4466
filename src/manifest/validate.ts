/**
 * Semantic checks of a decoded manifest (upstream schema.Manifest.Validate), applied to plain
 * AND thin manifests (upstream skips the digest and tag checks for thin ones). Returns every
 * problem; never throws. Messages keep upstream's wording first, then say what is allowed.
 */
import type { Problem } from '../errors.js';
import { MANIFEST_DIGEST_RE, TAG_RE } from '../image/ref.js';
import { problemAt, type ImageEntry, type PromoterManifest } from './schema.js';

/** One path component of a repository name (distribution reference grammar). */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** `host[:port]`: a DNS name, IPv4 or bracketed IPv6, with an optional port. */
const HOST = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?';
/** A registry as manifests write it: `host[:port][/path]`. */
export const REGISTRY_NAME_RE = new RegExp(`^${HOST}(?:/${COMPONENT})*$`);
/** An image name relative to its registry: one or more path components. */
export const IMAGE_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

const ALLOWED_DIGEST = 'a digest must be "sha256:" followed by 64 lowercase hexadecimal characters';
const ALLOWED_TAG =
  'a tag must match ^\\w[\\w.-]{0,127}$: 1 to 128 ASCII letters, digits, "_", "." or "-", not starting with "." or "-"';
const ALLOWED_REPO_PATH = 'path components are lowercase letters and digits separated by ".", "_", "__" or "-"';

/** Every problem of one manifest (registries, images, digests, tags). */
export function validateManifest(m: PromoterManifest): Problem[] {
  return [...validateRegistries(m), ...m.images.flatMap(validateImage)];
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
    } else if (!REGISTRY_NAME_RE.test(r.name)) {
      problems.push(
        problemAt(r.pos, `invalid registry name "${r.name}": expected host[:port][/path] without scheme or trailing "/"; ${ALLOWED_REPO_PATH}`),
      );
    }
  }
  return problems;
}

function validateImage(img: ImageEntry): Problem[] {
  const problems: Problem[] = [];
  if (img.name === '') {
    problems.push(problemAt(img.pos, "images: 'name' field cannot be empty: give the image name relative to the registry, e.g. sub/app"));
  } else if (!IMAGE_NAME_RE.test(img.name)) {
    problems.push(problemAt(img.pos, `invalid image name "${img.name}": ${ALLOWED_REPO_PATH}, joined by "/"`));
  }
  if (img.dmap.size === 0) {
    const what = img.name ? ` of image "${img.name}"` : '';
    problems.push(problemAt(img.pos, `images: 'dmap' field cannot be empty${what}: map each digest to its tags ([] for none)`));
  }
  for (const [d, tags] of img.dmap) {
    const pos = img.digestPos.get(d) ?? img.pos;
    if (!MANIFEST_DIGEST_RE.test(d)) {
      problems.push(problemAt(pos, `invalid digest: ${JSON.stringify(d)} (image "${img.name}"): ${ALLOWED_DIGEST}`));
    }
    for (const t of tags) {
      if (!TAG_RE.test(t)) {
        problems.push(problemAt(pos, `invalid tag: ${JSON.stringify(t)} (image "${img.name}"): ${ALLOWED_TAG}`));
      }
    }
  }
  return problems;
}
