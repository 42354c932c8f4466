/**
 * Decodes the three manifest file shapes (plain manifest, thin promoter-manifest.yaml, thin
 * images.yaml) from YAML into positioned entries. Shape errors become problems on the reader;
 * semantic rules (one source registry, digest and tag syntax, …) live in validate.ts.
 */
import type { Pair } from 'yaml';
import { digest, imageName, registryName, tag, type Digest, type Tag } from '../image/ref.js';
import { quote, type ImageEntry, type RegistryEntry, type SourcePos } from './schema.js';
import type { YamlReader } from './yaml.js';

/** Keys of a `registries:` entry (upstream registry.Context). */
const REGISTRY_KEYS = ['name', 'service-account', 'src'] as const;
/** Keys of an `images:` entry (upstream registry.Image). */
const IMAGE_KEYS = ['name', 'dmap'] as const;
/** Top-level keys of a plain manifest. */
const PLAIN_KEYS = ['registries', 'images'] as const;
/** Top-level keys of a thin promoter-manifest.yaml; `imagesPath` is deprecated and ignored upstream. */
const THIN_KEYS = ['registries', 'imagesPath'] as const;

/** Decodes a plain manifest: `registries` and `images`. */
export function decodePlainManifest(r: YamlReader): { registries: RegistryEntry[]; images: ImageEntry[] } {
  const top = r.map(r.doc.contents, 'a manifest');
  if (!top) return { registries: [], images: [] };
  const f = r.fields(top, 'a manifest', PLAIN_KEYS);
  return { registries: decodeRegistries(r, f.get('registries')), images: decodeImages(r, f.get('images')) };
}

/** Decodes a thin promoter-manifest.yaml: `registries` (and the ignored `imagesPath`). */
export function decodeThinManifest(r: YamlReader): { registries: RegistryEntry[] } {
  const top = r.map(r.doc.contents, 'a thin promoter manifest');
  if (!top) return { registries: [] };
  const f = r.fields(top, 'a thin promoter manifest', THIN_KEYS);
  const ip = f.get('imagesPath');
  if (ip) r.text(ip.value, 'imagesPath', r.pos(ip.key)); // type-checked, then ignored like upstream
  return { registries: decodeRegistries(r, f.get('registries')) };
}

/** Decodes a thin images.yaml: a bare list of images. */
export function decodeImagesFile(r: YamlReader): ImageEntry[] {
  return decodeImageList(r, r.doc.contents, { file: r.file });
}

function decodeRegistries(r: YamlReader, pair: Pair<unknown, unknown> | undefined): RegistryEntry[] {
  if (!pair) return [];
  const list = r.seq(pair.value, 'registries', r.pos(pair.key));
  const out: RegistryEntry[] = [];
  for (const item of list?.items ?? []) {
    const pos = r.pos(item);
    const m = r.map(item, 'a registries entry', pos);
    if (!m) {
      out.push({ name: registryName(''), src: false, pos });
      continue;
    }
    const f = r.fields(m, 'a registries entry', REGISTRY_KEYS);
    const name = f.get('name');
    const src = f.get('src');
    const sa = f.get('service-account');
    out.push({
      name: registryName((name && r.text(name.value, 'registries: name', pos)) ?? ''),
      src: (src && r.bool(src.value, 'registries: src', r.pos(src.key))) ?? false,
      serviceAccount: sa ? r.text(sa.value, 'registries: service-account', pos) : undefined,
      pos,
    });
  }
  return out;
}

function decodeImages(r: YamlReader, pair: Pair<unknown, unknown> | undefined): ImageEntry[] {
  if (!pair) return [];
  return decodeImageList(r, pair.value, r.pos(pair.key));
}

function decodeImageList(r: YamlReader, node: unknown, fallback: SourcePos): ImageEntry[] {
  const list = r.seq(node, 'images', fallback);
  const out: ImageEntry[] = [];
  for (const item of list?.items ?? []) {
    const pos = r.pos(item);
    const empty: ImageEntry = { name: imageName(''), dmap: new Map(), digestPos: new Map(), pos };
    const m = r.map(item, 'an images entry', pos);
    if (!m) {
      out.push(empty);
      continue;
    }
    const f = r.fields(m, 'an images entry', IMAGE_KEYS);
    const name = f.get('name');
    const entry: ImageEntry = { ...empty, name: imageName((name && r.text(name.value, 'images: name', pos)) ?? '') };
    const dm = f.get('dmap');
    if (dm) decodeDmap(r, dm, entry);
    out.push(entry);
  }
  return out;
}

/** `dmap: {digest: [tags…]}`; a null or `[]` value means tagless. Repeated tags are merged. */
function decodeDmap(r: YamlReader, pair: Pair<unknown, unknown>, into: ImageEntry): void {
  const m = r.map(pair.value, 'images: dmap', r.pos(pair.key));
  for (const item of m?.items ?? []) {
    const pos = r.pos(item.key);
    const d = digest(r.text(item.key, 'a dmap digest', pos) ?? '');
    const tags = r.seq(item.value, `the tags of ${quote(d)}`, pos);
    const list: Tag[] = into.dmap.get(d) ?? [];
    const tagPos = new Map<Tag, SourcePos>();
    for (const t of tags?.items ?? []) {
      const s = r.text(t, `a tag of ${quote(d)}`, pos);
      if (s !== undefined && !list.includes(tag(s))) {
        list.push(tag(s));
        tagPos.set(tag(s), r.pos(t));
      }
    }
    if (tagPos.size) (into.tagPos ??= new Map()).set(d as Digest, tagPos);
    into.dmap.set(d as Digest, list);
    into.digestPos.set(d, pos);
  }
}
